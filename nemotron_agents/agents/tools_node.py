"""The tool step: every call of a model turn is a task of its own, saved the moment it finishes.

The agent's route sends each call of its last turn to the ``tools`` node (LangGraph's ``Send``),
one task per call, and the tasks run at the same time. Each writes its ``ToolMessage`` to the
history as it finishes; LangGraph keeps the writes of finished tasks when a step fails or the
process dies, so resuming the thread runs only the calls that had not finished: a card charged
before a crash is not charged again. (Under LangGraph's default ``durability="async"`` a step's
checkpoint is written while its calls start; pass ``durability="sync"`` to ``invoke`` / ``stream``
to have it on disk before any call runs.) LangGraph applies the tasks' writes in the order of the
sends, so results follow the order of the calls.

When a call needs a human's approval, the route goes to the ``approval`` node first: it asks once
for every such call of the turn (``interrupt``, before any call runs), then sends the calls on,
the rejected ones carrying the rejection. Graphs whose tools need no approval have no such node.

Written here rather than with LangGraph's ``ToolNode`` because every failure must become a
``ToolMessage`` for the model (ToolNode re-raises tool exceptions by default and cannot see
``invalid_tool_calls``), and arguments must go through the registry's own validation.

Per call, the model gets exactly one ``ToolMessage``:

* malformed arguments JSON (``invalid_tool_calls``) -> error naming the parse problem, echoing at
  most :data:`MAX_ECHOED_ARGS` characters of what was sent;
* unknown tool -> error listing the available tools;
* invalid arguments -> error naming each bad field and the allowed values;
* exception or timeout in the tool, or a result holding ``inf`` / ``nan`` -> error naming it;
* oversized output -> truncated with a marker (20,000 characters unless the tool or
  ``build_agent`` sets another limit);
* a tool with ``requires_approval`` runs only after a human approves it (``interrupt``); a
  rejection is reported to the model as an error result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.errors import GraphBubbleUp
from langgraph.graph import StateGraph
from langgraph.types import Command, Send
from pydantic import BaseModel, ValidationError

from nemotron_agents.agents._node import node
from nemotron_agents.agents.approval import review_calls
from nemotron_agents.agents.context import AgentContext
from nemotron_agents.agents.state import AgentState, InputState, OutputState
from nemotron_agents.errors import ToolArgumentsError, ToolCallError, UnknownToolError
from nemotron_agents.tools import DEFAULT_MAX_OUTPUT_CHARS, Tool, ToolRegistry

__all__ = [
    "APPROVAL",
    "EDITED_NOTE",
    "MALFORMED_CALL",
    "MAX_ECHOED_ARGS",
    "TOOLS",
    "ResponseTool",
    "ToolStep",
]

#: Node names of the tool step: one ``tools`` task per call; ``approval`` asks a human first.
TOOLS, APPROVAL = "tools", "approval"

MALFORMED_CALL = (
    "Error: the call to tool '{name}' could not be run because its arguments are not valid "
    "JSON ({error}). Arguments received: {args}. Call the tool again with a JSON object of "
    "arguments."
)

#: Put before the result of a call a human edited at approval.
EDITED_NOTE = "(A human edited this call's arguments before it ran; it ran with {args}.) "

#: Most characters of a malformed call's arguments echoed back: a 1 MB argument string must not
#: land whole in the next prompt (and in every prompt after it).
MAX_ECHOED_ARGS = 500


@dataclass(frozen=True)
class ResponseTool:
    """The tool through which the model gives a ``response_format`` answer."""

    name: str
    schema: type[BaseModel]

    def validate(self, args: Any) -> BaseModel:
        try:
            return self.schema.model_validate(args)
        except ValidationError as exc:
            errors = [
                {
                    "field": ".".join(str(p) for p in err["loc"]) or "(arguments)",
                    "problem": err["msg"],
                }
                for err in exc.errors()
            ]
            raise ToolArgumentsError(self.name, errors) from None


@dataclass
class _Job:
    call: Mapping[str, Any]
    tool: Tool | None = None
    error: str | None = None


def _last_ai(state: AgentState) -> AIMessage | None:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, AIMessage):
            return message
    return None


def _error_message(call: dict[str, Any], text: str) -> ToolMessage:
    return ToolMessage(
        content=text, tool_call_id=call["id"], name=call.get("name") or "unknown", status="error"
    )


def _echo(args: Any) -> str:
    text = str(args)
    if len(text) <= MAX_ECHOED_ARGS:
        return text
    return f"{text[:MAX_ECHOED_ARGS]}…[cut: showed {MAX_ECHOED_ARGS} of {len(text)} characters]"


def _malformed(bad: dict[str, Any]) -> ToolMessage:
    text = MALFORMED_CALL.format(
        name=bad.get("name"), error=bad.get("error") or "parse error", args=_echo(bad.get("args"))
    )
    return _error_message(bad, text)


class ToolStep:
    """The nodes that run a turn's calls, and the route that sends the calls to them.

    Args:
        registry: The :class:`~nemotron_agents.tools.ToolRegistry` the model may call.
        response_tool: The structured-output tool, when ``response_format`` is set.
        max_output_chars: Result text limit for tools that set none; ``None`` keeps all.
    """

    def __init__(
        self,
        registry: ToolRegistry,
        *,
        response_tool: ResponseTool | None = None,
        max_output_chars: int | None = DEFAULT_MAX_OUTPUT_CHARS,
    ) -> None:
        self.registry = registry
        self.response_tool = response_tool
        self.max_output_chars = max_output_chars
        self.needs_approval = any(getattr(t, "requires_approval", False) for t in registry)

    @property
    def destinations(self) -> list[str]:
        """Nodes the agent's route may go to for a turn with calls."""
        return [APPROVAL, TOOLS] if self.needs_approval else [TOOLS]

    def add_to(
        self, graph: StateGraph[AgentState, AgentContext, InputState, OutputState], *, then: str
    ) -> None:
        """Add the nodes to ``graph``; after the calls, go to ``then``."""
        graph.add_node(TOOLS, node(self._run_call, self._arun_call, name=TOOLS))
        graph.add_edge(TOOLS, then)
        if self.needs_approval:
            graph.add_node(APPROVAL, node(self._approve, name=APPROVAL), destinations=(TOOLS,))

    def route(self, message: AIMessage) -> str | list[Send]:
        """Where a turn with calls goes: the approval node, or one task per call."""
        if self.needs_approval and any(
            getattr(self._tool(c["name"]), "requires_approval", False) for c in message.tool_calls
        ):
            return APPROVAL
        return [Send(TOOLS, {"call": c, "malformed": True}) for c in message.invalid_tool_calls] + [
            Send(TOOLS, {"call": c}) for c in message.tool_calls
        ]

    def _tool(self, name: str) -> Tool | None:
        return self.registry.get(name) if name in self.registry else None

    # --- approval ---------------------------------------------------------------------------

    def _approve(self, state: AgentState) -> Command[str]:
        message = _last_ai(state)
        asked = message.tool_calls if message else []
        jobs = [_Job(call=c, tool=self._tool(c["name"])) for c in asked]
        _ask_approval(
            [j for j in jobs if j.tool is not None]
        )  # an interrupt re-runs this node only
        sends = [
            Send(TOOLS, {"call": c, "malformed": True})
            for c in (message.invalid_tool_calls if message else [])
        ]
        sends += [
            # an edited call says so in its result: the model's own turn still shows its arguments
            Send(
                TOOLS, {"call": j.call, "rejected": j.error, "edited": j.call["args"] != c["args"]}
            )
            for j, c in zip(jobs, asked, strict=False)
        ]
        return Command(goto=sends)

    # --- one call ---------------------------------------------------------------------------

    def _answer_now(self, task: dict[str, Any]) -> dict[str, Any] | None:
        """The update for a call that does not run (malformed, rejected, unknown, the answer)."""
        call = task["call"]
        if task.get("malformed"):
            return {"messages": [_malformed(call)]}
        if task.get("rejected"):
            return {"messages": [_error_message(call, task["rejected"])]}
        if self.response_tool and call["name"] == self.response_tool.name:
            try:
                answer = self.response_tool.validate(call["args"])
            except ToolCallError as exc:
                return {"messages": [_error_message(call, str(exc))]}
            done = ToolMessage(
                content="Final answer recorded.", tool_call_id=call["id"], name=call["name"]
            )
            return {"messages": [done], "structured_response": answer}
        if call["name"] not in self.registry:
            names = list(self.registry.names()) + (
                [self.response_tool.name] if self.response_tool else []
            )
            return {"messages": [_error_message(call, str(UnknownToolError(call["name"], names)))]}
        return None

    def _result(self, task: dict[str, Any], outcome: Any) -> dict[str, Any]:
        call = task["call"]
        if task.get("edited"):
            note = EDITED_NOTE.format(args=json.dumps(call["args"], ensure_ascii=False))
            update = self._result({"call": call}, outcome)
            (message,) = update["messages"]
            update["messages"] = [
                message.model_copy(update={"content": note + str(message.content)})
            ]
            return update
        if isinstance(outcome, BaseException):
            text = (
                str(outcome)
                if isinstance(outcome, ToolCallError)
                else (f"Tool '{call['name']}' failed: {type(outcome).__name__}: {outcome}")
            )
            return {"messages": [_error_message(call, text)]}
        tool = self.registry.get(call["name"])
        content = tool.format_output(outcome, default_max_chars=self.max_output_chars)
        return {
            "messages": [ToolMessage(content=content, tool_call_id=call["id"], name=call["name"])]
        }

    def _run_call(self, task: dict[str, Any]) -> dict[str, Any]:
        if (now := self._answer_now(task)) is not None:
            return now
        call = task["call"]
        try:
            outcome = self.registry.get(call["name"]).run(call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            outcome = exc
        return self._result(task, outcome)

    async def _arun_call(self, task: dict[str, Any]) -> dict[str, Any]:
        if (now := self._answer_now(task)) is not None:
            return now
        call = task["call"]
        try:
            outcome = await self.registry.get(call["name"]).arun(call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            outcome = exc
        return self._result(task, outcome)


def _ask_approval(jobs: list[_Job]) -> None:
    """Ask a human about every call that needs approval (one interrupt); apply the answers."""
    pending = [j for j in jobs if getattr(j.tool, "requires_approval", False)]
    for job, review in zip(
        pending, review_calls([(j.call, j.tool) for j in pending]), strict=False
    ):
        job.call, job.error = review.call, review.error

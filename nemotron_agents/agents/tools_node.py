"""The tool step: every call of a model turn is a task of its own, saved the moment it finishes.

Three nodes, added together by :func:`add_tool_step`:

* ``tools`` reads the last ``AIMessage``, answers at once what cannot run (malformed arguments
  JSON, unknown tool, the structured-output tool), asks a human once for every call that needs
  approval (``interrupt``, before any call runs), then sends each call that may run to
  ``call_tool`` (LangGraph's ``Send``).
* ``call_tool`` runs one call and saves its ``ToolMessage`` in the state's ``tool_results``.
  The calls of a turn run at the same time. LangGraph keeps the saved writes of the tasks that
  finished when a step fails or the process dies, so resuming the thread runs only the calls
  that had not finished: a card charged before a crash is not charged again. (Under LangGraph's
  default ``durability="async"`` a step's checkpoint is written while its calls start; pass
  ``durability="sync"`` to ``invoke`` / ``stream`` to have it on disk before any call runs.)
* ``tools_done`` moves the results to ``messages`` in the order of the calls; the graph routes
  on from there.

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

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableLambda
from langgraph.errors import GraphBubbleUp
from langgraph.graph import StateGraph
from langgraph.types import Command, Send
from pydantic import BaseModel, ValidationError

from nemotron_agents.agents.approval import review_calls
from nemotron_agents.agents.state import AgentState
from nemotron_agents.errors import ToolArgumentsError, ToolCallError, UnknownToolError
from nemotron_agents.tools.output import DEFAULT_MAX_OUTPUT_CHARS

__all__ = [
    "add_tool_step",
    "ResponseTool",
    "MALFORMED_CALL",
    "MAX_ECHOED_ARGS",
    "TOOLS",
    "CALL_TOOL",
    "TOOLS_DONE",
]

#: Node names of the tool step.
TOOLS, CALL_TOOL, TOOLS_DONE = "tools", "call_tool", "tools_done"

MALFORMED_CALL = (
    "Error: the call to tool '{name}' could not be run because its arguments are not valid "
    "JSON ({error}). Arguments received: {args}. Call the tool again with a JSON object of "
    "arguments."
)

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
    call: dict[str, Any]
    tool: Any = None
    error: str | None = None


def _last_ai(state: AgentState) -> AIMessage | None:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, AIMessage):
            return message
    return None


def _error_message(call: dict[str, Any], text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call["id"], name=call.get("name") or "unknown", status="error")


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


def add_tool_step(
    graph: StateGraph,
    registry: Any,
    *,
    response_tool: ResponseTool | None = None,
    max_output_chars: int | None = DEFAULT_MAX_OUTPUT_CHARS,
) -> str:
    """Add the nodes that run the tool calls of the last ``AIMessage`` (see the module docstring).

    Route to :data:`TOOLS` to run a turn's calls; route on from the node this returns.

    Args:
        graph: The agent's ``StateGraph`` (its state must be :class:`AgentState`).
        registry: The :class:`~nemotron_agents.tools.ToolRegistry` the model may call.
        response_tool: The structured-output tool, when ``response_format`` is set.
        max_output_chars: Result text limit for tools that set none; ``None`` keeps all.

    Returns:
        :data:`TOOLS_DONE`, the node after which every call of the turn has its result.
    """
    plan = _plan_node(registry, response_tool)
    graph.add_node(TOOLS, plan, destinations=(CALL_TOOL, TOOLS_DONE))
    graph.add_node(CALL_TOOL, _call_node(registry, max_output_chars))
    graph.add_node(TOOLS_DONE, RunnableLambda(_collect, afunc=_acollect, name=TOOLS_DONE))
    graph.add_edge(CALL_TOOL, TOOLS_DONE)
    return TOOLS_DONE


def _plan_node(registry: Any, response_tool: ResponseTool | None) -> RunnableLambda:
    def plan(state: AgentState) -> Command:
        message = _last_ai(state)
        jobs: list[_Job] = []
        done: dict[str, ToolMessage] = {}
        update: dict[str, Any] = {}
        for bad in message.invalid_tool_calls if message else []:
            done[bad["id"]] = _malformed(bad)
        for call in message.tool_calls if message else []:
            if response_tool and call["name"] == response_tool.name:
                try:
                    update["structured_response"] = response_tool.validate(call["args"])
                    done[call["id"]] = ToolMessage(
                        content="Final answer recorded.", tool_call_id=call["id"], name=call["name"]
                    )
                except ToolCallError as exc:
                    done[call["id"]] = _error_message(call, str(exc))
                continue
            try:
                tool = registry.get(call["name"])
            except UnknownToolError:
                names = list(registry.names()) + ([response_tool.name] if response_tool else [])
                done[call["id"]] = _error_message(call, str(UnknownToolError(call["name"], names)))
                continue
            jobs.append(_Job(call=call, tool=tool))
        _ask_approval(jobs)  # before any call runs: an interrupt re-runs this node, not the tools
        sends = []
        for job in jobs:
            if job.error is not None:
                done[job.call["id"]] = _error_message(job.call, job.error)
            else:
                sends.append(Send(CALL_TOOL, {"call": job.call}))
        return Command(update={**update, "tool_results": done}, goto=sends or TOOLS_DONE)

    async def aplan(state: AgentState) -> Command:
        return plan(state)

    return RunnableLambda(plan, afunc=aplan, name=TOOLS)


def _call_node(registry: Any, max_output_chars: int | None) -> RunnableLambda:
    def saved(call: dict[str, Any], tool: Any, outcome: Any) -> dict[str, Any]:
        if isinstance(outcome, BaseException):
            text = str(outcome) if isinstance(outcome, ToolCallError) else (
                f"Tool '{call['name']}' failed: {type(outcome).__name__}: {outcome}"
            )
            message = _error_message(call, text)
        else:
            content = tool.format_output(outcome, default_max_chars=max_output_chars)
            message = ToolMessage(content=content, tool_call_id=call["id"], name=call["name"])
        return {"tool_results": {call["id"]: message}}

    def run_call(payload: dict[str, Any]) -> dict[str, Any]:
        call = payload["call"]
        tool = registry.get(call["name"])
        try:
            outcome = tool.run(call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            outcome = exc
        return saved(call, tool, outcome)

    async def arun_call(payload: dict[str, Any]) -> dict[str, Any]:
        call = payload["call"]
        tool = registry.get(call["name"])
        try:
            outcome = await tool.arun(call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            outcome = exc
        return saved(call, tool, outcome)

    return RunnableLambda(run_call, afunc=arun_call, name=CALL_TOOL)


def _collect(state: AgentState) -> dict[str, Any]:
    results = state.get("tool_results") or {}
    message = _last_ai(state)
    order = [c["id"] for c in [*message.tool_calls, *message.invalid_tool_calls]] if message else []
    # results in the order of the calls; None empties tool_results for the next turn
    return {"messages": [results[i] for i in order if i in results], "tool_results": None}


async def _acollect(state: AgentState) -> dict[str, Any]:
    return _collect(state)


def _ask_approval(jobs: list[_Job]) -> None:
    """Ask a human about every call that needs approval (one interrupt); apply the answers."""
    pending = [j for j in jobs if getattr(j.tool, "requires_approval", False)]
    for job, review in zip(pending, review_calls([(j.call, j.tool) for j in pending])):
        job.call, job.error = review.call, review.error

"""The ``agent`` node: one model call, with Mistral hygiene, retries and fallback."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.types import Command, Send

from nemotron_agents.agents._node import node
from nemotron_agents.agents._run_models import pick_chain
from nemotron_agents.agents.context import AgentContext
from nemotron_agents.agents.state import AgentState
from nemotron_agents.models import WireCache
from nemotron_agents.models.fallback import CallOutcome, ModelChain

__all__ = ["CUT_OFF_CALL", "STRUCTURED_NUDGE", "make_model_node", "steps_so_far"]

#: Sent when ``response_format`` is set and the model answered in prose instead of the tool.
STRUCTURED_NUDGE = "Give your final answer by calling the `{name}` tool, not as text."


def steps_so_far(state: AgentState) -> int:
    """Model calls made in this run: a run starts when the last message is the user's."""
    messages = state.get("messages") or []
    if messages and isinstance(messages[-1], HumanMessage) and not _is_nudge(messages[-1]):
        return 0
    return int(state.get("steps") or 0)


def _is_nudge(message: BaseMessage) -> bool:
    return bool(message.additional_kwargs.get("nemotron_agents_nudge"))


def _fresh_id() -> str:
    return uuid.uuid4().hex[:9]


def _with_unique_ids(message: AIMessage) -> AIMessage:
    """Give every call an id, unique within the turn (some models send none or repeat one)."""
    seen: set[str] = set()

    def unique(call: Any) -> dict[str, Any]:
        cid = call.get("id") or _fresh_id()
        cid = _fresh_id() if cid in seen else cid
        seen.add(cid)
        return {**call, "id": cid}

    calls = [unique(c) for c in message.tool_calls]
    bad = [unique(c) for c in message.invalid_tool_calls]
    return message.model_copy(update={"tool_calls": calls, "invalid_tool_calls": bad})


#: Error for calls in an answer the server cut off at ``max_tokens``.
CUT_OFF_CALL = "the answer was cut off at the max_tokens limit, so these arguments are incomplete"


def _cut_calls_are_malformed(message: AIMessage) -> AIMessage:
    """An answer cut at ``max_tokens`` carries truncated arguments. Streamed, LangChain's
    partial-JSON parser "repairs" them into a valid-looking call (``"2 ** 10 + 5"`` cut to
    ``"2 ** 10 "``), which must not run: the model gets them back as malformed calls."""
    if message.response_metadata.get("finish_reason") != "length" or not message.tool_calls:
        return message
    cut = [
        {
            "type": "invalid_tool_call",
            "id": c.get("id"),
            "name": c["name"],
            "args": json.dumps(c["args"]),
            "error": CUT_OFF_CALL,
        }
        for c in message.tool_calls
    ]
    return message.model_copy(
        update={"tool_calls": [], "invalid_tool_calls": [*message.invalid_tool_calls, *cut]}
    )


def make_model_node(
    chain: ModelChain | Callable[[AgentContext], ModelChain],
    *,
    system_prompt: str | None = None,
    response_tool: str | None = None,
    after_tools: Callable[[AgentState], str | None] | None = None,
    route: Callable[[list[BaseMessage], int], str | list[Send]] | None = None,
) -> Runnable[AgentState, dict[str, Any] | Command[str]]:
    """Build the node that asks the model for the next step.

    Args:
        chain: Models (bound to the tools) in order of preference, with retry settings; or a
            function picking them from the run's context (see ``agents/_run_models.py``).
        system_prompt: Prepended to every request; never stored in state.
        response_tool: Name of the structured-output tool, when ``response_format`` is set.
        after_tools: When the last message is a tool result, where the run goes instead of
            asking the model (a node name), or ``None`` to ask it.
        route: Where the run goes after the model's answer, from the messages the node adds
            and the run's step count; the node returns it as a ``Command``. Decided here rather
            than on a conditional edge, which would read the whole state back (LangGraph merges
            the history once more per step to give an edge a fresh view).

    Returns:
        A runnable with sync and async paths, usable as a LangGraph node.
    """

    wire = WireCache()  # the history only grows between requests: convert only what is new

    def _request(state: AgentState) -> list[BaseMessage]:
        return wire.prepare(system_prompt, state["messages"])

    def _update(state: AgentState, outcome: CallOutcome) -> dict[str, Any] | Command[str]:
        message = _with_unique_ids(_cut_calls_are_malformed(outcome.message))
        message.response_metadata = {
            **message.response_metadata,
            "answered_by": outcome.model,
            "fallback": outcome.fallback,
        }
        new: list[BaseMessage] = [message]
        if response_tool and not message.tool_calls and not message.invalid_tool_calls:
            new.append(
                HumanMessage(
                    content=STRUCTURED_NUDGE.format(name=response_tool),
                    additional_kwargs={"nemotron_agents_nudge": True},
                )
            )
        update: dict[str, Any] = {
            "messages": new,
            "steps": steps_so_far(state) + 1,
            "usage": outcome.usage(),
            "turns": [outcome.turn("agent")],
        }
        if response_tool and steps_so_far(state) == 0:
            update["structured_response"] = None  # a new run must not return the last run's answer
        if route is None:
            return update
        return Command(update=update, goto=route(new, update["steps"]))

    def elsewhere(state: AgentState) -> Command[str] | None:
        if after_tools is None or not isinstance(state["messages"][-1], ToolMessage):
            return None
        goto = after_tools(state)
        return Command(goto=goto) if goto is not None else None

    def call_model(state: AgentState, config: RunnableConfig) -> dict[str, Any] | Command[str]:
        if (command := elsewhere(state)) is not None:
            return command
        return _update(state, pick_chain(chain).invoke(_request(state), config=config))

    async def acall_model(
        state: AgentState, config: RunnableConfig
    ) -> dict[str, Any] | Command[str]:
        if (command := elsewhere(state)) is not None:
            return command
        return _update(state, await pick_chain(chain).ainvoke(_request(state), config=config))

    return node(call_model, acall_model, name="agent")

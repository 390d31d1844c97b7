"""The ``summarize`` node: replace older messages with a summary when the history grows too long.

The cut is pair-safe: it never leaves a ``ToolMessage`` whose ``AIMessage`` was summarised away,
nor an ``AIMessage`` whose results were (the partial-intersection bug users hit with
``SummarizationMiddleware``). The summariser sees the old part as a plain transcript, so no tool
protocol rule can make that request fail. If the summariser fails, the history is kept whole and
the failure is recorded in ``turns``: nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Sequence

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from nemotron_agents.agents.context import AgentContext
from nemotron_agents.agents.run_models import pick_chain
from nemotron_agents.agents.state import AgentState
from nemotron_agents.models.fallback import CallOutcome, ModelChain

__all__ = ["make_summarize_node", "needs_summary", "safe_cut", "SUMMARY_PREFIX", "SUMMARY_PROMPT"]

SUMMARY_PREFIX = "Summary of the earlier conversation:\n"
SUMMARY_PROMPT = (
    "Summarise the conversation below for an assistant that will continue it. Keep every fact, "
    "number, name, decision, tool result and open question it will need; drop small talk. "
    "Write plain prose, at most about {words} words."
)


def history_tokens(messages: Sequence[BaseMessage]) -> int:
    """Approximate token count of the history (langchain-core's 4-characters rule)."""
    return count_tokens_approximately(list(messages))


def needs_summary(state: AgentState, max_history_tokens: int | None) -> bool:
    """True when the history is over budget and has something old enough to summarise."""
    if not max_history_tokens:
        return False
    messages = state.get("messages") or []
    return history_tokens(messages) > max_history_tokens and safe_cut(messages, max_history_tokens // 2) > 0


def safe_cut(messages: Sequence[BaseMessage], keep_tokens: int) -> int:
    """Index where the kept tail starts: as many recent messages as fit in ``keep_tokens``
    (at least the last one), moved back until no tool call is separated from its results."""
    cut, kept = len(messages) - 1, history_tokens(messages[-1:]) if messages else 0
    while cut > 0:
        kept += history_tokens(messages[cut - 1 : cut])
        if kept > keep_tokens:
            break
        cut -= 1
    owner: dict[str, int] = {}
    for index, message in enumerate(messages):
        if isinstance(message, AIMessage):
            for call in [*message.tool_calls, *message.invalid_tool_calls]:
                if call.get("id"):
                    owner[call["id"]] = index
    moved = True
    while moved and cut > 0:
        moved = False
        for message in messages[cut:]:
            start = owner.get(message.tool_call_id) if isinstance(message, ToolMessage) else None
            if start is not None and start < cut:
                cut, moved = start, True
                break
        # A tool result may also sit right at the cut with its call in the tail's past.
        if not moved and isinstance(messages[cut], ToolMessage):
            cut, moved = cut - 1, True
    return cut


def _transcript(messages: Sequence[BaseMessage]) -> str:
    lines = []
    for message in messages:
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        if isinstance(message, AIMessage) and message.tool_calls:
            calls = ", ".join(f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})" for c in message.tool_calls)
            text = f"{text}\n[called {calls}]".strip()
        role = {"human": "User", "ai": "Assistant", "tool": f"Tool {getattr(message, 'name', '')}".strip(), "system": "Note"}.get(
            message.type, message.type
        )
        lines.append(f"{role}: {text}")
    return "\n".join(lines)


def make_summarize_node(
    chain: ModelChain | Callable[[AgentContext], ModelChain], *, max_history_tokens: int
) -> RunnableLambda:
    """Build the node that summarises the old part of the history.

    Args:
        chain: The summariser model(s) (Mistral-NeMo 12B by default), with retries.
        max_history_tokens: Budget that triggers a summary; the kept tail is about half of it.
    """
    keep = max_history_tokens // 2

    def request(state: AgentState) -> tuple[list[BaseMessage], list[BaseMessage], list[BaseMessage]]:
        messages = list(state["messages"])
        cut = safe_cut(messages, keep)
        old, tail = messages[:cut], messages[cut:]
        prompt = [
            SystemMessage(content=SUMMARY_PROMPT.format(words=max(50, keep // 3))),
            HumanMessage(content=_transcript(old)),
        ]
        return prompt, old, tail

    def update(outcome: CallOutcome | None, error: Exception | None, tail: list[BaseMessage]) -> dict[str, Any]:
        if outcome is None:
            return {"turns": [{"node": "summarize", "failures": [["summarizer", str(error)]]}]}
        text = outcome.message.content if isinstance(outcome.message.content, str) else str(outcome.message.content)
        summary = SystemMessage(content=SUMMARY_PREFIX + text.strip(), additional_kwargs={"nemotron_agents_summary": True})
        return {
            "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), summary, *tail],
            "usage": outcome.usage(),
            "turns": [outcome.turn("summarize")],
        }

    def summarize(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        prompt, _, tail = request(state)
        try:
            return update(pick_chain(chain).invoke(prompt, config=config), None, tail)
        except Exception as exc:  # noqa: BLE001 - keep the whole history rather than fail the run
            return update(None, exc, tail)

    async def asummarize(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        prompt, _, tail = request(state)
        try:
            return update(await pick_chain(chain).ainvoke(prompt, config=config), None, tail)
        except Exception as exc:  # noqa: BLE001 - keep the whole history rather than fail the run
            return update(None, exc, tail)

    return RunnableLambda(summarize, afunc=asummarize, name="summarize")


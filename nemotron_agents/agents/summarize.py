"""The ``summarize`` node: replace older messages with a summary when the history grows too long.

The cut is pair-safe: it never leaves a ``ToolMessage`` whose ``AIMessage`` was summarised away,
nor an ``AIMessage`` whose results were (the partial-intersection bug users hit with
``SummarizationMiddleware``). The summariser sees the old part as a plain transcript, so no tool
protocol rule can make that request fail. If the summariser fails, the history is kept whole and
the failure is recorded in ``turns``: nothing is lost.

Two rules keep a run usable when one tool result is bigger than the whole budget:

* First, every tool result is cut to its share of a quarter of the budget (the results of one
  model turn share it), with a marker saying how much was kept. When that brings the history
  under budget, no summary is made at all; otherwise the summary is made from the cut results.
  Without this, one huge result kept the history over budget after every step, so the
  summariser ran on nearly every step.
* The user's question (the last human message of the run) is never summarised away: when it
  falls in the summarised part, it follows the summary word for word.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from nemotron_agents.agents._node import node
from nemotron_agents.agents._run_models import pick_chain
from nemotron_agents.agents.context import AgentContext
from nemotron_agents.agents.state import AgentState
from nemotron_agents.models import MessageMemo
from nemotron_agents.models.fallback import CallOutcome, ModelChain

__all__ = [
    "BUDGET_CUT_MARKER",
    "MIN_HISTORY_TOKENS",
    "SUMMARY_PREFIX",
    "SUMMARY_PROMPT",
    "WINDOW_SHARE",
    "HistoryBudget",
    "fit_long_messages",
    "fit_tool_results",
    "make_summarize_node",
    "needs_summary",
    "safe_cut",
    "window_budget",
]

SUMMARY_PREFIX = "Summary of the earlier conversation:\n"
SUMMARY_PROMPT = (
    "Summarise the conversation below for an assistant that will continue it. Keep every fact, "
    "number, name, decision, tool result and open question it will need; drop small talk. "
    "Write plain prose, at most about {words} words."
)
#: Ends a message cut to fit the history budget.
BUDGET_CUT_MARKER = "\n…[cut to fit the history budget: showed {shown} of {total} characters]"
# langchain-core's approximate count: about four characters per token.
_CHARS_PER_TOKEN = 4
#: Share of the model's window (after the answer and the fixed part) the history may fill.
WINDOW_SHARE = 0.75
#: Smallest history budget accepted (a summary plus the question must fit).
MIN_HISTORY_TOKENS = 100
# A message cut to fit keeps its type.
_M = TypeVar("_M", bound=BaseMessage)

# What the summarize node works out: cut results by id, the summariser's prompt, the kept tail.
_Plan = tuple[dict[str, BaseMessage], "list[BaseMessage] | None", list[BaseMessage]]


def history_tokens(messages: Sequence[BaseMessage]) -> int:
    """Approximate token count of the history (langchain-core's 4-characters rule)."""
    return count_tokens_approximately(list(messages))


def needs_summary(state: AgentState, max_history_tokens: int | None) -> bool:
    """True when the history is over budget and has something old enough to summarise."""
    if not max_history_tokens:
        return False
    messages = state.get("messages") or []
    return (
        history_tokens(messages) > max_history_tokens
        and safe_cut(messages, max_history_tokens // 2) > 0
    )


class HistoryBudget:
    """:func:`needs_summary` with a running count: each message is counted once per
    conversation, so the check costs the new messages only, not the whole history per step.

    Args:
        max_tokens: The budget (approximate tokens) the history must stay within.
    """

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens
        self._counts: MessageMemo[int] = MessageMemo(lambda m: count_tokens_approximately([m]))

    def __call__(self, state: AgentState) -> bool:
        messages = state.get("messages") or []
        counts = self._counts.values(messages)
        if sum(counts) <= self.max_tokens:
            return False
        # something to summarise, or one message too big to keep whole (it is cut)
        return max(counts) > self.max_tokens // 2 or safe_cut(messages, self.max_tokens // 2) > 0


def window_budget(*, context_window: int, max_tokens: int | None, fixed_tokens: int) -> int:
    """History tokens that leave room for the answer and the request's fixed part.

    The count is approximate (four characters a token; code and numbers run denser), so the
    history gets :data:`WINDOW_SHARE` of what remains of the window after ``max_tokens`` and the
    fixed part (system prompt, tool schemas).
    """
    room = context_window - (max_tokens or 0) - fixed_tokens
    return max(MIN_HISTORY_TOKENS, int(room * WINDOW_SHARE))


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
                if call_id := call.get("id"):
                    owner[call_id] = index
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


def fit_tool_results(messages: Sequence[BaseMessage], max_tokens: int) -> dict[str, ToolMessage]:
    """Tool results cut so that the results of each model turn fit in ``max_tokens`` together.

    Each result of a turn with ``n`` calls may keep ``max_tokens / n`` tokens; a longer one is
    cut, with :data:`BUDGET_CUT_MARKER` at its end.

    Returns:
        The cut results by message id (same ids: as an update they replace the originals).
    """
    calls_per_turn: dict[str, int] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            calls = [*message.tool_calls, *message.invalid_tool_calls]
            for call in calls:
                if (call_id := call.get("id")) is not None:
                    calls_per_turn[call_id] = len(calls)
    cut: dict[str, ToolMessage] = {}
    for message in messages:
        if not (
            isinstance(message, ToolMessage) and isinstance(message.content, str) and message.id
        ):
            continue
        room = max_tokens // max(1, calls_per_turn.get(message.tool_call_id, 1)) * _CHARS_PER_TOKEN
        if len(message.content) > room:
            cut[message.id] = _cut_to(message, room)
    return cut


def fit_long_messages(messages: Sequence[BaseMessage], max_tokens: int) -> dict[str, BaseMessage]:
    """User and assistant messages longer than ``max_tokens`` alone, cut to it with a marker
    (a pasted document bigger than the model's window must not stop the thread for good)."""
    room = max_tokens * _CHARS_PER_TOKEN
    return {
        m.id: _cut_to(m, room)
        for m in messages
        if isinstance(m, (HumanMessage, AIMessage))
        and isinstance(m.content, str)
        and m.id
        and len(m.content) > room
    }


def _cut_to(message: _M, room: int) -> _M:
    total = len(str(message.content))
    # the marker's numbers have at most as many digits as `room`: the cut text fits in it
    shown = max(0, room - len(BUDGET_CUT_MARKER.format(shown=room, total=total)))
    text = str(message.content)[:shown] + BUDGET_CUT_MARKER.format(shown=shown, total=total)
    return message.model_copy(update={"content": text})


def _question(messages: Sequence[BaseMessage]) -> HumanMessage | None:
    """The user's question: the last human message that is not the agent's own nudge."""
    for message in reversed(messages):
        nudge = message.additional_kwargs.get("nemotron_agents_nudge")
        if isinstance(message, HumanMessage) and not nudge:
            return message
    return None


def _transcript(messages: Sequence[BaseMessage]) -> str:
    lines = []
    for message in messages:
        text = message.content if isinstance(message.content, str) else json.dumps(message.content)
        if isinstance(message, AIMessage) and message.tool_calls:
            calls = ", ".join(
                f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})"
                for c in message.tool_calls
            )
            text = f"{text}\n[called {calls}]".strip()
        role = {
            "human": "User",
            "ai": "Assistant",
            "tool": f"Tool {getattr(message, 'name', '')}".strip(),
            "system": "Note",
        }.get(message.type, message.type)
        lines.append(f"{role}: {text}")
    return "\n".join(lines)


def make_summarize_node(
    chain: ModelChain | Callable[[AgentContext], ModelChain], *, max_history_tokens: int
) -> Runnable[AgentState, dict[str, Any]]:
    """Build the node that summarises the old part of the history.

    Args:
        chain: The summariser model(s) (Mistral-NeMo 12B by default), with retries.
        max_history_tokens: Budget that triggers a summary; the kept tail is about half of it,
            and the tool results of one turn get at most a quarter of it.
    """
    keep = max_history_tokens // 2

    def plan(state: AgentState) -> _Plan:
        """The cut results, the summariser's prompt (``None``: no summary needed) and the tail."""
        messages: list[BaseMessage] = list(state["messages"])
        cut_results: dict[str, BaseMessage] = {
            **fit_tool_results(messages, keep // 2),
            **fit_long_messages(messages, keep),
        }
        messages = [cut_results.get(m.id, m) if m.id else m for m in messages]
        cut = safe_cut(messages, keep)
        if history_tokens(messages) <= max_history_tokens or cut == 0:
            return cut_results, None, messages
        old, tail = messages[:cut], messages[cut:]
        question = _question(messages)
        if question is not None and any(m is question for m in old):
            tail = [question, *tail]  # the question stays, word for word, after the summary
        prompt = [
            SystemMessage(content=SUMMARY_PROMPT.format(words=max(50, keep // 3))),
            HumanMessage(content=_transcript(old)),
        ]
        return cut_results, prompt, tail

    def summarised(outcome: CallOutcome, tail: list[BaseMessage]) -> dict[str, Any]:
        text = (
            outcome.message.content
            if isinstance(outcome.message.content, str)
            else str(outcome.message.content)
        )
        summary = SystemMessage(
            content=SUMMARY_PREFIX + text.strip(),
            additional_kwargs={"nemotron_agents_summary": True},
        )
        return {
            "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), summary, *tail],
            "usage": outcome.usage(),
            "turns": [outcome.turn("summarize")],
        }

    def failed(cut_results: dict[str, BaseMessage], error: Exception) -> dict[str, Any]:
        return {
            "messages": list(cut_results.values()),
            "turns": [{"node": "summarize", "failures": [["summarizer", str(error)]]}],
        }

    def summarize(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        cut_results, prompt, tail = plan(state)
        if prompt is None:  # cutting the results was enough
            return {"messages": list(cut_results.values())}
        try:
            return summarised(pick_chain(chain).invoke(prompt, config=config), tail)
        except Exception as exc:  # noqa: BLE001 - keep the whole history rather than fail the run
            return failed(cut_results, exc)

    async def asummarize(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        cut_results, prompt, tail = plan(state)
        if prompt is None:  # cutting the results was enough
            return {"messages": list(cut_results.values())}
        try:
            return summarised(await pick_chain(chain).ainvoke(prompt, config=config), tail)
        except Exception as exc:  # noqa: BLE001 - keep the whole history rather than fail the run
            return failed(cut_results, exc)

    return node(summarize, asummarize, name="summarize")

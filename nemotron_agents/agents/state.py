"""The agent's graph state: the messages plus what the run measured.

Everything here is plain data (no model objects, no secrets), so any checkpointer can save it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from operator import attrgetter
from typing import Annotated, Any, TypeGuard

from langchain_core.messages import (
    AnyMessage,
    BaseMessage,
    BaseMessageChunk,
    MessageLikeRepresentation,
    RemoveMessage,
)
from langgraph.graph.message import Messages, add_messages

# pydantic (and so LangGraph Studio's input form) needs typing_extensions' TypedDict below 3.12.
from typing_extensions import TypedDict

__all__ = [
    "MAX_TURNS",
    "AgentState",
    "InputState",
    "ModelTurn",
    "OutputState",
    "add_turns",
    "merge_messages",
    "merge_usage",
]

_message_id = attrgetter("id")


def _plain(messages: list[Any]) -> TypeGuard[list[BaseMessage]]:
    """True when every item is a finished message (no chunk, no ``RemoveMessage``)."""
    return all(
        issubclass(kind, BaseMessage) and not issubclass(kind, BaseMessageChunk | RemoveMessage)
        for kind in set(map(type, messages))
    )


def merge_messages(left: Messages, right: Messages) -> Messages:
    """LangGraph's ``add_messages``, with a fast path for what a step almost always does: append.

    ``add_messages`` walks the whole history in Python twice per merge (ids to assign, then an
    index by id), and a step merges twice: at step 400 of a thread, 3,200 messages visited per
    step. When ``left`` is a history of plain messages that all have ids and ``right`` only
    adds new plain messages, the result is ``left + right`` and the checks run at C speed (half
    the time at 800 messages). Anything else (an update or removal by id,
    ``REMOVE_ALL_MESSAGES``, chunks, tuples or dicts, a history message without an id, a
    repeated id) goes to ``add_messages`` itself, so the result is always the same as its.
    """
    if type(left) is list and type(right) is list and _plain(left) and _plain(right):
        appended = _append(left, right)
        if appended is not None:
            return appended
    return add_messages(left, right)


def _append(history: list[BaseMessage], new: list[BaseMessage]) -> list[Any] | None:
    """``history + new`` when ``new`` only adds messages; None when ``add_messages`` must merge."""
    known = set(map(_message_id, history))
    if None in known:
        return None
    fresh = {m.id for m in new if m.id is not None}
    if not fresh.isdisjoint(known) or len(fresh) != sum(m.id is not None for m in new):
        return None
    for message in new:
        if message.id is None:  # add_messages names them the same way
            message.id = str(uuid.uuid4())
    return history + new


def merge_usage(
    left: dict[str, dict[str, int]] | None, right: dict[str, dict[str, int]] | None
) -> dict[str, dict[str, int]]:
    """Add per-model token counts.

    The shape: ``{model: {"input_tokens", "output_tokens", "total_tokens", "calls"}}``.
    """
    merged = {model: dict(counts) for model, counts in (left or {}).items()}
    for model, counts in (right or {}).items():
        into = merged.setdefault(model, {})
        for key, value in counts.items():
            into[key] = into.get(key, 0) + int(value or 0)
    return merged


#: Model calls ``turns`` keeps: a thread of thousands of steps must not grow every checkpoint.
MAX_TURNS = 100


def add_turns(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    """Append the new turns, keeping the last :data:`MAX_TURNS`."""
    merged = [*(left or []), *(right or [])]
    return merged[-MAX_TURNS:]


class ModelTurn(TypedDict, total=False):
    """One model call as the run saw it.

    Attributes:
        node: ``"agent"`` or ``"summarize"``.
        model: Id of the model that answered (absent when none did).
        fallback: True when the first model failed and a later one answered.
        failures: ``[model, error]`` pairs of the attempts that failed first.
    """

    node: str
    model: str
    fallback: bool
    failures: list[list[str]]


class InputState(TypedDict):
    """What a caller sends: new messages, as messages or in any form LangChain turns into one
    (``("user", "Hi")``, ``{"role": "user", "content": "Hi"}``, a plain string)."""

    # A Sequence, so a list of any message type passes the checker (a list is invariant).
    messages: Annotated[Sequence[AnyMessage | MessageLikeRepresentation], merge_messages]


class OutputState(TypedDict, total=False):
    """What a caller gets back."""

    messages: Annotated[list[AnyMessage], merge_messages]
    structured_response: Any
    usage: Annotated[dict[str, dict[str, int]], merge_usage]
    turns: Annotated[list[ModelTurn], add_turns]


class AgentState(OutputState, total=False):
    """Full state of the tool-calling agent.

    Attributes:
        messages: The conversation (merged as ``add_messages`` does; the summariser may replace
            old ones).
        structured_response: The validated ``response_format`` object, once the model gave it.
        usage: Tokens per model id, accumulated over the thread.
        turns: One :class:`ModelTurn` per model call, the thread's last :data:`MAX_TURNS` (the
            totals are in ``usage``).
        steps: Model calls in the current run (reset when a run starts from a user message).
    """

    steps: int

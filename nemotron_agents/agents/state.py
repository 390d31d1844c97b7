"""The agent's graph state: the messages plus what the run measured.

Everything here is plain data (no model objects, no secrets), so any checkpointer can save it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from langchain_core.messages import AnyMessage, MessageLikeRepresentation
from langgraph.graph.message import add_messages

# pydantic (and so LangGraph Studio's input form) needs typing_extensions' TypedDict below 3.12.
from typing_extensions import TypedDict

__all__ = [
    "MAX_TURNS",
    "AgentState",
    "InputState",
    "ModelTurn",
    "OutputState",
    "add_turns",
    "merge_usage",
]


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
    messages: Annotated[Sequence[AnyMessage | MessageLikeRepresentation], add_messages]


class OutputState(TypedDict, total=False):
    """What a caller gets back."""

    messages: Annotated[list[AnyMessage], add_messages]
    structured_response: Any
    usage: Annotated[dict[str, dict[str, int]], merge_usage]
    turns: Annotated[list[ModelTurn], add_turns]


class AgentState(OutputState, total=False):
    """Full state of the tool-calling agent.

    Attributes:
        messages: The conversation (with ``add_messages``; the summariser may replace old ones).
        structured_response: The validated ``response_format`` object, once the model gave it.
        usage: Tokens per model id, accumulated over the thread.
        turns: One :class:`ModelTurn` per model call, the thread's last :data:`MAX_TURNS` (the
            totals are in ``usage``).
        steps: Model calls in the current run (reset when a run starts from a user message).
    """

    steps: int

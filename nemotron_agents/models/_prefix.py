"""Work per message done once per conversation, not once per request.

Between two requests an agent's history only grows (the model's turn, the tools' results), so
what was computed for the messages already seen can be kept. Whether the history still starts
with them is checked by object identity (pointers: nothing is copied or converted); anything
else (a summary rewrote it, a run resumed from disk, a fork) starts over, so a kept value is
never stale.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from langchain_core.messages import BaseMessage

__all__ = ["MessageMemo", "conversation_key", "shared_prefix"]

T = TypeVar("T")


def shared_prefix(seen: Sequence[object], messages: Sequence[object]) -> int:
    """How many leading ``messages`` are the very objects of ``seen``."""
    # Run once per request over the whole history: compared in C (map over operator.is_), and
    # the usual answer, "all of seen", is confirmed without building a list.
    if all(map(operator.is_, seen, messages)):
        return min(len(seen), len(messages))
    return list(map(operator.is_, seen, messages)).index(False)


def conversation_key(messages: Sequence[BaseMessage]) -> str:
    """A conversation is known by its first message (LangGraph gives every message an id)."""
    return (messages[0].id or str(id(messages[0]))) if messages else ""


class MessageMemo(Generic[T]):
    """``fn(message)`` for every message of a history, computed once per message.

    Args:
        fn: The per-message value (a token count, …).
        max_conversations: Histories kept; the least recently used is dropped (and recomputed
            if it comes back).
    """

    def __init__(self, fn: Callable[[BaseMessage], T], *, max_conversations: int = 128) -> None:
        self._fn = fn
        self._max = max_conversations
        self._kept: OrderedDict[str, tuple[list[BaseMessage], list[T]]] = OrderedDict()

    def values(self, messages: Sequence[BaseMessage]) -> list[T]:
        """One value per message of ``messages``, in order."""
        key = conversation_key(messages)
        seen, values = self._kept.get(key, ([], []))
        done = shared_prefix(seen, messages)
        values = values[:done] + [self._fn(m) for m in messages[done:]]
        self._kept[key] = (list(messages), values)
        self._kept.move_to_end(key)
        while len(self._kept) > self._max:
            self._kept.popitem(last=False)
        return values

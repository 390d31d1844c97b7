"""Replies queued by a test, per model, for the ``"scripted"`` policy."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

from nemotron_agents.testing.emulator._model.replies import Reply, ReplyLike, coerce_reply

__all__ = ["ScriptBook"]


class ScriptBook:
    """Queued replies per model (``None``: for any model); thread-safe."""

    def __init__(self) -> None:
        self._queues: dict[str | None, deque[Reply]] = {}
        self._lock = threading.Lock()

    def add(self, model: str | None, replies: Iterable[ReplyLike]) -> None:
        """Append replies for ``model``; each is checked now, so a typo fails in the test."""
        coerced = [coerce_reply(r) for r in replies]
        with self._lock:
            self._queues.setdefault(model, deque()).extend(coerced)

    def pop(self, model: str | None) -> Reply | None:
        """The next reply for ``model`` (its own queue first, then the any-model one)."""
        with self._lock:
            for key in (model, None):
                queue = self._queues.get(key)
                if queue:
                    return queue.popleft()
        return None

    def remaining(self, model: str | None = None) -> int:
        """Replies left for ``model`` (own queue plus the any-model one)."""
        with self._lock:
            own = len(self._queues.get(model, ())) if model is not None else 0
            return own + len(self._queues.get(None, ()))

    def clear(self) -> None:
        """Drop every queued reply."""
        with self._lock:
            self._queues.clear()

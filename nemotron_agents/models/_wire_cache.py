"""Hygiene whose cost per request does not grow with the history.

An agent's history only grows between requests (the model's turn, the tools' results), so the
wire form of what was already sent is kept, per conversation, and only the new messages are
processed: ``WireCache.prepare(system, messages)`` equals ``prepare_messages([system, *messages])``.
It starts over whenever the history is not the cached one plus new messages (a summary rewrote
it, a run resumed from disk, a fork), or when a new message changes earlier output (a result
for a call that had none).

The check that the history still starts with the cached messages compares object identity
(:mod:`~nemotron_agents.models._prefix`), so a request costs the new messages' hygiene plus one
list of references.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.messages import BaseMessage, SystemMessage

from nemotron_agents.models._prefix import conversation_key, shared_prefix
from nemotron_agents.models.hygiene import Hygiene

__all__ = ["WireCache"]


@dataclass
class _Entry:
    inputs: list[BaseMessage] = field(default_factory=list)
    hygiene: Hygiene = field(default_factory=Hygiene)


class WireCache:
    """Per-conversation incremental :func:`~nemotron_agents.models.hygiene.prepare_messages`.

    Args:
        max_conversations: Conversations kept (least recently used ones are dropped; a dropped
            one is recomputed on its next request, never wrong).
    """

    def __init__(self, *, max_conversations: int = 128) -> None:
        self._entries: OrderedDict[tuple[str | None, str], _Entry] = OrderedDict()
        self._max = max_conversations
        self.rebuilds = 0  # histories processed from the start (tests and the bench read it)

    def prepare(self, system: str | None, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
        """The wire history of ``system`` (if any) followed by ``messages``."""
        if not messages:
            return Hygiene.of([SystemMessage(system)] if system else [])
        key = (system, conversation_key(messages))
        entry = self._entries.get(key)
        if entry is None or not _extended(entry, messages):
            self.rebuilds += 1
            entry = _Entry()
            if system:
                entry.hygiene.feed([SystemMessage(system)])
            entry.hygiene.feed(messages)
        entry.inputs = list(messages)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return entry.hygiene.result()


def _extended(entry: _Entry, messages: Sequence[BaseMessage]) -> bool:
    """Feed ``entry`` the messages after its inputs; ``False`` when ``messages`` does not start
    with them, or the new ones change earlier output (the history must be processed afresh)."""
    done = len(entry.inputs)
    return shared_prefix(entry.inputs, messages) == done and entry.hygiene.feed(messages[done:])

"""Mistral protocol hygiene: make any message history acceptable to a Mistral server.

Mistral-tokenizer servers (vLLM/NIM running mistral-common's validator) reject histories that
other providers accept. :func:`prepare_messages` returns a *copy* of the history fixed for the wire;
the graph state keeps the original. It is applied to every request the agent sends, whichever
chat model produced the history:

* tool-call ids become 9 alphanumerics (``^[a-zA-Z0-9]{9}$``), the same mapping for an
  ``AIMessage``'s calls and their ``ToolMessage`` results; deterministic and collision-free;
* ``additional_kwargs["tool_calls"]`` is rebuilt from ``.tool_calls``: langchain-nvidia-ai-endpoints
  1.5 sends an assistant's calls only from there, and after a streamed turn it is empty, so the
  next request would carry ``{"role": "assistant", "content": ""}`` then a tool message (400);
* every tool call gets exactly one result (a missing one gets an error result; an orphan or
  duplicate result is dropped) and results follow their call directly;
* an assistant turn with tool calls carries no text (Mistral-NeMo's V3 validator allows content
  *or* tool calls), and an empty assistant turn is dropped;
* system messages are merged into one at the start (a system message may not follow a tool);
* a user message never directly follows a tool result (an assistant acknowledgement is inserted);
* tool names NIM would reject are not touched here: the tool registry gives wire names.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = [
    "ACKNOWLEDGEMENT",
    "MISSING_RESULT",
    "Hygiene",
    "mistral_tool_call_id",
    "prepare_messages",
]

_ID_RE = re.compile(r"^[a-zA-Z0-9]{9}$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: Result sent for a tool call that has none in the history (e.g. a run stopped mid-turn).
MISSING_RESULT = "Error: this tool call has no result (the run stopped before it finished)."
#: Assistant turn inserted where a user message would otherwise follow a tool result.
ACKNOWLEDGEMENT = "Noted."


def mistral_tool_call_id(original: str, *, salt: int = 0) -> str:
    """A 9-character alphanumeric id derived from ``original`` (stable across runs)."""
    digest = int.from_bytes(hashlib.sha256(f"{salt}:{original}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(9):
        digest, rem = divmod(digest, 62)
        chars.append(_ALPHABET[rem])
    return "".join(chars)


class _IdMap:
    """Original id -> wire id, collision-free within one request."""

    def __init__(self) -> None:
        self._map: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, original: str | None) -> str:
        key = original or ""
        if key in self._map:
            return self._map[key]
        candidate, salt = key, 0
        while not _ID_RE.match(candidate) or candidate in self._used:
            candidate = mistral_tool_call_id(key, salt=salt)
            salt += 1
        self._map[key] = candidate
        self._used.add(candidate)
        return candidate


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _calls_of(message: AIMessage) -> list[dict[str, Any]]:
    """Valid and malformed calls of one turn, as ``{"id", "name", "args"}``.

    Malformed calls get ``{}`` as their arguments.
    """
    calls = [
        {"id": c.get("id"), "name": c["name"], "args": c.get("args") or {}}
        for c in message.tool_calls
    ]
    calls += [
        {"id": c.get("id"), "name": c.get("name") or "unknown", "args": {}}
        for c in message.invalid_tool_calls
    ]
    return calls


def _assistant_with_calls(
    message: AIMessage, calls: list[dict[str, Any]], ids: _IdMap
) -> AIMessage:
    wire_calls = [
        {"id": ids(c["key"]), "name": c["name"], "args": c["args"], "type": "tool_call"}
        for c in calls
    ]
    raw = [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["args"], ensure_ascii=False)},
        }
        for c in wire_calls
    ]
    kwargs = {
        k: v
        for k, v in message.additional_kwargs.items()
        if k not in ("tool_calls", "function_call")
    }
    kwargs["tool_calls"] = raw
    return AIMessage(
        content="",
        tool_calls=wire_calls,
        additional_kwargs=kwargs,
        name=message.name,
        id=message.id,
    )


def prepare_messages(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Return a copy of ``messages`` that a Mistral server accepts (see the module docstring).

    Args:
        messages: The history as the graph holds it, from any chat model.

    Returns:
        The wire history; the inputs are not modified. Messages that need no change are passed
        through as they are (the same objects), the others are new.
    """
    return Hygiene.of(messages)


class Hygiene:
    """:func:`prepare_messages` as a process that can be fed a history in parts.

    ``feed(a); feed(b)`` gives the result of ``prepare_messages(a + b)``, unless ``b`` answers a
    call of ``a`` that ``a`` left without a result: :meth:`feed` then returns ``False`` and the
    caller starts over (see :class:`~nemotron_agents.models._wire_cache.WireCache`).
    """

    def __init__(self) -> None:
        self.ids = _IdMap()
        self.systems: list[str] = []
        self.body: list[BaseMessage] = []
        # Results queued per id, in order: some providers reuse ids ("call_0") across turns.
        self.results: dict[str, list[ToolMessage]] = {}
        self.seen: dict[str, int] = {}
        self.missing: set[str] = set()  # ids of calls given MISSING_RESULT
        self._head: tuple[list[str], list[BaseMessage]] | None = None

    @classmethod
    def of(cls, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
        """``prepare_messages`` itself."""
        hygiene = cls()
        hygiene.feed(messages)
        return hygiene.result()

    def feed(self, messages: Sequence[BaseMessage]) -> bool:
        """Process the next messages of the history; ``False`` if they change earlier output."""
        for message in messages:
            if isinstance(message, ToolMessage):
                if message.tool_call_id in self.missing:
                    return False
                self.results.setdefault(message.tool_call_id, []).append(message)
        for message in messages:
            self._one(message)
        return True

    def result(self) -> list[BaseMessage]:
        """The wire history so far: one merged system message, then the body."""
        if self._head is None or self._head[0] != self.systems:
            head: list[BaseMessage] = (
                [SystemMessage(content="\n\n".join(self.systems))] if self.systems else []
            )
            self._head = (list(self.systems), head)
        return [*self._head[1], *self.body]

    def _one(self, message: BaseMessage) -> None:
        body = self.body
        if isinstance(message, SystemMessage):
            if text := _text(message.content).strip():
                self.systems.append(text)
        elif isinstance(message, ToolMessage):
            return  # placed right after its call; orphans and duplicates are dropped
        elif isinstance(message, AIMessage):
            calls = _calls_of(message)
            if not calls:
                if _text(message.content).strip():
                    body.append(_plain_assistant(message))
                return
            for call in calls:  # a reused id gets its own wire id per occurrence
                n = self.seen[call["id"] or ""] = self.seen.get(call["id"] or "", -1) + 1
                call["key"] = f"{call['id'] or ''}#{n}" if n else call["id"] or ""
            body.append(_assistant_with_calls(message, calls, self.ids))
            for call in calls:
                queue = self.results.get(call["id"] or "", [])
                found = queue.pop(0) if queue else None
                if found is None:
                    self.missing.add(call["id"] or "")
                body.append(_result(found, self.ids(call["key"]), call["name"]))
        elif isinstance(message, HumanMessage) or message.type in ("human", "user"):
            if body and isinstance(body[-1], ToolMessage):
                body.append(AIMessage(content=ACKNOWLEDGEMENT))
            body.append(_user(message))
        else:
            body.append(message)


def _plain_assistant(message: AIMessage) -> AIMessage:
    if isinstance(message.content, str) and "tool_calls" not in message.additional_kwargs:
        return message  # already what the wire needs
    kwargs = {k: v for k, v in message.additional_kwargs.items() if k != "tool_calls"}
    return AIMessage(
        content=_text(message.content), additional_kwargs=kwargs, name=message.name, id=message.id
    )


def _result(found: ToolMessage | None, wire_id: str, name: str) -> ToolMessage:
    if found is None:
        return ToolMessage(content=MISSING_RESULT, tool_call_id=wire_id, name=name, status="error")
    if (
        found.tool_call_id == wire_id
        and isinstance(found.content, str)
        and "name" not in found.additional_kwargs
    ):
        return found  # already what the wire needs
    return ToolMessage(
        content=_text(found.content), tool_call_id=wire_id, name=name, status=found.status
    )


def _user(message: BaseMessage) -> BaseMessage:
    if type(message) is HumanMessage and "name" not in message.additional_kwargs:
        return message  # already what the wire needs
    return HumanMessage(content=message.content, name=message.name, id=message.id)

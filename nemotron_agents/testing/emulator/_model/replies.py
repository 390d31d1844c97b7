"""What a model replies: text, tool calls, or a fault; the shorthand tests may use for one; and
the replies a test queues per model for the ``"scripted"`` policy."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nemotron_agents.testing.emulator.faults import Fault

__all__ = ["Reply", "ReplyLike", "ScriptBook", "ToolCall", "coerce_reply"]


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model makes.

    Attributes:
        name: Function name (any string: an unknown name is how a test offers a wrong tool).
        arguments: A dict (sent as JSON) or a raw string (sent as is, e.g. broken JSON).
        id: Tool-call id; a fresh nine-character id is generated when ``None``.
    """

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        """The ``arguments`` string as sent on the wire."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), ensure_ascii=False)


@dataclass(frozen=True)
class Reply:
    """A complete model answer (or a fault instead of one).

    Attributes:
        content: Assistant text (``None`` for none).
        tool_calls: Calls to make; several are parallel calls.
        finish_reason: Overrides the derived one (``"tool_calls"`` when there are calls, else
            ``"stop"``).
        fault: When set, the call fails this way instead (content and calls are ignored, except
            by the faults that corrupt a reply).
        stop_reason: The ``stop`` string that ended the text, reported as vLLM's ``stop_reason``.
    """

    content: str | None = None
    tool_calls: Sequence[ToolCall] = ()
    finish_reason: str | None = None
    fault: Fault | None = None
    stop_reason: str | None = None

    def derived_finish_reason(self) -> str:
        """``finish_reason`` as the server reports it."""
        if self.finish_reason:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


#: Anything :func:`coerce_reply` accepts: ``str`` (text), :class:`ToolCall`, ``(name, args)``,
#: ``{"name", "arguments"|"args"}``, a list of calls (parallel), :class:`Reply` or :class:`Fault`.
ReplyLike = (
    str
    | ToolCall
    | tuple[str, Mapping[str, Any] | str]
    | Mapping[str, Any]
    | Sequence[Any]
    | Reply
    | Fault
)


def _coerce_call(item: Any) -> ToolCall:
    if isinstance(item, ToolCall):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return ToolCall(item[0], item[1])
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        args = item.get("arguments", item.get("args", {}))
        return ToolCall(item["name"], args, item.get("id"))
    raise TypeError(f"not a tool call: {item!r} (use ToolCall(name, args), (name, args) or a dict)")


def coerce_reply(spec: Any) -> Reply:
    """Turn a scripted or callback answer into a :class:`Reply`.

    Raises:
        TypeError: For anything that is not a :data:`ReplyLike`.
    """
    if isinstance(spec, Reply):
        return spec
    if isinstance(spec, Fault):
        return Reply(fault=spec)
    if isinstance(spec, str):
        return Reply(content=spec)
    if isinstance(spec, list):
        return Reply(tool_calls=tuple(_coerce_call(item) for item in spec))
    return Reply(tool_calls=(_coerce_call(spec),))


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

"""Faults a test can inject, and the per-model book of pending ones.

==========================  ======================================================================
kind                        effect (parameters)
==========================  ======================================================================
``rate_limit``              429, ``Retry-After`` header (``retry_after`` seconds, default 1; None
                            omits the header)
``server_error``            500 (``message``)
``unavailable``             503 (``retry_after``: optional ``Retry-After``; ``message``)
``unauthorized``            401 (hosted: empty body + ``WWW-Authenticate``; local: vLLM's body)
``forbidden``               403
``bad_request``             400 in vLLM's envelope (``message``)
``delay``                   sleep ``seconds`` (default 1) before answering, then answer normally
``disconnect``              close the connection before any response byte
``disconnect_mid_stream``   stream: send ``after_chunks`` SSE events (default 2) then close;
                            non-stream: send the headers and half the body, then close
``malformed_arguments``     the first tool call's ``arguments`` is invalid JSON (a stray ``}``)
``unknown_tool``            the first tool call names a tool not offered (``name``)
``empty_choices``           200 with ``"choices": []``
==========================  ======================================================================

The first seven act before the model runs (gateway/transport faults); the rest shape the
model's answer, and make a tool call when the model would not have made one.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULT_KINDS", "PRE_FAULTS", "REPLY_FAULTS", "Fault", "FaultBook"]

#: Faults that act before the model runs.
PRE_FAULTS = frozenset(
    {
        "rate_limit",
        "server_error",
        "unavailable",
        "unauthorized",
        "forbidden",
        "bad_request",
        "delay",
        "disconnect",
    }
)
#: Faults that shape the model's answer.
REPLY_FAULTS = frozenset(
    {"disconnect_mid_stream", "malformed_arguments", "unknown_tool", "empty_choices"}
)
FAULT_KINDS = PRE_FAULTS | REPLY_FAULTS

_PARAMS: dict[str, set[str]] = {
    "rate_limit": {"retry_after", "message"},
    "server_error": {"message"},
    "unavailable": {"retry_after", "message"},
    "unauthorized": set(),
    "forbidden": {"message"},
    "bad_request": {"message"},
    "delay": {"seconds"},
    "disconnect": set(),
    "disconnect_mid_stream": {"after_chunks"},
    "malformed_arguments": set(),
    "unknown_tool": {"name"},
    "empty_choices": set(),
}


@dataclass(frozen=True, init=False)
class Fault:
    """One fault: a kind from :data:`FAULT_KINDS` and its parameters.

    Example:
        ``Fault("rate_limit", retry_after=2)``
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(self, kind: str, **params: Any) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {sorted(FAULT_KINDS)}")
        unknown = set(params) - _PARAMS[kind]
        if unknown:
            raise ValueError(
                f"fault {kind!r} takes {sorted(_PARAMS[kind]) or 'no parameters'}, got "
                f"{sorted(unknown)}"
            )
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "params", dict(params))

    def get(self, name: str, default: Any = None) -> Any:
        """A parameter, or ``default`` when not given."""
        return self.params.get(name, default)

    @property
    def before_model(self) -> bool:
        """Whether the fault acts before the model runs."""
        return self.kind in PRE_FAULTS


_SEQ = itertools.count()


@dataclass
class _Pending:
    fault: Fault
    model: str | None
    remaining: int | None  # None: every call
    seq: int = field(default_factory=lambda: next(_SEQ))


class FaultBook:
    """Pending faults, oldest first; thread-safe."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault, *, model: str | None, times: int | None) -> None:
        """Queue ``fault`` for the next ``times`` calls to ``model`` (``None``: any model; every
        call)."""
        if times is not None and times < 1:
            raise ValueError(f"times must be a positive integer or None, got {times!r}")
        with self._lock:
            self._pending.append(_Pending(fault, model, times))

    def take(
        self, model: str | None, *, before_model: bool, used: set[int] | None = None
    ) -> Fault | None:
        """Use up the oldest matching fault of one phase, or return ``None``.

        Args:
            model: Model of the request.
            before_model: Phase wanted (see :attr:`Fault.before_model`).
            used: Entries already applied to this request (updated), so one request takes each
                pending entry at most once, e.g. an every-call ``delay`` followed by a 503.
        """
        with self._lock:
            for entry in self._pending:
                if entry.fault.before_model != before_model or (
                    used is not None and entry.seq in used
                ):
                    continue
                if entry.model is not None and entry.model != model:
                    continue
                if used is not None:
                    used.add(entry.seq)
                if entry.remaining is not None:
                    entry.remaining -= 1
                    if entry.remaining == 0:
                        self._pending.remove(entry)
                return entry.fault
        return None

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._pending.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

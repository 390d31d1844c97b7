"""What the emulator saw: one record per HTTP request, for assertions, in a bounded log.

A long-running emulator must not grow without end, so :class:`RequestLog` keeps only the last
``max_requests`` records and, once a request is answered, cuts bodies larger than
``max_body_bytes`` (the record keeps the first bytes and says it was cut).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_MAX_RECORDED_BODY_BYTES",
    "DEFAULT_MAX_RECORDED_REQUESTS",
    "RecordedRequest",
    "RequestLog",
]

#: Records kept by default (the oldest are forgotten first).
DEFAULT_MAX_RECORDED_REQUESTS = 256
#: Body bytes kept per record by default; larger bodies are cut once answered.
DEFAULT_MAX_RECORDED_BODY_BYTES = 1024 * 1024


@dataclass
class RecordedRequest:
    """One request and how it was answered.

    Attributes:
        method: ``"GET"``, ``"POST"``...
        path: Path without the query string, e.g. ``"/v1/chat/completions"``.
        headers: Request headers (names as sent).
        body: Parsed JSON body; ``None`` when there was none, it was not JSON, or it was cut.
        raw_body: The body bytes (the first ``max_body_bytes`` of them when cut).
        status: Status sent, or ``None`` when the connection was dropped before a status line.
        fault: Kind of the fault that shaped the answer, if any.
        error: Text of an unexpected emulator-side exception (a failing callback policy), if any.
        body_size: Size of the body as received, in bytes.
        truncated: Whether the body was larger than the log keeps (``body`` is then ``None``).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    raw_body: bytes = b""
    status: int | None = None
    fault: str | None = None
    error: str | None = None
    body_size: int = 0
    truncated: bool = False

    @property
    def model(self) -> str | None:
        """``model`` of a JSON body, if any."""
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """``messages`` of a chat request (empty list otherwise)."""
        messages = self.body.get("messages") if isinstance(self.body, dict) else None
        return messages if isinstance(messages, list) else []


class RequestLog:
    """Appends records to a list, keeping it bounded; thread-safe.

    Args:
        records: The list to fill (the emulator's public ``requests``).
        max_requests: Records kept; the oldest go first. ``None``: no limit.
        max_body_bytes: Body bytes kept per answered record. ``None``: no limit.
    """

    def __init__(
        self,
        records: list[RecordedRequest],
        *,
        max_requests: int | None = DEFAULT_MAX_RECORDED_REQUESTS,
        max_body_bytes: int | None = DEFAULT_MAX_RECORDED_BODY_BYTES,
    ) -> None:
        # Checked as objects: callers without a type checker pass anything.
        limits: dict[str, object] = {"max_requests": max_requests, "max_body_bytes": max_body_bytes}
        for name, value in limits.items():
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ValueError(f"{name} must be a non-negative integer or None, got {value!r}")
        self.records = records
        self.max_requests = max_requests
        self.max_body_bytes = max_body_bytes
        self._lock = threading.Lock()

    def add(self, record: RecordedRequest) -> None:
        """Record a request as it arrives (before it is answered)."""
        record.body_size = len(record.raw_body)
        with self._lock:
            self.records.append(record)
            if self.max_requests is not None and len(self.records) > self.max_requests:
                del self.records[: len(self.records) - self.max_requests]

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self.records.clear()

    def finish(self, record: RecordedRequest) -> None:
        """Cut an answered request's body to the size kept."""
        limit = self.max_body_bytes
        if limit is not None and len(record.raw_body) > limit:
            record.raw_body = record.raw_body[:limit]
            record.body = None
            record.truncated = True

"""What the emulator saw: one record per HTTP request, for assertions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RecordedRequest"]


@dataclass
class RecordedRequest:
    """One request and how it was answered.

    Attributes:
        method: ``"GET"``, ``"POST"``...
        path: Path without the query string, e.g. ``"/v1/chat/completions"``.
        headers: Request headers (names as sent).
        body: Parsed JSON body; ``None`` when there was none or it was not JSON.
        raw_body: The body bytes.
        status: Status sent, or ``None`` when the connection was dropped before a status line.
        fault: Kind of the fault that shaped the answer, if any.
        error: Text of an unexpected emulator-side exception (a failing callback policy), if any.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    raw_body: bytes = b""
    status: int | None = None
    fault: str | None = None
    error: str | None = None

    @property
    def model(self) -> str | None:
        """``model`` of a JSON body, if any."""
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """``messages`` of a chat request (empty list otherwise)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return self.body["messages"]
        return []

"""Error bodies in the shapes the real endpoints use.

Two families:

* **vLLM / local NIM** ``{"error": {"message", "type", "param", "code"}}`` (vLLM's
  ``ErrorResponse``). Semantic errors use ``type="BadRequestError"``; request-schema errors use
  ``type="Bad Request"`` and a ``"N validation error(s):"`` message, as vLLM's
  ``RequestValidationError`` handler does. vLLM started with ``--api-key`` answers a bad key
  with ``{"error": "Unauthorized"}``.
* **Hosted NVCF** (``integrate.api.nvidia.com``) gateway errors ``{"status", "title",
  "detail"}``; a missing or malformed key gets **401 with an empty body** and a
  ``WWW-Authenticate`` header. Model errors (400) are forwarded from the NIM in the vLLM shape.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

__all__ = [
    "WWW_AUTHENTICATE",
    "ApiError",
    "ErrorReply",
    "nvcf_error",
    "schema_error",
    "vllm_error",
]

#: Header NVCF sends with a 401 for a missing or malformed bearer token.
WWW_AUTHENTICATE = 'Bearer error="invalid_token", error_description="Bearer token is malformed"'


class ErrorReply:
    """A complete HTTP error answer.

    Attributes:
        status: HTTP status code.
        body: Bytes to send (may be empty).
        headers: Extra headers (``Content-Type`` included when there is a body).
    """

    def __init__(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class ApiError(Exception):
    """Raised inside the emulator to answer with an error; carries the finished reply."""

    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> ErrorReply:
    data = json.dumps(body).encode()
    return ErrorReply(status, data, {"Content-Type": "application/json", **(headers or {})})


def vllm_error(
    message: str,
    *,
    status: int = 400,
    type: str = "BadRequestError",
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> ErrorReply:
    """vLLM's ``{"error": {...}}`` envelope."""
    body = {"error": {"message": message, "type": type, "param": param, "code": status}}
    return _json(status, body, headers)


def nvcf_error(
    status: int, detail: str | None = None, *, headers: dict[str, str] | None = None
) -> ErrorReply:
    """NVCF's ``{"status", "title", "detail"}`` gateway shape (``detail`` left out when None)."""
    body: dict[str, Any] = {"status": status, "title": HTTPStatus(status).phrase}
    if detail is not None:
        body["detail"] = detail
    return _json(status, body, headers)


def _summarize(value: Any) -> Any:
    # vLLM bounds the echoed input the same way: containers are described, not rendered.
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "...[truncated]"
    if isinstance(value, (list, tuple, dict)):
        return f"<{type(value).__name__} of {len(value)} items>"
    return value


def schema_error(errors: list[tuple[str, str, str, Any]]) -> ErrorReply:
    """A 400 for request-schema problems, formatted like vLLM's pydantic error handler.

    Args:
        errors: ``(pydantic error type, dotted location, message, offending input)`` per problem.
    """
    label = "error" if len(errors) == 1 else "errors"
    lines = [f"{len(errors)} validation {label}:"]
    for kind, loc, msg, value in errors[:10]:
        lines.append("  " + str({"type": kind, "loc": loc, "msg": msg, "input": _summarize(value)}))
    return vllm_error("\n".join(lines), type="Bad Request", param=errors[0][1] if errors else None)

"""Classify chat-model failures in one place.

``ChatNVIDIA`` (langchain-nvidia-ai-endpoints 1.5) raises a bare ``Exception("[429] Too Many
Requests\\n…")`` for every HTTP error, and lets raw ``requests``/``aiohttp`` errors through for
connection failures and timeouts. :func:`classify` turns any of these (and the errors of other chat
models) into a :class:`~nemotron_agents.errors.ModelCallError` that says whether a retry or the
fallback model may help.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from nemotron_agents.errors import (
    ModelAuthError,
    ModelCallError,
    ModelRequestError,
)

__all__ = [
    "RETRYABLE_STATUSES",
    "classify",
    "forget_last_response",
    "is_retryable",
    "parse_retry_after",
]

#: HTTP statuses worth another try (rate limit, server errors, gateway trouble).
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# ChatNVIDIA formats errors as "[<status>] <title>\n<body>"; "###" when the body had no status.
_STATUS_RE = re.compile(r"^\[(\d{3}|###)\]")
_RETRY_AFTER_RE = re.compile(r"retry[-_ ]after\D{0,5}(\d+(?:\.\d+)?)", re.IGNORECASE)

_TRANSPORT_NAMES = {
    # requests
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Timeout",
    "ChunkedEncodingError",
    # aiohttp
    "ClientConnectionError",
    "ClientConnectorError",
    "ServerDisconnectedError",
    "ServerTimeoutError",
    "ClientPayloadError",
    "ConnectionTimeoutError",
    "SocketTimeoutError",
    # httpx / openai
    "APIConnectionError",
    "APITimeoutError",
    "RemoteProtocolError",
    "ReadError",
}


def _status_of(exc: BaseException) -> int | None:
    for attr in ("status_code", "status", "http_status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    if isinstance(value, int):
        return value
    match = _STATUS_RE.match(str(exc))
    if match and match.group(1) != "###":
        return int(match.group(1))
    return None


def _is_transport(exc: BaseException) -> bool:
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, ConnectionError)):
        return True
    return any(cls.__name__ in _TRANSPORT_NAMES for cls in type(exc).__mro__)


def parse_retry_after(value: Any) -> float | None:
    """Seconds from a ``Retry-After`` header value (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _clients(model: object) -> list[Any]:
    # ChatNVIDIA keeps the last HTTP response on its sync and its async client.
    return [
        c
        for c in (getattr(model, "_client", None), getattr(model, "_async_client", None))
        if c is not None
    ]


def forget_last_response(model: object) -> None:
    """Clear the responses ``ChatNVIDIA`` remembers, so a later failure never reads a stale one."""
    for client in _clients(getattr(model, "bound", model)):
        # not ChatNVIDIA's client: nothing cached
        with contextlib.suppress(AttributeError, ValueError, TypeError):
            client.last_response = None


def _retry_after_of(exc: BaseException, model: object) -> float | None:
    # The bare Exception carries no headers: read them from the response the client kept.
    status = _status_of(exc)
    for client in _clients(model):
        response = getattr(client, "last_response", None)
        code = getattr(response, "status_code", getattr(response, "status", None))
        headers = getattr(response, "headers", None)
        if headers is not None and code == status:
            found = parse_retry_after(headers.get("Retry-After"))
            if found is not None:
                return found
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        found = parse_retry_after(headers.get("Retry-After"))
        if found is not None:
            return found
    match = _RETRY_AFTER_RE.search(str(exc))
    return float(match.group(1)) if match else None


def _model_id(model: object) -> str | None:
    for attr in ("model", "model_name", "model_id"):
        value = getattr(model, attr, None)
        if isinstance(value, str):
            return value
    return None


def classify(exc: BaseException, *, model: object = None) -> ModelCallError:
    """Map any chat-model exception to a :class:`ModelCallError` subclass.

    Args:
        exc: What the chat model raised.
        model: The chat model that raised it, to name it and read ``Retry-After``.

    Returns:
        ``exc`` itself when it is already a ``ModelCallError``; otherwise a new error with
        ``status``, ``retryable`` and ``retry_after`` filled in and ``exc`` as its cause.
        Retryable: 408/429/5xx, timeouts and connection errors. Not retryable: every other
        status (401/403 become :class:`ModelAuthError`, the rest :class:`ModelRequestError`).
        An exception that is neither HTTP nor transport (a bug in a callback, a parse error of
        the model's output) is classified as a non-retryable :class:`ModelCallError`.
    """
    if isinstance(exc, ModelCallError):
        return exc
    model_id = _model_id(model)
    status = _status_of(exc)
    name = f" from {model_id}" if model_id else ""
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if status is not None:
        text = f"HTTP {status}{name}: {first_line}"
        if status in RETRYABLE_STATUSES:
            err: ModelCallError = ModelCallError(
                text,
                status=status,
                retryable=True,
                model=model_id,
                retry_after=_retry_after_of(exc, model),
            )
        elif status in (401, 403):
            err = ModelAuthError(
                f"{text}. Check NVIDIA_API_KEY (or the key your NIM expects).",
                status=status,
                model=model_id,
            )
        else:
            err = ModelRequestError(text, status=status, model=model_id)
    elif _is_transport(exc):
        err = ModelCallError(
            f"{type(exc).__name__}{name}: {first_line}", retryable=True, model=model_id
        )
    else:
        err = ModelCallError(f"{type(exc).__name__}{name}: {first_line}", model=model_id)
    err.__cause__ = exc
    return err


def is_retryable(exc: BaseException, *, model: object = None) -> bool:
    """Whether ``exc`` is worth another try (see :func:`classify`)."""
    return classify(exc, model=model).retryable

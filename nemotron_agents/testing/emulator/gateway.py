"""What stands in front of the model: the API-key check and gateway-level error shapes."""

from __future__ import annotations

from collections.abc import Collection
from http import HTTPStatus

from nemotron_agents.testing.emulator.envelopes import (
    WWW_AUTHENTICATE,
    ApiError,
    ErrorReply,
    nvcf_error,
    vllm_error,
)

__all__ = ["NO_KEY_PLACEHOLDER", "Gateway"]

#: What ChatNVIDIA sends as the key when it has none (its header template, unfilled).
NO_KEY_PLACEHOLDER = "**********"


class Gateway:
    """Key check and error bodies of a local NIM (vLLM) or NVIDIA's hosted API (NVCF).

    Args:
        hosted: NVCF behaviour: a bearer key is required, errors are ``{status, title, detail}``
            and a missing key gets 401 with an empty body and ``WWW-Authenticate``.
        api_keys: Keys accepted; ``None`` accepts any (and, when not hosted, none).
    """

    def __init__(self, *, hosted: bool, api_keys: Collection[str] | None) -> None:
        self.hosted = hosted
        self.api_keys = None if api_keys is None else frozenset(api_keys)

    def error(
        self, status: int, message: str | None = None, headers: dict[str, str] | None = None
    ) -> ErrorReply:
        """A gateway-level error (auth, rate limit, server trouble) in this endpoint's shape."""
        if status == 401:
            if self.hosted:
                return ErrorReply(
                    401, b"", {"WWW-Authenticate": WWW_AUTHENTICATE, **(headers or {})}
                )
            # vLLM started with --api-key
            return ErrorReply(
                401, b'{"error": "Unauthorized"}', {"Content-Type": "application/json"}
            )
        if self.hosted:
            return nvcf_error(status, message, headers=headers)
        phrase = HTTPStatus(status).phrase
        kind = {500: "InternalServerError", 404: "NotFoundError"}.get(status, phrase)
        return vllm_error(message or phrase, status=status, type=kind, headers=headers)

    def authorize(self, headers: dict[str, str]) -> None:
        """Refuse missing or wrong keys the way the configured endpoint does.

        Raises:
            ApiError: 401 (hosted: no key or ChatNVIDIA's placeholder; local: a key not in
                ``api_keys``) or 403 (hosted: a key not in ``api_keys``).
        """
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        scheme, _, key = (header or "").partition(" ")
        key = key.strip()
        if self.hosted:
            if scheme.lower() != "bearer" or not key or key == NO_KEY_PLACEHOLDER:
                raise ApiError(self.error(401))
            if self.api_keys is not None and key not in self.api_keys:
                raise ApiError(self.error(403, "Authorization failed"))
        elif self.api_keys is not None and (scheme.lower() != "bearer" or key not in self.api_keys):
            raise ApiError(self.error(401))

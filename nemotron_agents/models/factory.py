"""Build the two ``ChatNVIDIA`` models from settings.

Building makes no network call and needs no key: with a self-hosted ``base_url`` and a model id,
``ChatNVIDIA`` only looks the id up in its static table. Without a key, calls to NVIDIA's catalog
would fail with 401, so the CLI checks :meth:`Settings.require_endpoint` before running.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from langchain_core.rate_limiters import InMemoryRateLimiter

from nemotron_agents.settings import HOSTED_BASE_URL, Settings

if TYPE_CHECKING:
    from langchain_nvidia_ai_endpoints import ChatNVIDIA

__all__ = ["build_chat_model", "fallback_model", "primary_model", "rate_limiter"]

_LIMITERS: dict[float, InMemoryRateLimiter] = {}


def rate_limiter(requests_per_minute: float) -> InMemoryRateLimiter:
    """A token-bucket limiter shared by every model built with the same rate.

    Sharing matters: the API catalog counts requests per key, not per model object.
    """
    if requests_per_minute not in _LIMITERS:
        _LIMITERS[requests_per_minute] = InMemoryRateLimiter(
            requests_per_second=requests_per_minute / 60.0,
            check_every_n_seconds=0.05,
            max_bucket_size=max(1.0, requests_per_minute / 60.0),
        )
    return _LIMITERS[requests_per_minute]


def build_chat_model(
    model_id: str, settings: Settings | None = None, **overrides: Any
) -> ChatNVIDIA:
    """A ``ChatNVIDIA`` for ``model_id`` with the settings' endpoint, key and sampling.

    Args:
        model_id: NIM model id, e.g. ``mistralai/mistral-nemotron``.
        settings: Where and how to call; ``Settings.from_env()`` when omitted.
        **overrides: Extra ``ChatNVIDIA`` arguments that win over the settings.

    Returns:
        A ``langchain_nvidia_ai_endpoints.ChatNVIDIA``.
    """
    from langchain_nvidia_ai_endpoints import ChatNVIDIA  # import cost paid only when used

    settings = settings or Settings.from_env()
    sampling = settings.sampling()
    kwargs: dict[str, Any] = {
        "model": model_id,
        "timeout": settings.timeout,
        "max_completion_tokens": sampling.pop("max_tokens", None),
        "temperature": sampling.pop("temperature", None),
        "top_p": sampling.pop("top_p", None),
        "seed": sampling.pop("seed", None),
        "stop": sampling.pop("stop", None),
    }
    # ChatNVIDIA has no named argument for the penalties; model_kwargs go into every payload.
    if sampling:
        kwargs["model_kwargs"] = sampling
    # Always explicit: ChatNVIDIA would otherwise read NVIDIA_BASE_URL itself, and an empty
    # value (as a blank line in a .env file gives) makes it refuse to build.
    kwargs["base_url"] = settings.base_url or HOSTED_BASE_URL
    if settings.api_key is not None:
        kwargs["api_key"] = settings.api_key.get_secret_value()
    rpm = settings.effective_requests_per_minute
    if rpm:
        kwargs["rate_limiter"] = rate_limiter(rpm)
    kwargs.update(overrides)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with warnings.catch_warnings():
        # Known, harmless at build time: "API key is required for the hosted NIM" (checked at run
        # time instead) and the 12B model's "deprecated" notice from the static table.
        warnings.filterwarnings("ignore", message=".*API key is required.*")
        warnings.filterwarnings("ignore", message=".*is deprecated.*")
        warnings.filterwarnings("ignore", message=".*not known to support.*")
        return ChatNVIDIA(**kwargs)


def primary_model(settings: Settings | None = None, **overrides: Any) -> ChatNVIDIA:
    """Mistral-Nemotron (or ``settings.model``) as a ``ChatNVIDIA``."""
    settings = settings or Settings.from_env()
    return build_chat_model(settings.model, settings, **overrides)


def fallback_model(settings: Settings | None = None, **overrides: Any) -> ChatNVIDIA:
    """Mistral-NeMo 12B (or ``settings.fallback_model``) as a ``ChatNVIDIA``."""
    settings = settings or Settings.from_env()
    return build_chat_model(settings.fallback_model, settings, **overrides)

"""Settings: model ids, endpoint, key and sampling parameters, from arguments or the environment.

Arguments win over environment variables, which win over defaults. Every value is range-checked
when the settings are made, so a bad ``NEMOTRON_TEMPERATURE`` fails before any request with a
message naming the allowed range. The API key is a :class:`~pydantic.SecretStr`: it never shows in
``repr``, logs, graph state or checkpoints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from nemotron_agents._sampling import check_sampling
from nemotron_agents.errors import ConfigError, MissingCredentialsError

__all__ = ["DEFAULT_FALLBACK_MODEL", "DEFAULT_MODEL", "ENV_VARS", "HOSTED_BASE_URL", "Settings"]

DEFAULT_MODEL = "mistralai/mistral-nemotron"
DEFAULT_FALLBACK_MODEL = "nv-mistralai/mistral-nemo-12b-instruct"
HOSTED_BASE_URL = "https://integrate.api.nvidia.com/v1"
#: Requests per minute used against the hosted API catalog when none is set (its trial limit).
HOSTED_REQUESTS_PER_MINUTE = 40.0

#: Field name -> environment variable.
ENV_VARS: dict[str, str] = {
    "api_key": "NVIDIA_API_KEY",
    "base_url": "NVIDIA_BASE_URL",
    "model": "NEMOTRON_MODEL",
    "fallback_model": "NEMO_MODEL",
    "timeout": "NEMOTRON_TIMEOUT",
    "max_retries": "NEMOTRON_MAX_RETRIES",
    "requests_per_minute": "NEMOTRON_REQUESTS_PER_MINUTE",
    "max_tokens": "NEMOTRON_MAX_TOKENS",
    "temperature": "NEMOTRON_TEMPERATURE",
    "top_p": "NEMOTRON_TOP_P",
    "stop": "NEMOTRON_STOP",
    "frequency_penalty": "NEMOTRON_FREQUENCY_PENALTY",
    "presence_penalty": "NEMOTRON_PRESENCE_PENALTY",
    "seed": "NEMOTRON_SEED",
    "context_window": "NEMOTRON_CONTEXT_WINDOW",
    "nemotron_price_in": "NEMOTRON_PRICE_IN",
    "nemotron_price_out": "NEMOTRON_PRICE_OUT",
    "nemo_price_in": "NEMO_PRICE_IN",
    "nemo_price_out": "NEMO_PRICE_OUT",
}

_SAMPLING = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "frequency_penalty",
    "presence_penalty",
    "seed",
)


class Settings(BaseModel):
    """Where the models live and how they sample.

    Build with :meth:`from_env` to read the environment; the constructor reads only its arguments.

    Attributes:
        api_key: NVIDIA API key (``NVIDIA_API_KEY``); not needed for a self-hosted NIM.
        base_url: Self-hosted NIM, e.g. ``http://localhost:8000/v1`` (``NVIDIA_BASE_URL``);
            ``None`` means NVIDIA's API catalog.
        model: Primary model id (``NEMOTRON_MODEL``).
        fallback_model: Cheaper model for fallback and summaries (``NEMO_MODEL``).
        timeout: Seconds per HTTP request (``NEMOTRON_TIMEOUT``).
        max_retries: Retries of a retryable failure before falling back (``NEMOTRON_MAX_RETRIES``).
        requests_per_minute: Client-side rate limit (``NEMOTRON_REQUESTS_PER_MINUTE``); ``None``
            means 40 against the API catalog (its trial limit) and none against a self-hosted NIM;
            ``0`` turns it off.
        max_tokens, temperature, top_p, stop, frequency_penalty, presence_penalty, seed: Sampling
            parameters sent with every request; ``None`` leaves the server default.
        context_window: Tokens the primary model reads and writes in one request
            (``NEMOTRON_CONTEXT_WINDOW``, 128k for Mistral-Nemotron); the agent keeps the
            history inside it, less ``max_tokens`` and a margin.
        nemotron_price_in, nemotron_price_out: US dollars per million input / output tokens of
            the primary model (``NEMOTRON_PRICE_IN``, ``NEMOTRON_PRICE_OUT``), for cost estimates
            only. The defaults are examples, not quotes: set what you pay (0 for a free tier).
        nemo_price_in, nemo_price_out: The same for the fallback model (``NEMO_PRICE_IN``,
            ``NEMO_PRICE_OUT``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    fallback_model: str = DEFAULT_FALLBACK_MODEL
    timeout: float = Field(60.0, gt=0)
    max_retries: int = Field(2, ge=0, le=10)
    requests_per_minute: float | None = Field(None, ge=0)
    max_tokens: int | None = 1024
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    context_window: int = Field(128_000, ge=1_000, le=10_000_000)
    # Example prices (USD per million tokens) for cost estimates; never sent to a server.
    nemotron_price_in: float = Field(0.40, ge=0, allow_inf_nan=False)
    nemotron_price_out: float = Field(2.00, ge=0, allow_inf_nan=False)
    nemo_price_in: float = Field(0.15, ge=0, allow_inf_nan=False)
    nemo_price_out: float = Field(0.15, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check_ranges(self) -> Settings:
        problems = [
            f"{name} ({ENV_VARS[name]}) {problem.split(' ', 1)[1]}"
            for name in _SAMPLING
            for problem in check_sampling({name: getattr(self, name)})
        ]
        if problems:
            raise ValueError("; ".join(problems))
        if not self.model.strip() or not self.fallback_model.strip():
            raise ValueError("model ids must be non-empty")
        if self.max_tokens is not None and self.max_tokens >= self.context_window:
            raise ValueError(
                f"max_tokens (NEMOTRON_MAX_TOKENS) {self.max_tokens} leaves no room for a prompt "
                "in "
                f"context_window (NEMOTRON_CONTEXT_WINDOW) {self.context_window}: make it smaller"
            )
        return self

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(_describe(exc)) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, /, **overrides: Any) -> Settings:
        """Settings from environment variables, with explicit overrides on top.

        Args:
            env: Mapping to read instead of ``os.environ`` (tests pass a dict).
            **overrides: Field values that win over the environment; ``None`` values are ignored,
                so CLI flags that were not given can be passed straight through.

        Raises:
            ConfigError: A value is malformed or out of range; the message names the variable.
        """
        env = os.environ if env is None else env
        data: dict[str, Any] = {}
        for field, var in ENV_VARS.items():
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            data[field] = [s for s in raw.split(",") if s] if field == "stop" else raw.strip()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)  # its errors name the variable of each bad value, and only those

    @property
    def is_hosted(self) -> bool:
        """True when requests go to NVIDIA's API catalog rather than a self-hosted NIM."""
        return self.base_url is None or "api.nvidia.com" in self.base_url

    @property
    def effective_requests_per_minute(self) -> float | None:
        """The rate limit in force: the setting, or the catalog's trial limit when hosted."""
        if self.requests_per_minute is not None:
            return self.requests_per_minute or None
        return HOSTED_REQUESTS_PER_MINUTE if self.is_hosted else None

    def sampling(self) -> dict[str, Any]:
        """The sampling parameters that are set, as request fields."""
        return {name: getattr(self, name) for name in _SAMPLING if getattr(self, name) is not None}

    def require_endpoint(self) -> None:
        """Raise unless a key or a base URL is set, so a model call could be made at all.

        Raises:
            MissingCredentialsError: Naming ``NVIDIA_API_KEY`` and ``NVIDIA_BASE_URL``.
        """
        if self.api_key is None and self.base_url is None:
            raise MissingCredentialsError(
                "No NVIDIA endpoint configured: set NVIDIA_API_KEY (for NVIDIA's API catalog) or "
                "NVIDIA_BASE_URL (for a self-hosted NIM, e.g. http://localhost:8000/v1)."
            )


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        var = ENV_VARS.get(field)
        where = f"{field} ({var})" if var else field
        msg = err["msg"].removeprefix("Value error, ")
        if field == "settings":
            parts.append(msg)
        elif field == "api_key":  # never echo a secret
            parts.append(f"{where}: {msg}")
        else:
            parts.append(f"{where}: {msg}, got {err.get('input')!r}")
    return "Invalid settings: " + "; ".join(parts)

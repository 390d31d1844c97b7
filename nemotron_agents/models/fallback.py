"""Call a chat model with retries (honouring ``Retry-After``) and fall back to cheaper models.

:class:`ModelChain` holds the models in order (Mistral-Nemotron, then Mistral-NeMo 12B by default).
A retryable failure (429, 5xx, timeout, dropped connection, empty answer) is retried on the same
model with exponential backoff, or after the server's ``Retry-After`` when it gave one; when the
retries are used up, or the server asks for a longer wait than ``max_delay``, the next model
answers. A non-retryable failure (400, 401, 404…) stops at once with a clear error: sending the
same request elsewhere would fail the same way and hide a bug.

Written here rather than with LangChain's middleware (checked against langchain 1.5).
``ModelRetryMiddleware(retry_on=lambda e: classify(e).retryable, on_failure="error")`` could do
the retrying, but it waits only its own exponential backoff: nothing in langchain or
langchain-core reads ``Retry-After`` (and ``ChatNVIDIA``'s bare ``Exception`` carries no headers;
:mod:`~nemotron_agents.models.failures` reads them from the response the client kept), so it can
neither wait as long as the server asks nor move on at once when the server asks for longer than
``max_delay``. ``ModelFallbackMiddleware`` tries the next model on every exception but
LangGraph's own ``GraphBubbleUp``, with no way to choose which: a 400 from a malformed request, a
401 or a bug in a callback goes to the fallback too, which then fails the same way or hides the
bug. Here only a retryable failure (408, 429, 5xx, timeout, dropped connection) moves on; no
other 4xx ever does. Neither middleware counts an empty answer as a failure, and
``ModelRetryMiddleware``'s default ``on_failure="continue"`` returns the last error as an
``AIMessage``, as if the model had said it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig

from nemotron_agents.errors import ConfigError, ModelCallError, ModelUnavailableError
from nemotron_agents.models.failures import classify, forget_last_response

__all__ = ["CallOutcome", "ChatRunnable", "EmptyResponseError", "ModelChain", "model_id"]

#: A chat model as a chain calls it: a ``BaseChatModel``, or one bound to tools (``bind_tools``).
ChatRunnable: TypeAlias = Runnable[LanguageModelInput, AIMessage]


class EmptyResponseError(Exception):
    """The model answered with neither text nor tool calls; counted as a retryable failure."""


def model_id(model: object) -> str:
    """The model id of a chat model, bound or not (``"unknown"`` when it has none)."""
    bound = getattr(model, "bound", model)  # RunnableBinding from bind_tools
    for attr in ("model", "model_name", "model_id"):
        value = getattr(bound, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(bound).__name__


@dataclass
class CallOutcome:
    """What one logical model call produced.

    Attributes:
        message: The answer.
        model: Id of the model that answered.
        fallback: True when it was not the first model.
        failures: ``(model, error message)`` for each failed attempt before the answer.
    """

    message: AIMessage
    model: str
    fallback: bool
    failures: list[tuple[str, str]] = field(default_factory=list)

    def usage(self) -> dict[str, dict[str, int]]:
        """Token counts of this call keyed by model id, in the graph state's ``usage`` shape."""
        meta: Mapping[str, Any] = self.message.usage_metadata or {}
        counts = {k: int(meta.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}
        return {self.model: {**counts, "calls": 1}}

    def turn(self, node: str) -> dict[str, Any]:
        """A record of this call for the graph state's ``turns``."""
        return {
            "node": node,
            "model": self.model,
            "fallback": self.fallback,
            "failures": [list(f) for f in self.failures],
        }


def _is_empty(message: AIMessage) -> bool:
    text = message.content if isinstance(message.content, str) else str(message.content or "")
    return not text.strip() and not message.tool_calls and not message.invalid_tool_calls


@dataclass
class ModelChain:
    """Models tried in order, each with retries.

    Attributes:
        models: Chat models (already bound to tools) in order of preference.
        max_retries: Extra attempts per model for a retryable failure.
        initial_delay: Backoff before the first retry, in seconds.
        backoff_factor: Multiplier of the delay per retry.
        max_delay: Longest wait; a ``Retry-After`` above it skips to the next model at once.
        jitter: Fraction of random spread added to each backoff delay (0 turns it off).
        sleep: ``time.sleep`` replacement (tests pass a recorder).
        asleep: ``asyncio.sleep`` replacement.
    """

    models: Sequence[ChatRunnable]
    max_retries: int = 2
    initial_delay: float = 1.0
    backoff_factor: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.1
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def __post_init__(self) -> None:
        if not self.models:
            raise ConfigError(
                f"ModelChain needs at least one chat model, got {self.models!r}; pass the models "
                "in order of preference, e.g. [primary] or [primary, fallback]"
            )
        # Checked here, not at the first retry mid-run (where time.sleep would raise).
        numbers = {
            "max_retries": self.max_retries,
            "initial_delay": self.initial_delay,
            "max_delay": self.max_delay,
            "jitter": self.jitter,
        }
        for name, value in numbers.items():
            if value < 0:
                raise ConfigError(f"ModelChain {name} must be 0 or more, got {value}")
        if self.backoff_factor < 1:
            raise ConfigError(
                f"ModelChain backoff_factor must be 1 or more (1: a constant delay), "
                f"got {self.backoff_factor}"
            )

    def _delay(self, retry: int, error: ModelCallError) -> float | None:
        """Seconds to wait before retry number ``retry`` (1-based), or None to move on."""
        if retry > self.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        delay = min(self.max_delay, self.initial_delay * self.backoff_factor ** (retry - 1))
        if not self.jitter:
            return delay
        return delay * (1 + random.uniform(0, self.jitter))  # noqa: S311 (jitter, not a secret)

    def _failure(self, exc: BaseException, model: ChatRunnable) -> ModelCallError:
        if isinstance(exc, EmptyResponseError):
            return ModelCallError(str(exc), retryable=True, model=model_id(model))
        return classify(exc, model=getattr(model, "bound", model))

    def _give_up(self, attempts: list[tuple[str, BaseException]]) -> ModelUnavailableError:
        tried = ", ".join(dict.fromkeys(m for m, _ in attempts))
        last = attempts[-1][1]
        return ModelUnavailableError(
            f"No model could answer after {len(attempts)} attempts (tried {tried}); last error: "
            f"{last}",
            attempts=attempts,
        )

    def _after_failure(
        self,
        exc: Exception,
        model: ChatRunnable,
        retry: int,
        attempts: list[tuple[str, BaseException]],
    ) -> float | None:
        """Record a failed attempt; the delay before retry number ``retry``, or None to move on.

        Raises:
            ModelCallError: The failure is not retryable.
        """
        error = self._failure(exc, model)
        attempts.append((model_id(model), error))
        if not error.retryable:
            raise error from exc
        return self._delay(retry, error)

    @staticmethod
    def _checked(answer: AIMessage, model: ChatRunnable) -> AIMessage:
        if _is_empty(answer):
            raise EmptyResponseError(f"{model_id(model)} returned an empty answer")
        return answer

    # invoke and ainvoke are twins: only the call and the sleep differ.
    def invoke(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None
    ) -> CallOutcome:
        """Call the models in order until one answers (sync)."""
        attempts: list[tuple[str, BaseException]] = []
        for position, model in enumerate(self.models):
            retry = 0
            while True:
                forget_last_response(model)
                try:
                    answer = self._checked(model.invoke(list(messages), config=config), model)
                    return self._outcome(answer, model, position, attempts)
                except Exception as exc:  # noqa: BLE001 - every failure is classified
                    retry += 1
                    delay = self._after_failure(exc, model, retry, attempts)
                if delay is None:
                    break
                self.sleep(delay)
        raise self._give_up(attempts)

    async def ainvoke(
        self, messages: Sequence[BaseMessage], config: RunnableConfig | None = None
    ) -> CallOutcome:
        """Call the models in order until one answers (async)."""
        attempts: list[tuple[str, BaseException]] = []
        for position, model in enumerate(self.models):
            retry = 0
            while True:
                forget_last_response(model)
                try:
                    answer = self._checked(
                        await model.ainvoke(list(messages), config=config), model
                    )
                    return self._outcome(answer, model, position, attempts)
                except Exception as exc:  # noqa: BLE001 - every failure is classified
                    retry += 1
                    delay = self._after_failure(exc, model, retry, attempts)
                if delay is None:
                    break
                await self.asleep(delay)
        raise self._give_up(attempts)

    @staticmethod
    def _outcome(
        answer: AIMessage,
        model: ChatRunnable,
        position: int,
        attempts: list[tuple[str, BaseException]],
    ) -> CallOutcome:
        return CallOutcome(
            message=answer,
            model=model_id(model),
            fallback=position > 0,
            failures=[(m, str(e)) for m, e in attempts],
        )

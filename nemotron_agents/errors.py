"""Errors, sorted by who reads them.

* **For the model** (:class:`ToolCallError` and subclasses): raised while a tool call is
  checked or run. The agent never lets them escape; their text goes back to the model in an
  error ``ToolMessage`` so it can correct itself. Messages name what was wrong and what is
  allowed.
* **For the developer** (:class:`ToolDefinitionError`, :class:`ConfigError`): a mistake in code
  or settings, raised at definition or build time, before any model is called.
* **For the caller** (:class:`ModelCallError` and subclasses): the model endpoint failed in a
  way retries and the fallback could not hide. Also :class:`ApprovalAnswerError` (a graph waiting
  for approval was resumed with an answer it cannot read) and :class:`ThreadBusyError` (another
  process is writing the thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ApprovalAnswerError",
    "ConfigError",
    "MissingCredentialsError",
    "ModelAuthError",
    "ModelCallError",
    "ModelRequestError",
    "ModelUnavailableError",
    "NemotronAgentsError",
    "ThreadBusyError",
    "ToolArgumentsError",
    "ToolCallError",
    "ToolDefinitionError",
    "ToolExecutionError",
    "ToolRetry",
    "ToolTimeoutError",
    "UnknownToolError",
]


class NemotronAgentsError(Exception):
    """Base class of every error this package raises on purpose."""


# --- for the model --------------------------------------------------------------------------


class ToolCallError(NemotronAgentsError):
    """A tool call could not be carried out; the message is written for the model.

    Attributes:
        tool_name: The tool the model asked for.
    """

    def __init__(self, message: str, *, tool_name: str) -> None:
        super().__init__(message)
        self.tool_name = tool_name


class ToolArgumentsError(ToolCallError, ValueError):
    """The arguments of a tool call do not fit the tool's schema.

    Attributes:
        tool_name: The tool the model asked for.
        errors: One dict per problem: ``field`` (dotted path), ``problem``, ``expected`` and,
            where the field has a closed set of values, ``allowed``.
    """

    def __init__(self, tool_name: str, errors: Sequence[dict[str, Any]]) -> None:
        self.errors = list(errors)
        lines = [f"Invalid arguments for tool '{tool_name}':"]
        for err in self.errors:
            line = f"- {err['field']}: {err['problem']}"
            if err.get("expected"):
                line += f" (expected {err['expected']})"
            if err.get("allowed"):
                line += f"; allowed values: {', '.join(map(repr, err['allowed']))}"
            lines.append(line)
        lines.append("Fix these arguments and call the tool again.")
        super().__init__("\n".join(lines), tool_name=tool_name)


class UnknownToolError(ToolCallError, LookupError):
    """The model asked for a tool that is not offered.

    Attributes:
        tool_name: The name the model used.
        available: The names it may use instead.
    """

    def __init__(self, tool_name: str, available: Sequence[str]) -> None:
        self.available = sorted(available)
        choices = ", ".join(self.available) or "(no tools are available)"
        super().__init__(
            f"Unknown tool '{tool_name}'. Available tools: {choices}.", tool_name=tool_name
        )

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


class ToolExecutionError(ToolCallError):
    """A tool raised while running; the message carries the exception type and text."""


class ToolTimeoutError(ToolCallError, TimeoutError):
    """A tool ran past its timeout and was abandoned."""


class ToolRetry(NemotronAgentsError):
    """Raised *by a tool* to tell the model what to change, without a traceback.

    Example:
        ``raise ToolRetry("No city named 'Pari'. Did you mean 'Paris'?")``
    """


# --- for the developer ----------------------------------------------------------------------


class ToolDefinitionError(NemotronAgentsError, TypeError):
    """A tool is defined in a way the registry or NIM cannot accept."""


class ConfigError(NemotronAgentsError, ValueError):
    """A setting is missing or out of range; the message names the allowed values."""


class MissingCredentialsError(ConfigError):
    """Neither ``NVIDIA_API_KEY`` nor ``NVIDIA_BASE_URL`` is set, so no endpoint can be reached."""


# --- for the caller -------------------------------------------------------------------------


class ModelCallError(NemotronAgentsError):
    """A chat-model call failed.

    Attributes:
        status: HTTP status code when the endpoint answered, else ``None``.
        retryable: Whether trying again (or another model) may succeed.
        model: The model id that failed, when known.
        retry_after: Seconds the server asked to wait (``Retry-After``), when given.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        model: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.model = model
        self.retry_after = retry_after


class ModelRequestError(ModelCallError):
    """The endpoint refused the request itself (400, 404, 422…); sending it again won't help."""


class ModelAuthError(ModelRequestError):
    """The endpoint refused the credentials (401/403): check ``NVIDIA_API_KEY``."""


class ModelUnavailableError(ModelCallError):
    """Every model tried was unreachable or overloaded, after retries and the fallback.

    Attributes:
        attempts: ``(model, error)`` for every failed attempt, oldest first.
    """

    def __init__(self, message: str, *, attempts: Sequence[tuple[str, BaseException]] = ()) -> None:
        last = attempts[-1][1] if attempts else None
        super().__init__(
            message,
            status=getattr(last, "status", None),
            retryable=True,
            model=attempts[-1][0] if attempts else None,
        )
        self.attempts = list(attempts)


class ApprovalAnswerError(NemotronAgentsError):
    """A graph waiting for approval was resumed with an answer in none of the allowed forms.

    The answer is checked before LangGraph saves it, so nothing changed: the same request can be
    answered again. Not a ``ValueError`` on purpose: pydantic, which runs the check inside
    LangGraph's ``interrupt``, would wrap a ``ValueError`` in its own ``ValidationError``.

    Attributes:
        answer: The answer received.
    """

    def __init__(self, message: str, *, answer: Any = None) -> None:
        super().__init__(message)
        self.answer = answer


class ThreadBusyError(NemotronAgentsError):
    """Another process is writing this thread; a thread has one writer at a time.

    Attributes:
        thread_id: The thread asked for.
    """

    def __init__(self, message: str, *, thread_id: str) -> None:
        super().__init__(message)
        self.thread_id = thread_id

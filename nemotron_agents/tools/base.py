"""``Tool``: one callable the model may use, with its schema, checks and limits.

Make one with :func:`~nemotron_agents.tools.tool` (a typed function),
:func:`~nemotron_agents.tools.from_json_schema` (an external definition such as BFCL's) or
:func:`~nemotron_agents.tools.from_langchain` (a LangChain tool); the constructor is the low-level
way they share. Conversion to and from LangChain lives in ``interop.py``, which imports this module
and not the other way round.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypedDict

from pydantic import BaseModel

from nemotron_agents.errors import ToolDefinitionError, ToolExecutionError
from nemotron_agents.tools._arguments import parse_arguments
from nemotron_agents.tools._execution import (
    in_daemon_thread,
    in_worker_thread,
    run_async,
    run_blocking,
    run_sync,
)
from nemotron_agents.tools._output import (
    DEFAULT_MAX_OUTPUT_CHARS,
    NON_FINITE_TEMPLATE,
    find_non_finite,
    format_output,
)
from nemotron_agents.tools._wire import model_parameters
from nemotron_agents.tools.names import check_name

__all__ = ["NO_IMPLEMENTATION_TEMPLATE", "Tool", "ToolOptions"]

NO_IMPLEMENTATION_TEMPLATE = (
    "Tool '{tool}' has no implementation here: its arguments can be checked but it cannot run."
)


class ToolOptions(TypedDict, total=False):
    """The labels and limits any way of making a :class:`Tool` accepts (see its constructor)."""

    tags: Iterable[str] | str
    timeout: float | None
    requires_approval: bool
    max_output_chars: int | None


class Tool:
    """A tool: wire name, description, JSON Schema, argument model, function and limits.

    Attributes:
        name: The name sent to NIM (``^[a-zA-Z0-9_-]{1,64}$``).
        source_name: The original name (e.g. ``math.factorial``); equals ``name`` for most tools.
        description: What the tool does, for the model.
        parameters: The JSON Schema of the arguments sent to NIM, as LangChain's
            ``convert_to_openai_tool`` sends it (references inlined, no titles).
        args_model: The pydantic model that checks the arguments.
        func: The function that does the work (``None`` for a schema-only tool).
        tags: Labels for :meth:`ToolRegistry.select <nemotron_agents.tools.ToolRegistry.select>`.
        timeout: Seconds a call may take, or ``None``.
        requires_approval: Whether a person must approve each call before it runs.
        max_output_chars: Longest result text the model gets; ``None`` means the default
            (``DEFAULT_MAX_OUTPUT_CHARS``, 20,000, or what ``build_agent`` sets).
        is_async: Whether the function is a coroutine function.

    Example:
        ``await add.arun({"a": 1, "b": 2})`` checks the arguments, runs ``add`` and returns ``3``;
        ``add(1, 2)`` calls the function directly.
    """

    def __init__(
        self,
        *,
        name: str,
        description: str,
        args_model: type[BaseModel],
        parameters: Mapping[str, Any] | None = None,
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        source_name: str | None = None,
        native_args: bool = False,
        tags: Iterable[str] | str = (),
        timeout: float | None = None,
        requires_approval: bool = False,
        max_output_chars: int | None = None,
    ) -> None:
        """Assemble a tool from its parts.

        Args:
            name: Wire name; must match ``^[a-zA-Z0-9_-]{1,64}$``.
            description: What the tool does, for the model.
            args_model: Pydantic model of the arguments, keyed on the wire by alias.
            parameters: Wire schema; ``None`` derives it from ``args_model``.
            func: The implementation, sync or async; ``None`` for a schema-only tool.
            coroutine: An async implementation to prefer over ``func`` in :meth:`arun`.
            source_name: The original name, when ``name`` had to be changed for NIM.
            native_args: Call ``func`` with Python values (nested models, enums, defaults
                filled in) rather than the JSON values the model sent.
            tags: Labels for selection; a single string is one tag.
            timeout: Seconds a call may take; ``None`` for no limit.
            requires_approval: Whether each call needs a person's approval first.
            max_output_chars: Cut result text longer than this; ``None`` means the default
                limit (20,000 characters, or ``build_agent(max_output_chars=...)``).

        Raises:
            ToolDefinitionError: A bad name, timeout or output limit.
        """
        self.name = check_name(name)
        self.source_name = source_name or name
        self.description = description
        self.args_model = args_model
        self.parameters = (
            dict(parameters) if parameters is not None else model_parameters(args_model)
        )
        self.func = func
        self._coroutine = coroutine
        self._native_args = native_args
        self.tags = frozenset([tags] if isinstance(tags, str) else tags)
        self.timeout = _positive("timeout", timeout, float)
        self.requires_approval = bool(requires_approval)
        self.max_output_chars = _positive("max_output_chars", max_output_chars, int)
        self.is_async = _is_async(func) if func is not None else coroutine is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function directly, with no checks (for tests and reuse)."""
        if self.func is None:
            raise ToolExecutionError(
                NO_IMPLEMENTATION_TEMPLATE.format(tool=self.name), tool_name=self.name
            )
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        source = f", source_name={self.source_name!r}" if self.source_name != self.name else ""
        return f"Tool(name={self.name!r}{source})"

    # --- checking ---------------------------------------------------------------------------

    def validate(self, args: Mapping[str, Any] | str | None) -> dict[str, Any]:
        """Check arguments as the model sent them.

        Args:
            args: Parameter names to values, or a JSON string of them.

        Returns:
            The arguments the model gave, checked and coerced (lax mode: ``"5"`` → ``5``), as
            JSON values keyed by wire name. Defaults are not filled in.

        Raises:
            ToolArgumentsError: Every problem, each with field, problem, expected type and
                allowed values.
        """
        return _as_sent(parse_arguments(self.name, args, self.args_model, self.parameters))

    def _call_kwargs(self, args: Mapping[str, Any] | str | None) -> dict[str, Any]:
        instance = parse_arguments(self.name, args, self.args_model, self.parameters)
        if not self._native_args:
            return _as_sent(instance)
        return {
            info.alias or name: getattr(instance, name)
            for name, info in type(instance).model_fields.items()
        }

    # --- running ----------------------------------------------------------------------------

    async def arun(self, args: Mapping[str, Any] | str | None) -> Any:
        """Check the arguments, then run the tool (sync functions in a worker thread).

        Args:
            args: Parameter names to values, or a JSON string of them.

        Returns:
            What the function returned.

        Raises:
            ToolArgumentsError: The arguments do not fit the schema.
            ToolTimeoutError: The call overran :attr:`timeout`.
            ToolExecutionError: The function raised (``ToolRetry`` keeps its message as is),
                returned ``inf`` or ``nan`` (also inside a list or dict), or the tool has no
                implementation.
        """
        kwargs = self._call_kwargs(args)
        result = await run_async(self.name, lambda: self._acall(kwargs), timeout=self.timeout)
        return self._finite(result)

    async def _acall(self, kwargs: dict[str, Any]) -> Any:
        if self._coroutine is not None:
            return await self._coroutine(**kwargs)
        if self.func is None:
            raise ToolExecutionError(
                NO_IMPLEMENTATION_TEMPLATE.format(tool=self.name), tool_name=self.name
            )
        if self.is_async:
            return await self.func(**kwargs)
        func = self.func
        if self.timeout is not None:  # may be abandoned: keep it off the shared workers
            return await in_daemon_thread(lambda: func(**kwargs))
        return await in_worker_thread(lambda: func(**kwargs))

    def run(self, args: Mapping[str, Any] | str | None) -> Any:
        """Check the arguments, then run the tool in this thread; the sync twin of :meth:`arun`.

        A sync function runs directly (in a helper thread when it has a timeout); an async one
        runs to completion on an event loop of its own.
        """
        kwargs = self._call_kwargs(args)
        if self.is_async or self.func is None:
            return self._finite(
                run_blocking(
                    lambda: run_async(self.name, lambda: self._acall(kwargs), timeout=self.timeout)
                )
            )
        func = self.func
        return self._finite(run_sync(self.name, lambda: func(**kwargs), timeout=self.timeout))

    def _finite(self, result: Any) -> Any:
        # JSON has no inf / nan: the model would read "Infinity" as if it were an answer.
        found = find_non_finite(result)
        if found is None:
            return result
        where, value = found
        where = f" at {where}" if where else ""
        raise ToolExecutionError(
            NON_FINITE_TEMPLATE.format(tool=self.name, value=value, where=where),
            tool_name=self.name,
        )

    def format_output(
        self, result: Any, *, default_max_chars: int | None = DEFAULT_MAX_OUTPUT_CHARS
    ) -> str:
        """Render a result as text for the model, cut to :attr:`max_output_chars`.

        Args:
            result: What the tool returned.
            default_max_chars: The limit when the tool sets none; ``None`` keeps all.
        """
        limit = self.max_output_chars if self.max_output_chars is not None else default_max_chars
        return format_output(result, max_chars=limit)

    # --- other shapes -----------------------------------------------------------------------

    def to_openai(self) -> dict[str, Any]:
        """Return the OpenAI tool definition sent to NIM: ``{"type": "function", ...}``."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": copy.deepcopy(self.parameters),
            },
        }


def _as_sent(instance: BaseModel) -> dict[str, Any]:
    """JSON values of the fields the model set, keyed by wire name."""
    return instance.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _is_async(func: Callable[..., Any] | None) -> bool:
    if func is None:
        return False
    # an object whose __call__ is async counts too
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(type(func).__call__)


def _positive(label: str, value: Any, kind: type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ToolDefinitionError(f"{label} must be a positive number or None, got {value!r}.")
    if kind is int and value != int(value):
        raise ToolDefinitionError(f"{label} must be a whole number, got {value!r}.")
    return kind(value)

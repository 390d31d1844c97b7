"""``@tool``: make a :class:`~nemotron_agents.tools.Tool` of a typed, documented function.

The schema comes from pydantic: type hints, ``Annotated[..., Field(...)]`` constraints, ``Enum``
and ``Literal``, nested models, defaults. The description is the docstring's text before
``Args:``. Every parameter needs a description, from its ``Args:`` entry or
``Field(description=...)``; every problem with a definition is reported at once, when the
module is imported, never when the model first calls the tool.

Two pydantic-model spellings give a flat schema (models call flat tools more reliably than ones
whose arguments sit under one key):

* ``@tool(args_schema=Model)`` (LangChain's spelling): the model's fields are the parameters and
  the function is called with them as keyword arguments;
* a function whose only parameter is a pydantic model: the model's fields are the parameters and
  the function gets one validated instance.

Written here, with its own docstring reader (:mod:`~nemotron_agents.tools._docstrings`), rather
than with ``langchain_core.tools.tool(parse_docstring=True)`` because, checked against
langchain-core 1.8: that one accepts a parameter with no description (the model then guesses what
it means) and ``*args`` (the tool then fails with a ``TypeError`` on its first call); it stops at
the first docstring problem with a ``ValueError`` that often does not say what is wrong ("Found
invalid Google-Style docstring." for a missing ``Args:`` section or one with no blank line
before it, "Arg a in docstring not found in function signature." for a parameter ``a`` that
has no type hint); and bad arguments come back as pydantic's report with a documentation link,
where the registry tells the model one line per field with the allowed values. Here every
problem of a definition is reported at once, by name, when the module is imported.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Annotated, Any, overload

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from nemotron_agents.errors import ToolDefinitionError
from nemotron_agents.tools._docstrings import Docstring, parse_docstring
from nemotron_agents.tools._wire import model_parameters
from nemotron_agents.tools.base import Tool
from nemotron_agents.tools.names import NAME_PATTERN, NAME_RULE, field_name

__all__ = ["tool"]

_CONFIG = ConfigDict(extra="forbid", protected_namespaces=())


@overload
def tool(func: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | str = (),
    timeout: float | None = None,
    requires_approval: bool = False,
    max_output_chars: int | None = None,
    args_schema: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Iterable[str] | str = (),
    timeout: float | None = None,
    requires_approval: bool = False,
    max_output_chars: int | None = None,
    args_schema: type[BaseModel] | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a tool of a typed function; use bare (``@tool``) or with options (``@tool(...)``).

    Args:
        func: The function, sync or async, when used bare.
        name: Tool name; defaults to the function's name. Must match ``^[a-zA-Z0-9_-]{1,64}$``.
        description: Overrides the docstring summary.
        tags: Labels for ``ToolRegistry.select(tags=...)``.
        timeout: Seconds a call may take before ``ToolTimeoutError``.
        requires_approval: Whether a person must approve each call first.
        max_output_chars: Cut the result text the model sees to this many characters;
            ``None`` means the default, 20,000 (``build_agent(max_output_chars=...)`` changes it).
        args_schema: A pydantic model whose fields are the parameters (LangChain's spelling);
            the function is called with them as keyword arguments.

    Returns:
        A :class:`Tool` (bare use) or a decorator that makes one.

    Raises:
        ToolDefinitionError: Listing every problem: bad name, no description, parameters
            without a type hint or a description, ``*args``/``**kwargs``, types JSON Schema
            cannot describe.

    Example:
        ```python
        @tool(timeout=5)
        def add(a: int, b: int) -> int:
            \"\"\"Add two integers.

            Args:
                a: First addend.
                b: Second addend.
            \"\"\"
            return a + b
        ```
    """

    def make(f: Callable[..., Any]) -> Tool:
        return _make_tool(
            f,
            name=name,
            description=description,
            tags=tags,
            timeout=timeout,
            requires_approval=requires_approval,
            max_output_chars=max_output_chars,
            args_schema=args_schema,
        )

    if func is None:
        return make
    return make(func)


def _make_tool(
    func: Callable[..., Any],
    *,
    name: str | None,
    description: str | None,
    args_schema: type[BaseModel] | None,
    **options: Any,
) -> Tool:
    if not callable(func):
        raise ToolDefinitionError(f"@tool needs a function, got {type(func).__name__}.")
    label = getattr(func, "__qualname__", repr(func))
    tool_name = name if name is not None else getattr(func, "__name__", "")
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as exc:  # NameError for a type defined where the module cannot see it
        raise ToolDefinitionError(
            f"Cannot make a tool of {label}: its type hints do not resolve ({exc}). "
            "Define the types it uses at module level."
        ) from exc
    doc = parse_docstring(func.__doc__)
    problems: list[str] = []
    if not NAME_PATTERN.match(tool_name or ""):
        problems.append(f"invalid tool name {tool_name!r}: a tool name must be {NAME_RULE}")
    summary = description or doc.summary
    if not summary:
        problems.append(
            "no description: write a docstring (its text before 'Args:') or pass description="
        )
    signature = inspect.signature(func)
    target = func
    schema_model = args_schema or _single_model_parameter(signature, hints)
    if args_schema is not None and not _is_model(args_schema):
        problems.append(f"args_schema must be a pydantic BaseModel class, got {args_schema!r}")
    elif schema_model is not None:
        problems += _undescribed_fields(schema_model, doc)
        if args_schema is None:  # the function takes one instance of the model
            target = _taking_instance(func, next(iter(signature.parameters)), schema_model)
        if not problems:
            model, parameters, problems = _flat_model(tool_name, schema_model, doc)
    else:
        fields, field_problems = _fields(signature, hints, doc)
        problems += field_problems
        if not problems:
            model, parameters, problems = _build_model(tool_name, fields, hints)
    if problems:
        raise ToolDefinitionError(f"Cannot make a tool of {label}:\n  - " + "\n  - ".join(problems))

    made = Tool(
        name=tool_name,
        description=summary,
        args_model=model,
        parameters=parameters,
        func=target,
        native_args=True,
        **options,
    )
    functools.update_wrapper(made, func, updated=())  # __name__, __doc__, __wrapped__…
    return made


def _fields(
    signature: inspect.Signature, hints: dict[str, Any], doc: Docstring
) -> tuple[dict[str, Any], list[str]]:
    """Return the model fields for the parameters, and every problem found with them."""
    fields: dict[str, Any] = {}
    untyped, undescribed, variadic, problems = [], [], [], []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            variadic.append(("*" if param.kind == param.VAR_POSITIONAL else "**") + param.name)
            continue
        if param.kind == param.POSITIONAL_ONLY:
            problems.append(
                f"parameter '{param.name}' is positional-only: tools are called by keyword"
            )
            continue
        if param.name not in hints:
            untyped.append(param.name)
            continue
        hint = hints[param.name]
        default = PydanticUndefined if param.default is param.empty else param.default
        info = FieldInfo.from_annotated_attribute(hint, default)
        text = info.description or doc.params.get(param.name) or _annotated_text(hint)
        if not text:
            undescribed.append(param.name)
        extra: dict[str, Any] = {}
        if not info.description and text:
            extra["description"] = text
        key = field_name(param.name, fields)
        if key != param.name:
            extra["alias"] = param.name  # e.g. `schema`, `json`, `model_config`, `_from`
        fields[key] = (Annotated[hint, Field(**extra)] if extra else hint, default)

    if variadic:
        problems.append(
            f"*args and **kwargs are not supported ({', '.join(variadic)}): declare each parameter"
        )
    if untyped:
        problems.append(f"parameters without a type hint: {', '.join(untyped)}")
    if undescribed:
        problems.append(
            f"parameters without a description: {', '.join(undescribed)}; add an 'Args:' entry "
            "for each to the docstring, or use Annotated[type, Field(description=...)]"
        )
    if unknown := sorted(set(doc.params) - set(signature.parameters)):
        problems.append(
            "the docstring's Args: names parameters the function does not have: "
            + ", ".join(unknown)
        )
    return fields, problems


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _single_model_parameter(signature: inspect.Signature, hints: dict[str, Any]) -> Any:
    """The model class when the function's only parameter is a pydantic model, else ``None``."""
    params = list(signature.parameters.values())
    if len(params) != 1 or params[0].kind in (params[0].VAR_POSITIONAL, params[0].VAR_KEYWORD):
        return None
    hint = hints.get(params[0].name)
    if typing.get_origin(hint) is Annotated:
        hint = typing.get_args(hint)[0]
    return hint if _is_model(hint) else None


def _undescribed_fields(model: type[BaseModel], doc: Docstring) -> list[str]:
    """A field is described by ``Field(description=...)`` or the tool docstring's ``Args:``."""
    missing = [
        name
        for name, info in model.model_fields.items()
        if not info.description and not doc.params.get(info.alias or name)
    ]
    if not missing:
        return []
    return [
        f"fields of {model.__name__} without a description: {', '.join(missing)}; use "
        "Field(description=...) in the model or an 'Args:' entry in the tool's docstring"
    ]


def _flat_model(
    tool_name: str, model: type[BaseModel], doc: Docstring
) -> tuple[Any, Any, list[str]]:
    """``model`` as the tool's argument model: its validators kept, unknown keys refused and
    descriptions from the docstring's ``Args:`` added; ``(model, wire schema, problems)``."""
    strict = create_model(
        model.__name__,
        __base__=model,
        __module__=model.__module__,
        __cls_kwargs__={"extra": "forbid"},  # config as class keywords: the rest is inherited
    )
    described: dict[str, Any] = {
        name: (
            info.annotation,
            FieldInfo.merge_field_infos(info, description=doc.params[info.alias or name]),
        )
        for name, info in model.model_fields.items()
        if not info.description and (info.alias or name) in doc.params
    }
    try:
        built = create_model(tool_name, __base__=strict, **described)
        return built, model_parameters(built), []
    except Exception as exc:  # noqa: BLE001 (any failure is reported as a definition problem)
        return None, None, [f"cannot build the argument schema from {model.__name__}: {exc}"]


def _taking_instance(
    func: Callable[..., Any], param: str, model: type[BaseModel]
) -> Callable[..., Any]:
    """Wrap ``func(param: Model)`` so the tool can call it with the model's fields."""
    if inspect.iscoroutinefunction(func):

        async def acall(**fields: Any) -> Any:
            return await func(**{param: model.model_validate(fields)})

        return functools.wraps(func)(acall)

    def call(**fields: Any) -> Any:
        return func(**{param: model.model_validate(fields)})

    return functools.wraps(func)(call)


def _annotated_text(hint: Any) -> str | None:
    """LangChain's convention: ``Annotated[str, "the city"]`` describes the parameter."""
    if typing.get_origin(hint) is Annotated:
        for extra in hint.__metadata__:
            if isinstance(extra, str):
                return extra
    return None


def _build_model(
    tool_name: str, fields: dict[str, Any], hints: dict[str, Any]
) -> tuple[Any, Any, list[str]]:
    """Return ``(model, wire schema, [])``, or ``(None, None, problems)``."""
    try:
        model = create_model(tool_name, __config__=_CONFIG, **fields)
        return model, model_parameters(model), []
    except Exception as exc:  # noqa: BLE001 (any failure is reported as a definition problem)
        # Name the parameters to blame rather than print pydantic's whole story.
        problems = []
        for param, hint in hints.items():
            if param == "return":
                continue
            try:
                TypeAdapter(hint).json_schema()
            except Exception as err:  # noqa: BLE001 (named in the problem)
                problems.append(
                    f"parameter '{param}': JSON Schema cannot describe {hint!r} "
                    f"({type(err).__name__})"
                )
        return None, None, problems or [f"cannot build the argument schema: {exc}"]

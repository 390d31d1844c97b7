"""Check the arguments of a tool call and explain every problem to the model.

Validation is pydantic's lax mode: ``"5"`` for an integer becomes ``5`` and ``1.0`` becomes ``1``,
but ``"five"`` or ``1.5`` is an error. Each problem becomes one entry of
:class:`~nemotron_agents.errors.ToolArgumentsError`: the field's dotted path, what is wrong, the
type the wire schema expects and, for enums and literals, the allowed values.
"""

from __future__ import annotations

import difflib
import json
import reprlib
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from nemotron_agents.errors import ToolArgumentsError
from nemotron_agents.tools._wire import (
    allowed_values,
    allows_extra,
    describe,
    locate,
    property_names,
)

__all__ = ["accepted_keys", "parse_arguments"]

_ARGUMENTS = "(arguments)"
_OBJECT = "a JSON object of parameter names to values"
_repr = reprlib.Repr()  # short reprs of what the model sent
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxdict = 60, 60, 5, 5


def accepted_keys(model: type[BaseModel]) -> list[str]:
    """Return the keys a model accepts on the wire (aliases where set), in field order."""
    keys = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        keys.append(alias or name)
    return keys


def parse_arguments(
    tool_name: str, args: Any, model: type[BaseModel], schema: Mapping[str, Any]
) -> BaseModel:
    """Validate the arguments of a call to ``tool_name``.

    Args:
        tool_name: The tool, for the error message.
        args: A mapping, or a JSON string of one (models sometimes send that); ``None`` and an
            empty string mean no arguments.
        model: The tool's argument model.
        schema: The tool's wire schema, to describe what each field expects.

    Returns:
        The validated model instance.

    Raises:
        ToolArgumentsError: Every problem at once: bad JSON, unknown or missing parameters,
            wrong types, values outside an enum, broken constraints.
    """
    data = _as_dict(tool_name, args)
    errors = _unknown_parameters(data, model, schema)
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        errors += _explain(exc, schema)
    else:
        if not errors:
            return instance
    raise ToolArgumentsError(tool_name, _unique(errors))


def _as_dict(tool_name: str, args: Any) -> dict[str, Any]:
    if args is None:
        return {}
    if isinstance(args, (str, bytes)):
        if not args.strip():
            return {}
        try:
            args = json.loads(args)
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            raise ToolArgumentsError(
                tool_name, [{"field": _ARGUMENTS, "problem": problem, "expected": _OBJECT}]
            ) from None
    if not isinstance(args, Mapping):
        problem = f"arguments must be an object, got {type(args).__name__} {_repr.repr(args)}"
        raise ToolArgumentsError(
            tool_name, [{"field": _ARGUMENTS, "problem": problem, "expected": _OBJECT}]
        )
    return dict(args)


def _unknown_parameters(
    data: Mapping[str, Any], model: type[BaseModel], schema: Mapping[str, Any]
) -> list[dict[str, Any]]:
    # Checked here rather than left to ``extra="forbid"`` so that models we did not build
    # (LangChain tools) reject unknown parameters too. A schema may open the door explicitly.
    if allows_extra(schema):
        return []
    valid = accepted_keys(model)
    errors = []
    for key in data:
        if key in valid:
            continue
        problem = "unknown parameter"
        if close := difflib.get_close_matches(str(key), valid, n=1, cutoff=0.75):
            problem += f" (did you mean '{close[0]}'?)"
        problem += f"; valid parameters: {', '.join(valid) or '(none)'}"
        errors.append({"field": str(key), "problem": problem, "expected": None})
    return errors


def _explain(exc: ValidationError, schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors(include_url=False):
        kind, loc = err["type"], err["loc"]
        if kind == "extra_forbidden" and len(loc) == 1:
            continue  # _unknown_parameters reported it, with the valid names
        field, node = locate(schema, loc, keep_last=kind == "extra_forbidden")
        if kind == "missing":
            problem = "required but missing"
        elif kind == "extra_forbidden":
            valid = property_names(locate(schema, loc[:-1])[1])
            problem = f"unknown field; valid fields: {', '.join(valid) or '(none)'}"
        else:
            problem = f"{err['msg']}, got {_repr.repr(err['input'])}"
        errors.append(
            {
                "field": field,
                "problem": problem,
                "expected": None if kind == "extra_forbidden" else describe(node),
                "allowed": allowed_values(node),
            }
        )
    return errors


def _unique(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for err in errors:
        key = (err["field"], err["problem"])
        if key not in seen:
            seen.add(key)
            out.append({k: v for k, v in err.items() if k != "allowed" or v})
    return out

"""The JSON Schema a tool sends to NIM, and how to read it back when arguments are wrong.

The wire schema has the shape ``langchain_core``'s ``convert_to_openai_tool`` gives (and
``ChatNVIDIA.bind_tools`` sends): ``$ref`` inlined, no ``$defs``, no ``title``. The other
helpers walk that schema along a pydantic error location to say what a field expects.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.utils.json_schema import dereference_refs
from pydantic import BaseModel

__all__ = [
    "allowed_values",
    "allows_extra",
    "clean_schema",
    "describe",
    "locate",
    "model_parameters",
    "property_names",
]

# Keywords whose values are data, not schemas: never strip or rewrite inside them.
_DATA_KEYWORDS = frozenset({"default", "enum", "const", "examples", "required"})
# Keywords that map names to schemas: a key called "title" there is a property, not a title.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions"})
_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def model_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """Return the wire schema of an argument model.

    Like ``convert_to_openai_tool(model)``, but with every title gone: LangChain leaves those
    inside ``anyOf`` lists (``Optional[Model]`` fields).
    """
    schema = clean_schema(model.model_json_schema())
    schema.pop("description", None)  # the tool's description goes beside the schema
    return schema


def clean_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``schema`` with ``$ref`` inlined and ``$defs`` and titles removed."""
    copied: dict[str, Any] = copy.deepcopy(dict(schema))
    if "$ref" in repr(copied):  # cheap pre-check: most schemas have no references
        copied = dereference_refs(copied)
    copied.pop("$defs", None)
    copied.pop("definitions", None)
    return _strip_object_titles(copied)


def _strip_titles(node: Any) -> Any:
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    if isinstance(node, dict):
        return _strip_object_titles(node)
    return node


def _strip_object_titles(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _NAMED_SCHEMAS and isinstance(value, dict):
            out[key] = {name: _strip_titles(sub) for name, sub in value.items()}
        else:
            out[key] = _strip_titles(value)
    return out


def _branches(node: Mapping[str, Any]) -> list[Any]:
    return list(node.get("anyOf") or node.get("oneOf") or node.get("allOf") or [])


def describe(node: Any) -> str:
    """Name the type a schema node expects, e.g. ``"integer"``, ``"array of string"``.

    Args:
        node: A JSON Schema node (``None`` or ``{}`` mean anything).

    Returns:
        A short phrase for an error message.
    """
    if not isinstance(node, Mapping) or not node:
        return "any value"
    if branches := _branches(node):
        return " or ".join(dict.fromkeys(describe(branch) for branch in branches))
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(describe({**node, "type": k}) for k in kind)
    if kind is None:
        values = node.get("enum", [node["const"]] if "const" in node else [])
        kinds = dict.fromkeys(_JSON_TYPES.get(type(v), "value") for v in values)
        if kinds:
            return " or ".join(kinds)
        return "object" if "properties" in node else "any value"
    if kind == "array" and isinstance(node.get("items"), Mapping) and node["items"]:
        return f"array of {describe(node['items'])}"
    if kind == "string" and node.get("format"):
        return f"string ({node['format']})"
    return str(kind)


def allowed_values(node: Any) -> list[Any] | None:
    """Return the closed set of values a node accepts (``enum``/``const``), if it has one."""
    if not isinstance(node, Mapping):
        return None
    values: list[Any] = []
    if "enum" in node:
        values.extend(node["enum"])
    elif "const" in node:
        values.append(node["const"])
    for branch in _branches(node):
        values.extend(allowed_values(branch) or [])
    return values or None


def property_names(node: Any) -> list[str]:
    """Return the property names of an object node, looking into ``anyOf`` branches."""
    if not isinstance(node, Mapping):
        return []
    names = list(node.get("properties") or {})
    for branch in _branches(node):
        names += [n for n in property_names(branch) if n not in names]
    return names


def allows_extra(node: Mapping[str, Any]) -> bool:
    """Tell whether an object node accepts keys beyond its properties (explicitly)."""
    return node.get("additionalProperties") not in (None, False)


def _pick(node: Any, item: str | int) -> Any:
    """Choose the ``anyOf`` branch a location step goes into (the first that fits)."""
    if not isinstance(node, Mapping) or not (branches := _branches(node)):
        return node
    for branch in branches:
        if not isinstance(branch, Mapping):
            continue
        if isinstance(item, int) and ("items" in branch or branch.get("type") == "array"):
            return branch
        if isinstance(item, str) and item in (branch.get("properties") or {}):
            return branch
    return node


def locate(
    schema: Mapping[str, Any], loc: Sequence[str | int], *, keep_last: bool = False
) -> tuple[str, Any]:
    """Follow a pydantic error location through the wire schema.

    Steps that are not keys or indexes (union member tags such as ``'int'`` or
    ``'function-after[...]'``) are skipped.

    Args:
        schema: The tool's wire schema.
        loc: The location, e.g. ``('items', 0, 'name')``.
        keep_last: Keep the last step even if the schema does not know it (an unknown key).

    Returns:
        The path for people (``items[0].name``) and the schema node there (``None`` if unknown).
    """
    node: Any = schema
    path = ""
    for i, item in enumerate(loc):
        node = _pick(node, item)
        last = keep_last and i == len(loc) - 1
        if isinstance(item, int):
            path += f"[{item}]"
            items = node.get("items") if isinstance(node, Mapping) else None
            node = items if isinstance(items, Mapping) else None
            continue
        props = node.get("properties") if isinstance(node, Mapping) else None
        extra = node.get("additionalProperties") if isinstance(node, Mapping) else None
        free_dict = (
            isinstance(node, Mapping)
            and not props
            and (node.get("type") == "object" or "additionalProperties" in node)
        )
        if props and item in props:
            node = props[item]
        elif last or node is None or free_dict:
            # An unknown key, or a key of a free-form dict.
            node = extra if isinstance(extra, Mapping) else None
        else:
            continue  # a union member tag
        path += f".{item}" if path else str(item)
    return path or "(arguments)", node

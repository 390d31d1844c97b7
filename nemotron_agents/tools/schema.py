"""Tools from external JSON Schema definitions: OpenAI tool JSON, and BFCL's dialect.

:func:`schema_model` reads a parameters schema once and yields two things: a pydantic model that
checks arguments, and the standard JSON Schema to send to NIM. Dialect ``"bfcl"`` (Berkeley
Function Calling Leaderboard) also reads ``dict`` as ``object``, ``float`` as ``number``,
``tuple`` as ``array`` and ``any`` as any value, and drops ``optional`` (``true``, or an object's
list of keys): a key outside ``required`` is optional already, and ``required`` wins a conflict.

Leniency, on purpose, because these schemas come from elsewhere:

* Defaults are never checked nor applied (``"dontcare"`` for a number is common in BFCL); a
  parameter left out stays out, and ``null`` is accepted for any optional one.
* An object with no ``properties`` is a free-form dict; one with no ``required`` has no
  required keys.
* Keys pydantic treats specially (``_from``, ``Content-Type``, ``schema``, ``model_config``…) are
  kept on the wire through aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import GenericAlias
from typing import Annotated, Any, Literal, Optional, Union, Unpack

from pydantic import BaseModel, ConfigDict, Field, create_model

from nemotron_agents.errors import ToolDefinitionError
from nemotron_agents.tools._wire import allows_extra, clean_schema
from nemotron_agents.tools.base import Tool, ToolOptions
from nemotron_agents.tools.names import field_name, wire_name

__all__ = ["DIALECTS", "from_json_schema", "from_openai_tool", "schema_model"]

#: Schema dialects :func:`from_json_schema` reads.
DIALECTS = ("jsonschema", "bfcl")
_OPTIONS = ("tags", "timeout", "requires_approval", "max_output_chars")

_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "null": None,
}
_STANDARD = (*_SCALARS, "array", "object")
# BFCL's spellings -> standard ones; "any" means no type at all.
_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": None}
_NUMBER_LIMITS = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt",
                  "exclusiveMaximum": "lt", "multipleOf": "multiple_of"}  # fmt: skip
_STRING_LIMITS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}
_ARRAY_LIMITS = {"minItems": "min_length", "maxItems": "max_length"}
_LIMITS = {"integer": _NUMBER_LIMITS, "number": _NUMBER_LIMITS, "string": _STRING_LIMITS}


def from_json_schema(
    name: str,
    description: str | None,
    parameters: Mapping[str, Any] | None,
    *,
    dialect: str = "jsonschema",
    func: Callable[..., Any] | None = None,
    **options: Unpack[ToolOptions],
) -> Tool:
    """Make a tool of an external definition.

    Args:
        name: The tool's name, any spelling; ``.name`` becomes :func:`wire_name` of it and
            ``.source_name`` keeps it.
        description: What the tool does.
        parameters: JSON Schema of the arguments (an object); ``None`` for no arguments.
        dialect: ``"jsonschema"`` (standard, e.g. OpenAI tool JSON) or ``"bfcl"``.
        func: Implementation, sync or async, called with the checked arguments as JSON values
            keyed by their original names (``func(**args)``); ``None`` for a schema-only tool.
        **options: ``tags``, ``timeout``, ``requires_approval``, ``max_output_chars``.

    Returns:
        The tool; its ``parameters`` is the standard JSON Schema to send to NIM.

    Raises:
        ToolDefinitionError: Unknown dialect or option, or a schema that cannot be read (the
            message names the path).
    """
    if unknown := sorted(set(options) - set(_OPTIONS)):
        raise ToolDefinitionError(
            f"Unknown option(s) {', '.join(unknown)} for tool {name!r}; "
            f"valid options: {', '.join(_OPTIONS)}."
        )
    model, wire = schema_model(name, parameters, dialect=dialect)
    return Tool(
        name=wire_name(name),
        source_name=name,
        description=description or "",
        args_model=model,
        parameters=wire,
        func=func,
        **options,
    )


def from_openai_tool(
    spec: Mapping[str, Any],
    *,
    dialect: str = "jsonschema",
    func: Callable[..., Any] | None = None,
    **options: Unpack[ToolOptions],
) -> Tool:
    """Make a tool of ``{"type": "function", "function": {name, description, parameters}}``.

    The bare inner ``{name, description, parameters}`` is accepted too. Other arguments as
    for :func:`from_json_schema`.
    """
    function = spec.get("function", spec)
    if not isinstance(function, Mapping) or "name" not in function:
        raise ToolDefinitionError(
            "An OpenAI tool spec needs {'type': 'function', 'function': {'name': ..., "
            f"'description': ..., 'parameters': ...}}; got keys {sorted(spec)}."
        )
    return from_json_schema(
        function["name"],
        function.get("description"),
        function.get("parameters"),
        dialect=dialect,
        func=func,
        **options,
    )


def schema_model(
    name: str, parameters: Mapping[str, Any] | None, *, dialect: str = "jsonschema"
) -> tuple[type[BaseModel], dict[str, Any]]:
    """Read a parameters schema into an argument model and the wire schema.

    Args:
        name: The tool's name, for model names and error messages.
        parameters: The schema of the arguments object.
        dialect: One of :data:`DIALECTS`.

    Returns:
        ``(model, wire_schema)``.

    Raises:
        ToolDefinitionError: The dialect is unknown or the schema cannot be read.
    """
    if dialect not in DIALECTS:
        raise ToolDefinitionError(
            f"Unknown schema dialect {dialect!r}; valid dialects: {', '.join(DIALECTS)}."
        )
    schema = clean_schema(parameters or {"type": "object", "properties": {}})
    reader = _Reader(name, bfcl=dialect == "bfcl")
    kinds = reader.types(schema, [])
    if kinds is not None and "object" not in kinds:
        raise ToolDefinitionError(
            f"Tool {name!r}: the parameters schema must describe an object, "
            f"got type {schema.get('type')!r}."
        )
    try:
        model, wire = reader.object_model(schema, [], top=True)
    except ToolDefinitionError:
        raise
    except Exception as exc:  # pydantic refused a constraint or a pattern
        raise ToolDefinitionError(f"Tool {name!r}: cannot build an argument model: {exc}") from exc
    return model, wire


class _Reader:
    """Walks one schema, building pydantic types and the standard wire schema side by side."""

    def __init__(self, tool_name: str, *, bfcl: bool) -> None:
        self.tool_name = tool_name
        self.bfcl = bfcl

    def fail(self, path: list[str], problem: str) -> ToolDefinitionError:
        where = ".".join(path) or "(parameters)"
        return ToolDefinitionError(f"Tool {self.tool_name!r}, schema at '{where}': {problem}")

    def types(self, node: Mapping[str, Any], path: list[str]) -> list[str] | None:
        """Return the node's standard types; ``None`` means any."""
        raw = node.get("type")
        if raw is None:
            return ["object"] if "properties" in node else None
        out = []
        for kind in raw if isinstance(raw, list) else [raw]:
            if self.bfcl and kind in _BFCL_TYPES:
                kind = _BFCL_TYPES[kind]
                if kind is None:
                    return None
            if kind not in _STANDARD:
                valid = sorted([*_STANDARD, *(_BFCL_TYPES if self.bfcl else ())])
                raise self.fail(path, f"unsupported type {kind!r}; valid types: {', '.join(valid)}")
            out.append(kind)
        return out

    def convert(self, node: Any, path: list[str]) -> tuple[Any, dict[str, Any]]:
        """Return ``(annotation, wire node)`` for one schema node."""
        if not isinstance(node, Mapping):
            if node is True or node == {}:
                return Any, {}
            raise self.fail(path, f"a schema must be an object, got {node!r}")
        wire = self.copy(node)
        for keyword in ("anyOf", "oneOf"):
            if keyword in node:
                parts = [self.convert(branch, [*path, keyword]) for branch in node[keyword]]
                wire[keyword] = [w for _, w in parts]
                return _union([a for a, _ in parts]), wire
        if isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            merged = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
            return self.convert(merged, path)
        kinds = self.types(node, path)
        if kinds is None:
            wire.pop("type", None)
        elif self.bfcl:
            wire["type"] = kinds[0] if len(kinds) == 1 else kinds
        if "const" in node and _hashable([node["const"]]):
            return Literal[node["const"]], wire
        if isinstance(node.get("enum"), list) and node["enum"] and _hashable(node["enum"]):
            return Literal[tuple(node["enum"])], wire
        if kinds is None:
            return Any, wire
        annotations = []
        for kind in kinds:
            annotation, wire = self.convert_kind(kind, node, wire, path)
            annotations.append(annotation)
        annotation = _union(annotations)
        if node.get("nullable") is True:  # OpenAPI's spelling of ["type", "null"]
            annotation = Optional[annotation]  # noqa: UP045 (a runtime value, maybe a typing form)
        return annotation, wire

    def convert_kind(
        self, kind: str, node: Mapping[str, Any], wire: dict[str, Any], path: list[str]
    ) -> tuple[Any, dict[str, Any]]:
        if kind in _SCALARS:
            return _constrained(_SCALARS[kind], node, _LIMITS.get(kind, {})), wire
        if kind == "array":
            items = node.get("items")
            if isinstance(items, list):  # draft-7 tuple form: one schema per position
                parts = [self.convert(item, [*path, str(i)]) for i, item in enumerate(items)]
                wire["items"] = [w for _, w in parts]
                return GenericAlias(tuple, tuple(a for a, _ in parts)), wire
            if items is None:
                return _constrained(list[Any], node, _ARRAY_LIMITS), wire
            item_type, wire["items"] = self.convert(items, [*path, "[]"])
            return _constrained(GenericAlias(list, (item_type,)), node, _ARRAY_LIMITS), wire
        model, object_wire = self.object_model(node, path)
        if "type" in wire:
            object_wire["type"] = wire["type"]  # keeps ["object", "null"]
        return model, object_wire

    def object_model(
        self, node: Mapping[str, Any], path: list[str], *, top: bool = False
    ) -> tuple[Any, dict[str, Any]]:
        """Return a model for an object with properties, ``dict[str, ...]`` for a free-form one."""
        wire = self.copy(node)
        if top:
            wire["type"] = "object"
            wire.pop("description", None)  # the tool's description says it; LangChain drops it too
        properties = node.get("properties")
        if top and not isinstance(properties, Mapping):
            properties = {}
        extra = node.get("additionalProperties")
        if not isinstance(properties, Mapping) or (not properties and not top):
            value_type, extra_wire = (
                self.convert(extra, [*path, "{}"]) if isinstance(extra, Mapping) else (Any, None)
            )
            if extra_wire is not None:
                wire["additionalProperties"] = extra_wire
            return GenericAlias(dict, (str, value_type)), wire
        required = self.required(node, properties)
        fields: dict[str, Any] = {}
        wire_props: dict[str, Any] = {}
        for key, prop in properties.items():
            annotation, wire_props[key] = self.convert(prop, [*path, key])
            info: dict[str, Any] = {}
            if isinstance(prop, Mapping) and isinstance(prop.get("description"), str):
                info["description"] = prop["description"]
            name = field_name(key, fields)
            if name != key:
                info["alias"] = key
            if key in required:
                fields[name] = (annotation, Field(**info))
            else:  # no default is applied: a parameter left out stays out
                fields[name] = (Optional[annotation], Field(None, **info))  # noqa: UP045 (as above)
        wire["properties"] = wire_props
        if required:
            wire["required"] = [key for key in properties if key in required]
        else:
            wire.pop("required", None)
        config = ConfigDict(
            extra="allow" if allows_extra(node) else "forbid",
            protected_namespaces=(),
            regex_engine="python-re",  # JSON Schema patterns may use look-arounds
        )
        model_name = (
            "_".join([wire_name(self.tool_name), *path]) if path else wire_name(self.tool_name)
        )
        return create_model(model_name, __config__=config, **fields), wire

    def copy(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """Copy a node for the wire, without the keywords Draft 7 does not know."""
        return {
            k: v
            for k, v in node.items()
            if not (k == "optional" and self.bfcl)  # BFCL's flag or list; `required` says it
            and not (k == "required" and isinstance(v, bool))  # draft-3 flag, read below
        }

    @staticmethod
    def required(node: Mapping[str, Any], properties: Mapping[str, Any]) -> set[str]:
        """Return the required keys: the ``required`` list, plus draft-3 ``required: true``.

        BFCL's ``optional`` adds nothing: a key outside ``required`` is optional already, and
        where both name a key (it happens), the standard keyword wins.
        """
        listed = node.get("required")
        required = {k for k in listed if k in properties} if isinstance(listed, list) else set()
        for key, prop in properties.items():
            if isinstance(prop, Mapping) and prop.get("required") is True:
                required.add(key)
        return required


def _constrained(annotation: Any, node: Mapping[str, Any], limits: Mapping[str, str]) -> Any:
    constraints = {
        arg: node[key]
        for key, arg in limits.items()
        if key in node and not isinstance(node[key], bool)  # draft-4 boolean exclusiveMinimum
    }
    return Annotated[annotation, Field(**constraints)] if constraints else annotation


def _union(annotations: list[Any]) -> Any:
    unique = list(dict.fromkeys(annotations))
    return unique[0] if len(unique) == 1 else Union[tuple(unique)]  # noqa: UP007


def _hashable(values: list[Any]) -> bool:
    try:
        hash(tuple(values))
    except TypeError:
        return False
    return True

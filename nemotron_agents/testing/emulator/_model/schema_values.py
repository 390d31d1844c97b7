"""Make JSON values that satisfy a JSON schema, filled from the user's words where possible.

Used for tool-call arguments and for ``response_format`` / ``guided_json`` output. Supported:
``$ref`` into ``$defs``/``definitions``, ``anyOf``/``oneOf`` (first non-null branch),
``allOf`` (merged), ``const``, ``enum``, ``default``, the basic types, ``format`` (date,
date-time, time, email, uri, uuid), string ``minLength``/``maxLength``, numeric bounds and
``minItems``. ``pattern`` is not honoured.

Values come from :class:`TextHints`, in this order: numbers in the text for number/integer
fields (in order of appearance), an enum value the text mentions, then for strings an arithmetic
expression (for a field named like ``expression``), a quoted phrase, a capitalised name not at a
sentence start ("Paris"), the next content word when an object needs several strings
("5 miles to km" gives "miles", "km"), then the whole text.
Otherwise the schema's ``default``, its lower bound, or a plain placeholder.

Generated values are bounded: a schema whose ``minItems`` / ``minLength`` (or their product
through nesting) asks for more than :data:`MAX_GENERATED_CHARS` characters of JSON raises
:class:`GenerationLimitError` before anything that large is built, so one small request cannot
make the emulator build a value without end.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "EXPR_FIELDS",
    "MAX_GENERATED_CHARS",
    "GenerationLimitError",
    "TextHints",
    "find_expression",
    "make_value",
    "resolve_schema",
    "schema_type",
]

#: Most characters of JSON one generated value may take: four characters a token over the
#: 128k-token context window, more than any real answer could hold.
MAX_GENERATED_CHARS = 512_000

_NUMBER_RE = re.compile(r"(?<![A-Za-z_\d.])-?\d+(?:\.\d+)?")
_QUOTED_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?<![A-Za-z])'([^']+)'(?![A-Za-z])")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
# Numbers, function calls, parentheses and operators: "2 ** 10 + sqrt(16)". A function name
# starts a word: tried inside every long word, it would make the search quadratic.
_EXPR_RE = re.compile(r"(?:\d+(?:\.\d+)?|(?<![a-z])[a-z]+\(|[()+\-*/^%,]|[ \t])+")
EXPR_FIELDS = frozenset({"expression", "expr", "formula", "equation"})
_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_MAX_DEPTH = 8


class GenerationLimitError(ValueError):
    """A schema asks for a value larger than :data:`MAX_GENERATED_CHARS`."""


_NESTED = "minItems and minLength multiplied through nesting"


class _Budget:
    """Characters of JSON left for the value being generated."""

    def __init__(self) -> None:
        self.left = MAX_GENERATED_CHARS

    def spend(self, chars: int, what: str = _NESTED) -> None:
        self.left -= chars
        if self.left < 0:
            raise GenerationLimitError(
                f"The requested schema is too large to generate: {what} needs more than the "
                f"{MAX_GENERATED_CHARS} characters of JSON the emulator generates for one value"
            )


def _size_keyword(schema: dict[str, Any], name: str, default: int) -> int:
    value = schema.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return default
    return int(min(value, MAX_GENERATED_CHARS + 1))


class TextHints:
    """Values found in a user's text, each used once.

    Args:
        text: The user's message.
    """

    def __init__(self, text: str, *, skip_words: frozenset[str] = frozenset()) -> None:
        self.text = text.strip()
        self.lower = self.text.lower()
        self.numbers = [float(m.group()) for m in _NUMBER_RE.finditer(self.text)]
        self.quoted = [next(g for g in m.groups() if g) for m in _QUOTED_RE.finditer(self.text)]
        self.names = self._proper_names(self.text)
        self.words = [
            w for w in _WORD_RE.findall(self.text) if w.lower() not in skip_words and len(w) > 1
        ]
        self.expression = find_expression(self.text)
        #: Set while filling an object that needs several free-text strings.
        self.prefer_words = False

    @staticmethod
    def _proper_names(text: str) -> list[str]:
        names: list[list[str]] = []
        prev_end = -1  # end of the previous capitalised word, to join "New York"
        last_end = 0  # end of the previous word: only the gap since then is looked at (linear)
        for match in _WORD_RE.finditer(text):
            word = match.group()
            gap = text[last_end : match.start()].rstrip()
            starts = gap[-1] in ".!?:" if gap else last_end == 0
            last_end = match.end()
            if not word[0].isupper() or starts or word == "I":
                prev_end = -1
                continue
            if names and text[prev_end : match.start()] == " ":
                names[-1].append(word)
            else:
                names.append([word])
            prev_end = match.end()
        return [" ".join(parts) for parts in names]

    def take_word(self) -> str | None:
        """The next content word (stop words and the tool's own name words are skipped)."""
        return self.words.pop(0) if self.words else None

    def take_number(self) -> float | None:
        """The next number in the text."""
        return self.numbers.pop(0) if self.numbers else None

    def take_string(self) -> str | None:
        """The next quoted phrase, else the next capitalised name."""
        if self.quoted:
            return self.quoted.pop(0)
        if self.names:
            return self.names.pop(0)
        return None

    def mentioned(self, values: list[Any]) -> Any:
        """The first of ``values`` the text mentions as a word (case-insensitive; ``_`` or ``-``
        may be spoken as a space), or None."""
        for value in values:
            if not isinstance(value, str):
                continue
            # "percent_change" may be written "percent change" or "percent-change"
            spoken = "[ _-]".join(re.escape(part) for part in re.split(r"[_-]", value.lower()))
            if re.search(rf"(?<!\w){spoken}(?!\w)", self.lower):
                # A quoted enum value is spoken for: no string field should take it as well.
                self.quoted = [q for q in self.quoted if q.lower() != value.lower()]
                return value
        return None


def find_expression(text: str) -> str | None:
    """The longest arithmetic expression in ``text`` (with an operator or a function call)."""
    best = None
    for match in _EXPR_RE.finditer(text.lower()):
        candidate = match.group().strip(" \t,")
        has_operator = re.search(r"[+\-*/^]|[a-z]+\(", candidate)
        if (
            re.search(r"\d", candidate)
            and has_operator
            and (best is None or len(candidate) > len(best))
        ):
            best = candidate
    return best


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
        ref = schema["$ref"]
        target: Any = root
        if ref.startswith("#"):
            for part in [p for p in ref[1:].split("/") if p]:
                target = (
                    target.get(part.replace("~1", "/").replace("~0", "~"), {})
                    if isinstance(target, dict)
                    else {}
                )
        else:
            target = {}
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **extra}
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _pick_branch(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            resolved = [_resolve(b, root) for b in branches]
            chosen = next((b for b in resolved if b.get("type") != "null"), resolved[0])
            rest = {k: v for k, v in schema.items() if k != key}
            return {**chosen, **rest}
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = _resolve(part, root)
            props = {**merged.get("properties", {}), **part.get("properties", {})}
            required = list(dict.fromkeys(merged.get("required", []) + part.get("required", [])))
            merged = {**merged, **part, "properties": props, "required": required}
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return {**merged, **rest}
    return schema


def resolve_schema(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with ``$ref`` followed and ``anyOf``/``oneOf``/``allOf`` reduced, as
    :func:`make_value` reads it (the first non-null branch of a union)."""
    return _pick_branch(_resolve(schema, root), root)


def schema_type(schema: dict[str, Any]) -> str:
    """The JSON type a resolved schema stands for (``"string"`` when it does not say)."""
    return _type_of(schema)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _number(schema: dict[str, Any], hints: TextHints, integer: bool) -> int | float:
    value = hints.take_number()
    if value is None:
        value = schema.get("default")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        value = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        if "exclusiveMinimum" in schema and "minimum" not in schema:
            value += 1
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)):
        value = max(value, low)
    if isinstance(high, (int, float)):
        value = min(value, high)
    return int(value) if integer or float(value).is_integer() else value


def _string(schema: dict[str, Any], hints: TextHints, name: str, budget: _Budget) -> str:
    low = _size_keyword(schema, "minLength", 0)
    if low > MAX_GENERATED_CHARS:
        budget.spend(low, f"minLength {schema['minLength']}")
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if name.lower() in EXPR_FIELDS and hints.expression:
        expression, hints.expression = hints.expression, None
        return expression
    value = hints.take_string()
    if value is None and hints.prefer_words:
        value = hints.take_word()
    if value is None:
        default = schema.get("default")
        value = default if isinstance(default, str) else (hints.text or name or "example")
    high = schema.get("maxLength")
    if isinstance(high, int) and not isinstance(high, bool) and high >= 0:
        value = value[:high]
    if len(value) < low:  # counted by the caller, like every scalar
        value = value + "x" * (low - len(value))
    return value


def make_value(
    schema: Any,
    hints: TextHints,
    *,
    root: dict[str, Any] | None = None,
    name: str = "",
    all_properties: bool = False,
    _depth: int = 0,
    _budget: _Budget | None = None,
) -> Any:
    """A value valid against ``schema``.

    Args:
        schema: The JSON schema.
        hints: Values from the user's text (consumed as used).
        root: Document ``$ref`` pointers resolve against (defaults to ``schema``).
        name: Property name, the placeholder of a string with nothing better.
        all_properties: Fill every property of objects, not only required ones and optional
            enums the text mentions (tool arguments fill only those; structured output fills all).

    Raises:
        GenerationLimitError: The schema needs more than :data:`MAX_GENERATED_CHARS` characters.
    """
    budget = _budget if _budget is not None else _Budget()
    return _make(
        schema,
        hints,
        root=root,
        name=name,
        all_properties=all_properties,
        depth=_depth,
        budget=budget,
    )


def _make(
    schema: Any,
    hints: TextHints,
    *,
    root: dict[str, Any] | None,
    name: str,
    all_properties: bool,
    depth: int,
    budget: _Budget,
) -> Any:
    root = root if root is not None else (schema if isinstance(schema, dict) else {})
    schema = _pick_branch(_resolve(schema, root), root)
    value = _fill(schema, hints, root, name, all_properties, depth, budget)
    if not isinstance(value, (dict, list)):  # containers were counted item by item
        budget.spend(len(value) + 2 if isinstance(value, str) else len(json.dumps(value)))
    return value


def _fill(
    schema: dict[str, Any],
    hints: TextHints,
    root: dict[str, Any],
    name: str,
    all_properties: bool,
    depth: int,
    budget: _Budget,
) -> Any:
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        values = schema["enum"]
        found = hints.mentioned(values)
        if found is not None:
            return found
        return schema["default"] if schema.get("default") in values else values[0]
    kind = _type_of(schema)
    if depth > _MAX_DEPTH:
        return {"object": {}, "array": [], "string": "", "boolean": False, "null": None}.get(
            kind, 0
        )

    def child(sub: Any, child_name: str) -> Any:
        return _make(
            sub,
            hints,
            root=root,
            name=child_name,
            all_properties=all_properties,
            depth=depth + 1,
            budget=budget,
        )

    if kind == "object":
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        resolved = {prop: _pick_branch(_resolve(sub, root), root) for prop, sub in props.items()}
        enums = {
            p for p, sub in resolved.items() if isinstance(sub.get("enum"), list) and sub["enum"]
        }
        filled: dict[str, Any] = {}
        free_text = [
            p
            for p, sub in resolved.items()
            if p not in enums and _type_of(sub) == "string" and (p in required or all_properties)
        ]
        outer, hints.prefer_words = hints.prefer_words, len(free_text) >= 2
        # Enum fields first, so the words they claim are not also taken by free-text fields.
        for prop in sorted(props, key=lambda p: p not in enums):
            wanted = prop in required or all_properties
            if prop in enums and not wanted:
                wanted = hints.mentioned(resolved[prop]["enum"]) is not None
            if wanted:
                budget.spend(len(prop) + 4)
                filled[prop] = child(props[prop], prop)
        hints.prefer_words = outer
        return {prop: filled[prop] for prop in props if prop in filled}
    if kind == "array":
        count = max(1, _size_keyword(schema, "minItems", 1))
        if count > MAX_GENERATED_CHARS:  # refuse before building anything
            budget.spend(count, f"minItems {schema['minItems']}")
        items = schema.get("items", {})
        values = []
        for _ in range(count):
            budget.spend(2)  # the separator, at least
            values.append(child(items, name))
        return values
    if kind in ("integer", "number"):
        return _number(schema, hints, integer=kind == "integer")
    if kind == "boolean":
        default = schema.get("default")
        return default if isinstance(default, bool) else False
    if kind == "null":
        return None
    return _string(schema, hints, name, budget)

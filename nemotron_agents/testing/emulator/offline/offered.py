"""The tools a request offers, read once into names, parameters and descriptions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nemotron_agents.testing.emulator._model.schema_values import resolve_schema, schema_type
from nemotron_agents.testing.emulator.offline.words import content_words

__all__ = ["Offered", "Param", "read_tools"]


@dataclass(frozen=True)
class Param:
    """One parameter of an offered tool.

    Attributes:
        name: As in the schema.
        kind: JSON type (``"string"``, ``"number"``, ``"integer"``, ``"boolean"``, ...).
        description: Its description ('' when none).
        enum: Allowed values, when listed.
        format: JSON-schema ``format`` ('' when none).
        required: Whether the schema requires it.
        schema: The resolved schema.
    """

    name: str
    kind: str
    description: str
    enum: tuple[Any, ...] | None
    format: str
    required: bool
    schema: dict[str, Any]

    def words(self) -> list[str]:
        """Content words of the name."""
        return content_words(self.name)

    def clause(self, mode: str | None = None) -> str:
        """The description, or only its part for ``mode`` when it is written per mode:
        "For 'percent_of': the percentage. For 'percent_change': the old value." """
        if mode is None or f"'{mode}'" not in self.description:
            return self.description
        pieces = re.split(r"(?:(?:For|for|If|if|When|when)\s+)?'([^']+)'\s*:", self.description)
        for value, text in zip(pieces[1::2], pieces[2::2], strict=False):
            if value == mode:
                return text
        return self.description


@dataclass(frozen=True)
class Offered:
    """One offered function tool."""

    name: str
    description: str
    params: tuple[Param, ...]

    def words(self) -> list[str]:
        """Content words of the name."""
        return content_words(self.name)


def read_tools(body: dict[str, Any]) -> list[Offered]:
    """The function tools of a request body, in order."""
    tools = []
    for entry in body.get("tools") or []:
        fn = entry.get("function") if isinstance(entry, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            continue
        declared = fn.get("parameters")
        root = declared if isinstance(declared, dict) else {}
        schema = resolve_schema(root, root)
        required = set(schema.get("required") or [])
        params = []
        for name, sub in (schema.get("properties") or {}).items():
            sub = resolve_schema(sub, root)
            enum = sub.get("enum")
            params.append(
                Param(
                    name=name,
                    kind="enum" if isinstance(enum, list) and enum else schema_type(sub),
                    description=str(sub.get("description") or ""),
                    enum=tuple(enum) if isinstance(enum, list) and enum else None,
                    format=str(sub.get("format") or ""),
                    required=name in required,
                    schema=sub,
                )
            )
        tools.append(Offered(fn["name"], str(fn.get("description") or ""), tuple(params)))
    return tools

"""Read a Google-style docstring: the summary, and one description per parameter.

Only what a tool needs: the text before the first section (``Args:``, ``Returns:``…) becomes the
tool's description, and each ``name (type): text`` entry of ``Args:`` a parameter's description.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["Docstring", "parse_docstring"]

_ARG_SECTIONS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
_OTHER_SECTIONS = {
    "returns", "return", "yields", "yield", "raises", "raise", "exceptions", "example", "examples",
    "note", "notes", "warning", "warnings", "see also", "todo", "references", "attributes",
}  # fmt: skip
_SECTION = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:(.*)$")


@dataclass(frozen=True)
class Docstring:
    """What a docstring says about a function.

    Attributes:
        summary: The text before the first section, stripped.
        params: Parameter name -> description, from the ``Args:`` section.
    """

    summary: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> Docstring:
    """Split a Google-style docstring into its summary and parameter descriptions.

    Args:
        doc: The raw docstring (``func.__doc__``), or ``None``.

    Returns:
        The summary and the ``Args:`` entries; continuation lines are joined with spaces.
    """
    if not doc:
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    entry_indent: int | None = None
    current: str | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        header = _SECTION.match(line)
        if header and header.group(1).lower() in _ARG_SECTIONS | _OTHER_SECTIONS:
            section, entry_indent, current = header.group(1).lower(), None, None
            continue
        if section is None:
            summary.append(line)
        elif section in _ARG_SECTIONS and text:
            if indent == 0:  # unindented prose ends the section
                section, current = "", None
                continue
            if entry_indent is None:
                entry_indent = indent
            entry = _ENTRY.match(text) if indent == entry_indent else None
            if entry:
                current = entry.group(1)
                params[current] = entry.group(2).strip()
            elif current is not None:
                params[current] = f"{params[current]} {text}".strip()
    return Docstring(summary="\n".join(summary).strip(), params=params)

"""Turn a tool's result into the text the model reads."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from pydantic_core import to_jsonable_python

__all__ = [
    "DEFAULT_MAX_OUTPUT_CHARS",
    "NON_FINITE_TEMPLATE",
    "TRUNCATION_MARKER",
    "find_non_finite",
    "format_output",
]

#: Appended to a cut result so the model knows it saw only part of it.
TRUNCATION_MARKER = "\n…[truncated: showed {shown} of {total} characters]"

#: Longest result text the model gets from a tool that sets no ``max_output_chars`` of its own.
DEFAULT_MAX_OUTPUT_CHARS = 20_000

#: The error for a result holding ``inf`` or ``nan`` (JSON has no such numbers).
NON_FINITE_TEMPLATE = (
    "Tool '{tool}' returned {value}{where}, which is not a finite number: the calculation "
    "overflowed (beyond about 1.8e308) or is undefined. Try smaller numbers or another way."
)

# Items of a result looked at for non-finite numbers; a bigger result is checked in part.
_CHECK_BUDGET = 10_000


def format_output(result: Any, *, max_chars: int | None = None) -> str:
    """Render ``result`` as text, cut to ``max_chars`` characters with a visible marker.

    Args:
        result: What the tool returned. A string is kept as is; anything else (pydantic models,
            dataclasses, dicts, lists, numbers, ``None``) is serialised to JSON, with ``str()``
            for values JSON cannot hold.
        max_chars: Keep at most this many characters of the text; ``None`` keeps all.

    Returns:
        The text, ending with ``…[truncated: showed N of M characters]`` when it was cut.
    """
    if isinstance(result, str):
        text = result
    else:
        text = json.dumps(to_jsonable_python(result, fallback=str), ensure_ascii=False)
    if max_chars is not None and len(text) > max_chars:
        return text[:max_chars] + TRUNCATION_MARKER.format(shown=max_chars, total=len(text))
    return text


def find_non_finite(result: Any) -> tuple[str, float] | None:
    """The first ``inf`` / ``nan`` float in ``result``, also inside lists, tuples and dicts.

    Looks at no more than 10,000 items, without recursion, so any result is cheap to check.

    Returns:
        ``(where, value)``, where ``where`` is ``""`` for the result itself or a path such as
        ``"[2]['km']"``; ``None`` when no such number was found.
    """
    budget = _CHECK_BUDGET
    stack: list[Iterator[tuple[str, Any]]] = [iter([("", result)])]
    while stack and budget > 0:
        for where, item in stack[-1]:
            budget -= 1
            if isinstance(item, float) and not math.isfinite(item):
                return where, item
            inside = _items(where, item)
            if inside is not None or budget <= 0:
                if inside is not None:
                    stack.append(inside)
                break
        else:
            stack.pop()
    return None


def _items(where: str, value: Any) -> Iterator[tuple[str, Any]] | None:
    if isinstance(value, dict):
        return ((f"{where}[{key!r}]", item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None

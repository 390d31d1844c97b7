"""Turn a tool's result into the text the model reads."""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_jsonable_python

__all__ = ["format_output", "TRUNCATION_MARKER"]

#: Appended to a cut result so the model knows it saw only part of it.
TRUNCATION_MARKER = "\n…[truncated: showed {shown} of {total} characters]"


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

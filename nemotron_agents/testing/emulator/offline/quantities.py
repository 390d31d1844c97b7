"""Units in a request ("miles", "km/h", "miles per hour", "°F", "fl oz"), recognised with the
calculator's own unit table (:mod:`nemotron_agents.tools.builtin.units`), so "km/h" stays one
unit and "in" after "5 miles" stays a preposition.
"""

from __future__ import annotations

from nemotron_agents.testing.emulator.offline.cursor import Cursor
from nemotron_agents.tools.builtin.units import UnitError, convert, find_dimension

__all__ = ["same_unit", "take_unit"]

_MAX_WORDS = 4  # "miles per hour" is three tokens, "km / h" three, "degrees Fahrenheit" two
_CONNECTORS = frozenset({"to", "into", "as", "in"})


def same_unit(a: str, b: str) -> bool:
    """Whether two spellings name the same unit ("miles" and "mi")."""
    dimension = find_dimension(a)
    if dimension is None or dimension != find_dimension(b):
        return False
    try:
        return convert(1.0, a, b) == 1.0
    except UnitError:
        return False


def _spans(c: Cursor) -> list[tuple[str, int]]:
    # Candidate spellings starting here, longest first: words joined by spaces, "/" without.
    spans: list[tuple[str, int]] = []
    text = ""
    for k in range(_MAX_WORDS):
        tok = c.peek(k)
        if tok is None or not (tok.kind == "word" or tok.low == "/"):
            break
        if k == 0 and tok.kind != "word":
            break
        glue = "" if not text or tok.low == "/" or text.endswith("/") else " "
        text += glue + tok.text
        if tok.kind == "word":
            spans.append((text, k + 1))
    return spans[::-1]


def take_unit(c: Cursor) -> str | None:
    """Consume the longest unit at the cursor and return it as written, or ``None``.

    Ambiguous spellings ("tons", "Mb") are not units here: after "convert" they still reach the
    tool as words (see :mod:`.grammar`), and its message says what to write instead.

    "in" counts as inches only at the end or before a connector ("12 in to cm"); elsewhere
    it is the preposition ("5 miles in km").
    """
    for text, width in _spans(c):
        if find_dimension(text) is None:
            continue
        after = c.peek(1)
        if text.lower() == "in" and not (
            after is None or c.low(1) in _CONNECTORS or after.kind == "punct"
        ):
            continue
        c.i += width
        return text
    return None

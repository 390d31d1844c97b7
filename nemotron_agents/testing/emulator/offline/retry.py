"""Read a tool's error the way a model would: is it an error, and does it say how to fix the call?

One corrected retry is made only when the error itself names the fix for one of the string
arguments sent: "Did you mean 'mi'?" right after naming that value, or a list of allowed values
("Available restaurants: 'Chez Paul', 'Sakura'") with exactly one value close to what was sent
(a typo, a different case). Anything less certain is not retried: the answer reports the error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from nemotron_agents.testing.emulator.offline.shapes import Prepared

__all__ = ["Fix", "as_number", "correct", "looks_like_error"]

_ERROR_START = re.compile(
    r"^\s*(?:error\b|failed\b|invalid\b|unknown\b|cannot\b|can't\b|could not\b|couldn't\b|"
    r"not allowed\b|not found\b|no such\b|unable\b|refused\b|denied\b|ambiguous\b|"
    r"tool '[^']*' (?:failed|timed out)|the call to tool)",
    re.IGNORECASE,
)
_SUGGESTION = re.compile(r"did you mean ['\"]([^'\"]+)['\"]", re.IGNORECASE)
_LIST_START = re.compile(
    r"\b(?:allowed|available|valid|one of|choose from|must be|expected|use|known)\b", re.IGNORECASE
)
_QUOTED = re.compile(r"'([^'\n]{1,80})'|\"([^\"\n]{1,80})\"")
_CLOSE = 0.8  # similarity of a typo ("Chez Pol" / "Chez Paul")


@dataclass(frozen=True)
class Fix:
    """A corrected argument: ``param`` was ``old``, the error says ``new``."""

    param: str
    old: str
    new: str


def looks_like_error(text: str) -> bool:
    """Whether a tool's result reads as an error message."""
    return bool(_ERROR_START.match(text or ""))


def as_number(text: str) -> Decimal | None:
    """The tool result as a number ("36", "36.0", "8.04672", "1e+21"), or ``None``."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _quoted(text: str) -> list[str]:
    return [a or b for a, b in _QUOTED.findall(text)]


def _close(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= _CLOSE


def correct(call: Prepared, error: str) -> tuple[Prepared, Fix] | None:
    """The call once more with the one argument the error says how to fix, or ``None``."""
    strings = {k: v for k, v in call.args.items() if isinstance(v, str)}
    fixes: list[Fix] = []
    suggestion = _SUGGESTION.search(error)
    if suggestion is not None:
        # The value the suggestion replaces is the one the error quoted before it.
        before = _quoted(error[: suggestion.start()])
        named = [k for k, v in strings.items() if v in before]
        if len(named) == 1:
            fixes.append(Fix(named[0], strings[named[0]], suggestion.group(1)))
    if not fixes:
        start = _LIST_START.search(error)
        allowed = _quoted(error[start.start() :]) if start else []
        for key, value in strings.items():
            fixes += [Fix(key, value, a) for a in allowed if a != value and _close(a, value)]
    if len(fixes) != 1:
        return None
    fix = fixes[0]
    return Prepared(call.tool, {**call.args, fix.param: fix.new}, call.expression), fix

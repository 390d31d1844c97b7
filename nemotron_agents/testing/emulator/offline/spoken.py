"""Numbers written in words: "seven", "twenty-five", "one hundred and five", "a dozen",
"two and a half", and digits with a scale word ("1.5 million").

:func:`read_spoken` reads one number from a list of lower-case words, starting at an index, and
stops at the first word that cannot continue it, so "add seventeen and twenty-five" reads
17 and 25, not one number: "and" joins only after "hundred" or a scale ("one hundred and five"),
or before "a half".
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["SCALES", "read_spoken"]

_SMALL = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
#: Scale words, also read after digits ("1.5 million").
SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_HALF = ("and", "a", "half")


def _pieces(word: str) -> list[str] | None:
    # "twenty-five" is one lexer word; read it as "twenty", "five".
    parts = word.split("-")
    return parts if all(p in _SMALL or p in _TENS for p in parts) else None


def read_spoken(words: list[str], start: int) -> tuple[Decimal, int] | None:
    """Read a spoken number at ``words[start]``.

    Args:
        words: Lower-case words (one per token; non-words may be any placeholder).
        start: Index of the first word.

    Returns:
        ``(value, end)`` with ``end`` the index after the last word used, or ``None`` when
        no number starts there.
    """
    total = 0
    group: int | None = None  # the part below the last scale word
    i = start
    last = ""  # kind of the last word taken: small, tens, hundred, scale, dozen
    if (
        i < len(words)
        and words[i] == "a"
        and i + 1 < len(words)
        and (words[i + 1] in ("hundred", "dozen") or words[i + 1] in SCALES)
    ):
        group, i, last = 1, i + 1, "small"
    while i < len(words):
        word = words[i]
        pieces = _pieces(word)
        if pieces is not None and len(pieces) > 1:
            if last in ("small", "tens") or not (
                len(pieces) == 2 and pieces[0] in _TENS and pieces[1] in _SMALL
            ):
                break
            group = (group or 0) + _TENS[pieces[0]] + _SMALL[pieces[1]]
            last = "small"
        elif word in _SMALL:
            if (
                last == "small"
                or (last == "tens" and _SMALL[word] >= 10)
                or (last == "tens" and word == "zero")
            ):
                break
            group = (group or 0) + _SMALL[word]
            last = "small"
        elif word in _TENS:
            if last in ("small", "tens"):
                break
            group = (group or 0) + _TENS[word]
            last = "tens"
        elif word == "hundred" and last in ("small", "tens") and group is not None and group < 100:
            group *= 100
            last = "hundred"
        elif word in SCALES and last in ("small", "tens", "hundred"):
            total += (group or 1) * SCALES[word]
            group, last = None, "scale"
        elif word == "dozen" and last in ("small", "tens"):
            group = (group or 1) * 12
            last = "dozen"
        elif (
            word == "and"
            and last in ("hundred", "scale")
            and i + 1 < len(words)
            and (words[i + 1] in _SMALL or words[i + 1] in _TENS or _pieces(words[i + 1]))
        ):
            last = "and"
        else:
            break
        i += 1
    if i == start or last == "and":
        return None
    value = Decimal(total + (group or 0))
    if tuple(words[i : i + 3]) == _HALF:
        value, i = value + Decimal("0.5"), i + 3
    return value, i

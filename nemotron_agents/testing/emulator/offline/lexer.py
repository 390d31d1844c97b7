"""Tokens of a user's request, read the way people write: ``1,250``, ``3.5``, ``seven``,
``1.5 million``, ``2**100``, ``7pm``, ``March 14, 2025``.

:func:`tokenize` makes one left-to-right regular-expression pass, then merges neighbours
(spoken numbers, a number and its scale word, month-day-year dates, "noon") with a bounded look
ahead, so its cost is linear in the text's length.

Kinds: ``num`` (``value`` a :class:`~decimal.Decimal`), ``word``, ``op`` (``+ - * / // % **
^ ( ) , !`` with ``× ÷ −`` mapped to ASCII), ``punct`` (``. ? ! ; : =``), ``quote`` (``value``
the inner text), ``cur`` (``$ € £``), ``date`` (``value`` ISO ``YYYY-MM-DD``, or ``None`` when
the text does not fix it: "March 14", "tomorrow"), ``time`` (``value`` ``HH:MM``, or ``None``
when am/pm is unclear: "at 7:30"), ``other``.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from nemotron_agents.testing.emulator.offline.spoken import SCALES, read_spoken

__all__ = ["Token", "number_text", "tokenize"]

_TOKEN_RE = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2})(?!\d)"
    r"|(?P<sdate>\d{1,2}/\d{1,2}/\d{4})(?!\d)"
    r"|(?P<clock>\d{1,2}:\d{2}(?::\d{2})?(?:\s?[aApP]\.?[mM]\.?(?![A-Za-z]))?)"
    r"|(?P<hour>\d{1,2}\s?[aApP]\.?[mM]\.?(?![A-Za-z]))"
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"(?:(?:st|nd|rd|th)(?![A-Za-z]))?"
    r"|(?P<word>(?:[A-Za-z]\.)+[A-Za-z]\.?(?![A-Za-z])|(?:[°º]\s?)?[^\W\d_]\w*(?:['’\-][^\W\d_]\w*)*)"
    r"|(?P<quote>\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|(?<!\w)'[^'\n]{1,200}'(?!\w))"
    r"|(?P<op>\*\*|//|[-+*/^%×÷()\[\],−–])"
    r"|(?P<punct>[.?!;:=])"
    r"|(?P<cur>[$€£])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?\s?(?:([aApP])\.?[mM]\.?)?")
_OPS = {"×": "*", "÷": "/", "−": "-", "–": "-", "[": "(", "]": ")"}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_RELATIVE_DAYS = frozenset(
    [
        "today",
        "tomorrow",
        "tonight",
        "yesterday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "weekend",
    ]
)


class Token(NamedTuple):
    """One token.

    Attributes:
        kind: See the module docstring.
        text: As written.
        low: Lower case (operators in ASCII).
        start: Offset of the first character in the text.
        end: Offset after the last character.
        value: Number, ISO date, ``HH:MM`` time or quoted text, by kind.
        cap: A word written with a capital that does not start a sentence ("Paris").
        spaced: Whitespace comes before it.
        spoken: A number written in words.
    """

    kind: str
    text: str
    low: str
    start: int
    end: int
    value: Decimal | str | None = None
    cap: bool = False
    spaced: bool = True
    spoken: bool = False


def number_text(value: Decimal) -> str:
    """Plain decimal text of a number: ``1250``, ``3.5``, ``1000000`` (never an exponent)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _date(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _clock(
    hour: int, minute: int, meridiem: str | None, *, written_24h: bool = False
) -> str | None:
    """``HH:MM``, or ``None`` when invalid or when morning or evening is not said ("7:30")."""
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.lower() == "p" else 0)
    elif not (written_24h or hour == 0 or hour > 12):
        return None
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _raw_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    spaced = True
    sentence_start = True
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        raw = m.group()
        if kind == "space" or (kind == "other" and raw.isspace()):
            spaced = True
            continue
        value: Decimal | str | None = None
        low = raw.lower()
        if kind == "num":
            kind, raw = "num", m.group("num")
            try:
                value = Decimal(raw.replace(",", ""))
            except InvalidOperation:
                kind = "other"
        elif kind == "date":
            year, month, day = (int(p) for p in raw.split("-"))
            value = _date(year, month, day)
        elif kind == "sdate":
            first, second, year = (int(p) for p in raw.split("/"))
            kind = "date"
            # 14/03/2025 and 03/14/2025 are clear; 04/05/2025 is not.
            if first > 12 >= second:
                value = _date(year, second, first)
            elif second > 12 >= first:
                value = _date(year, first, second)
        elif kind == "clock":
            kind = "time"
            clock = _CLOCK_RE.match(raw)
            assert clock is not None  # the clock group's text always fits _CLOCK_RE
            hour, minute, meridiem = clock.groups()
            value = _clock(int(hour), int(minute), meridiem, written_24h=raw.startswith("0"))
        elif kind == "hour":
            kind = "time"
            digits = raw.rstrip(".mM").rstrip(".").rstrip("aApP").strip()
            value = _clock(int(digits), 0, raw[len(digits) :].strip()[:1])
        elif kind == "op":
            low = _OPS.get(raw, raw)
        elif kind == "quote":
            value = raw[1:-1].strip()
        elif kind == "punct" and raw == "!" and not spaced and tokens and tokens[-1].kind == "num":
            kind = "op"  # "5!" is a factorial
        cap = kind == "word" and raw[0].isupper() and not sentence_start and raw != "I"
        tokens.append(Token(kind, raw, low, m.start(), m.end(), value, cap, spaced))
        # An opening quote or stray mark keeps a sentence start: '"Can you ...' starts one.
        sentence_start = (kind == "punct" and raw in ".?!:") or (
            kind in ("quote", "other") and sentence_start
        )
        spaced = False
    return tokens


def _merge(text: str, tokens: list[Token]) -> list[Token]:
    lows = [t.low if t.kind == "word" else "\0" for t in tokens]
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        merged = _merge_at(text, tokens, lows, i)
        if merged is None:
            out.append(tok)
            i += 1
        else:
            out.append(merged[0])
            i = merged[1]
    return out


def _span(
    text: str,
    tokens: list[Token],
    i: int,
    j: int,
    kind: str,
    value: Decimal | str | None,
    *,
    spoken: bool = False,
) -> Token:
    first, last = tokens[i], tokens[j - 1]
    raw = text[first.start : last.end]
    return Token(
        kind, raw, raw.lower(), first.start, last.end, value, spaced=first.spaced, spoken=spoken
    )


def _int_at(tokens: list[Token], i: int, low: int, high: int) -> int | None:
    if i < len(tokens) and tokens[i].kind == "num":
        value = tokens[i].value
        if (
            isinstance(value, Decimal)
            and value == value.to_integral_value()
            and low <= value <= high
        ):
            return int(value)
    return None


def _merge_at(text: str, tokens: list[Token], lows: list[str], i: int) -> tuple[Token, int] | None:
    tok = tokens[i]
    if tok.kind == "word":
        if tok.low in _MONTHS:
            return _month_first(text, tokens, i)
        if tok.low in _RELATIVE_DAYS:
            return tok._replace(kind="date", value=None), i + 1
        if tok.low in ("noon", "midday", "midnight"):
            return tok._replace(
                kind="time", value="00:00" if tok.low == "midnight" else "12:00"
            ), i + 1
        spoken = read_spoken(lows, i)
        if spoken is not None:
            value, end = spoken
            return _span(text, tokens, i, end, "num", value, spoken=True), end
        return None
    if tok.kind == "num":
        number = tok.value
        assert isinstance(number, Decimal)  # a number token's value is its Decimal
        day = _int_at(tokens, i, 1, 31)
        j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].low == "of")
        if (
            day is not None
            and j < len(tokens)
            and tokens[j].low in _MONTHS
            and tokens[j].kind == "word"
        ):
            month = _MONTHS[tokens[j].low]
            year = _int_at(tokens, j + 1, 1900, 2200)
            end = j + 2 if year is not None else j + 1
            date = _date(year, month, day) if year is not None else None
            return _span(text, tokens, i, end, "date", date), end
        nxt = lows[i + 1] if i + 1 < len(tokens) else ""
        if nxt in SCALES or nxt == "dozen":
            factor = SCALES.get(nxt, 12)
            return _span(text, tokens, i, i + 2, "num", number * factor), i + 2
        if tuple(lows[i + 1 : i + 4]) == ("and", "a", "half"):
            return _span(text, tokens, i, i + 4, "num", number + Decimal("0.5")), i + 4
    return None


def _month_first(text: str, tokens: list[Token], i: int) -> tuple[Token, int] | None:
    # "March 14, 2025", "March 14th 2025", "March 14" (no year: the date is not fixed).
    day = _int_at(tokens, i + 1, 1, 31)
    if day is None:
        return None
    month = _MONTHS[tokens[i].low]
    j = i + 2 + (i + 2 < len(tokens) and tokens[i + 2].low == ",")
    year = _int_at(tokens, j, 1900, 2200)
    if year is None:
        return _span(text, tokens, i, i + 2, "date", None), i + 2
    return _span(text, tokens, i, j + 1, "date", _date(year, month, day)), j + 1


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (see the module docstring)."""
    return _merge(text, _raw_tokens(text))

"""Read one part of a request as an arithmetic, percentage or unit-conversion intent.

:func:`read_intent` skips the question frame ("what is", "can you tell me"), tries each reading
in turn and accepts one only when nothing but ignorable words is left over: an extra number or
an unknown word ("15% of 240 after tax") means the part is not understood, and the policy
declines it instead of answering a different question.

Readings, with examples:

* conversion: "convert 5 miles to km", "100 km/h in mph", "how many seconds are in 3.5 hours",
  "10 meters is how many feet", "then convert it to miles" (the previous result and its unit);
* percentages: "18% of 1,250", "a 15% tip on $80", "30 is what percent of 240", "percent change
  from 50 to 75", "by what percent did it grow from 50 to 75", "increase 200 by 15%",
  "25% off 80", "80 plus 15%", "then add 10%";
* arithmetic: expressions in symbols or words (:mod:`.expressions`), and commands: "add 17 and
  25", "subtract 5 from 12", "multiply the result by 3", "divide by 4", "square it",
  "take the square root", "raise 2 to the power of 10", "round it to 2 decimal places",
  "plus 5" (continuing from the previous result).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from nemotron_agents.testing.emulator.offline.cursor import IGNORABLE, Cursor
from nemotron_agents.testing.emulator.offline.expressions import (
    Bin,
    Call,
    Expr,
    Neg,
    Num,
    Ref,
    parse_expression,
    parse_items,
    parse_operand,
)
from nemotron_agents.testing.emulator.offline.intents import (
    Arithmetic,
    Conversion,
    Intent,
    PercentChange,
    PercentOf,
    Scale,
    WhatPercent,
)
from nemotron_agents.testing.emulator.offline.lexer import Token, number_text
from nemotron_agents.testing.emulator.offline.quantities import take_unit

__all__ = ["read_intent", "skip_frame"]

_PERCENT_WORDS = ("%", "percent", "per cent", "pct")
_WHAT_PERCENT = ("percent", "percentage", "%")
_CHANGE_NOUNS = (
    "change",
    "increase",
    "decrease",
    "growth",
    "rise",
    "drop",
    "decline",
    "fall",
    "gain",
    "loss",
)
_CHANGE_VERBS = (
    "change",
    "changed",
    "increase",
    "increased",
    "go up",
    "went up",
    "rise",
    "rose",
    "grow",
    "grew",
    "decrease",
    "decreased",
    "go down",
    "went down",
    "drop",
    "dropped",
    "fall",
    "fell",
)
_UP_VERBS = ("increase", "raise", "grow", "inflate", "mark up")
_DOWN_VERBS = ("decrease", "reduce", "lower", "cut", "discount", "mark down")
_UP_NOUNS = ("increase", "raise", "tax", "tip", "markup", "vat", "surcharge", "interest", "rise")
_DOWN_NOUNS = ("discount", "decrease", "cut", "reduction", "drop", "off")
_OF_NOUNS = ("tip", "tax", "vat", "commission", "interest", "fee", "discount")
_CURRENCY_WORDS = ("dollars", "dollar", "euros", "euro", "usd", "eur", "gbp", "bucks")
_PLACES = ("decimal places", "decimal place", "decimals", "places", "dp", "digits")
_ONE = Num("1", "1")


def skip_frame(c: Cursor) -> None:
    """Skip the question frame ("what is", "can you tell me"), stopping where a reading starts
    with such words ("how many", "what percent", "by what percent")."""
    while not (
        c.at("how", "many") or c.at("by", "what") or (c.at("what") and c.low(1) in _WHAT_PERCENT)
    ):
        tok = c.peek()
        if tok is None or tok.kind == "num" or tok.low not in IGNORABLE:
            return
        c.i += 1


def _number(c: Cursor) -> Num | None:
    d = c.copy()
    sign = (
        "-"
        if (d.low() == "-" and (after := d.peek(1)) is not None and not after.spaced)
        or d.take_any("minus", "negative")
        else ""
    )
    if sign and d.low() == "-":
        d.i += 1
    tok = d.number()
    if tok is None:
        return None
    assert isinstance(tok.value, Decimal)  # Cursor.number() takes only tokens holding one
    c.i = d.i
    text = number_text(tok.value)
    shown = number_text(tok.value) if tok.spoken else tok.text
    return Num(sign + text if text != "0" else text, sign + shown)


def _amount(c: Cursor, has_prev: bool) -> Num | Ref | None:
    """A number, maybe with a currency sign or word ("$1,250", "30 dollars"), or the previous
    result."""
    if has_prev and c.take_ref():
        return Ref()
    d = c.copy()
    d.take_any("$", "€", "£")
    num = _number(d)
    if num is None:
        return None
    d.take_any(*_CURRENCY_WORDS)
    c.i = d.i
    return num


def _percent(c: Cursor) -> Num | None:
    d = c.copy()
    num = _number(d)
    if num is None or d.take_any(*_PERCENT_WORDS) is None:
        return None
    c.i = d.i
    return num


# --- conversions ----------------------------------------------------------------------------


def _quantity(c: Cursor, has_prev: bool) -> Num | Ref | None:
    if has_prev and c.take_ref():
        return Ref()
    d = c.copy()
    if d.take_any("a", "an") is not None and take_unit(d.copy()) is not None:
        c.i = d.i
        return _ONE
    return _number(c)


def _how_many(c: Cursor, has_prev: bool) -> Intent | None:
    to_unit = take_unit(c)
    if to_unit is None:
        return None
    c.take_any(
        "are there in",
        "is there in",
        "are in",
        "is in",
        "in",
        "are there",
        "are",
        "is",
        "make up",
        "make",
        "makes",
        "equal",
        "equals",
    )
    value = _quantity(c, has_prev)
    if value is None:
        return None
    from_unit = take_unit(c)
    if from_unit is None and not isinstance(value, Ref):
        return None
    return Conversion(value, from_unit, to_unit)


def conversion(c: Cursor, has_prev: bool) -> Intent | None:
    """Unit conversions (see the module docstring)."""
    if c.take("how", "many"):
        return _how_many(c, has_prev)
    verb = c.take_any("convert", "change", "turn", "express", "transform")
    value = _quantity(c, has_prev)
    if value is None and has_prev and (verb or c.at("in")) and c.low() in ("to", "into", "in"):
        value = Ref()  # "then convert to miles", "in miles?"
    if value is None:
        return None
    c.take("from")
    # After "convert", a word the unit table does not know still goes to the tool, whose
    # answer (a suggestion, or the list of units) is better than a guess here.
    from_unit = take_unit(c) or (_word(c) if verb == "convert" else None)
    if from_unit is None and not isinstance(value, Ref):
        return None
    if c.take_any(
        "is how many", "are how many", "equals how many", "is equal to how many", "in how many"
    ):
        to_unit = take_unit(c)
    elif c.take_any("to", "into", "in", "as", "in terms of") is not None:
        c.take_any("the")
        to_unit = take_unit(c) or (_word(c) if verb == "convert" else None)
    else:
        return None
    return Conversion(value, from_unit, to_unit) if to_unit else None


def _word(c: Cursor) -> str | None:
    tok = c.peek()
    if (
        tok is None
        or tok.kind != "word"
        or tok.low in IGNORABLE
        or tok.low in ("from", "into", "in", "as")
    ):
        return None
    c.i += 1
    return tok.text


# --- percentages ----------------------------------------------------------------------------


def what_percent(c: Cursor, has_prev: bool) -> Intent | None:
    """ "what percent of 240 is 30", "what percent is 30 of 240", "30 is what percent of 240"."""
    if c.take("what"):
        if c.take_any(*_WHAT_PERCENT) is None:
            return None
        if c.take("of"):
            whole = _number(c)
            c.take_any("is", "are")
            part = _number(c)
        else:
            c.take_any("is", "are")
            part = _number(c)
            whole = _number(c) if c.take("of") else None
    else:
        part = _number(c)
        if not (
            c.take_any("is", "are")
            and c.take("what")
            and c.take_any(*_WHAT_PERCENT)
            and c.take("of")
        ):
            return None
        whole = _number(c)
    return WhatPercent(part, whole) if part is not None and whole is not None else None


def _from_to(c: Cursor) -> tuple[Num, Num] | None:
    if c.take("from"):
        old = _number(c)
        new = _number(c) if c.take("to") else None
    elif c.take("between"):
        old = _number(c)
        new = _number(c) if c.take("and") else None
    else:
        return None
    return (old, new) if old is not None and new is not None else None


def percent_change(c: Cursor, has_prev: bool) -> Intent | None:
    """ "percent change from 50 to 75", "by what percent did it grow from 50 to 75",
    "from 50 to 75, what is the percentage increase"."""
    if c.take("by", "what"):
        if c.take_any(*_WHAT_PERCENT) is None:
            return None
        c.take_any("did", "does", "has", "have", "is", "was")
        for _ in range(4):  # "did the price", "did the population of the town"
            if c.take_any(*_CHANGE_VERBS) is not None:
                break
            if (tok := c.peek()) is None or tok.kind != "word":
                return None
            c.i += 1
        else:
            return None
        pair = _from_to(c)
        return PercentChange(*pair) if pair else None
    c.take("the")
    if c.take_any(*_WHAT_PERCENT) is not None:
        if c.take_any(*_CHANGE_NOUNS) is None:
            return None
        pair = _from_to(c)
        return PercentChange(*pair) if pair else None
    pair = _from_to(c)
    if pair is None:
        return None
    c.skip_ignorable()
    if c.take_any(*_WHAT_PERCENT) is None or c.take_any(*_CHANGE_NOUNS) is None:
        return None
    return PercentChange(*pair)


def scale(c: Cursor, has_prev: bool) -> Intent | None:
    """Raise or lower by a percentage: "increase 200 by 15%", "25% off 80", "80 plus 15%",
    "80 after a 25% discount", "then add 10%"."""
    verb = c.take_any(*_UP_VERBS, *_DOWN_VERBS)
    if verb is not None:
        up = verb in _UP_VERBS
        base = _amount(c, has_prev)
        if base is None and has_prev:
            base = Ref()
        percent = _percent(c) if base is not None and c.take("by") else None
        return Scale(base, percent, up) if base is not None and percent is not None else None
    if c.take_any("add", "subtract", "deduct") is not None:
        up = c.tokens[c.i - 1].low == "add"
        percent = _percent(c)
        if percent is None:
            return None
        if c.take_any("to", "from", "off") is not None:
            base = _amount(c, has_prev)
        else:
            base = Ref() if has_prev else None
        return Scale(base, percent, up) if base is not None else None
    percent = _percent(c)
    if percent is not None:
        if c.take("off"):
            base = _amount(c, has_prev)
            if base is None and has_prev:
                base = Ref()
            return Scale(base, percent, False) if base is not None else None
        return None
    base = _amount(c, has_prev)
    if base is None:
        return None
    said_up: bool | None
    if c.take_any("plus", "+") is not None:
        said_up = True
    elif c.take_any("minus", "-", "less", "without") is not None:
        said_up = False
    elif c.take_any("after", "with") is not None:
        said_up = None  # the noun after the percentage says which way
    else:
        return None
    c.take_any("a", "an")
    percent = _percent(c)
    if percent is None:
        return None
    noun = c.take_any(*_UP_NOUNS, *_DOWN_NOUNS)
    if said_up is None:
        if noun is None:
            return None
        said_up = noun in _UP_NOUNS
    elif noun is not None and (noun in _UP_NOUNS) != said_up:
        return None  # "80 plus 10% discount": contradicts itself
    return Scale(base, percent, said_up)


def percent_of(c: Cursor, has_prev: bool) -> Intent | None:
    """ "18% of 1,250", "a 15% tip on $80", "15 percent of it"."""
    c.take_any("a", "an", "the")
    percent = _percent(c)
    if percent is None:
        return None
    noun = c.take_any(*_OF_NOUNS)
    if noun == "discount":
        return None  # "15% discount on 80": the discount or the price after it? Ambiguous.
    if c.take_any("of", "on") is None:
        return None
    base = _amount(c, has_prev)
    return PercentOf(percent, base) if base is not None else None


# --- arithmetic -----------------------------------------------------------------------------


def _sum(items: list[Expr], op: str) -> Expr:
    expr = items[0]
    for item in items[1:]:
        expr = Bin(op, expr, item)
    return expr


def command(c: Cursor, has_prev: bool) -> Intent | None:
    """Arithmetic commands (see the module docstring)."""
    ref: Expr | None = Ref() if has_prev else None
    if c.take_any("add", "sum", "sum up", "total") is not None:
        items = parse_items(c, allow_ref=has_prev)
        if items is None:
            return None
        if len(items) == 1 and c.take("to"):
            target = parse_operand(c, allow_ref=has_prev)
            return Arithmetic(Bin("+", target, items[0])) if target is not None else None
        if len(items) == 1:
            return Arithmetic(Bin("+", ref, items[0])) if ref is not None else None
        return Arithmetic(_sum(items, "+"))
    if c.take_any("subtract", "deduct", "take away") is not None:
        amount = parse_operand(c, allow_ref=has_prev)
        if amount is None:
            return None
        if c.take("from"):
            target = parse_operand(c, allow_ref=has_prev)
            return Arithmetic(Bin("-", target, amount)) if target is not None else None
        return Arithmetic(Bin("-", ref, amount)) if ref is not None else None
    if c.take("multiply"):
        left = ref if c.at("by") else parse_operand(c, allow_ref=has_prev)
        if left is None or c.take_any("by", "and", "times", "with") is None:
            return None
        right = parse_operand(c, allow_ref=has_prev)
        return Arithmetic(Bin("*", left, right)) if right is not None else None
    if c.take("divide"):
        left = ref if c.at("by") else parse_operand(c, allow_ref=has_prev)
        if left is None:
            return None
        if c.take("in", "half"):
            return Arithmetic(Bin("/", left, Num("2", "2")))
        right = parse_operand(c, allow_ref=has_prev) if c.take("by") else None
        return Arithmetic(Bin("/", left, right)) if right is not None else None
    if c.take_any("square", "cube") is not None:
        power = "2" if c.tokens[c.i - 1].low == "square" else "3"
        if power == "2" and c.take("root"):
            base = parse_operand(c, allow_ref=has_prev) if c.take("of") else ref
            return Arithmetic(Call("sqrt", (base,))) if base is not None else None
        base = parse_operand(c, allow_ref=has_prev) or ref
        return Arithmetic(Bin("**", base, Num(power, power))) if base is not None else None
    if c.take("halve"):
        base = parse_operand(c, allow_ref=has_prev) or ref
        return Arithmetic(Bin("/", base, Num("2", "2"))) if base is not None else None
    if c.take("raise"):
        base = ref if c.at("to") else parse_operand(c, allow_ref=has_prev)
        if base is None or c.take_any("to the power of", "to the", "to") is None:
            return None
        exponent = parse_operand(c, allow_ref=False)
        if exponent is not None:
            c.take("power")
        return Arithmetic(Bin("**", base, exponent)) if exponent is not None else None
    if c.take_any("round", "rounded") is not None:  # "..., rounded to 2 decimal places"
        return _round(c, has_prev, ref)
    return None


def _round(c: Cursor, has_prev: bool, ref: Expr | None) -> Intent | None:
    value = ref if c.at("to") or c.done() else parse_operand(c, allow_ref=has_prev)
    if value is None:
        return None
    if c.done():
        return Arithmetic(Call("round", (value,)))
    if (
        c.take("to", "the", "nearest")
        and c.take_any("whole number", "integer", "unit", "one") is not None
    ):
        return Arithmetic(Call("round", (value,)))
    if not c.take("to"):
        return None
    places = _number(c)
    if (
        places is None
        or c.take_any(*_PLACES) is None
        or "." in places.text
        or places.text.startswith("-")
    ):
        return None
    return Arithmetic(Call("round", (value, places)))


def _is_computation(expr: Expr) -> bool:
    return isinstance(expr, (Bin, Call, Neg)) and not (isinstance(expr, Call) and expr.name == "pi")


def expression(c: Cursor, has_prev: bool) -> Intent | None:
    """An expression in symbols or words, or one continuing the previous result ("times 3")."""
    expr = parse_expression(c, allow_ref=has_prev)
    if expr is None and has_prev:
        # "plus 5", "divided by 4", "squared": the previous result is the left operand.
        d = Cursor([_REF_TOKEN, *c.tokens[c.i : c.hi]])
        expr = parse_expression(d, allow_ref=True)
        if expr is not None:
            c.i += d.i - 1
    if expr is None or not _is_computation(expr):
        return None
    return Arithmetic(expr)


# A stand-in for "it", to read "times 3" as "it times 3".
_REF_TOKEN = Token("word", "it", "it", 0, 0)

_READINGS: tuple[Callable[[Cursor, bool], Intent | None], ...] = (
    conversion,
    what_percent,
    percent_change,
    scale,
    percent_of,
    command,
    expression,
)


def read_intent(c: Cursor, *, has_prev: bool) -> Intent | None:
    """The one reading of the tokens at ``c`` that leaves nothing meaningful over, or ``None``.

    Args:
        c: The part's tokens.
        has_prev: Whether a previous step's result may be referred to ("it", "then add 10%").
    """
    skip_frame(c)
    if c.done():
        return None
    for reading in _READINGS:
        d = c.copy()
        intent = reading(d, has_prev)
        if intent is not None and d.done():
            return intent
    return None

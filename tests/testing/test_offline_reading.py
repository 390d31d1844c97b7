"""The offline policy's reading: tokens, spoken numbers, expressions, intents and parts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nemotron_agents.testing.emulator.offline.cursor import Cursor
from nemotron_agents.testing.emulator.offline.expressions import Num, Ref, parse_expression, render
from nemotron_agents.testing.emulator.offline.grammar import read_intent
from nemotron_agents.testing.emulator.offline.intents import (
    Arithmetic,
    Conversion,
    PercentChange,
    PercentOf,
    Scale,
    ToolUse,
    WhatPercent,
)
from nemotron_agents.testing.emulator.offline.lexer import tokenize
from nemotron_agents.testing.emulator.offline.offered import read_tools
from nemotron_agents.testing.emulator.offline.parts import understand
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

CALCULATOR = read_tools({"tools": [t.to_openai() for t in CALCULATOR_TOOLS]})


def values(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in tokenize(text) if t.kind in ("num", "date", "time", "quote")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,250 and 3.5", [("num", Decimal("1250")), ("num", Decimal("3.5"))]),
        (
            "1,2,3",
            [("num", Decimal(1)), ("num", Decimal(2)), ("num", Decimal(3))],
        ),  # a list, not 123
        ("seventeen and twenty-five", [("num", Decimal(17)), ("num", Decimal(25))]),
        ("one hundred and five", [("num", Decimal(105))]),
        ("a dozen eggs, two dozen more", [("num", Decimal(12)), ("num", Decimal(24))]),
        ("1.5 million", [("num", Decimal("1500000"))]),
        ("two and a half hours", [("num", Decimal("2.5"))]),
        ("on 2025-03-14 at 7pm", [("date", "2025-03-14"), ("time", "19:00")]),
        ("March 3, 2026 at 7:30 pm", [("date", "2026-03-03"), ("time", "19:30")]),
        ("14 March 2025 at noon", [("date", "2025-03-14"), ("time", "12:00")]),
        (
            "03/14/2025 or 04/05/2025",
            [("date", "2025-03-14"), ("date", None)],
        ),  # the second is unclear
        ("March 14 at 7:30", [("date", None), ("time", None)]),  # no year; morning or evening?
        ("tomorrow at 19:00", [("date", None), ("time", "19:00")]),
        ('search "retry policy"', [("quote", "retry policy")]),
    ],
)
def test_values_are_read_as_people_write_them(text, expected):
    assert values(text) == expected


def test_tokens_know_capitalised_names_and_factorials():
    tokens = tokenize("Book a table at Chez Paul. Paris is nice; 5! is 120")
    assert [t.text for t in tokens if t.cap] == ["Chez", "Paul"]  # "Book", "Paris" start sentences
    assert [t.kind for t in tokens if t.text == "!"] == ["op"]
    assert [t.low for t in tokenize("3 × 4 ÷ 2 − 1")] == ["3", "*", "4", "/", "2", "-", "1"]


def expression(text: str, ref: str = "42") -> str | None:
    found = parse_expression(Cursor(tokenize(text)), allow_ref=True)
    return render(found, ref) if found is not None else None


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("2**100", "2 ** 100"),
        ("2^10", "2 ** 10"),
        ("2 plus 3 times 4", "2 + 3 * 4"),
        ("(2 plus 3) times 4", "(2 + 3) * 4"),
        ("-2 ** 2", "-2 ** 2"),
        ("(-2) ** 2", "(-2) ** 2"),
        ("10 - (4 - 1)", "10 - (4 - 1)"),
        ("2 ** 3 ** 2", "2 ** 3 ** 2"),
        ("the square root of 144", "sqrt(144)"),
        ("the sum of 1, 2 and 3", "1 + 2 + 3"),
        ("the average of 2, 4 and 9", "(2 + 4 + 9) / 3"),
        ("the difference between 5 and 12", "abs(5 - 12)"),
        ("2 times the square root of 16", "2 * sqrt(16)"),
        ("log base 2 of 8", "log(8, 2)"),
        ("5!", "factorial(5)"),
        ("3.5 squared", "3.5 ** 2"),
        ("the result divided by 4", "42 / 4"),
        ("the square root of 16 plus 9", None),  # sqrt(16) + 9 or sqrt(25)? Not guessed.
        ("the sum of the square root of 16 and 9", None),
        ("sqrt(2", None),
        ("(" * 60 + "1" + ")" * 60, None),  # deeper than the parser follows
    ],
)
def test_expressions_render_in_python_syntax(text, rendered):
    assert expression(text) == rendered


def intent(text: str, *, has_prev: bool = False):
    return read_intent(Cursor(tokenize(text)), has_prev=has_prev)


def test_intents_of_the_walk_through_requests():
    assert intent("What is 18% of 1,250?") == PercentOf(Num("18", "18"), Num("1250", "1,250"))
    convert = intent("Convert 100 km/h to mph")
    assert isinstance(convert, Conversion) and (convert.from_unit, convert.to_unit) == (
        "km/h",
        "mph",
    )
    hours = intent("How many seconds are in 3.5 hours?")
    assert isinstance(hours, Conversion) and (hours.value.text, hours.from_unit, hours.to_unit) == (
        "3.5",
        "hours",
        "seconds",
    )
    add = intent("Add 17 and 25")
    assert isinstance(add, Arithmetic) and render(add.expr) == "17 + 25"
    times = intent("multiply the result by 3", has_prev=True)
    assert isinstance(times, Arithmetic) and render(times.expr, "42") == "42 * 3"
    assert intent("multiply the result by 3") is None  # no previous result to refer to


@pytest.mark.parametrize(
    ("text", "kind", "fields"),
    [
        ("30 is what percent of 240?", WhatPercent, ("30", "240")),
        ("What percent of 240 is 30?", WhatPercent, ("30", "240")),
        ("By what percent did the price grow from 50 to 75?", PercentChange, ("50", "75")),
        ("What is the percentage decrease from 80 to 60?", PercentChange, ("80", "60")),
        ("What's a 15% tip on $80?", PercentOf, ("15", "80")),
        ("Increase 200 by 15%", Scale, ("200", "15", True)),
        ("25% off 80", Scale, ("80", "25", False)),
        ("80 after a 25% discount", Scale, ("80", "25", False)),
        ("80 plus 15%", Scale, ("80", "15", True)),
    ],
)
def test_percentage_readings(text, kind, fields):
    found = intent(text)
    assert isinstance(found, kind)
    parts = [getattr(v, "text", v) for v in vars(found).values()]
    assert tuple(parts) == fields


@pytest.mark.parametrize(
    "text",
    [
        "What is 15% of 240 after tax?",  # "after tax": a different question
        "What is a 15% discount on 80?",  # the discount or the price after it?
        "What is 80 plus 10% discount?",  # contradicts itself
        "What is 42?",  # nothing to compute
        "What is 3 miles plus 2 km?",  # units in arithmetic
        "Convert 5 to km",  # from what?
        "Tell me a joke",
    ],
)
def test_unclear_requests_read_as_nothing(text):
    assert intent(text) is None


def test_continuations_use_the_previous_result():
    assert render(intent("plus 5", has_prev=True).expr, "1") == "1 + 5"
    assert render(intent("then take the square root", has_prev=True).expr, "16") == "sqrt(16)"
    assert (
        render(intent("round it to 2 decimal places", has_prev=True).expr, "3.14159")
        == "round(3.14159, 2)"
    )
    assert intent("then add 10%", has_prev=True) == Scale(Ref(), Num("10", "10"), True)
    later = intent("then convert it to miles", has_prev=True)
    assert isinstance(later, Conversion) and later.from_unit is None and later.to_unit == "miles"


def steps(text: str, tools=CALCULATOR):
    return [(s.intent is not None, s.after, s.text) for s in understand(text, tools)]


def test_parts_split_at_then_and_keep_the_and_of_add():
    assert steps("What is 2**100 and then convert 5 miles to km?") == [
        (True, None, "What is 2**100"),
        (True, None, "convert 5 miles to km"),
    ]
    assert steps("Add 17 and 25, then multiply the result by 3") == [
        (True, None, "Add 17 and 25,"),
        (True, 0, "multiply the result by 3"),
    ]


def test_parts_that_read_as_nothing_are_declined_by_name():
    assert steps("What is 15% of 240 and tell me a joke") == [
        (True, None, "What is 15% of 240"),
        (False, None, "tell me a joke"),
    ]
    assert steps("hi! thanks") == []


def test_a_declined_part_holding_a_value_declines_the_whole_request():
    text = "What is 15% of 240? Use 250 instead."
    (only,) = understand(text, CALCULATOR)
    assert only.intent is None and only.text == text and "values" in only.reason


def test_context_sentences_are_read_with_the_question():
    ppu = {
        "type": "function",
        "function": {
            "name": "price_per_unit",
            "description": "Price of one unit.",
            "parameters": {
                "type": "object",
                "properties": {
                    "total": {"type": "number", "description": "Total price paid, in dollars."},
                    "units": {"type": "integer", "description": "How many units were bought."},
                },
                "required": ["total", "units"],
            },
        },
    }
    (step,) = understand(
        "What is the price per unit? I paid $30 for 12 units.", read_tools({"tools": [ppu]})
    )
    assert step.intent == ToolUse("price_per_unit", {"total": 30, "units": 12})


def test_too_many_questions_are_declined_at_once():
    (only,) = understand(" ".join(f"What is {i} plus 1?" for i in range(12)), CALCULATOR)
    assert only.intent is None and "more than" in only.reason

"""Labelled requests for the emulator's offline policy, and the runner that grades them.

Each request runs through the real agent (ChatNVIDIA over HTTP against :class:`NIMEmulator`)
with one family of tools: the calculator graph's own (``calculate``, ``percentage``,
``convert_units``), or tools the policy was not written for: ``price_per_unit(total, units)``
(offered next to the calculator tools) and ``book_table(restaurant, party_size, date, time)``.

A request's label is the outcome a careful model would reach offline:

* ``correct``: the calls it must make (all of them, retries included) and what the final answer
  must say; for a request whose tool fails, the failure named in the tool's words is correct;
* ``declined``: no answer can be read from the text with confidence; a part the policy can
  answer may still be answered (its calls and words are listed), the rest must be declined.

Grading (:func:`grade`): any call not listed, or any number in the answer that is neither in the
request, nor in a tool result, nor in the listed calls and words, is ``wrong``; an answer with
the decline hint is ``declined``; one saying all it must, with all the calls, is ``correct``;
anything else is ``wrong``.

Run ``python tests/testing/offline_requests.py`` for the counts per family.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import Field

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ToolRetry
from nemotron_agents.graphs import calculator
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator.offline import DECLINE_HINT
from nemotron_agents.tools import ToolRegistry, tool
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

RESTAURANTS = ("Chez Paul", "Sakura", "Trattoria Luigi")


@tool
def price_per_unit(total: float, units: int) -> float:
    """Price of one unit, given the total price and the number of units.

    Args:
        total: Total price paid for all the units, in dollars.
        units: How many units were bought.
    """
    if units < 1:
        raise ToolRetry(f"units must be at least 1, got {units}.")
    return round(total / units, 4)


@tool
def book_table(
    restaurant: str,
    party_size: Annotated[int, Field(ge=1, le=12)],
    date: str,
    time: str,
) -> str:
    """Book a table at a restaurant.

    Args:
        restaurant: Name of the restaurant.
        party_size: Number of people, 1 to 12.
        date: Date of the booking, YYYY-MM-DD.
        time: Time of the booking, 24-hour HH:MM.
    """
    if restaurant not in RESTAURANTS:
        listed = ", ".join(f"'{r}'" for r in RESTAURANTS)
        raise ToolRetry(f"Unknown restaurant {restaurant!r}. Available restaurants: {listed}.")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) or not re.fullmatch(r"\d{2}:\d{2}", time):
        raise ToolRetry("date must be YYYY-MM-DD and time HH:MM.")
    return f"Booked a table for {party_size} at {restaurant} on {date} at {time}."


FAMILIES: dict[str, list[Any]] = {
    "calculator": list(CALCULATOR_TOOLS),
    "price_per_unit": [price_per_unit, *CALCULATOR_TOOLS],
    "booking": [book_table],
}


@dataclass(frozen=True)
class Case:
    """One labelled request (see the module docstring)."""

    family: str
    text: str
    expect: str
    calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    says: tuple[str, ...] = ()


def _c(text: str, *calls: tuple[str, dict[str, Any]], says: tuple[str, ...] = ()) -> Case:
    return Case("calculator", text, "correct", calls, says)


def _d(
    family: str, text: str, *calls: tuple[str, dict[str, Any]], says: tuple[str, ...] = ()
) -> Case:
    return Case(family, text, "declined", calls, says)


def calc(expression: str) -> tuple[str, dict[str, Any]]:
    return ("calculate", {"expression": expression})


def pct(operation: str, a: float, b: float) -> tuple[str, dict[str, Any]]:
    return ("percentage", {"operation": operation, "a": a, "b": b})


def conv(value: float, source: str, target: str) -> tuple[str, dict[str, Any]]:
    return ("convert_units", {"value": value, "from_unit": source, "to_unit": target})


def ppu(total: float, units: int) -> tuple[str, dict[str, Any]]:
    return ("price_per_unit", {"total": total, "units": units})


def book(restaurant: str, size: int, date: str, time: str) -> tuple[str, dict[str, Any]]:
    return (
        "book_table",
        {"restaurant": restaurant, "party_size": size, "date": date, "time": time},
    )


CASES: list[Case] = [
    # --- the calculator graph's tools ------------------------------------------------------
    _c("What is 15% of 240?", pct("percent_of", 15, 240), says=("15% of 240 is 36.",)),
    _c(
        "What is 2**100 and then convert 5 miles to km?",
        calc("2 ** 100"),
        conv(5, "miles", "km"),
        says=("2 ** 100 is 1267650600228229401496703205376.", "5 miles is 8.04672 km."),
    ),
    _c("What is 18% of 1,250?", pct("percent_of", 18, 1250), says=("18% of 1,250 is 225.",)),
    _c(
        "Convert 100 km/h to mph",
        conv(100, "km/h", "mph"),
        says=("100 km/h is 62.1371192237334 mph.",),
    ),
    _c(
        "Add 17 and 25, then multiply the result by 3",
        calc("17 + 25"),
        calc("42 * 3"),
        says=("17 + 25 is 42.", "42 * 3 is 126."),
    ),
    _c(
        "How many seconds are in 3.5 hours?",
        conv(3.5, "hours", "seconds"),
        says=("3.5 hours is 12600 seconds.",),
    ),
    _c(
        "What is the square root of 144?",
        calc("sqrt(144)"),
        says=("The square root of 144 is 12.",),
    ),
    _c("What is seven times six?", calc("7 * 6"), says=("7 * 6 is 42.",)),
    _c("Calculate (3 + 4) * 5", calc("(3 + 4) * 5"), says=("(3 + 4) * 5 is 35.",)),
    _c("What is 2^10?", calc("2 ** 10"), says=("2 ** 10 is 1024.",)),
    _c("What's the average of 2, 4 and 9?", calc("(2 + 4 + 9) / 3"), says=("is 5.",)),
    _c("Add 1,250 and 3.5", calc("1250 + 3.5"), says=("1250 + 3.5 is 1253.5.",)),
    _c("Subtract 5 from 12", calc("12 - 5"), says=("12 - 5 is 7.",)),
    _c(
        "How much is one hundred and five minus a dozen?",
        calc("105 - 12"),
        says=("105 - 12 is 93.",),
    ),
    _c("What is 5!", calc("factorial(5)"), says=("is 120.",)),
    _c(
        "What is the percentage decrease from 80 to 60?",
        pct("percent_change", 80, 60),
        says=("Going from 80 to 60 is a 25% decrease.",),
    ),
    _c("percent change from 50 to 75", pct("percent_change", 50, 75), says=("a 50% increase",)),
    _c("30 is what percent of 240?", calc("30 * 100 / 240"), says=("30 is 12.5% of 240.",)),
    _c(
        "Increase 200 by 15%",
        calc("200 * (100 + 15) / 100"),
        says=("200 increased by 15% is 230.",),
    ),
    _c(
        "What is 80 after a 25% discount?",
        calc("80 * (100 - 25) / 100"),
        says=("80 decreased by 25% is 60.",),
    ),
    _c("What's a 15% tip on $80?", pct("percent_of", 15, 80), says=("15% of 80 is 12.",)),
    _c(
        "Convert 72°F to Celsius",
        conv(72, "°F", "Celsius"),
        says=("72 °F is 22.2222222222222 Celsius.",),
    ),
    _c("How many feet are in a mile?", conv(1, "mile", "feet"), says=("1 mile is 5280 feet.",)),
    _c(
        "How many weeks are in 2 years?",
        conv(2, "years", "weeks"),
        says=("2 years is 104.357142857143 weeks.",),
    ),
    _c(
        "Convert 5 miles to km, then add 10%.",
        conv(5, "miles", "km"),
        calc("8.04672 * (100 + 10) / 100"),
        says=("5 miles is 8.04672 km.", "8.04672 km increased by 10% is 8.851392 km."),
    ),
    _c(
        "Convert 100 km/h to mph and then round it to 1 decimal place",
        conv(100, "km/h", "mph"),
        calc("round(62.1371192237334, 1)"),
        says=("rounded to 1 decimal place is 62.1 mph.",),
    ),
    _c(
        "What's 2 to the power of 10, then take the square root?",
        calc("2 ** 10"),
        calc("sqrt(1024)"),
        says=("2 ** 10 is 1024.", "The square root of 1024 is 32."),
    ),
    _c(
        "What is 12 divided by 4, and 15% of 80?",
        calc("12 / 4"),
        pct("percent_of", 15, 80),
        says=("12 / 4 is 3.", "15% of 80 is 12."),
    ),
    _c(
        "What's the square root of 144, and what is 15% of that?",
        calc("sqrt(144)"),
        pct("percent_of", 15, 12),
        says=("The square root of 144 is 12.", "15% of 12 is 1.8."),
    ),
    _c("What is a quarter of 100?", calc("100 / 4"), says=("100 / 4 is 25.",)),
    _c("Add 5 and 10 and 15", calc("5 + 10 + 15"), says=("5 + 10 + 15 is 30.",)),
    _c(
        "What is fifteen percent of two hundred and forty?",
        pct("percent_of", 15, 240),
        says=("15% of 240 is 36.",),
    ),
    _c(
        "How many kilograms is 150 pounds?",
        conv(150, "pounds", "kilograms"),
        says=("150 pounds is 68.0388555 kilograms.",),
    ),
    _c(
        "What's 12 plus 30? Then add 15% to it.",
        calc("12 + 30"),
        calc("42 * (100 + 15) / 100"),
        says=("12 + 30 is 42.", "42 increased by 15% is 48.3."),
    ),
    _c(
        "What is 15% of 241, rounded?",
        pct("percent_of", 15, 241),
        calc("round(36.15)"),
        says=("15% of 241 is 36.15.", "36.15 rounded to a whole number is 36."),
    ),
    # a tool error is answered honestly, or fixed once when the error says how
    _c(
        "What is the square root of -16?",
        calc("sqrt(-16)"),
        says=("I couldn't compute sqrt(-16)", "outside the function's domain"),
    ),
    _c("What is 1/0?", calc("1 / 0"), says=("I couldn't compute 1 / 0", "Division by zero")),
    _c(
        "convert 10 kilometers to milles",
        conv(10, "kilometers", "milles"),
        conv(10, "kilometers", "mi"),
        says=("10 kilometers is 6.21371192237334 mi", "'mi' for 'milles'"),
    ),
    _c(
        "Convert 3 tons to kg",
        conv(3, "tons", "kg"),
        says=("I couldn't convert 3 tons to kg", "'tonne'"),
    ),
    # what cannot be read with confidence is declined, not guessed
    _d("calculator", "Tell me a joke"),
    _d("calculator", "hi"),
    _d(
        "calculator",
        "What is 15% of 240 and tell me a joke",
        pct("percent_of", 15, 240),
        says=("15% of 240 is 36.",),
    ),
    _d("calculator", "What is 15% of 240 after tax?"),
    _d("calculator", "What is a 15% discount on 80?"),
    _d("calculator", "What is the square root of 16 plus 9?"),
    _d("calculator", "What is 42?"),
    _d("calculator", "What is -3 squared?"),  # -9 by precedence, 9 to many readers
    _d("calculator", "What is 50% of 20% of 100?"),
    _d("calculator", "What is 3 miles plus 2 km?"),
    _d("calculator", "Convert 5 to km"),
    _d("calculator", "What is 15% of it?"),
    _d("calculator", "If 12 units cost 30 dollars, what is the price per unit?"),
    # --- price_per_unit(total, units), offered with the calculator tools ------------------
    Case(
        "price_per_unit",
        "If 12 units cost 30 dollars, what is the price per unit?",
        "correct",
        (ppu(30, 12),),
        ("2.5",),
    ),
    Case(
        "price_per_unit",
        "What is the price per unit? I paid $30 for 12 units.",
        "correct",
        (ppu(30, 12),),
        ("2.5",),
    ),
    Case("price_per_unit", "Price per unit: 8 units for $20", "correct", (ppu(20, 8),), ("2.5",)),
    Case(
        "price_per_unit",
        "What's the price per unit if 3 boxes cost $12?",
        "correct",
        (ppu(12, 3),),
        ("4",),
    ),
    Case(
        "price_per_unit",
        "Twelve units cost thirty dollars. What's the price per unit?",
        "correct",
        (ppu(30, 12),),
        ("2.5",),
    ),
    Case(
        "price_per_unit",
        "The total was $45.50 for 7 units; what is the price per unit?",
        "correct",
        (ppu(45.5, 7),),
        ("6.5",),
    ),
    Case(
        "price_per_unit",
        "What is 15% of 240?",
        "correct",
        (pct("percent_of", 15, 240),),
        ("15% of 240 is 36.",),
    ),
    _d("price_per_unit", "price per unit for 12 and 30"),
    _d("price_per_unit", "What is the price per unit?"),
    _d(
        "price_per_unit",
        "If 4 units cost 10 dollars and 5 units cost 20 dollars, what is the price per unit?",
    ),
    _d(
        "price_per_unit",
        "If 12 units cost 30 dollars, what is the price per unit? Then tell me a joke.",
        ppu(30, 12),
        says=("2.5",),
    ),
    # --- book_table(restaurant, party_size, date, time) -----------------------------------
    Case(
        "booking",
        "Book a table at Chez Paul for 4 people on 2025-03-14 at 7pm",
        "correct",
        (book("Chez Paul", 4, "2025-03-14", "19:00"),),
        ("Booked a table for 4 at Chez Paul on 2025-03-14 at 19:00.",),
    ),
    Case(
        "booking",
        'Please book a table for 2 at "Sakura" on March 3, 2026 at 19:30',
        "correct",
        (book("Sakura", 2, "2026-03-03", "19:30"),),
        ("Booked a table for 2 at Sakura on 2026-03-03 at 19:30.",),
    ),
    Case(
        "booking",
        "Book a table for 6 people at Trattoria Luigi on 14 March 2025 at 8:30 pm",
        "correct",
        (book("Trattoria Luigi", 6, "2025-03-14", "20:30"),),
        ("Booked a table for 6 at Trattoria Luigi on 2025-03-14 at 20:30.",),
    ),
    Case(
        "booking",
        "Book a table at Chez Pol for 2 people on 2025-05-01 at 8pm",
        "correct",
        (book("Chez Pol", 2, "2025-05-01", "20:00"), book("Chez Paul", 2, "2025-05-01", "20:00")),
        ("Booked a table for 2 at Chez Paul on 2025-05-01 at 20:00.",),
    ),
    Case(
        "booking",
        "Book a table at Chez Paul for 4 people on 2025-03-14 at 7pm, with outdoor seating",
        "correct",
        (book("Chez Paul", 4, "2025-03-14", "19:00"),),
        ("Booked a table for 4 at Chez Paul", 'I left out "outdoor seating"'),
    ),
    Case(
        "booking",
        "Book a table at Sakura for 13 people on 2025-03-14 at 7pm",
        "correct",
        (book("Sakura", 13, "2025-03-14", "19:00"),),
        ("I couldn't complete the book_table call", "party_size"),
    ),
    _d("booking", "Book a table at Chez Paul for 4 people tomorrow at 7pm"),
    _d("booking", "Book a table at Chez Paul for 4 on March 14 at 7pm"),
    _d("booking", "Book a table at Chez Paul for 4 people on 2025-03-14 at 7"),
    _d("booking", "Book a table at Sakura on 2025-05-01 at 20:00"),
    _d("booking", "Book a table at Chez Paul and one at Sakura for 2 on 2025-03-14 at 7pm"),
    _d("booking", "I need a table for two at Sakura on 2025-06-01 at 12:30pm"),
    _d("booking", "Book a table at Sakura for 2 people on 2025-06-01 at 1pm. Make it 3 people."),
]


@dataclass
class Run:
    """What one request did: the calls made, the tool results, the final answer, and the
    statuses of the emulator's answers to its model requests (all 200 when every request the
    agent sent was accepted)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    answer: str = ""
    statuses: list[int | None] = field(default_factory=list)


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_CONSTANTS = {"0", "1", "2", "3", "100"}  # in expressions the policy writes ("* (100 + 15) / 100")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def grade(case: Case, run: Run) -> str:
    """``"correct"``, ``"declined"`` or ``"wrong"`` (see the module docstring)."""
    expected = list(case.calls)
    for call in run.calls:
        if call not in expected:
            return "wrong"
        expected.remove(call)
    listed = " ".join([*case.says, *(str(v) for _, args in case.calls for v in args.values())])
    known = _numbers(case.text) | _numbers(" ".join(run.results)) | _numbers(listed) | _CONSTANTS
    results = " ".join(run.results)
    stated = {
        n
        for n in _numbers(run.answer.replace(DECLINE_HINT, ""))
        if n not in known and n not in results
    }
    if stated:
        return "wrong"
    if DECLINE_HINT in run.answer:
        return "declined"
    if case.expect == "declined" or expected or not all(s in run.answer for s in case.says):
        return "wrong"
    return "correct"


def run_case(emu: NIMEmulator, case: Case) -> Run:
    """Ask the request through the real agent, against the emulator."""
    settings = Settings(base_url=emu.base_url, api_key="nvapi-offline", max_retries=1, timeout=10.0)
    if case.family == "calculator":
        graph = calculator.build_graph(settings=settings)
    else:
        graph = build_agent(
            tools=ToolRegistry(FAMILIES[case.family]), settings=settings, initial_delay=0
        )
    before = len(emu.chat_requests)
    state = graph.invoke({"messages": [HumanMessage(case.text)]})
    run = Run(statuses=[r.status for r in emu.chat_requests[before:]])
    for message in state["messages"]:
        if isinstance(message, AIMessage):
            run.calls += [(c["name"], c["args"]) for c in message.tool_calls]
            if not message.tool_calls:
                run.answer = str(message.content)
        elif isinstance(message, ToolMessage):
            run.results.append(str(message.content))
    return run


def run_all(cases: list[Case] = CASES) -> list[tuple[Case, Run, str]]:
    """Every case through the agent, graded."""
    with NIMEmulator() as emu:
        return [(case, run, grade(case, run)) for case in cases for run in [run_case(emu, case)]]


def counts(graded: list[tuple[Case, Run, str]]) -> dict[str, Counter[str]]:
    """Outcomes per family."""
    table: dict[str, Counter[str]] = {}
    for case, _, outcome in graded:
        table.setdefault(case.family, Counter())[outcome] += 1
    return table


def main() -> int:
    graded = run_all()
    print(f"{'family':<16}{'correct':>9}{'declined':>10}{'wrong':>7}{'total':>7}")
    for family, tally in counts(graded).items():
        total = sum(tally.values())
        print(
            f"{family:<16}{tally['correct']:>9}{tally['declined']:>10}{tally['wrong']:>7}{total:>7}"
        )
    for case, run, outcome in graded:
        if outcome == "wrong" or outcome != case.expect:
            print(
                f"\n{outcome} (labelled {case.expect}): {case.text}"
                f"\n  calls: {run.calls}\n  answer: {run.answer}"
            )
    return 1 if any(outcome == "wrong" for _, _, outcome in graded) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The calculator tools offered to the model: ``calculate``, ``percentage``, ``convert_units``.

Thin wrappers over :mod:`.arithmetic` and :mod:`.units`. They add what a model needs: schemas
that describe every parameter, results without binary float noise (``0.1 + 0.2`` gives
``0.3``), and refusals raised as :class:`~nemotron_agents.errors.ToolRetry`, so the agent hands
the model the bare message, which says what to change, instead of a traceback.
"""

# No ``from __future__ import annotations``: the decorator reads these hints at runtime.
from typing import Annotated, Literal

from pydantic import Field

from nemotron_agents.errors import ToolRetry
from nemotron_agents.tools import tool
from nemotron_agents.tools.builtin.arithmetic import (
    CalculatorError,
    evaluate,
    percent_change,
    percent_of,
)
from nemotron_agents.tools.builtin.units import UnitError, convert

__all__ = ["CALCULATOR_TOOLS", "calculate", "convert_units", "percentage"]

Number = int | float


def _tidy(x: Number) -> Number:
    # 15 significant digits is what a float holds reliably; more only shows binary noise.
    return float(f"{x:.15g}") if isinstance(x, float) else x


@tool
def calculate(
    expression: Annotated[
        str,
        Field(
            description=(
                "One arithmetic expression in Python syntax, e.g. '2 * (3 + 4.5) / sqrt(16)'. "
                "Operators: + - * / // (floor division) % (remainder) ** (power; not ^). "
                "Functions: abs, ceil, cos, exp, factorial, floor, log (natural, or log(x, "
                "base)), log10, max, min, round, sin, sqrt, tan (radians). Constants: pi, e. "
                "No variables, units, '%' signs or thousands separators."
            )
        ),
    ],
) -> Number:
    """Evaluate an arithmetic expression and return the number.

    Use it for any arithmetic instead of computing in your head. Integers stay exact (2 ** 100
    is returned in full); division gives a decimal; round() rounds halves away from zero.
    """
    try:
        return _tidy(evaluate(expression))
    except CalculatorError as exc:
        raise ToolRetry(str(exc)) from exc


@tool
def percentage(
    operation: Annotated[
        Literal["percent_of", "percent_change"],
        Field(
            description=(
                "'percent_of': a percent of b (a=15, b=200 gives 30). 'percent_change': change "
                "from a to b in percent of |a| (a=50, b=75 gives 50, meaning +50%; a=200, "
                "b=150 gives -25)."
            )
        ),
    ],
    a: Annotated[
        float,
        Field(
            description=(
                "For 'percent_of': the percentage, in percent (15 means 15%). "
                "For 'percent_change': the old (starting) value; must not be 0."
            )
        ),
    ],
    b: Annotated[
        float,
        Field(
            description=(
                "For 'percent_of': the amount to take the percentage of. "
                "For 'percent_change': the new (final) value."
            )
        ),
    ],
) -> float:
    """Compute 'a% of b' or the percent change from a to b.

    The result is a plain number: a percent change of 50 means +50%.
    """
    try:
        if operation == "percent_of":
            return _tidy(percent_of(a, b))
        if operation == "percent_change":
            return _tidy(percent_change(a, b))
    except CalculatorError as exc:
        raise ToolRetry(str(exc)) from exc
    # Reached only when called directly, past schema validation.
    raise ToolRetry(f"Unknown operation {operation!r}; use 'percent_of' or 'percent_change'.")


@tool
def convert_units(
    value: Annotated[float, Field(description="The amount to convert, in from_unit.")],
    from_unit: Annotated[
        str,
        Field(
            description=(
                "Unit of value: a symbol, name or plural, case-insensitive, e.g. 'km', 'miles', "
                "'lb', '°F', 'km/h', 'GiB'."
            )
        ),
    ],
    to_unit: Annotated[
        str,
        Field(description="Unit to convert to; must measure the same thing as from_unit."),
    ],
) -> float:
    """Convert an amount between units of length, mass, time, volume, speed, data or temperature.

    Temperatures (C, F, K) are converted exactly, offsets included. KB/MB/GB are 1000-based,
    KiB/MiB/GiB 1024-based; write bits as 'bit', 'Mbit'. Gallons, cups, pints and fl oz are
    US; 'imperial gallon' is the UK one. Use 'tonne', 'short ton' or 'long ton', not 'ton'.
    """
    try:
        return _tidy(convert(value, from_unit, to_unit))
    except UnitError as exc:
        raise ToolRetry(str(exc)) from exc


#: The three calculator tools, ready to hand to an agent.
CALCULATOR_TOOLS = [calculate, percentage, convert_units]

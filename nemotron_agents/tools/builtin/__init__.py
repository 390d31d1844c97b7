"""Built-in tools: a safe calculator, percentages and unit conversion.

* :data:`CALCULATOR_TOOLS` — the tools ``calculate``, ``percentage`` and ``convert_units``,
  ready for an agent.
* :func:`evaluate`, :func:`percent_of`, :func:`percent_change`, :func:`convert` — the plain
  functions behind them, which raise :class:`CalculatorError` / :class:`UnitError` (both
  ``ValueError``) with messages written for a model.
"""

from nemotron_agents.tools.builtin.arithmetic import (
    CalculatorError,
    evaluate,
    percent_change,
    percent_of,
)
from nemotron_agents.tools.builtin.calculator import (
    CALCULATOR_TOOLS,
    calculate,
    convert_units,
    percentage,
)
from nemotron_agents.tools.builtin.units import UnitError, convert

__all__ = [
    "CALCULATOR_TOOLS",
    "CalculatorError",
    "UnitError",
    "calculate",
    "convert",
    "convert_units",
    "evaluate",
    "percent_change",
    "percent_of",
    "percentage",
]

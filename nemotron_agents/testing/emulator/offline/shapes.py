"""Bind an arithmetic, percentage or conversion intent to an offered tool by the tool's shape.

Nothing here depends on the calculator's own names: a tool is an *expression tool* when it has a
string parameter named like ``expression``; a *percentage tool* when it offers two numbers and
either a mode (an enum with values like ``percent_of`` / ``percent_change``) or a name that says
which one it computes; a *conversion tool* when it takes a number and two units whose names or
descriptions say which is "from" and which is "to"; an *operation tool* when its name is an
operation on two numbers (``multiply(a, b)``). Numbers go to parameters by what their names and
descriptions say (``percent`` / ``amount``, ``old`` / ``new``, "a% of b", "from a to b"), read
for the chosen mode when a description is written per mode ("For 'percent_of': ..."); never by
position, except for ``+`` and ``*`` where the order does not matter.

When no tool fits, a percentage is computed with the expression tool instead (``15 * 240 /
100``); a conversion has no such fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nemotron_agents.testing.emulator._model.schema_values import EXPR_FIELDS
from nemotron_agents.testing.emulator.offline.expressions import Bin, Neg, Num, Ref, render
from nemotron_agents.testing.emulator.offline.intents import (
    Arithmetic,
    Conversion,
    Intent,
    PercentChange,
    PercentOf,
    Scale,
    WhatPercent,
)
from nemotron_agents.testing.emulator.offline.offered import Offered, Param
from nemotron_agents.testing.emulator.offline.quantities import same_unit
from nemotron_agents.testing.emulator.offline.words import stem

__all__ = ["Prepared", "Previous", "expression_tool", "is_shaped", "prepare"]

_EXPRESSION_NAMES = EXPR_FIELDS | {"calculation", "math", "arithmetic"}
_ROLES = {
    "percent": {"percent", "percentage", "pct", "rate"},
    "base": {"amount", "whole", "base", "total", "number", "take", "of", "quantity"},
    "old": {"old", "start", "starting", "initial", "original", "before", "from", "previous"},
    "new": {"new", "final", "end", "ending", "after", "to", "current", "later"},
    "from": {"from", "source", "src", "input", "original", "of"},
    "to": {"to", "target", "dest", "destination", "output", "into", "wanted", "desired"},
}
_OPERATIONS = {
    "+": ("add", "sum", "plus", "addition"),
    "*": ("multiply", "product", "times", "multiplication"),
    "-": ("subtract", "minus", "difference", "subtraction"),
    "/": ("divide", "quotient", "division"),
    "**": ("power", "pow", "exponent", "exponentiate"),
}
_ORDERED = {
    "-": (("minuend", "subtrahend"),),
    "/": (("dividend", "divisor"), ("numerator", "denominator")),
    "**": (("base", "exponent"), ("base", "power")),
}
_SPOKEN = {
    "-": ("-", "minus"),
    "/": ("/", "divided by", "over"),
    "**": ("**", "^", "to the power of"),
}
_WORD_RE = re.compile(r"[A-Za-z]+")
_TEXT_RE = re.compile(r"[A-Za-z_]+|%")


@dataclass(frozen=True)
class Previous:
    """The result of the step a later step refers to ("multiply it by 3").

    Attributes:
        text: The tool's result as written ("8.04672").
        unit: Its unit, when known ("km").
    """

    text: str
    unit: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A tool call ready to make, and what the answer needs to describe it."""

    tool: str
    args: dict[str, Any]
    expression: str | None = None  # the expression sent, when the call is a calculation


def _mentions_of(text: str, name: str) -> list[str]:
    """What a description says right around a parameter's name: the word before it ("of b",
    "from a") and a percent sign or word after it ("a% of b", "a percent of b")."""
    words = [w.lower() for w in _TEXT_RE.findall(text)]
    found = []
    for i, word in enumerate(words):
        if word != name.lower():
            continue
        if i > 0:
            found.append(words[i - 1])
        if i + 1 < len(words) and words[i + 1] in ("%", "percent", "percentage"):
            found.append("percent")
    return found


def _role_score(tool: Offered, param: Param, mode: str | None, role: str) -> int:
    # Stop words stay: "from" and "of" are exactly what says which number goes where.
    name = [stem(w) for w in _WORD_RE.findall(param.name.replace("_", " "))]
    said = [stem(w) for w in _WORD_RE.findall(param.clause(mode))]
    context = (
        tool.description + " " + " ".join(p.clause(mode) for p in tool.params if p.kind == "enum")
    )
    around = [stem(w) for w in _mentions_of(context, param.name)]
    roles = _ROLES[role]
    return 3 * sum(w in roles for w in name) + sum(w in roles for w in said + around)


def _assign(
    tool: Offered, params: list[Param], roles: tuple[str, str], mode: str | None
) -> dict[str, Param] | None:
    """The two params for two roles, when one way round is clearly better than the other."""
    if len(params) != 2:
        return None
    a, b = params
    straight = _role_score(tool, a, mode, roles[0]) + _role_score(tool, b, mode, roles[1])
    swapped = _role_score(tool, a, mode, roles[1]) + _role_score(tool, b, mode, roles[0])
    if straight == swapped:
        return None
    return {roles[0]: a, roles[1]: b} if straight > swapped else {roles[0]: b, roles[1]: a}


def expression_tool(tools: list[Offered]) -> tuple[Offered, Param] | None:
    """The first tool that evaluates an expression given as one string."""
    for tool in tools:
        for param in tool.params:
            others = [p for p in tool.params if p is not param and p.required]
            if param.name.lower() in _EXPRESSION_NAMES and param.kind == "string" and not others:
                return tool, param
    return None


def _numbers(tool: Offered) -> list[Param]:
    return [p for p in tool.params if p.kind in ("number", "integer")]


def _mode_value(param: Param, want: str) -> str | None:
    # "percent_of" for "of", "percent_change" for "change": the only enum value with that word.
    words = {"of": ("of",), "change": ("change", "diff", "difference", "delta", "increase")}[want]
    found = [
        v
        for v in param.enum or ()
        if isinstance(v, str) and any(w in re.split(r"[_\W]+", v.lower()) for w in words)
    ]
    return found[0] if len(found) == 1 else None


def _percent_tool(
    tools: list[Offered], want: str
) -> tuple[Offered, dict[str, Any], str | None] | None:
    """A percentage tool computing ``want`` ("of" or "change"): the tool, its mode argument
    (``{}`` when it has none) and the mode's enum value."""
    for tool in tools:
        numbers = _numbers(tool)
        if len(numbers) != 2 or any(
            p.required and p.kind not in ("number", "integer", "enum") for p in tool.params
        ):
            continue
        enums = [p for p in tool.params if p.kind == "enum"]
        if len(enums) == 1:
            value = _mode_value(enums[0], want)
            if value is not None and any("percent" in str(v).lower() for v in enums[0].enum or ()):
                return tool, {enums[0].name: value}, value
            continue
        name = tool.name.lower()
        if not enums and "percent" in name and want in re.split(r"[_\W]+", name):
            return tool, {}, None
    return None


def _number_arg(num: Num | Ref, previous: Previous | None) -> int | float:
    text = previous.text if isinstance(num, Ref) and previous else getattr(num, "text", "0")
    value = Decimal(text)
    return (
        int(value)
        if value == value.to_integral_value() and "e" not in text.lower()
        else float(value)
    )


def _operation_tool(tool: Offered) -> tuple[str, Param, Param] | None:
    """``(op, first, second)`` for a tool computing ``first op second`` on two numbers: its name
    says the operation; for ``-``, ``/`` and ``**`` the order must be clear from the parameter
    names (dividend/divisor...) or the description ("a minus b")."""
    numbers = [p for p in _numbers(tool) if p.required]
    if len(numbers) != 2 or any(p.required and p not in numbers for p in tool.params):
        return None
    words = set(tool.words())
    ops = [op for op, names in _OPERATIONS.items() if words & set(names)]
    if len(ops) != 1:
        return None
    op, (first, second) = ops[0], numbers
    if op in ("+", "*"):
        return op, first, second
    names = (first.name.lower(), second.name.lower())
    for pair in _ORDERED[op]:
        if names in (pair, pair[::-1]):
            return (op, first, second) if names == pair else (op, second, first)
    for spoken in _SPOKEN[op]:
        for x, y in ((first, second), (second, first)):
            pattern = (
                rf"(?<!\w){re.escape(x.name)}\s*{re.escape(spoken)}\s*{re.escape(y.name)}(?!\w)"
            )
            if re.search(pattern, tool.description):
                return op, x, y
    return None


def _operand_arg(expr: object, previous: Previous | None) -> int | float | None:
    if isinstance(expr, (Num, Ref)):
        return _number_arg(expr, previous)
    if isinstance(expr, Neg) and isinstance(expr.operand, Num):
        return -_number_arg(expr.operand, previous)
    return None


def _arithmetic(
    intent: Arithmetic, tools: list[Offered], previous: Previous | None
) -> Prepared | str:
    expression = render(intent.expr, previous.text if previous else "")
    if expression_tool(tools) is not None or not isinstance(intent.expr, Bin):
        return _calculate(expression, tools)
    left, right = (_operand_arg(e, previous) for e in (intent.expr.left, intent.expr.right))
    for tool in tools:
        found = _operation_tool(tool)
        if found is None or found[0] != intent.expr.op or left is None or right is None:
            continue
        _, first, second = found
        if any(
            p.kind == "integer" and not float(v).is_integer()
            for p, v in ((first, left), (second, right))
        ):
            continue
        args = {first.name: left, second.name: right}
        return Prepared(
            tool.name, {p.name: args[p.name] for p in tool.params if p.name in args}, expression
        )
    return _calculate(expression, tools)


def _calculate(expression: str, tools: list[Offered]) -> Prepared | str:
    found = expression_tool(tools)
    if found is None:
        return "none of the offered tools evaluates an arithmetic expression"
    tool, param = found
    return Prepared(tool.name, {param.name: expression}, expression)


def _percent(
    intent: PercentOf | PercentChange, tools: list[Offered], previous: Previous | None
) -> Prepared | None:
    want, roles = (
        ("of", ("percent", "base")) if isinstance(intent, PercentOf) else ("change", ("old", "new"))
    )
    found = _percent_tool(tools, want)
    if found is None:
        return None
    tool, mode_args, mode = found
    assigned = _assign(tool, _numbers(tool), roles, mode)
    if assigned is None:
        return None
    if isinstance(intent, PercentOf):
        values = {"percent": intent.percent, "base": intent.base}
    else:
        values = {"old": intent.old, "new": intent.new}
    args = dict(mode_args)
    for role, param in assigned.items():
        args[param.name] = _number_arg(values[role], previous)
    return Prepared(tool.name, {p.name: args[p.name] for p in tool.params if p.name in args})


def _unit_value(param: Param, unit: str) -> str | None:
    if param.enum is None:
        return unit if param.kind == "string" else None
    for value in param.enum:
        if isinstance(value, str) and value.lower() == unit.lower():
            return value
    matches = [v for v in param.enum if isinstance(v, str) and same_unit(v, unit)]
    return matches[0] if len(matches) == 1 else None


def _conversion_params(tool: Offered) -> tuple[Param, dict[str, Param]] | None:
    """The amount and the from/to unit parameters of a conversion tool."""
    numbers = _numbers(tool)
    units = [p for p in tool.params if p.kind in ("string", "enum")]
    if len(numbers) != 1 or len(units) != 2:
        return None
    assigned = _assign(tool, units, ("from", "to"), None)
    return (numbers[0], assigned) if assigned is not None else None


def is_shaped(tool: Offered) -> bool:
    """Whether ``tool`` is an expression, percentage or conversion tool (see the module docs)."""
    return (
        expression_tool([tool]) is not None
        or _operation_tool(tool) is not None
        or _percent_tool([tool], "of") is not None
        or _percent_tool([tool], "change") is not None
        or _conversion_params(tool) is not None
    )


def _conversion(
    intent: Conversion, tools: list[Offered], previous: Previous | None
) -> Prepared | str:
    from_unit = (
        intent.from_unit if intent.from_unit is not None else (previous.unit if previous else None)
    )
    if from_unit is None:
        return "the unit of the previous result is not known"
    for tool in tools:
        found = _conversion_params(tool)
        if found is None:
            continue
        amount, assigned = found
        source = _unit_value(assigned["from"], from_unit)
        target = _unit_value(assigned["to"], intent.to_unit)
        if source is None or target is None:
            continue
        args = {
            amount.name: _number_arg(intent.value, previous),
            assigned["from"].name: source,
            assigned["to"].name: target,
        }
        return Prepared(tool.name, {p.name: args[p.name] for p in tool.params if p.name in args})
    return "none of the offered tools converts units"


def prepare(
    intent: Intent, tools: list[Offered], previous: Previous | None = None
) -> Prepared | str:
    """The call that carries out ``intent`` with the offered tools, or why there is none.

    Args:
        intent: What to compute (not a :class:`~.intents.ToolUse`).
        tools: The offered tools.
        previous: The previous step's result, for intents that refer to it.
    """
    ref = previous.text if previous else ""
    if isinstance(intent, Arithmetic):
        return _arithmetic(intent, tools, previous)
    if isinstance(intent, (PercentOf, PercentChange)):
        prepared = _percent(intent, tools, previous)
        if prepared is not None:
            return prepared
        if isinstance(intent, PercentOf):
            base = render(intent.base, ref)
            return _calculate(f"{intent.percent.text} * {base} / 100", tools)
        old, new = intent.old.text, intent.new.text
        return _calculate(f"({new} - {old}) * 100 / abs({old})", tools)
    if isinstance(intent, WhatPercent):
        return _calculate(f"{intent.part.text} * 100 / {intent.whole.text}", tools)
    if isinstance(intent, Scale):
        base = render(intent.base, ref)
        sign = "+" if intent.up else "-"
        return _calculate(f"{base} * (100 {sign} {intent.percent.text}) / 100", tools)
    if isinstance(intent, Conversion):
        return _conversion(intent, tools, previous)
    raise TypeError(f"not a calculation intent: {intent!r}")

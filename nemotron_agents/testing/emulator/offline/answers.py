"""The final answer: one sentence per part, about the request, quoting only the tools' results.

"15% of 240 is 36." — "5 miles is 8.04672 km." — "Going from 50 to 75 is a 50% increase." A
failed call is reported with the tool's own words; a part the policy could not map is named,
with who is answering (the offline emulator) and how to get a real model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nemotron_agents.testing.emulator.offline.expressions import Call, Num, Ref, render
from nemotron_agents.testing.emulator.offline.intents import (
    Arithmetic,
    Conversion,
    Intent,
    PercentChange,
    PercentOf,
    Scale,
    ToolUse,
    WhatPercent,
)
from nemotron_agents.testing.emulator.offline.lexer import number_text
from nemotron_agents.testing.emulator.offline.retry import Fix, as_number
from nemotron_agents.testing.emulator.offline.shapes import Prepared, Previous

__all__ = [
    "DECLINE_HINT",
    "EMULATOR",
    "Outcome",
    "blocked",
    "declined",
    "failure",
    "nothing_asked",
    "success",
    "tidy",
]

#: How to get a real model; every declining answer ends with it.
DECLINE_HINT = (
    "For real answers, run without --offline and set NVIDIA_API_KEY, or point --base-url "
    "(NVIDIA_BASE_URL) at a self-hosted NIM."
)
#: Who is answering, as the declining answers say it.
EMULATOR = "the offline NIM emulator (rule-based, not a model)"
_ACTION_VERBS = frozenset(
    [
        "book",
        "reserve",
        "send",
        "create",
        "add",
        "delete",
        "remove",
        "update",
        "set",
        "cancel",
        "schedule",
        "order",
        "buy",
        "post",
        "save",
        "make",
        "start",
        "stop",
        "write",
        "register",
        "submit",
        "transfer",
        "pay",
    ]
)
_NOUN_VERBS = frozenset(
    ["get", "fetch", "find", "lookup", "look", "compute", "calculate", "check", "retrieve"]
)
_MAX_QUOTE = 300


@dataclass(frozen=True)
class Outcome:
    """A finished call of one step.

    Attributes:
        call: The call as made (the corrected one after a retry).
        result: The tool's reply.
        previous: The result it used, if any.
        fix: The correction made on retry, if any.
    """

    call: Prepared
    result: str
    previous: Previous | None = None
    fix: Fix | None = None


def tidy(text: str) -> str:
    """A number result as people write it ("36.0" -> "36"); other text stripped."""
    value = as_number(text)
    if value is not None and value == value.to_integral_value() and abs(value) < Decimal(10) ** 15:
        return number_text(value.to_integral_value())
    return (text or "").strip()


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    # The first sentences of a tool's message, up to a length: unit lists can be long.
    text = " ".join((text or "").split())
    if len(text) <= _MAX_QUOTE:
        return text
    cut = text.rfind(". ", 0, _MAX_QUOTE)
    return text[: cut + 1] if cut > 0 else text[: _MAX_QUOTE - 1] + "…"


def _with_unit(text: str, unit: str | None) -> str:
    return f"{text} {unit}" if unit else text


def _operand(value: Num | Ref, previous: Previous | None) -> str:
    if isinstance(value, Num):
        return value.shown
    return _with_unit(tidy(previous.text), previous.unit) if previous else "the previous result"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _units(intent: Conversion, outcome: Outcome) -> tuple[str, str]:
    source = intent.from_unit or (outcome.previous.unit if outcome.previous else "") or ""
    target = intent.to_unit
    if outcome.fix is not None:
        source = outcome.fix.new if outcome.fix.old == source else source
        target = outcome.fix.new if outcome.fix.old == target else target
    return source, target


def _tool_words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)]


def _args_text(args: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        return f'"{value}"' if isinstance(value, str) else str(value)

    return ", ".join(f"{k.replace('_', ' ')} {show(v)}" for k, v in args.items())


def _tool_sentence(call: Prepared, result: str) -> str:
    words = _tool_words(call.tool)
    reply = _short(result, _MAX_QUOTE)
    if words and words[0] in _ACTION_VERBS:
        return _sentence(f"I called {call.tool} with {_args_text(call.args)}; it replied: {reply}")
    noun = " ".join(words[1:] if words and words[0] in _NOUN_VERBS and len(words) > 1 else words)
    return _sentence(f"The {noun} for {_args_text(call.args)} is {reply}")


def _arithmetic(intent: Arithmetic, outcome: Outcome, result: str) -> str:
    expr, previous = intent.expr, outcome.previous
    if isinstance(expr, Call) and expr.name in ("sqrt", "round"):
        first = expr.args[0]
        value = _operand(first, previous) if isinstance(first, Ref) else render(first, "")
        if expr.name == "sqrt" and len(expr.args) == 1:
            return f"The square root of {value} is {result}."
        if expr.name == "round":
            places = render(expr.args[1], "") if len(expr.args) == 2 else None
            how = (
                f"to {places} decimal place{'' if places == '1' else 's'}"
                if places
                else "to a whole number"
            )
            return f"{value} rounded {how} is {result}."
    return f"{outcome.call.expression} is {result}."


def success(intent: Intent, outcome: Outcome, unit: str | None) -> str:
    """The sentence for a part that got its result.

    Args:
        intent: What was asked.
        outcome: The call and its result.
        unit: The unit the result is in, when known.
    """
    result = tidy(outcome.result)
    previous = outcome.previous
    if isinstance(intent, ToolUse):
        sentence = _tool_sentence(outcome.call, outcome.result)
        if intent.unused:
            left = ", ".join(f'"{_short(u, 40)}"' for u in intent.unused)
            sentence += f" I left out {left}: no parameter of {outcome.call.tool} takes it."
        return sentence
    if isinstance(intent, Arithmetic):
        return _arithmetic(intent, outcome, _with_unit(result, unit))
    if isinstance(intent, PercentOf):
        base = _operand(intent.base, previous)
        return f"{intent.percent.shown}% of {base} is {_with_unit(result, unit)}."
    if isinstance(intent, PercentChange):
        value = as_number(outcome.result)
        change = f"from {intent.old.shown} to {intent.new.shown}"
        if value is None or value == 0:
            return f"There is no change {change} (0%)."
        size = tidy(outcome.result).lstrip("-")
        return f"Going {change} is a {size}% {'increase' if value > 0 else 'decrease'}."
    if isinstance(intent, WhatPercent):
        return f"{intent.part.shown} is {result}% of {intent.whole.shown}."
    if isinstance(intent, Scale):
        base = _operand(intent.base, previous)
        way = "increased" if intent.up else "decreased"
        return f"{base} {way} by {intent.percent.shown}% is {_with_unit(result, unit)}."
    if isinstance(intent, Conversion):
        source, target = _units(intent, outcome)
        amount = (
            intent.value.shown
            if isinstance(intent.value, Num)
            else tidy(previous.text if previous else "")
        )
        text = f"{amount} {source} is {result} {target}"
        if outcome.fix is not None:
            fix, tool = outcome.fix, outcome.call.tool
            text += f" (I used '{fix.new}' for '{fix.old}', as {tool} suggested)"
        return text + "."
    raise TypeError(f"unknown intent {intent!r}")


def _task(intent: Intent, call: Prepared, previous: Previous | None) -> str:
    if isinstance(intent, ToolUse):
        return f"complete the {call.tool} call ({_args_text(call.args)})"
    if isinstance(intent, Conversion):
        source = intent.from_unit or (previous.unit if previous else "") or ""
        value = (
            _operand(intent.value, previous)
            if intent.from_unit
            else tidy(previous.text)
            if previous
            else ""
        )
        return f"convert {value} {source} to {intent.to_unit}"
    if isinstance(intent, PercentOf):
        return f"work out {intent.percent.shown}% of {_operand(intent.base, previous)}"
    if isinstance(intent, PercentChange):
        return f"work out the percent change from {intent.old.shown} to {intent.new.shown}"
    return f"compute {call.expression}" if call.expression else f"complete the {call.tool} call"


def failure(intent: Intent, outcome: Outcome) -> str:
    """The sentence for a part whose call failed: what could not be done and the tool's words."""
    task = _task(intent, outcome.call, outcome.previous)
    return f'I couldn\'t {task}: {outcome.call.tool} replied "{_quote(outcome.result)}"'


def blocked(text: str, reason: str) -> str:
    """The sentence for a part that was never called."""
    return f'I couldn\'t do "{_short(text)}" because {reason}.'


def declined(parts: list[tuple[str, str]], *, anything_else: bool) -> str:
    """The sentence naming the parts not mapped, who is answering and how to get a model.

    Args:
        parts: ``(user's words, reason or '')`` per declined part.
        anything_else: Whether other parts were answered.
    """
    named = "; ".join(
        f'"{_short(text)}"' + (f" ({reason})" if reason else "") for text, reason in parts
    )
    if anything_else:
        return (
            f"I didn't answer {named}: I'm {EMULATOR} and couldn't map it to the offered tools "
            f"with confidence, so I won't guess. {DECLINE_HINT}"
        )
    return (
        f"I'm {EMULATOR}, and I couldn't map {named} to the offered tools with confidence, so "
        f"I won't guess. {DECLINE_HINT}"
    )


def nothing_asked(tool_names: list[str]) -> str:
    """The answer to a message with nothing to do in it ("hi")."""
    names = ", ".join(tool_names[:6]) + (", ..." if len(tool_names) > 6 else "")
    return (
        f"Hello! I'm {EMULATOR}. I can call the offered tools ({names}) for requests I can map "
        f"with confidence. {DECLINE_HINT}"
    )

"""What one part of a request asks for, before it is bound to an offered tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nemotron_agents.testing.emulator.offline.expressions import Expr, Num, Ref, has_ref

__all__ = [
    "Arithmetic",
    "Conversion",
    "Intent",
    "PercentChange",
    "PercentOf",
    "Scale",
    "ToolUse",
    "WhatPercent",
    "uses_ref",
]


@dataclass(frozen=True)
class Arithmetic:
    """Evaluate ``expr`` ("17 + 25", "sqrt(144)")."""

    expr: Expr


@dataclass(frozen=True)
class PercentOf:
    """``percent`` % of ``base`` ("15% of 240")."""

    percent: Num
    base: Num | Ref


@dataclass(frozen=True)
class PercentChange:
    """The change from ``old`` to ``new``, in percent of ``old``."""

    old: Num
    new: Num


@dataclass(frozen=True)
class WhatPercent:
    """What percent ``part`` is of ``whole`` ("30 is what percent of 240?")."""

    part: Num
    whole: Num


@dataclass(frozen=True)
class Scale:
    """``base`` raised (``up``) or lowered by ``percent`` % ("80 with 25% off")."""

    base: Num | Ref
    percent: Num
    up: bool


@dataclass(frozen=True)
class Conversion:
    """``value`` in ``from_unit`` expressed in ``to_unit``; ``from_unit`` ``None`` means the
    previous result's unit ("then convert it to miles")."""

    value: Num | Ref
    from_unit: str | None
    to_unit: str


@dataclass(frozen=True)
class ToolUse:
    """A call of a tool the policy knows nothing special about, arguments bound by meaning.

    Attributes:
        name: The tool.
        args: Its arguments.
        unused: Phrases of the request no parameter takes ("with outdoor seating"); the answer
            says they were left out.
    """

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    unused: tuple[str, ...] = ()


Intent = Arithmetic | PercentOf | PercentChange | WhatPercent | Scale | Conversion | ToolUse


def uses_ref(intent: Intent) -> bool:
    """Whether ``intent`` needs the previous step's result."""
    if isinstance(intent, Arithmetic):
        return has_ref(intent.expr)
    if isinstance(intent, (PercentOf, Scale)):
        return isinstance(intent.base, Ref)
    if isinstance(intent, Conversion):
        return isinstance(intent.value, Ref)
    return False

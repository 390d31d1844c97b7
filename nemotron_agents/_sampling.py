"""Ranges of the sampling parameters NIM accepts for the Mistral models.

One table serves both sides: :class:`~nemotron_agents.settings.Settings` checks a user's values
against it before any request is made, and the NIM emulator rejects out-of-range requests with
it, as the OpenAI-compatible endpoint does (temperature in [0, 2], top_p in (0, 1], penalties in
[-2, 2]; the 128k context of both models bounds ``max_tokens``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CONTEXT_WINDOW", "SAMPLING_RANGES", "SamplingRange", "check_sampling"]

#: Context window of Mistral-Nemotron and Mistral-NeMo 12B, in tokens.
CONTEXT_WINDOW = 128_000


@dataclass(frozen=True)
class SamplingRange:
    """Closed or half-open numeric range of one parameter."""

    low: float
    high: float
    low_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        left = "(" if self.low_open else "["
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in {left}{self.low:g}, {self.high:g}]"

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not (isinstance(value, int) or float(value).is_integer()):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high


SAMPLING_RANGES: dict[str, SamplingRange] = {
    "temperature": SamplingRange(0.0, 2.0),
    "top_p": SamplingRange(0.0, 1.0, low_open=True),
    "max_tokens": SamplingRange(1, CONTEXT_WINDOW, integer=True),
    "frequency_penalty": SamplingRange(-2.0, 2.0),
    "presence_penalty": SamplingRange(-2.0, 2.0),
    "seed": SamplingRange(0, 2**63 - 1, integer=True),
}


def check_sampling(params: dict[str, Any]) -> list[str]:
    """Return one message per out-of-range sampling parameter (empty when all are valid).

    Args:
        params: Parameter name to value; ``None`` values and unknown names are ignored, ``stop``
            must be a non-empty string or a list of them.
    """
    problems = []
    for name, value in params.items():
        if value is None:
            continue
        if name == "stop":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(s, str) and s for s in items):
                problems.append(
                    f"stop must be a non-empty string or a list of non-empty strings, got {value!r}"
                )
            continue
        rng = SAMPLING_RANGES.get(name)
        if rng is not None and not rng.contains(value):
            problems.append(f"{name} must be {rng.describe()}, got {value!r}")
    return problems

"""Estimated cost of a thread's tokens per model, and what Mistral-Nemotron alone would have cost.

Prices are US dollars per million input / output tokens (``Settings.nemotron_price_in`` and
friends). The comparison prices the tokens of every *answering* call at Mistral-Nemotron's rates
and leaves out the routing overhead (classifier calls, cheap answers that escalated), which a
Nemotron-only agent would not make. It is an estimate: another model would not write exactly as
many tokens, and a Nemotron-only request would also carry every tool schema.
"""

from __future__ import annotations

from collections.abc import Mapping

from typing_extensions import TypedDict

__all__ = ["CostReport", "ModelCost", "Price", "cost_of", "estimate_cost"]

#: ``(input, output)`` US dollars per million tokens.
Price = tuple[float, float]
_MILLION = 1_000_000
_DIGITS = 12  # a millionth of a millionth of a dollar: below any token's price, above float noise


class ModelCost(TypedDict):
    """One model's share.

    Attributes:
        input_tokens, output_tokens, calls: What the model was sent, wrote and how often.
        price_in, price_out: USD per million tokens used (``None``: no price for this model).
        cost: USD (``None`` when unpriced).
    """

    input_tokens: int
    output_tokens: int
    calls: int
    price_in: float | None
    price_out: float | None
    cost: float | None


class CostReport(TypedDict):
    """Cost of the thread so far.

    Attributes:
        currency: Always ``"USD"``.
        models: Per model id.
        total: Sum of the priced models' costs.
        routing: Part of ``total`` spent on routing (classifier calls, escalated cheap answers).
        nemotron_only: The answering calls' tokens at Mistral-Nemotron's prices.
        saved: ``nemotron_only - total`` (negative when routing cost more than it saved).
        unpriced: Model ids with no price (left out of ``total``).
    """

    currency: str
    models: dict[str, ModelCost]
    total: float
    routing: float
    nemotron_only: float
    saved: float
    unpriced: list[str]


def cost_of(counts: Mapping[str, int], price: Price) -> float:
    """USD for ``counts`` (``input_tokens``, ``output_tokens``) at ``price``."""
    return (
        int(counts.get("input_tokens", 0)) * price[0]
        + int(counts.get("output_tokens", 0)) * price[1]
    ) / _MILLION


def estimate_cost(
    usage: Mapping[str, Mapping[str, int]],
    *,
    prices: Mapping[str, Price],
    nemotron: Price,
    overhead: Mapping[str, Mapping[str, int]] | None = None,
) -> CostReport:
    """The cost report for a usage record (the graph state's ``usage`` shape).

    Args:
        usage: Tokens per model id: ``{model: {"input_tokens", "output_tokens", "calls"}}``.
        prices: Price per model id.
        nemotron: Mistral-Nemotron's price, for the comparison.
        overhead: The part of ``usage`` spent on routing, same shape.
    """
    overhead = overhead or {}
    models: dict[str, ModelCost] = {}
    total = routing = nemotron_only = 0.0
    for model, counts in usage.items():
        price = prices.get(model)
        cost = cost_of(counts, price) if price is not None else None
        models[model] = ModelCost(
            input_tokens=int(counts.get("input_tokens", 0)),
            output_tokens=int(counts.get("output_tokens", 0)),
            calls=int(counts.get("calls", 0)),
            price_in=price[0] if price else None,
            price_out=price[1] if price else None,
            cost=None if cost is None else round(cost, _DIGITS),
        )
        spent = overhead.get(model, {})
        if price is not None:
            total += cost or 0.0
            routing += cost_of(spent, price)
        answering = {
            key: int(counts.get(key, 0)) - int(spent.get(key, 0))
            for key in ("input_tokens", "output_tokens")
        }
        nemotron_only += cost_of(answering, nemotron)
    return CostReport(
        currency="USD",
        models=models,
        total=round(total, _DIGITS),
        routing=round(routing, _DIGITS),
        nemotron_only=round(nemotron_only, _DIGITS),
        saved=round(nemotron_only - total, _DIGITS),
        unpriced=sorted(m for m in usage if m not in prices),
    )

"""Summaries of graded answers: numbers per model and category, a markdown table, plots.

Accuracy is the share of answers that passed (over every question asked, request errors
included). Latency is per answered request, without rate-limit or retry waits; tokens are what
the endpoint reported, per answered question.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nemotron_agents.eval.bfcl import CATEGORIES
from nemotron_agents.eval.grade import ERROR_KINDS
from nemotron_agents.eval.runner import Record

__all__ = [
    "TABLE_HEADER",
    "percentile",
    "plots_available",
    "summarize",
    "table_rows",
    "to_markdown",
    "write_report",
]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _stats(records: Sequence[Record]) -> dict[str, Any]:
    passed = sum(1 for r in records if r["passed"])
    answered = [r for r in records if r["error"] != "request_error"]
    latencies = [r["latency_s"] for r in answered if r.get("latency_s") is not None]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    errors = Counter(r["error"] for r in records if not r["passed"])
    return {
        "questions": len(records),
        "passed": passed,
        "accuracy": passed / len(records) if records else None,
        "latency_p50_s": None if p50 is None else round(p50, 4),
        "latency_p95_s": None if p95 is None else round(p95, 4),
        "prompt_tokens": sum(r.get("prompt_tokens", 0) for r in answered),
        "completion_tokens": sum(r.get("completion_tokens", 0) for r in answered),
        "answered": len(answered),
        "errors": {kind: errors[kind] for kind in ERROR_KINDS if errors[kind]},
    }


def _order(categories: Iterable[str]) -> list[str]:
    known = [c for c in CATEGORIES if c in set(categories)]
    return known + sorted(set(categories) - set(known))


def summarize(records: Sequence[Record]) -> dict[str, Any]:
    """Accuracy, latency, tokens and errors: overall, by category, by model and by both.

    Returns:
        ``{"accuracy", "questions", "passed", "errors", "by_category": {category: stats},
        "by_model": {model: {**stats, "by_category": {category: stats}}}, "misses": [...]}``,
        where stats are ``questions, passed, accuracy, latency_p50_s, latency_p95_s,
        prompt_tokens, completion_tokens, answered, errors``; ``misses`` lists every failed
        answer as ``{model, category, id, error, detail}``.
    """
    models = list(dict.fromkeys(r["model"] for r in records))
    categories = _order({r["category"] for r in records})
    overall = _stats(records)
    by_model = {}
    for model in models:
        mine = [r for r in records if r["model"] == model]
        by_model[model] = {
            **_stats(mine),
            "by_category": {c: _stats([r for r in mine if r["category"] == c]) for c in categories},
        }
    return {
        "accuracy": overall["accuracy"],
        "questions": overall["questions"],
        "passed": overall["passed"],
        "errors": overall["errors"],
        "by_category": {c: _stats([r for r in records if r["category"] == c]) for c in categories},
        "by_model": by_model,
        "misses": [
            {k: r[k] for k in ("model", "category", "id", "error", "detail")}
            for r in records
            if not r["passed"]
        ],
    }


def _cell(stats: Mapping[str, Any]) -> list[str]:
    def num(value: float | None, fmt: str) -> str:
        return "–" if value is None else format(value, fmt)

    answered = stats["answered"] or 1
    errors = ", ".join(f"{kind} {n}" for kind, n in stats["errors"].items()) or "–"
    accuracy = "–" if stats["accuracy"] is None else f"{100 * stats['accuracy']:.1f}%"
    return [
        str(stats["questions"]),
        accuracy,
        f"{num(stats['latency_p50_s'], '.2f')} / {num(stats['latency_p95_s'], '.2f')}",
        f"{stats['prompt_tokens'] / answered:.0f} / {stats['completion_tokens'] / answered:.0f}",
        errors,
    ]


TABLE_HEADER = [
    "model",
    "category",
    "questions",
    "accuracy",
    "latency p50 / p95 (s)",
    "tokens in / out per question",
    "errors",
]


def table_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """The table's rows: one per model and category, then the model's total."""
    rows = []
    for model, stats in summary["by_model"].items():
        for category, cell in stats["by_category"].items():
            rows.append([model, category, *_cell(cell)])
        if len(stats["by_category"]) > 1:
            rows.append([model, "**all**", *_cell(stats)])
    return rows


def to_markdown(summary: Mapping[str, Any], *, title: str = "BFCL tool-calling evaluation") -> str:
    """A markdown report: the table, then every miss."""
    lines = [f"# {title}", ""]
    lines.append("| " + " | ".join(TABLE_HEADER) + " |")
    lines.append("|" + "---|" * len(TABLE_HEADER))
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(summary)]
    lines.append("")
    if summary["misses"]:
        lines += [f"## Misses ({len(summary['misses'])})", ""]
        lines += [
            f"- `{m['id']}` ({m['model']}): **{m['error']}**: {m['detail']}"
            for m in summary["misses"]
        ]
        lines.append("")
    return "\n".join(lines)


def plots_available() -> bool:
    """Whether matplotlib is installed (the ``eval`` extra)."""
    return importlib.util.find_spec("matplotlib") is not None


def _bars(summary: Mapping[str, Any], value: str, path: Path, ylabel: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    models = list(summary["by_model"])
    categories = list(summary["by_category"])
    width = 0.8 / max(1, len(models))
    fig, ax = plt.subplots(
        figsize=(max(6.0, 1.2 * len(categories) * max(1, len(models))), 5.0), layout="constrained"
    )
    for i, model in enumerate(models):
        cells = [summary["by_model"][model]["by_category"][c] for c in categories]
        xs = [k + (i - (len(models) - 1) / 2) * width for k in range(len(categories))]
        if value == "accuracy":
            heights = [100 * (c["accuracy"] or 0) for c in cells]
            ax.bar(xs, heights, width, label=model)
        else:  # latency: p50 bar, p95 whisker
            p50 = [c["latency_p50_s"] or 0 for c in cells]
            p95 = [max(0.0, (c["latency_p95_s"] or 0) - m) for c, m in zip(cells, p50, strict=True)]
            ax.bar(xs, p50, width, yerr=[[0] * len(p95), p95], capsize=3, label=model)
    ax.set_xticks(range(len(categories)), categories, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if value == "accuracy":
        ax.set_ylim(0, 105)
    fig.legend(loc="outside lower center", ncols=min(len(models), 3), fontsize="small")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(
    out_dir: Path | str, summary: Mapping[str, Any], *, plots: bool = True
) -> list[Path]:
    """Write ``report.md``, ``summary.json`` and (with matplotlib) ``accuracy.png`` and
    ``latency.png`` into ``out_dir``; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.md", out / "summary.json"]
    written[0].write_text(to_markdown(summary), encoding="utf-8")
    written[1].write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if plots and plots_available() and summary["by_model"]:
        _bars(summary, "accuracy", out / "accuracy.png", "accuracy (%)", "Accuracy per category")
        _bars(
            summary,
            "latency",
            out / "latency.png",
            "seconds (bar p50, whisker p95)",
            "Latency per request",
        )
        written += [out / "accuracy.png", out / "latency.png"]
    return written

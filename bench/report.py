"""The bench's output: a markdown table of ratios, PNG plots, the machine described."""

from __future__ import annotations

import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

__all__ = ["machine", "markdown", "plots"]

TARGET_RATIO = 1.0
TARGET_GROWTH = 1.3


def machine() -> str:
    import os

    packages = ", ".join(
        f"{p} {version(p)}"
        for p in ("langgraph", "langchain", "langchain-core", "langchain-nvidia-ai-endpoints")
    )
    python = platform.python_version()
    return f"{platform.platform()}, {os.cpu_count()} cores, Python {python}; {packages}"


def _lookup(rows: list[dict[str, Any]], **key: Any) -> float:
    return next(r["ms_per_step"] for r in rows if all(r[k] == v for k, v in key.items()))


def _growth_of(rows: list[dict[str, Any]], **key: Any) -> float:
    return _lookup(rows, n=400, **key) / _lookup(rows, n=10, **key)


def _added_of(rows: list[dict[str, Any]], **key: Any) -> float:
    return _lookup(rows, n=400, **key) - _lookup(rows, n=10, **key)


def _growth(
    rows: list[dict[str, Any]], bounded: list[dict[str, Any]] | None, missed: list[str]
) -> list[str]:
    """Growth table: ms/step at N=400 over N=10, per history kind, ours beside the peers."""
    arms = ("build_agent", "create_agent", "create_react_agent")
    lines = [
        "",
        "### Growth: ms/step at N=400 over ms/step at N=10",
        "",
        "A saver writes the whole message list at every step, so with an unbounded history every",
        "arm's step grows with the thread; with the summariser the history, and so each",
        "checkpoint, stays bounded. For a saver and an unbounded history the target is the time",
        "the history adds to a step (in brackets: ms/step at N=400 minus N=10), not the ratio:",
        "every arm saves the same messages, and a lighter step makes the same added time a larger",
        "ratio.",
        "",
        "| mode | history | " + " | ".join(f"`{a}`" for a in arms) + " | target for ours |",
        "|---|---|---|---|---|---|",
    ]
    for mode in ("astream", "invoke"):
        free = [_growth_of(rows, mode=mode, saver=False, arm=a) for a in arms]
        saved = [_growth_of(rows, mode=mode, saver=True, arm=a) for a in arms]
        added = [_added_of(rows, mode=mode, saver=True, arm=a) for a in arms]
        lines.append(
            f"| {mode} | no saver | "
            + " | ".join(f"{g:.2f}x" for g in free)
            + f" | <= {TARGET_GROWTH} |"
        )
        lines.append(
            f"| {mode} | saver, unbounded | "
            + " | ".join(f"{g:.2f}x (+{a:.2f} ms)" for g, a in zip(saved, added, strict=True))
            + " | added ms <= `create_agent`'s |"
        )
        if free[0] > TARGET_GROWTH:
            missed.append(f"growth {mode}, no saver: {free[0]:.2f}x")
        if round(added[0], 2) > round(added[1], 2):
            missed.append(
                f"growth {mode}, saver: +{added[0]:.2f} ms per step, create_agent +{added[1]:.2f}"
            )
        if bounded:
            ours = _growth_of(bounded, mode=mode, arm="build_agent")
            peer = _growth_of(bounded, mode=mode, arm="create_agent")
            lines.append(
                f"| {mode} | saver + summariser | {ours:.2f}x | {peer:.2f}x "
                f"(`SummarizationMiddleware`) | - | <= {TARGET_GROWTH} |"
            )
            if ours > TARGET_GROWTH:
                missed.append(f"growth {mode}, saver + summariser: {ours:.2f}x")
    return lines


def markdown(result: dict[str, Any]) -> tuple[str, list[str]]:
    """The report and the list of missed targets."""
    rows = result["loops"]
    sizes = sorted({r["n"] for r in rows})
    missed: list[str] = []
    lines = [
        f"Machine: {result['machine']}",
        "",
        "### ms per step (median), ratio to `create_agent`",
        "",
    ]
    lines.append("| mode | saver | arm | " + " | ".join(f"N={n}" for n in sizes) + " |")
    lines.append("|---|---|---|" + "---|" * len(sizes))
    for mode in ("astream", "invoke"):
        for saver in (False, True):
            for arm in ("create_agent", "create_react_agent", "build_agent"):
                cells = []
                for n in sizes:
                    ms = _lookup(rows, n=n, mode=mode, saver=saver, arm=arm)
                    ratio = ms / _lookup(rows, n=n, mode=mode, saver=saver, arm="create_agent")
                    cells.append(f"{ms:.2f} ({ratio:.2f}x)")
                    if arm == "build_agent" and n >= 10 and round(ratio, 2) > TARGET_RATIO:
                        missed.append(f"{mode}, saver={saver}, N={n}: {ratio:.2f}x create_agent")
                lines.append(
                    f"| {mode} | {'yes' if saver else 'no'} | `{arm}` | " + " | ".join(cells) + " |"
                )
    if 10 in sizes and max(sizes) >= 400:
        lines += _growth(rows, result.get("bounded"), missed)
    if "http" in result:
        h = result["http"]
        over = h["overhead_ms_per_step"]
        lines += [
            "",
            f"### Over HTTP (emulator, {h['steps']} steps, `ainvoke`)",
            "",
            f"- bare ChatNVIDIA: {h['bare_ms_per_call']:.2f} ms per call",
            f"- overhead per step: build_agent {over['build_agent']:.2f} ms, create_agent "
            f"{over['create_agent']:.2f} ms (graphs built before the clock starts)",
            f"- building the graph: build_agent {h['build_ms']['build_agent']:.2f} ms, "
            f"create_agent {h['build_ms']['create_agent']:.2f} ms",
            f"- {h['concurrent']} concurrent runs: build_agent "
            f"{h['concurrent_s']['build_agent']:.2f} s "
            f"({h['concurrent_errors']['build_agent']} errors), create_agent "
            f"{h['concurrent_s']['create_agent']:.2f} s "
            f"({h['concurrent_errors']['create_agent']} errors); ratio "
            f"{h['concurrent_s']['build_agent'] / h['concurrent_s']['create_agent']:.2f}x (target "
            "<= 1.05)",
        ]
        if over["build_agent"] > over["create_agent"]:
            missed.append("HTTP overhead per step above create_agent's")
        if (
            h["concurrent_s"]["build_agent"] > 1.05 * h["concurrent_s"]["create_agent"]
            or h["concurrent_errors"]["build_agent"]
        ):
            missed.append("50 concurrent runs over 1.05x create_agent or with errors")
    if "parallel" in result:
        lines += [
            "",
            "### 8 parallel 0.2 s tools: run time / 0.2 s (target <= 1.15 for build_agent)",
            "",
        ]
        lines.append(
            "| tools | mode | "
            + " | ".join(f"`{a}`" for a in ("build_agent", "create_agent", "create_react_agent"))
            + " |"
        )
        lines.append("|---|---|---|---|---|")
        keys = sorted({(r["kind"], r["mode"]) for r in result["parallel"]})
        for kind, mode in keys:
            by_arm = {
                r["arm"]: r["ratio"]
                for r in result["parallel"]
                if (r["kind"], r["mode"]) == (kind, mode)
            }
            lines.append(
                f"| {kind} | {mode} | "
                + " | ".join(
                    f"{by_arm[a]:.2f}"
                    for a in ("build_agent", "create_agent", "create_react_agent")
                )
                + " |"
            )
            if by_arm["build_agent"] > 1.15:
                missed.append(
                    f"8 parallel {kind} tools, {mode}: {by_arm['build_agent']:.2f}x 0.2 s"
                )
    if "memory" in result:
        mem = result["memory"]
        ratio = mem["build_agent"] / mem["create_agent"]
        lines += ["", "### Peak memory of a 400-step run (tracemalloc)", ""]
        lines += [f"- `{arm}`: {mib:.1f} MiB" for arm, mib in mem.items()]
        lines.append(f"- ratio build_agent / create_agent: {ratio:.2f}x (target <= 1.2)")
        if ratio > 1.2:
            missed.append(f"peak memory {ratio:.2f}x create_agent")
    if "checkpoints" in result:
        lines += ["", "### Bytes per saved checkpoint on SQLite, 400-step thread (mean)", ""]
        lines.append("| thread | first quarter | last quarter | all checkpoints and writes |")
        lines.append("|---|---|---|---|")
        for label, c in result["checkpoints"].items():
            early, late = c["bytes_per_checkpoint_early"], c["bytes_per_checkpoint_late"]
            lines.append(f"| {label} | {early:,.0f} | {late:,.0f} | {c['total_bytes']:,.0f} |")
            if "summariser" in label and late > 2 * early:
                missed.append(
                    f"checkpoints with the summariser grow ({early:,.0f} -> {late:,.0f} bytes)"
                )
    lines += ["", "Missed targets: " + ("; ".join(missed) if missed else "none")]
    return "\n".join(lines) + "\n", missed


def plots(result: dict[str, Any], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    rows = result["loops"]
    sizes = sorted({r["n"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, mode in zip(axes, ("astream", "invoke"), strict=False):
        for arm in ("build_agent", "create_agent", "create_react_agent"):
            for saver, style in ((False, "-"), (True, "--")):
                ys = [_lookup(rows, n=n, mode=mode, saver=saver, arm=arm) for n in sizes]
                ax.plot(sizes, ys, style, marker="o", label=f"{arm}{' + saver' if saver else ''}")
        ax.set_xscale("log")
        ax.set_xlabel("tool calls in the run (N)")
        ax.set_title(mode)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("ms per step (median)")
    axes[1].legend(fontsize=7)
    fig.suptitle("Loop cost per step as a run grows")
    fig.tight_layout()
    path = folder / "ms_per_step.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    made.append(path)
    if "memory" in result:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        mem = result["memory"]
        ax.bar(list(mem), list(mem.values()), color=["#76b900", "#555", "#999"])
        ax.set_ylabel("peak MiB (tracemalloc)")
        ax.set_title("Peak memory of a 400-step run")
        fig.tight_layout()
        path = folder / "memory.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)
    return made

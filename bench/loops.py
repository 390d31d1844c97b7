"""ms per step of each arm for N tool calls: ``invoke`` and ``astream``, with or without a saver.

Arms and sizes are interleaved within each round of repeats (so drift in the machine hits all
of them alike) and the median is kept.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from bench.arms import ARMS, make_run

__all__ = ["BOUNDED_ARMS", "SUMMARY_BUDGET", "measure_bounded", "measure_loops", "repeats_for"]


def repeats_for(n: int, quick: bool) -> int:
    """Repeats per size: many for short runs, whose times on a 2-core VM spread by 2x (a
    10-step run of ours took 1.0 to 2.0 ms per step in one minute), fewer for long ones, which
    cost seconds each."""
    base = 21 if n <= 10 else 9 if n <= 100 else 7
    return max(1, base // 3) if quick else base


async def _astream(run: Any) -> None:
    async for _ in run.graph.astream(run.inputs, run.config):
        pass


#: The arms that can keep a history bounded by summarising it, and the budget they get.
BOUNDED_ARMS = ("build_agent", "create_agent")
SUMMARY_BUDGET = 2000


def _timed_run(arm: str, n: int, mode: str, saver: bool, summarise_at: int | None = None) -> float:
    run = make_run(
        arm, n, checkpointer=InMemorySaver() if saver else None, summarise_at=summarise_at
    )
    # Start every arm on a clean heap: otherwise the garbage of the arm before it (a saver full
    # of checkpoints) is collected during its run and counted against it.
    gc.collect()
    start = time.perf_counter()
    if mode == "invoke":
        run.graph.invoke(run.inputs, run.config)
    else:
        asyncio.run(_astream(run))
    elapsed = time.perf_counter() - start
    run.check()
    return elapsed


def _rounds(sizes: list[int], quick: bool) -> list[list[int]]:
    """The sizes to run in each round: every size until it has its repeats.

    Sizes are interleaved like arms: a growth ratio divides N=400 by N=10, and on a machine
    whose speed drifts over minutes, measuring them minutes apart measures the drift.
    """
    needed = {n: repeats_for(n, quick) for n in sizes}
    return [[n for n in sizes if needed[n] > r] for r in range(max(needed.values()))]


def _medians(
    sizes: list[int],
    arms: tuple[str, ...],
    timed: Callable[[str, int], float],
    *,
    quick: bool,
    label: str,
    progress: Any,
) -> dict[tuple[int, str], float]:
    """ms per step (median) for every (N, arm), sizes and arms interleaved round by round."""
    samples: dict[tuple[int, str], list[float]] = {}
    rounds = _rounds(sizes, quick)
    for number, round_sizes in enumerate(rounds, 1):
        for n in round_sizes:
            for arm in arms:
                samples.setdefault((n, arm), []).append(timed(arm, n))
        progress(f"  {label.rstrip()}: round {number}/{len(rounds)}")
    medians = {(n, arm): statistics.median(s) * 1e3 / n for (n, arm), s in samples.items()}
    for n in sizes:
        progress(
            f"  N={n:<4} {label} " + "  ".join(f"{arm} {medians[n, arm]:6.2f}" for arm in arms)
        )
    return medians


def measure_loops(
    sizes: list[int], *, quick: bool = False, progress: Any = print
) -> list[dict[str, Any]]:
    """One row per (N, mode, saver, arm): ``ms_per_step`` (median)."""
    rows = []
    for mode in ("astream", "invoke"):
        for saver in (False, True):
            medians = _medians(
                sizes,
                ARMS,
                partial(_timed_run, mode=mode, saver=saver),
                quick=quick,
                label=f"{mode:<7} saver={'yes' if saver else 'no ':<3}",
                progress=progress,
            )
            rows += [
                {"n": n, "mode": mode, "saver": saver, "arm": arm, "ms_per_step": ms}
                for (n, arm), ms in medians.items()
            ]
    return rows


def measure_bounded(
    sizes: list[int], *, quick: bool = False, progress: Any = print
) -> list[dict[str, Any]]:
    """With a saver, the history kept bounded by a summariser (ours, LangChain's middleware).

    A saver writes the whole message list at every step, so with an unbounded history every arm's
    step costs O(history); a summariser is how a long thread stays cheap. One row per
    (N, mode, arm), like :func:`measure_loops`.
    """
    rows = []
    for mode in ("astream", "invoke"):
        medians = _medians(
            sizes,
            BOUNDED_ARMS,
            partial(_timed_run, mode=mode, saver=True, summarise_at=SUMMARY_BUDGET),
            quick=quick,
            label=f"{mode:<7} saver+summariser ",
            progress=progress,
        )
        rows += [
            {"n": n, "mode": mode, "arm": arm, "ms_per_step": ms}
            for (n, arm), ms in medians.items()
        ]
    return rows

"""Parallel tools, peak memory of a long run, checkpoint bytes per step."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, ToolMessage

from bench.arms import ARMS, make_run
from nemotron_agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call

__all__ = ["measure_checkpoints", "measure_memory", "measure_parallel"]

NAP = 0.2


def nap_sync(i: int) -> str:
    """Wait 0.2 s.

    Args:
        i: Which call this is.
    """
    time.sleep(NAP)
    return str(i)


async def nap_async(i: int) -> str:
    """Wait 0.2 s.

    Args:
        i: Which call this is.
    """
    await asyncio.sleep(NAP)
    return str(i)


def _eight(name: str) -> ScriptedChatModel:
    calls = [tool_call(name, {"i": i}) for i in range(8)]
    return ScriptedChatModel(lambda m, t: "done" if isinstance(m[-1], ToolMessage) else list(calls))


def measure_parallel(*, repeats: int = 3) -> list[dict[str, Any]]:
    """8 parallel 0.2 s tools in one turn: run time / 0.2 s, per kind, mode and arm."""
    import warnings

    rows = []
    for kind, fn in (("sync", nap_sync), ("async", nap_async)):
        for mode in ("invoke", "ainvoke"):
            if kind == "async" and mode == "invoke":
                continue  # async-only tools cannot run on a sync loop in the peers
            for arm in ARMS:
                samples = []
                for _ in range(repeats):
                    model = _eight(fn.__name__)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        if arm == "build_agent":
                            graph = build_agent(model=model, tools=[fn], fallback_model=False)
                        elif arm == "create_agent":
                            from langchain.agents import create_agent

                            graph = create_agent(model, [fn])
                        else:
                            from langgraph.prebuilt import create_react_agent

                            graph = create_react_agent(model, [fn])
                    inputs = {"messages": [HumanMessage("nap")]}
                    start = time.perf_counter()
                    out = (
                        graph.invoke(inputs)
                        if mode == "invoke"
                        else asyncio.run(graph.ainvoke(inputs))
                    )
                    samples.append(time.perf_counter() - start)
                    if (
                        sum(
                            isinstance(m, ToolMessage) and m.status != "error"
                            for m in out["messages"]
                        )
                        != 8
                    ):
                        raise RuntimeError(f"{arm} did not run the 8 tools ({kind}, {mode})")
                rows.append(
                    {
                        "kind": kind,
                        "mode": mode,
                        "arm": arm,
                        "ratio": statistics.median(samples) / NAP,
                    }
                )
    return rows


def measure_memory(n: int = 400) -> dict[str, float]:
    """Peak traced memory (MiB) of one ``n``-step invoke, per arm."""
    peaks = {}
    for arm in ARMS:
        run = make_run(arm, n)
        tracemalloc.start()
        run.graph.invoke(run.inputs, run.config)
        peaks[arm] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        run.check()
    return peaks


def _growth(arm: str, n: int, budget: int | None) -> dict[str, float]:
    """Run an ``n``-step thread on SQLite; bytes of each saved checkpoint, early and late.

    Read from the saver's own table (what each step writes), not the file size, which moves
    with SQLite's page reuse and write-ahead log.
    """
    from langgraph.checkpoint.sqlite import SqliteSaver

    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "bench.db", check_same_thread=False)
        saver = SqliteSaver(conn)
        run = make_run(arm, n, checkpointer=saver, summarise_at=budget)
        run.graph.invoke(run.inputs, run.config)
        run.check()
        sizes = [
            row[0]
            for row in conn.execute("SELECT length(checkpoint) FROM checkpoints ORDER BY rowid")
        ]
        written = conn.execute("SELECT coalesce(sum(length(value)), 0) FROM writes").fetchone()[0]
        conn.close()
    quarter = max(1, len(sizes) // 4)
    return {
        "bytes_per_checkpoint_early": sum(sizes[:quarter]) / quarter,
        "bytes_per_checkpoint_late": sum(sizes[-quarter:]) / quarter,
        "total_bytes": sum(sizes) + written,
    }


def measure_checkpoints(n: int = 400) -> dict[str, dict[str, float]]:
    """Checkpoint bytes, first and last quarter of an ``n``-step thread."""
    return {
        "build_agent": _growth("build_agent", n, None),
        "build_agent + summariser (2,000 tokens)": _growth("build_agent", n, 2000),
        "create_agent": _growth("create_agent", n, None),
        "create_agent + SummarizationMiddleware (2,000 tokens)": _growth("create_agent", n, 2000),
    }

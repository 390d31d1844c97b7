"""``python -m bench``: which loop is cheaper, and how does its cost grow?

Side by side in one run, arms interleaved, medians: our ``build_agent`` against LangChain's
``create_agent`` and LangGraph's ``create_react_agent``, with the same scripted model (tool calls
made on the fly) and the same tool, for N = 1, 10, 100, 400 tool calls, ``astream`` and
``invoke``, with and without ``InMemorySaver``; every arm must run exactly N tool calls or the
bench fails. Then: over HTTP against the NIM emulator (per-step client overhead, 50 concurrent
runs), 8 parallel 0.2 s tools, peak memory at N=400, checkpoint bytes per step; and, with a
saver, the history bounded by a summariser (ours, and ``create_agent`` with LangChain's
``SummarizationMiddleware``), since a saver writes the whole list at every step.

Writes ``bench/results/latest.md`` (the table), ``results.jsonl`` (every run) and PNG plots.
Needs the ``bench`` extra (``langchain`` for ``create_agent``, ``matplotlib``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.report import machine, markdown, plots

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1,10,100,400", help="comma-separated N values (default 1,10,100,400)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats (a smoke run, not a measurement)"
    )
    parser.add_argument(
        "--only",
        choices=["loops", "bounded", "http", "parallel", "memory", "checkpoints"],
        action="append",
        help="run only these parts (repeatable)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    parts = args.only or ["loops", "bounded", "http", "parallel", "memory", "checkpoints"]
    result: dict = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine(),
        "sizes": sizes,
    }
    print(result["machine"], flush=True)
    if "loops" in parts:
        from bench.loops import measure_loops

        print("loops (ms per step: build_agent, create_agent, create_react_agent)", flush=True)
        result["loops"] = measure_loops(
            sizes, quick=args.quick, progress=lambda line: print(line, flush=True)
        )
    if "bounded" in parts:
        from bench.loops import measure_bounded

        print("with a saver and the summariser (build_agent, create_agent)", flush=True)
        result["bounded"] = measure_bounded(
            [n for n in sizes if n in (10, max(sizes))],
            quick=args.quick,
            progress=lambda line: print(line, flush=True),
        )
    if "http" in parts:
        from bench.http import measure_http

        print("over HTTP …", flush=True)
        result["http"] = measure_http(
            repeats=3 if args.quick else 7, crowd_repeats=1 if args.quick else 3
        )
    if "parallel" in parts:
        from bench.extras import measure_parallel

        print("8 parallel tools …", flush=True)
        result["parallel"] = measure_parallel(repeats=1 if args.quick else 3)
    if "memory" in parts:
        from bench.extras import measure_memory

        print("peak memory …", flush=True)
        result["memory"] = measure_memory(max(sizes))
    if "checkpoints" in parts:
        from bench.extras import measure_checkpoints

        print("checkpoint growth …", flush=True)
        result["checkpoints"] = measure_checkpoints(max(sizes))
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "results.jsonl", "a") as fh:
        fh.write(json.dumps(result) + "\n")
    if "loops" not in result:
        print(json.dumps(result, indent=2))
        return 0
    text, missed = markdown(result)
    (RESULTS / "latest.md").write_text(text)
    made = plots(result, RESULTS)
    print(text)
    print("written:", RESULTS / "latest.md", *made)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

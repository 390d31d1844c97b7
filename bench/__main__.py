"""Side-by-side benchmarks; every line is a ratio of two things measured in this same run.

1. Loop overhead: our ``build_agent`` vs LangGraph's ``create_react_agent`` on the same scripted
   two-step conversation (tool call, then answer), sync ``invoke``.
2. Mistral hygiene: the cost of ``prepare_messages`` on a long history, relative to the
   ``ChatNVIDIA`` message conversion it precedes on every request.
3. Parallel tools: four 50 ms tool calls of one turn through our tools node vs one after another.

Usage: ``python -m bench [--runs N]``. Results are printed and appended to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path
from typing import Callable

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from nemotron_agents import build_agent, tool
from nemotron_agents.models.hygiene import prepare_messages
from nemotron_agents.testing import ScriptedChatModel, tool_call


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


@tool
def nap(ms: int) -> str:
    """Sleep a little.

    Args:
        ms: Milliseconds.
    """
    time.sleep(ms / 1000)
    return "ok"


def _timed(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _script(messages, tools):
    return "5" if isinstance(messages[-1], ToolMessage) else [tool_call("add", {"a": 2, "b": 3})]


def bench_loop(runs: int) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langgraph.prebuilt import create_react_agent

        ours = build_agent(model=ScriptedChatModel(_script), tools=[add], fallback_model=False)
        theirs = create_react_agent(ScriptedChatModel(_script), [add.to_langchain()])
    inputs = {"messages": [HumanMessage("2+3?")]}
    ours.invoke(inputs), theirs.invoke(inputs)  # warm up
    t_ours = _timed(lambda: ours.invoke(inputs), runs)
    t_theirs = _timed(lambda: theirs.invoke(inputs), runs)
    return {"name": "loop overhead (ours / create_react_agent)", "ours_ms": t_ours * 1e3, "reference_ms": t_theirs * 1e3, "ratio": t_ours / t_theirs}


def bench_hygiene(runs: int) -> dict:
    from langchain_nvidia_ai_endpoints._utils import convert_message_to_dict

    history = []
    for i in range(100):
        history.append(HumanMessage(f"question {i}"))
        history.append(AIMessage("", tool_calls=[tool_call("add", {"a": i, "b": i}, id=f"call_{i}")]))
        history.append(ToolMessage(str(2 * i), tool_call_id=f"call_{i}"))
        history.append(AIMessage(f"answer {i}"))
    t_hygiene = _timed(lambda: prepare_messages(history), runs)
    t_convert = _timed(lambda: [convert_message_to_dict(m) for m in history], runs)
    return {"name": "hygiene on 400 messages (prepare / ChatNVIDIA conversion)", "ours_ms": t_hygiene * 1e3, "reference_ms": t_convert * 1e3, "ratio": t_hygiene / t_convert}


def bench_parallel(runs: int) -> dict:
    calls = [tool_call("nap", {"ms": 50}) for _ in range(4)]
    model = ScriptedChatModel(lambda m, t: "done" if isinstance(m[-1], ToolMessage) else list(calls))
    graph = build_agent(model=model, tools=[nap], fallback_model=False)
    inputs = {"messages": [HumanMessage("nap")]}
    t_graph = _timed(lambda: graph.invoke(inputs), max(3, runs // 20))
    t_serial = _timed(lambda: [nap.run({"ms": 50}) for _ in calls], max(3, runs // 20))
    return {"name": "4 x 50 ms tool calls (agent turn / serial calls)", "ours_ms": t_graph * 1e3, "reference_ms": t_serial * 1e3, "ratio": t_graph / t_serial}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per measurement (median is reported)")
    args = parser.parse_args()
    results = []
    for bench in (bench_loop, bench_hygiene, bench_parallel):
        print(f"running {bench.__name__} …", flush=True)
        row = bench(args.runs)
        results.append(row)
        print(f"  {row['name']}: {row['ours_ms']:.2f} ms vs {row['reference_ms']:.2f} ms -> ratio {row['ratio']:.2f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    with open(out / "results.jsonl", "a") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": args.runs, "results": results}) + "\n")


if __name__ == "__main__":
    main()

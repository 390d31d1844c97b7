"""Over HTTP against the NIM emulator: per-step client overhead, and 50 concurrent runs.

Both arms talk to the emulator through ``ChatNVIDIA``'s real client. The baseline is the same
conversation driven by hand with a bare ``ChatNVIDIA`` (no graph): what an arm adds per step on
top of it is its overhead.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
import warnings
from typing import Any

from langchain_core.messages import HumanMessage, ToolMessage

from bench.arms import BenchError, counting_add

__all__ = ["measure_http"]

HTTP_ARMS = ("build_agent", "create_agent")
MODEL = "mistralai/mistral-nemotron"


def _policy(n: int) -> Any:
    from nemotron_agents.testing.emulator import ToolCall

    def answer(body: dict[str, Any]) -> Any:
        done = sum(1 for m in body["messages"] if m.get("role") == "tool")
        return ToolCall("add", {"a": done, "b": 1}) if done < n else "done"

    return answer


def _chat(base_url: str) -> Any:
    from langchain_nvidia_ai_endpoints import ChatNVIDIA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ChatNVIDIA(model=MODEL, base_url=base_url, api_key="bench", max_completion_tokens=64)


def _graph(arm: str, chat: Any, executed: list[int]) -> Any:
    add = counting_add(executed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if arm == "build_agent":
            from nemotron_agents import build_agent

            return build_agent(model=chat, tools=[add], fallback_model=False, max_steps=50)
        from langchain.agents import create_agent

        return create_agent(chat, [add])


async def _bare(chat: Any, n: int) -> None:
    executed = [0]
    add = counting_add(executed)
    bound = chat.bind_tools([add])
    messages: list[Any] = [HumanMessage(f"add {n} times")]
    while True:
        reply = await bound.ainvoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        messages.extend(
            ToolMessage(str(add(**call["args"])), tool_call_id=call["id"])
            for call in reply.tool_calls
        )
    if executed[0] != n:
        raise BenchError(f"bare ChatNVIDIA ran {executed[0]} tool calls, expected {n}")


class _ArmRun:
    """One run of an arm, its graph built before the clock starts (building is not a step)."""

    def __init__(self, arm: str, chat: Any, n: int) -> None:
        self.arm, self.n, self.executed = arm, n, [0]
        self.graph = _graph(arm, chat, self.executed)

    async def __call__(self) -> None:
        await self.graph.ainvoke(
            {"messages": [HumanMessage(f"add {self.n} times")]}, {"recursion_limit": 100}
        )
        if self.executed[0] != self.n:
            raise BenchError(
                f"{self.arm} over HTTP ran {self.executed[0]} tool calls, expected {self.n}"
            )


def _build_time(arm: str, chat: Any) -> float:
    start = time.perf_counter()
    _graph(arm, chat, [0])
    return time.perf_counter() - start


def measure_http(
    *, steps: int = 10, repeats: int = 7, concurrent: int = 50, crowd_repeats: int = 3
) -> dict[str, Any]:
    """``overhead_ms_per_step`` per arm and ``concurrent`` wall times (median of
    ``crowd_repeats`` crowds) and errors (all crowds) per arm."""
    from nemotron_agents.testing import NIMEmulator

    with NIMEmulator(policy=_policy(steps)) as emu:
        chat = _chat(emu.base_url)
        asyncio.run(_bare(chat, steps))  # warm the client
        samples: dict[str, list[float]] = {"bare": [], **{arm: [] for arm in HTTP_ARMS}}
        builds: dict[str, list[float]] = {arm: [] for arm in HTTP_ARMS}
        for _ in range(repeats):
            start = time.perf_counter()
            asyncio.run(_bare(chat, steps))
            samples["bare"].append(time.perf_counter() - start)
            for arm in HTTP_ARMS:
                run = _ArmRun(arm, chat, steps)
                gc.collect()
                start = time.perf_counter()
                asyncio.run(run())
                samples[arm].append(time.perf_counter() - start)
                builds[arm].append(_build_time(arm, chat))
        medians = {k: statistics.median(v) for k, v in samples.items()}
        per_call = steps + 1
        overhead = {arm: (medians[arm] - medians["bare"]) * 1e3 / per_call for arm in HTTP_ARMS}

        async def crowd(arm: str) -> tuple[float, int]:
            runs = [_ArmRun(arm, chat, steps) for _ in range(concurrent)]
            gc.collect()  # a clean heap for each crowd, as for every timed run
            start = time.perf_counter()
            results = await asyncio.gather(*(run() for run in runs), return_exceptions=True)
            return time.perf_counter() - start, sum(isinstance(r, BaseException) for r in results)

        # Three crowds per arm, the order alternating, the median kept: one crowd is one sample
        # of a busy two-core machine where the emulator shares the process.
        crowd_s: dict[str, list[float]] = {arm: [] for arm in HTTP_ARMS}
        errors = dict.fromkeys(HTTP_ARMS, 0)
        for turn in range(crowd_repeats):
            for arm in HTTP_ARMS[:: 1 if turn % 2 == 0 else -1]:
                seconds, failed = asyncio.run(crowd(arm))
                crowd_s[arm].append(seconds)
                errors[arm] += failed
        crowds = {arm: (statistics.median(crowd_s[arm]), errors[arm]) for arm in HTTP_ARMS}
    return {
        "steps": steps,
        "bare_ms_per_call": medians["bare"] * 1e3 / per_call,
        "overhead_ms_per_step": overhead,
        "build_ms": {arm: statistics.median(builds[arm]) * 1e3 for arm in HTTP_ARMS},
        "concurrent": concurrent,
        "concurrent_s": {arm: crowds[arm][0] for arm in HTTP_ARMS},
        "concurrent_errors": {arm: crowds[arm][1] for arm in HTTP_ARMS},
    }

"""Running tools: timeouts, exceptions for the model, interrupts, output text."""

import asyncio
import time
from typing import Annotated

import pytest
from langgraph.errors import GraphInterrupt
from pydantic import BaseModel, Field

from nemotron_agents.errors import (
    ToolArgumentsError,
    ToolExecutionError,
    ToolRetry,
    ToolTimeoutError,
    UnknownToolError,
)
from nemotron_agents.tools import tool
from nemotron_agents.tools._output import DEFAULT_MAX_OUTPUT_CHARS

Seconds = Annotated[float, Field(description="How long to take.")]


@tool(timeout=0.2)
async def nap(seconds: Seconds) -> str:
    """Sleep asynchronously."""
    await asyncio.sleep(seconds)
    return "rested"


@tool(timeout=0.2)
def block(seconds: Seconds) -> str:
    """Sleep in a thread."""
    time.sleep(seconds)
    return "rested"


@tool
def fail(kind: Annotated[str, Field(description="What to raise.")]) -> None:
    """Raise on purpose."""
    if kind == "runtime":
        raise RuntimeError("kaboom")
    if kind == "bare":
        raise KeyError()
    if kind == "retry":
        raise ToolRetry("No city named 'Pari'. Did you mean 'Paris'?")
    if kind == "unknown":
        raise UnknownToolError("nope", ["a"])
    if kind == "interrupt":
        raise GraphInterrupt(())
    if kind == "timeout":
        raise TimeoutError("upstream timed out")


@pytest.mark.parametrize("slow_tool", [nap, block], ids=["async", "sync"])
async def test_arun_enforces_the_timeout(slow_tool):
    assert await slow_tool.arun({"seconds": 0}) == "rested"
    started = time.monotonic()
    with pytest.raises(ToolTimeoutError) as info:
        await slow_tool.arun({"seconds": 2})
    assert time.monotonic() - started < 1.5
    assert str(info.value).startswith(f"Tool '{slow_tool.name}' did not finish within 0.2s")
    assert info.value.tool_name == slow_tool.name


@pytest.mark.parametrize("slow_tool", [nap, block], ids=["async", "sync"])
def test_run_enforces_the_timeout(slow_tool):
    assert slow_tool.run({"seconds": 0}) == "rested"
    started = time.monotonic()
    with pytest.raises(ToolTimeoutError, match=r"did not finish within 0.2s"):
        slow_tool.run({"seconds": 2})
    assert time.monotonic() - started < 1.5


async def test_run_works_inside_a_running_event_loop():
    assert nap.run({"seconds": 0}) == "rested"


@pytest.mark.parametrize("mode", ["arun", "run"])
async def test_exceptions_become_execution_errors_with_type_and_text(mode):
    async def call(kind):
        return await fail.arun({"kind": kind}) if mode == "arun" else fail.run({"kind": kind})

    with pytest.raises(ToolExecutionError) as info:
        await call("runtime")
    assert str(info.value) == "Tool 'fail' failed: RuntimeError: kaboom"
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(ToolExecutionError, match=r"^Tool 'fail' failed: KeyError$"):
        await call("bare")
    # the tool's own TimeoutError is a failure, not our timeout
    with pytest.raises(ToolExecutionError, match="TimeoutError: upstream timed out"):
        await call("timeout")
    with pytest.raises(ToolExecutionError) as info:
        await call("retry")
    assert str(info.value) == "No city named 'Pari'. Did you mean 'Paris'?"
    with pytest.raises(UnknownToolError):  # already meant for the model: passes as is
        await call("unknown")
    with pytest.raises(GraphInterrupt):  # LangGraph control flow is never swallowed
        await call("interrupt")


async def test_arguments_are_checked_before_running():
    with pytest.raises(ToolArgumentsError):
        await fail.arun({"kind": "runtime", "extra": 1})


@tool(max_output_chars=20)
def long_text(n: Annotated[int, Field(description="Length.")]) -> str:
    """Return n characters."""
    return "x" * n


class Point(BaseModel):
    x: int
    y: int


def test_format_output_truncates_with_a_visible_marker():
    assert long_text.format_output("short") == "short"
    text = long_text.format_output("y" * 90)
    assert text == "y" * 20 + "\n…[truncated: showed 20 of 90 characters]"


def test_format_output_serialises_structures_as_json():
    assert (
        fail.format_output({"a": [1, "é"], "p": Point(x=1, y=2)})
        == '{"a": [1, "é"], "p": {"x": 1, "y": 2}}'
    )
    assert fail.format_output(Point(x=1, y=2)) == '{"x": 1, "y": 2}'
    assert fail.format_output([1, 2]) == "[1, 2]"
    assert fail.format_output(None) == "null"
    assert fail.format_output(3.5) == "3.5"


@tool
def overflow(shape: Annotated[str, Field(description="Where the bad number sits.")]) -> object:
    """Return an infinite or undefined number, alone or inside a structure."""
    return {
        "alone": float("inf"),
        "nested": [1.5, {"km": float("nan")}],
        "fine": [1.5, {"km": 2.0}],
    }[shape]


@pytest.mark.parametrize(
    ("shape", "fragments"),
    [
        ("alone", ["Tool 'overflow' returned inf,", "not a finite number"]),
        ("nested", ["returned nan at [1]['km']", "overflowed"]),
    ],
)
async def test_non_finite_results_are_errors_for_the_model(shape, fragments):
    with pytest.raises(ToolExecutionError) as sync_info:
        await asyncio.to_thread(overflow.run, {"shape": shape})
    with pytest.raises(ToolExecutionError) as async_info:
        await overflow.arun({"shape": shape})
    for info in (sync_info, async_info):
        for fragment in fragments:
            assert fragment in str(info.value)
    assert await overflow.arun({"shape": "fine"}) == [1.5, {"km": 2.0}]


def test_results_are_cut_at_the_default_limit_unless_a_limit_is_given():
    big = "z" * 2_000_000
    text = fail.format_output(big)  # a tool with no max_output_chars of its own
    assert len(text) < 20_100 and text.startswith("z" * 20_000)
    assert text.endswith(f"[truncated: showed {DEFAULT_MAX_OUTPUT_CHARS} of 2000000 characters]")
    assert fail.format_output(big, default_max_chars=None) == big
    assert long_text.format_output(big, default_max_chars=None).startswith(
        "z" * 20 + "\n…[truncated"
    )

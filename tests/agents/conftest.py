import asyncio
import threading
import time
from typing import Annotated, Literal

import pytest
from approval_kit import CALLS, pause
from pydantic import Field

from nemotron_agents.tools import ToolRegistry, tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


@tool
def kaboom(reason: str) -> str:
    """Always fails.

    Args:
        reason: Why it should fail.
    """
    raise RuntimeError(f"kaboom: {reason}")


@tool(timeout=0.2)
async def slow(seconds: float) -> str:
    """Sleeps.

    Args:
        seconds: How long to sleep.
    """
    await asyncio.sleep(seconds)
    return "woke up"


@tool(max_output_chars=50)
def shout(word: str, times: Annotated[int, Field(ge=1, le=10_000)]) -> str:
    """Repeats a word.

    Args:
        word: The word.
        times: How often.
    """
    return word * times


@tool
def convert(value: float, unit: Literal["m", "km"]) -> str:
    """Converts a length.

    Args:
        value: The length.
        unit: Target unit.
    """
    return f"{value} {unit}"


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Deletes a file (side effect).

    Args:
        path: File to delete.
    """
    DELETED.append(path)
    return f"deleted {path}"


DELETED: list[str] = []


@pytest.fixture
def registry():
    DELETED.clear()
    return ToolRegistry([add, kaboom, slow, shout, convert, delete_file])


@pytest.fixture
def deleted():
    """Paths the approval-gated ``delete_file`` tool really "deleted"."""
    return DELETED


@pytest.fixture
def rendezvous():
    return Rendezvous()


class Rendezvous:
    """Two tool calls that each wait for the other: only passes if they run concurrently."""

    def __init__(self):
        self.barrier = threading.Barrier(2, timeout=5)
        self.started = []

    def make_tool(self):
        rv = self

        @tool
        def meet(name: str) -> str:
            """Waits for the other call.

            Args:
                name: Who is waiting.
            """
            rv.started.append((name, time.monotonic()))
            rv.barrier.wait()
            return f"{name} met"

        return meet


@pytest.fixture
def paused():
    """A graph stopped at the approval of two refunds (a lookup in the same turn needs none)."""
    return pause(CALLS)


@pytest.fixture
def paused_one():
    """A graph stopped at the approval of a single refund (call id ``RefA00001``)."""
    return pause([CALLS[0]])

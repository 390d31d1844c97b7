"""Each tool call of a turn is its own saved task: a crash re-runs only the unfinished calls."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.sqlite import SqliteSaver

from nemotron_agents.agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import tool

CRASH_RUN = Path(__file__).with_name("crash_run.py")


def _child(db: Path, ledger: Path, phase: str, run: str) -> subprocess.Popen:
    env = {**os.environ, "NVIDIA_USAGE_TELEMETRY_ENABLED": "0", "LANGSMITH_TRACING": "false"}
    return subprocess.Popen(
        [sys.executable, str(CRASH_RUN), str(db), str(ledger), phase, run],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait(condition, child: subprocess.Popen, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if child.poll() is not None:
            raise AssertionError(
                f"the run ended early (exit {child.returncode}): {child.stderr.read()}"
            )
        time.sleep(0.05)
    return False


def _saved(db: Path, call_id: str) -> bool:
    """Whether the result of ``call_id`` is saved with the thread's latest checkpoint."""
    if not db.exists():
        return False
    connection = sqlite3.connect(db, check_same_thread=False, timeout=5)
    try:
        saved = SqliteSaver(connection).get_tuple({"configurable": {"thread_id": "order-1"}})
    except sqlite3.OperationalError:  # the child is creating its tables
        return False
    finally:
        connection.close()
    # a call's result is saved as {call_id: ToolMessage}
    return saved is not None and any(
        isinstance(v, dict) and call_id in v for _, _, v in saved.pending_writes or []
    )


@pytest.mark.parametrize("run", ["invoke", "ainvoke"])
def test_a_finished_call_is_not_run_again_after_kill_9(tmp_path, run):
    db, ledger = tmp_path / "threads.sqlite", tmp_path / "ledger.txt"
    first = _child(db, ledger, "start", run)
    try:
        assert _wait(lambda: ledger.exists() and ledger.read_text(), first, seconds=60), (
            "the card was never charged"
        )
        # The charge is done; give its result a moment to be saved while the report still runs.
        _wait(lambda: _saved(db, "Charge001"), first, seconds=10)
        assert first.poll() is None, "the slow report should still be running"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL

    second = _child(db, ledger, "resume", run)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    outcome = json.loads(out.strip().splitlines()[-1])
    assert ledger.read_text().splitlines() == ["charge 500"]  # charged exactly once
    assert outcome["tools"] == [["Charge001", "charged 500"], ["Report001", "report ready"]]
    assert outcome["answer"] == "Charged 500 and the report is ready."


def _barrier_tool(parties: int):
    barrier = threading.Barrier(parties, timeout=10)

    @tool
    def meet(index: int) -> str:
        """Wait until every other call of the turn is running too.

        Args:
            index: Which call this is.
        """
        barrier.wait()
        return f"{index} met"

    return meet


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_every_sync_call_of_a_turn_runs_at_once(mode):
    # More calls than asyncio's default executor has threads on this machine (cores + 4).
    parties = min(32, max(8, (os.cpu_count() or 1) + 5))
    calls = [tool_call("meet", {"index": i}) for i in range(parties)]
    model = ScriptedChatModel([calls, "all met"])
    graph = build_agent(model=model, tools=[_barrier_tool(parties)], fallback_model=False)
    inputs = {"messages": [HumanMessage("meet")]}
    result = graph.invoke(inputs) if mode == "sync" else await graph.ainvoke(inputs)
    results = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert [m.content for m in results] == [f"{i} met" for i in range(parties)]
    assert result["messages"][-1].content == "all met"

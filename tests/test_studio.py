"""LangGraph Studio's server (`langgraph dev`) runs our graphs offline, streaming, over HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("langgraph_api", reason="needs langgraph-cli[inmem] (in the test extra)")

from langgraph_sdk import get_client  # noqa: E402

from nemotron_agents.testing import NIMEmulator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def studio(tmp_path):
    with NIMEmulator() as emu:
        port = free_port()
        env = {
            **os.environ,
            "NVIDIA_BASE_URL": emu.base_url,
            "NVIDIA_API_KEY": "nvapi-offline",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            "LANGGRAPH_NO_VERSION_CHECK": "true",
            "LANGSMITH_TRACING": "false",
            "NVIDIA_USAGE_TELEMETRY_ENABLED": "0",
        }
        cli = Path(sys.executable).with_name("langgraph")
        log = open(tmp_path / "langgraph-dev.log", "wb")
        proc = subprocess.Popen(
            [str(cli), "dev", "--no-browser", "--no-reload", "--port", str(port), "--config", str(ROOT / "langgraph.json")],
            cwd=ROOT,  # langgraph.json paths are relative to the working directory
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,  # a file, not a pipe: a full pipe would block the server
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{url}/ok", timeout=1).read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        proc.kill()
                        raise AssertionError(f"langgraph dev did not start: {(tmp_path / 'langgraph-dev.log').read_text()[-3000:]}")
                    time.sleep(0.5)
            yield url, emu
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            log.close()


async def test_studio_streams_the_calculator_over_http(studio):
    url, emu = studio
    client = get_client(url=url, api_key=None)
    names = [a["graph_id"] for a in await client.assistants.search()]
    assert "calculator" in names
    thread = await client.threads.create()
    events = []
    async for part in client.runs.stream(
        thread["thread_id"],
        "calculator",
        input={"messages": [{"role": "user", "content": "What is 15% of 240?"}]},
        stream_mode=["updates", "messages-tuple"],
    ):
        events.append(part.event)
    assert "messages" in events and "updates" in events
    values = (await client.threads.get_state(thread["thread_id"]))["values"]
    kinds = [m["type"] for m in values["messages"]]
    assert kinds == ["human", "ai", "tool", "ai"]
    assert float(values["messages"][2]["content"]) == 36
    assert values["usage"]["mistralai/mistral-nemotron"]["calls"] == 2
    # Studio streams every model call; each follow-up request was accepted by the emulator
    assert [r.status for r in emu.chat_requests] == [200, 200]
    assert all(r.body.get("stream") for r in emu.chat_requests)


@pytest.fixture
def support_db(tmp_path, monkeypatch):
    """The support graph's working copy, set before ``studio`` starts the server."""
    from nemotron_agents.graphs.shop_db import build_shop_db

    path = build_shop_db(tmp_path / "support.db")
    monkeypatch.setenv("NEMOTRON_SUPPORT_DB", str(path))
    return path


async def test_studio_pauses_a_support_refund_until_approved(support_db, studio):
    import sqlite3

    from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ToolCall

    def query(sql, *args):
        with sqlite3.connect(support_db) as db:
            return db.execute(sql, args).fetchall()

    email = "ada.lovelace@example.com"
    ((customer, order),) = query(
        "SELECT c.id, MIN(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id "
        "WHERE c.email = ? AND o.status = 'delivered'",
        email,
    )
    url, emu = studio
    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall("find_customer", {"email": email}),
            ToolCall("transfer_to_refunds", {"reason": "damaged"}),
            ToolCall("issue_refund", {"order_id": order, "amount": 3, "reason": "arrived damaged"}),
            "Refunded 3.00.",
        ],
    )
    client = get_client(url=url, api_key=None)
    thread = await client.threads.create()
    text = f"I'm {email}; refund 3.00 of order {order}"
    question = {"messages": [{"role": "user", "content": text}]}
    await client.runs.wait(thread["thread_id"], "support", input=question)
    state = await client.threads.get_state(thread["thread_id"])
    (interrupt,) = state["interrupts"]
    # today's payload or LangChain's HITL one
    requests = interrupt["value"].get("requests") or interrupt["value"]["action_requests"]
    assert [r["name"] for r in requests] == ["issue_refund"]
    assert state["next"] == ["refunds"] and state["values"]["customer_id"] == customer
    refunds = "SELECT amount_cents FROM refunds WHERE order_id = ?"
    assert query(refunds, order) == []
    await client.runs.wait(thread["thread_id"], "support", command={"resume": True})
    values = (await client.threads.get_state(thread["thread_id"]))["values"]
    assert query(refunds, order) == [(300,)]
    assert values["messages"][-1]["content"] == "Refunded 3.00."
    assert values["active_desk"] == "refunds"
    assert [r.status for r in emu.chat_requests] == [200] * 4

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


async def test_studio_streams_the_report_and_router_graphs(studio):
    """Streamed calls (stream=true): the planner's structured answer, parallel writers, routing."""
    url, emu = studio
    client = get_client(url=url, api_key=None)
    runs = [("report", "Write a short report on tides."), ("router", "Convert 5 miles to km.")]
    for graph, prompt in runs:
        thread_id = (await client.threads.create())["thread_id"]
        user = {"messages": [{"role": "user", "content": prompt}]}
        modes = ["updates", "messages-tuple"]
        async for _ in client.runs.stream(thread_id, graph, input=user, stream_mode=modes):
            pass  # run to the end
        values = (await client.threads.get_state(thread_id))["values"]
        assert values["messages"][-1]["type"] == "ai" and values["messages"][-1]["content"]
        if graph == "report":
            assert len(values["sections"]) >= 2 and all("text" in s for s in values["sections"])
        else:
            assert values["cost"]["total"] > 0 and values["route"]["answered_by"]
    statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert all(s == 200 for s, _ in statuses), statuses
    assert all(r.body.get("stream") for r in emu.chat_requests)

"""LangGraph Studio's server (`langgraph dev`) serves every graph offline: forms, drawings, runs.

One server for the module (startup is the slow part); the emulator answers every model call and
its validation must accept every request the graphs send.
"""

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

from langgraph_sdk import get_client

from nemotron_agents.testing import NIMEmulator

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def support_db(tmp_path_factory):
    """The support graph's working copy for the server (never the user's cache)."""
    from nemotron_agents.graphs.shop_db import build_shop_db

    return build_shop_db(tmp_path_factory.mktemp("support") / "support.db")


@pytest.fixture(scope="module")
def studio(tmp_path_factory, support_db):
    tmp_path = tmp_path_factory.mktemp("studio")
    with NIMEmulator() as emu:
        port = free_port()
        env = {
            **os.environ,
            "NEMOTRON_SUPPORT_DB": str(support_db),
            "NVIDIA_BASE_URL": emu.base_url,
            "NVIDIA_API_KEY": "nvapi-offline",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            "LANGGRAPH_NO_VERSION_CHECK": "true",
            "LANGSMITH_TRACING": "false",
            "NVIDIA_USAGE_TELEMETRY_ENABLED": "0",
            # a fresh cache: the first build of every graph (shop database, research index)
            # happens under the server's blocking-call guard, as on a new machine
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
        cli = Path(sys.executable).with_name("langgraph")
        log = open(tmp_path / "langgraph-dev.log", "wb")
        proc = subprocess.Popen(
            [
                str(cli),
                "dev",
                "--no-browser",
                "--no-reload",
                "--port",
                str(port),
                "--config",
                str(ROOT / "langgraph.json"),
            ],
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
                        log_text = (tmp_path / "langgraph-dev.log").read_text()[-3000:]
                        raise AssertionError(f"langgraph dev did not start: {log_text}") from None
                    time.sleep(0.5)
            yield url, emu
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            log.close()


from nemotron_agents.agents.context import AgentContext  # noqa: E402
from nemotron_agents.graphs import GRAPHS  # noqa: E402


@pytest.fixture
async def assistants(studio):
    url, _ = studio
    client = get_client(url=url, api_key=None)
    return client, {a["graph_id"]: a for a in await client.assistants.search(limit=100)}


async def test_studio_serves_every_graph_with_forms_and_a_drawing(assistants):
    client, by_graph = assistants
    assert set(by_graph) == set(GRAPHS)
    for name, assistant in by_graph.items():
        schemas = await client.assistants.get_schemas(assistant["assistant_id"])
        # Studio draws its input form from these; a null schema means no form at all
        assert "messages" in schemas["input_schema"]["properties"], name
        assert "messages" in schemas["output_schema"]["properties"], name
        assert set(AgentContext.__annotations__) <= set(schemas["context_schema"]["properties"]), (
            name
        )
        drawing = await client.assistants.get_graph(assistant["assistant_id"])
        nodes = {node["id"] for node in drawing["nodes"]}
        assert {"__start__", "__end__"} < nodes and len(nodes) > 2, name


async def _finish(client, thread_id, assistant_id, emu, run):
    """Run to the end; an approval interrupt counts as a clean stop, then it is approved."""
    for _ in range(5):
        state = await client.threads.get_state(thread_id)
        if not state["next"]:
            return state
        interrupts = [i for task in state["tasks"] for i in task.get("interrupts", [])]
        assert interrupts, f"run stopped at {state['next']} without an interrupt"
        await run(thread_id, assistant_id, command={"resume": True})
    raise AssertionError("run never finished")


@pytest.mark.parametrize("name", sorted(GRAPHS))
async def test_every_graph_runs_to_completion_with_wait_and_stream(assistants, studio, name):
    client, by_graph = assistants
    _, emu = studio
    assistant_id = by_graph[name]["assistant_id"]
    prompt = GRAPHS[name].example
    before = len(emu.chat_requests)

    thread = await client.threads.create()
    await client.runs.wait(
        thread["thread_id"], assistant_id, input={"messages": [{"role": "user", "content": prompt}]}
    )
    await _finish(client, thread["thread_id"], assistant_id, emu, client.runs.wait)

    streamed = await client.threads.create()
    events = []

    async def stream(thread_id, assistant_id, **kwargs):
        async for part in client.runs.stream(
            thread_id, assistant_id, stream_mode=["updates", "messages-tuple"], **kwargs
        ):
            events.append(part.event)
            assert part.event != "error", part.data

    await stream(
        streamed["thread_id"],
        assistant_id,
        input={"messages": [{"role": "user", "content": prompt}]},
    )
    state = await _finish(client, streamed["thread_id"], assistant_id, emu, stream)
    assert "updates" in events and "messages" in events
    messages = state["values"]["messages"]
    assert (
        messages[0]["type"] == "human" and messages[-1]["type"] == "ai" and messages[-1]["content"]
    )
    requests = emu.chat_requests[before:]
    assert requests, f"{name} sent no model request"
    assert [r.status for r in requests] == [200] * len(requests), [
        (r.status, r.body) for r in requests if r.status != 200
    ][:1]


async def test_studio_context_form_values_reach_the_model(assistants, studio):
    client, by_graph = assistants
    _, emu = studio
    thread = await client.threads.create()
    before = len(emu.chat_requests)
    await client.runs.wait(
        thread["thread_id"],
        by_graph["calculator"]["assistant_id"],
        input={"messages": [{"role": "user", "content": "What is 15% of 240?"}]},
        context={
            "model": "nv-mistralai/mistral-nemo-12b-instruct",
            "temperature": 0.2,
            "max_steps": 4,
        },
    )
    sent = emu.chat_requests[before:]
    assert sent and all(
        r.body["model"] == "nv-mistralai/mistral-nemo-12b-instruct" and r.body["temperature"] == 0.2
        for r in sent
    )


async def test_studio_pauses_a_support_refund_until_approved(assistants, studio, support_db):
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
    client, by_graph = assistants
    _, emu = studio
    before = len(emu.chat_requests)
    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall("find_customer", {"email": email}),
            ToolCall("transfer_to_refunds", {"reason": "damaged"}),
            ToolCall("issue_refund", {"order_id": order, "amount": 3, "reason": "arrived damaged"}),
            "Refunded 3.00.",
        ],
    )
    try:
        thread = (await client.threads.create())["thread_id"]
        support = by_graph["support"]["assistant_id"]
        text = f"I'm {email}; refund 3.00 of order {order}"
        await client.runs.wait(
            thread, support, input={"messages": [{"role": "user", "content": text}]}
        )
        state = await client.threads.get_state(thread)
        (interrupt,) = state["interrupts"]
        # today's payload or LangChain's HITL one
        requests = interrupt["value"]["action_requests"]
        assert [r["name"] for r in requests] == ["issue_refund"]
        assert state["next"] == ["refunds"] and state["values"]["customer_id"] == customer
        refunds = (
            "SELECT amount_cents FROM refunds WHERE order_id = ? AND reason = 'arrived damaged'"
        )
        assert query(refunds, order) == []
        await client.runs.wait(thread, support, command={"resume": True})
        values = (await client.threads.get_state(thread))["values"]
    finally:
        emu.set_policy(MISTRAL_NEMOTRON, "auto")  # the server is shared with the other tests
    assert query(refunds, order) == [(300,)]
    assert values["messages"][-1]["content"] == "Refunded 3.00."
    assert values["active_desk"] == "refunds"
    assert [r.status for r in emu.chat_requests[before:]] == [200] * 4

"""NIMEmulator as a server: lifecycle, routes, recording, the CLI entry point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests
from langchain_nvidia_ai_endpoints import ChatNVIDIA

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import (
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    ModelConfig,
)

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


def test_sync_context_manager_and_base_url():
    emu = NIMEmulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.base_url
    with emu as running:
        assert running is emu and emu.running
        assert emu.base_url == f"http://127.0.0.1:{emu.port}/v1" and emu.port > 0
        assert requests.get(f"{emu.base_url}/models", timeout=5).status_code == 200
        assert "NIMEmulator(http://127.0.0.1" in repr(emu)
        url = f"{emu.base_url}/models"  # taken while running: the port is the bound one
    assert not emu.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_port_after_stop_is_the_one_that_was_bound():
    emu = NIMEmulator().start()
    bound = emu.port
    emu.stop()
    assert bound > 0 and emu.port == bound  # not 0, which clients read as port 80


async def test_async_context_manager():
    async with NIMEmulator() as emu:
        llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x")
        assert (await llm.ainvoke("hi")).content == "You said: hi"
    assert not emu.running


def test_start_stop_are_idempotent_and_restartable():
    emu = NIMEmulator()
    assert emu.start() is emu.start()
    emu.stop()
    emu.stop()
    emu.start()
    try:
        assert requests.get(f"{emu.base_url}/models", timeout=5).ok
    finally:
        emu.stop()


@pytest.mark.filterwarnings("ignore:Default model is set")
def test_models_listing_shape_and_chatnvidia_discovery():
    models = [
        ModelConfig(MISTRAL_NEMOTRON),
        ModelConfig("acme/custom", validator=None, owned_by="acme"),
    ]
    with NIMEmulator(models=models) as emu:
        listing = requests.get(f"{emu.base_url}/models", timeout=5).json()
        llm = ChatNVIDIA(base_url=emu.base_url, api_key="x")  # no model: discovered from /models
    assert listing["object"] == "list"
    assert [(m["id"], m["object"], m["owned_by"], m["root"]) for m in listing["data"]] == [
        (MISTRAL_NEMOTRON, "model", "system", MISTRAL_NEMOTRON),
        ("acme/custom", "model", "acme", "acme/custom"),
    ]
    assert all(isinstance(m["created"], int) for m in listing["data"])
    assert llm.model == MISTRAL_NEMOTRON


def test_default_models_and_owners():
    with NIMEmulator() as emu:
        data = requests.get(f"{emu.base_url}/models", timeout=5).json()["data"]
    assert [(m["id"], m["owned_by"]) for m in data] == [
        (MISTRAL_NEMOTRON, "mistralai"),
        (MISTRAL_NEMO_12B, "nv-mistralai"),
    ]


def test_unknown_routes_and_methods():
    with NIMEmulator() as emu, NIMEmulator(hosted=True) as hosted:
        missing = requests.get(f"{emu.base_url}/embeddings", timeout=5)
        wrong_method = requests.get(f"{emu.base_url}/chat/completions", timeout=5)
        hosted_missing = requests.get(f"{hosted.base_url}/embeddings", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    assert (wrong_method.status_code, wrong_method.json()) == (
        405,
        {"detail": "Method Not Allowed"},
    )
    assert (hosted_missing.status_code, hosted_missing.text) == (404, "404 page not found")


def test_requests_are_recorded():
    with NIMEmulator() as emu:
        llm = ChatNVIDIA(
            model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="secret-key", temperature=0.5
        )
        llm.invoke("hi")
        requests.post(f"{emu.base_url}/chat/completions", data=b"{oops", timeout=5)
    first, second = emu.requests
    assert (first.method, first.path, first.status) == ("POST", "/v1/chat/completions", 200)
    assert first.headers["Authorization"] == "Bearer secret-key"
    assert first.body["temperature"] == 0.5 and first.model == MISTRAL_NEMOTRON
    assert first.messages == [{"role": "user", "content": "hi"}]
    assert second.status == 400 and second.body is None and second.raw_body == b"{oops"
    assert emu.chat_requests == [first, second]
    emu.reset()
    assert emu.requests == []


def test_keep_alive_connections_are_served_and_closed_on_stop():
    emu = NIMEmulator().start()
    session = requests.Session()
    for _ in range(3):
        assert session.post(
            f"{emu.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}]},
            timeout=5,
        ).ok
    emu.stop()  # returns promptly although the session keeps its connection open
    session.close()


def test_missing_model_uses_the_first_served_one():
    with NIMEmulator(models=[MISTRAL_NEMO_12B]) as emu:
        reply = requests.post(
            f"{emu.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}]},
            timeout=5,
        )
    assert reply.json()["model"] == MISTRAL_NEMO_12B


def test_bad_options_fail_fast():
    with pytest.raises(ValueError, match="validator"):
        NIMEmulator(nemotron_validator="v99")
    with pytest.raises(ValueError, match="stream_style"):
        NIMEmulator(stream_style="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        NIMEmulator(validation_mode="strict")
    with pytest.raises(ValueError, match="policy"):
        NIMEmulator(policy="random")
    with pytest.raises(ValueError, match="at least one model"):
        NIMEmulator(models=[])


def test_module_entry_point_prints_base_url_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nemotron_agents.testing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert "NIM emulator serving mistralai/mistral-nemotron" in line
        base_url = line.split(" at ", 1)[1].split()[0]
        assert base_url.startswith("http://127.0.0.1:")
        assert requests.get(f"{base_url}/models", timeout=5).ok
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out


async def test_concurrent_requests_are_served_in_parallel():
    import asyncio
    import threading

    # Every request waits until all eight are inside the policy at once: served one after
    # another, the barrier would break (its timeout) and the requests would fail.
    barrier = threading.Barrier(8, timeout=10)

    def together(body):
        barrier.wait()

    async with NIMEmulator(policy=together) as emu:
        llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x")
        replies = await asyncio.gather(*(llm.ainvoke(f"question {i}") for i in range(8)))
    assert sorted(r.content for r in replies) == sorted(f"You said: question {i}" for i in range(8))

"""Injected faults: what ChatNVIDIA raises for each and how classify() sorts it."""

from __future__ import annotations

import time

import pytest
import requests
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from pydantic import BaseModel

from nemotron_agents.errors import ModelAuthError, ModelCallError, ModelRequestError
from nemotron_agents.models.failures import classify
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMO_12B, MISTRAL_NEMOTRON, Fault

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


class GetWeather(BaseModel):
    """Get the weather for a city."""

    city: str


@pytest.fixture(params=[False, True], ids=["local", "hosted"])
def emu(request):
    with NIMEmulator(hosted=request.param) as server:
        yield server


def llm_for(emu: NIMEmulator, model: str = MISTRAL_NEMOTRON, **kw) -> ChatNVIDIA:
    return ChatNVIDIA(model=model, base_url=emu.base_url, api_key="nvapi-test", **kw)


def run_sync(llm, mode: str):
    if mode == "invoke":
        return llm.invoke("weather in Paris")
    total = None
    for chunk in llm.stream("weather in Paris"):
        total = chunk if total is None else total + chunk
    return total


async def run_async(llm, mode: str):
    if mode == "invoke":
        return await llm.ainvoke("weather in Paris")
    total = None
    async for chunk in llm.astream("weather in Paris"):
        total = chunk if total is None else total + chunk
    return total


STATUS_FAULTS = [
    ("rate_limit", {"retry_after": 2}, 429, ModelCallError, True),
    ("server_error", {}, 500, ModelCallError, True),
    ("unavailable", {"retry_after": 3}, 503, ModelCallError, True),
    ("unauthorized", {}, 401, ModelAuthError, False),
    ("forbidden", {}, 403, ModelAuthError, False),
    ("bad_request", {"message": "nope"}, 400, ModelRequestError, False),
]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize(
    ("kind", "params", "status", "cls", "retryable"),
    STATUS_FAULTS,
    ids=[f[0] for f in STATUS_FAULTS],
)
def test_status_faults_sync(emu, mode, kind, params, status, cls, retryable):
    llm = llm_for(emu)
    emu.inject(kind, **params)
    with pytest.raises(Exception) as err:
        run_sync(llm, mode)
    assert str(err.value).startswith(f"[{status}]")
    classified = classify(err.value, model=llm)
    assert (
        type(classified) is cls
        and classified.status == status
        and classified.retryable is retryable
    )
    assert classified.retry_after == params.get("retry_after")
    assert emu.requests[-1].status == status and emu.requests[-1].fault == kind
    assert llm.invoke("hi").content == "You said: hi"  # one call only


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize(
    ("kind", "params", "status", "cls", "retryable"),
    STATUS_FAULTS,
    ids=[f[0] for f in STATUS_FAULTS],
)
async def test_status_faults_async(emu, mode, kind, params, status, cls, retryable):
    llm = llm_for(emu)
    emu.inject(kind, **params)
    with pytest.raises(Exception) as err:
        await run_async(llm, mode)
    assert str(err.value).startswith(f"[{status}]")
    classified = classify(err.value, model=llm)
    assert type(classified) is cls and classified.retryable is retryable
    if "retry_after" in params:  # the header is there; ChatNVIDIA keeps it on the async client
        assert llm._async_client.last_response.headers["Retry-After"] == str(params["retry_after"])


def test_bodies_local_vs_hosted():
    body = {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}]}
    with NIMEmulator() as local, NIMEmulator(hosted=True) as hosted:
        for server in (local, hosted):
            server.inject("rate_limit", retry_after=1.5)
            server.inject("unavailable")
            server.inject("unauthorized")
        auth = {"Authorization": "Bearer nvapi-x"}
        local_429, hosted_429 = (
            requests.post(f"{s.base_url}/chat/completions", json=body, headers=auth)
            for s in (local, hosted)
        )
        local_503, hosted_503 = (
            requests.post(f"{s.base_url}/chat/completions", json=body, headers=auth)
            for s in (local, hosted)
        )
        local_401, hosted_401 = (
            requests.post(f"{s.base_url}/chat/completions", json=body, headers=auth)
            for s in (local, hosted)
        )
    assert local_429.json()["error"]["code"] == 429 and local_429.headers["Retry-After"] == "1.5"
    assert hosted_429.json() == {"status": 429, "title": "Too Many Requests"}
    assert hosted_429.headers["Retry-After"] == "1.5"
    assert "Retry-After" not in local_503.headers
    assert hosted_503.json() == {"status": 503, "title": "Service Unavailable"}
    assert local_401.json() == {"error": "Unauthorized"}
    assert hosted_401.content == b"" and "invalid_token" in hosted_401.headers["WWW-Authenticate"]


# --- transport faults -----------------------------------------------------------------------

TRANSPORT = [
    ("delay", {"seconds": 1.0}, {"ReadTimeout", "SocketTimeoutError"}),
    ("disconnect", {}, {"ConnectionError", "ServerDisconnectedError"}),
    ("disconnect_mid_stream", {}, {"ChunkedEncodingError", "ClientPayloadError"}),
]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize(("kind", "params", "names"), TRANSPORT, ids=[t[0] for t in TRANSPORT])
def test_transport_faults_sync(mode, kind, params, names):
    with NIMEmulator() as emu:
        llm = llm_for(emu, timeout=0.3)
        emu.inject(kind, **params)
        with pytest.raises(Exception) as err:
            run_sync(llm, mode)
    assert type(err.value).__name__ in names
    classified = classify(err.value, model=llm)
    assert classified.retryable and classified.status is None


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize(("kind", "params", "names"), TRANSPORT, ids=[t[0] for t in TRANSPORT])
async def test_transport_faults_async(mode, kind, params, names):
    async with NIMEmulator() as emu:
        llm = llm_for(emu, timeout=0.3)
        emu.inject(kind, **params)
        with pytest.raises(Exception) as err:
            await run_async(llm, mode)
    assert type(err.value).__name__ in names
    assert classify(err.value, model=llm).retryable


def test_short_delay_just_slows_the_answer():
    with NIMEmulator() as emu:
        emu.inject("delay", seconds=0.2)
        start = time.monotonic()
        assert llm_for(emu, timeout=5).invoke("hi").content == "You said: hi"
    assert time.monotonic() - start >= 0.2


def test_stop_cuts_a_long_delay_short():
    emu = NIMEmulator().start()
    emu.inject("delay", seconds=30)
    llm = llm_for(emu, timeout=0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        llm.invoke("hi")
    start = time.monotonic()
    emu.stop()
    assert time.monotonic() - start < 2


def test_mid_stream_drop_after_some_chunks_delivers_them_first():
    with NIMEmulator() as emu:
        emu.inject("disconnect_mid_stream", after_chunks=3)
        received = []
        with pytest.raises(Exception) as err:
            for chunk in llm_for(emu).stream("one two three four five"):
                received.append(chunk.content)
    assert type(err.value).__name__ == "ChunkedEncodingError"
    assert "".join(received) == "You said: "  # role chunk, "You ", "said: "


# --- reply faults ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_malformed_arguments_become_invalid_tool_calls(mode):
    with NIMEmulator() as emu:
        emu.inject("malformed_arguments")
        reply = run_sync(llm_for(emu).bind_tools([GetWeather]), mode)
    assert reply.tool_calls == []
    assert [(c["name"], c["args"]) for c in reply.invalid_tool_calls] == [
        ("GetWeather", '{"city": "Paris"}}')
    ]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
async def test_unknown_tool_name(mode):
    async with NIMEmulator() as emu:
        emu.inject("unknown_tool", name="launch_rockets")
        reply = await run_async(llm_for(emu).bind_tools([GetWeather]), mode)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("launch_rockets", {"city": "Paris"})
    ]


def test_reply_faults_make_a_call_when_the_model_would_not():
    with NIMEmulator() as emu:
        emu.inject("unknown_tool")
        reply = llm_for(emu).bind_tools([GetWeather]).invoke("tell me a joke")
    assert [c["name"] for c in reply.tool_calls] == ["nonexistent_tool"]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_empty_choices(mode):
    with NIMEmulator() as emu:
        emu.inject("empty_choices")
        reply = run_sync(llm_for(emu), mode)
        raw = requests.post(
            f"{emu.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}]},
        )
        emu.inject("empty_choices")
        empty = requests.post(
            f"{emu.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}]},
        )
    assert reply.content == "" and reply.tool_calls == []
    assert raw.json()["choices"] and empty.json()["choices"] == []


# --- targeting and bookkeeping ----------------------------------------------------------------


def test_times_model_and_clear():
    with NIMEmulator() as emu:
        nemotron, nemo = llm_for(emu), llm_for(emu, MISTRAL_NEMO_12B)
        emu.inject("server_error", model=MISTRAL_NEMO_12B, times=2)
        assert nemotron.invoke("hi").content
        for _ in range(2):
            with pytest.raises(Exception, match=r"^\[500\]"):
                nemo.invoke("hi")
        assert nemo.invoke("hi").content
        emu.inject("rate_limit", times=None)
        for llm in (nemotron, nemo, nemotron):
            with pytest.raises(Exception, match=r"^\[429\]"):
                llm.invoke("hi")
        emu.clear_faults()
        assert nemotron.invoke("hi").content


def test_fault_objects_and_bad_faults():
    with NIMEmulator() as emu:
        emu.inject(Fault("rate_limit", retry_after=None))
        response = requests.post(
            f"{emu.base_url}/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}]},
        )
        assert response.status_code == 429 and "Retry-After" not in response.headers
        with pytest.raises(ValueError, match="unknown fault"):
            emu.inject("explode")
        with pytest.raises(ValueError, match="takes"):
            emu.inject("delay", retry_after=1)
        with pytest.raises(ValueError, match="times"):
            emu.inject("delay", times=0)


def test_scripted_faults_in_order():
    with NIMEmulator() as emu:
        emu.script(
            MISTRAL_NEMOTRON,
            [Fault("unavailable", retry_after=1), Fault("delay", seconds=0.05), "recovered"],
        )
        llm = llm_for(emu)
        with pytest.raises(Exception, match=r"^\[503\]"):
            llm.invoke("hi")
        assert llm.invoke("hi").content == "recovered"
        assert [r.fault for r in emu.chat_requests] == ["unavailable", "delay"]


def test_never_answers_202_and_gets_are_not_faulted():
    with NIMEmulator() as emu:
        emu.inject("server_error", times=None)
        models = requests.get(f"{emu.base_url}/models")
        for _ in range(3):
            requests.post(
                f"{emu.base_url}/chat/completions",
                json={"messages": [{"role": "user", "content": "hi"}]},
            )
        emu.clear_faults()
        requests.post(f"{emu.base_url}/chat/completions", json={"messages": []})
        requests.get(f"{emu.base_url}/nowhere")
    assert models.status_code == 200
    assert all(r.status != 202 for r in emu.requests)
    assert [r.status for r in emu.requests] == [200, 500, 500, 500, 400, 404]


def test_every_call_delay_combines_with_a_one_off_error():
    with NIMEmulator() as emu:
        emu.inject("delay", seconds=0.05, times=None)
        emu.inject("unavailable")
        llm = llm_for(emu)
        with pytest.raises(Exception, match=r"^\[503\]"):
            llm.invoke("hi")
        assert llm.invoke("hi").content == "You said: hi"
        assert [r.fault for r in emu.chat_requests] == ["unavailable", "delay"]

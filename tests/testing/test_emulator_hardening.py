"""NIMEmulator as a long-running endpoint: bounded memory, timeouts, many clients, hostile input."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter

import pytest
import requests
from langchain_nvidia_ai_endpoints import ChatNVIDIA

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

HI = {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def raw_exchange(emu: NIMEmulator, data: bytes, *, timeout: float = 10) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=timeout) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def post_raw(emu: NIMEmulator, body: bytes, *, length: str | None = None) -> bytes:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body) if length is None else length}\r\n".encode()
    return raw_exchange(emu, head + b"Connection: close\r\n\r\n" + body)


def status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


# --- bounded memory --------------------------------------------------------------------------


def test_recorded_requests_keep_only_the_last_n():
    with NIMEmulator(max_recorded_requests=3) as emu, requests.Session() as session:
        for i in range(7):
            body = {**HI, "messages": [{"role": "user", "content": f"question {i}"}]}
            assert session.post(f"{emu.base_url}/chat/completions", json=body, timeout=5).ok
    assert [r.messages[0]["content"] for r in emu.requests] == [
        "question 4",
        "question 5",
        "question 6",
    ]


def test_large_bodies_are_cut_once_answered_by_default(emu):
    big = {**HI, "messages": [{"role": "user", "content": "x" * (2 * 1024 * 1024)}]}
    answer = requests.post(f"{emu.base_url}/chat/completions", json=big, timeout=10)
    small = requests.post(f"{emu.base_url}/chat/completions", json=HI, timeout=5)
    assert answer.status_code == 400  # too long for the context window, but read and answered
    assert small.ok
    cut, kept = emu.requests
    assert cut.truncated and cut.body is None and cut.status == 400
    assert len(cut.raw_body) == 1024 * 1024 and cut.body_size > 2 * 1024 * 1024
    assert not kept.truncated and kept.body == HI


def test_record_limits_are_checked():
    with pytest.raises(ValueError, match="max_requests must be a non-negative integer"):
        NIMEmulator(max_recorded_requests=-1)
    with pytest.raises(ValueError, match="socket_timeout must be a positive number"):
        NIMEmulator(socket_timeout=0)


# --- stalled clients -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "partial",
    [
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n",  # headers never end
        # the body never ends
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
    ],
)
def test_stalled_requests_are_timed_out(partial):
    with NIMEmulator(socket_timeout=0.2) as emu:
        sockets = [socket.create_connection(("127.0.0.1", emu.port), timeout=10) for _ in range(20)]
        try:
            for conn in sockets:
                conn.sendall(partial)
            # the server closes each one (the client's own 10 s timeout would raise instead)
            assert [conn.recv(65536) for conn in sockets] == [b""] * 20
        finally:
            for conn in sockets:
                conn.close()
        assert requests.post(f"{emu.base_url}/chat/completions", json=HI, timeout=5).ok


def test_idle_keep_alive_connection_is_closed_after_the_timeout():
    with NIMEmulator(socket_timeout=0.2) as emu:
        request = b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
        answer = raw_exchange(emu, request)  # keep-alive: the server closes it when idle
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.count(b"HTTP/1.1") == 1


# --- many clients ----------------------------------------------------------------------------


def test_two_hundred_concurrent_connections_are_all_answered(emu):
    body = json.dumps(HI).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    barrier = threading.Barrier(200)
    results: list[str] = []

    def client() -> None:
        barrier.wait()
        try:
            results.append(raw_exchange(emu, request, timeout=10).split(b"\r\n", 1)[0].decode())
        except OSError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=client) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(results) == {"HTTP/1.1 200 OK": 200}


# --- requests that cannot be framed or parsed ------------------------------------------------


@pytest.mark.parametrize(
    ("length", "named"),
    [("abc", "'abc'"), ("9" * 5000, "'9999"), ("-5", "'-5'"), ("1e3", "'1e3'")],
)
def test_bad_content_length_gets_400(emu, capfd, length, named):
    status, body = status_and_json(post_raw(emu, json.dumps(HI).encode(), length=length))
    assert status == 400
    assert body["error"]["type"] == "BadRequestError" and body["error"]["code"] == 400
    assert body["error"]["message"].startswith(f"Invalid Content-Length header {named}")
    assert "Traceback" not in capfd.readouterr().err
    assert emu.requests[-1].status == 400


def test_http_layer_errors_use_the_openai_envelope(emu):
    headers = b"".join(b"X-%d: y\r\n" % i for i in range(150))
    status, body = status_and_json(
        raw_exchange(emu, b"GET /v1/models HTTP/1.1\r\n" + headers + b"\r\n")
    )
    assert status == 431
    assert body["error"]["message"] == "Too many headers" and body["error"]["code"] == 431


def test_body_larger_than_the_limit_gets_413():
    with NIMEmulator(max_body_bytes=1000) as emu:
        status, body = status_and_json(post_raw(emu, b"{}", length=str(10**12)))
        assert requests.post(f"{emu.base_url}/chat/completions", json=HI, timeout=5).ok
    assert status == 413
    assert body["error"]["message"] == (
        "Request body of 1000000000000 bytes is larger than the 1000 bytes this endpoint accepts"
    )


def test_chunked_request_body_is_read(emu):
    pieces = iter([json.dumps(HI)[:10].encode(), json.dumps(HI)[10:].encode()])
    answer = requests.post(
        f"{emu.base_url}/chat/completions",
        data=pieces,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.ok and answer.json()["choices"][0]["message"]["content"] == "You said: hi"
    assert emu.requests[-1].headers.get("Transfer-Encoding") == "chunked"


@pytest.mark.parametrize("depth", [100_000, 200])
def test_deeply_nested_json_gets_400(emu, capfd, depth):
    body = b'{"messages": ' + b"[" * depth + b"]" * depth + b"}"
    status, answer = status_and_json(post_raw(emu, body))
    assert status == 400
    assert "JSON nested more than 128 levels deep" in answer["error"]["message"]
    assert "Traceback" not in capfd.readouterr().err


def test_lone_surrogates_and_invalid_utf8_get_400(emu):
    escaped = b'{"messages": [{"role": "user", "content": "caf\\udce9"}]}'
    status, body = status_and_json(post_raw(emu, escaped))
    assert status == 400
    assert body["error"]["message"].startswith(
        "Invalid text in body.messages.0.content: lone surrogate U+DCE9 at position 3"
    )
    assert body["error"]["param"] == "body.messages.0.content"
    status, body = status_and_json(
        post_raw(emu, b'{"messages": [{"role": "user", "content": "caf\xe9"}]}')
    )
    assert status == 400 and "JSON decode error" in body["error"]["message"]


def test_non_utf8_prompt_through_chatnvidia_is_a_400_not_a_500(emu):
    llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x")
    with pytest.raises(Exception, match=r"^\[400\]"):
        llm.invoke("bytes the client could not decode: \udcff\udcfe")
    assert [r.status for r in emu.chat_requests] == [400]


@pytest.mark.parametrize(
    ("schema", "needs"),
    [
        ({"type": "array", "minItems": 1_000_000_000}, "minItems 1000000000"),
        ({"type": "string", "minLength": 1_000_000_000}, "minLength 1000000000"),
        (  # small numbers that multiply through nesting
            {"type": "array", "minItems": 1000, "items": {"type": "array", "minItems": 1000}},
            "minItems and minLength multiplied through nesting",
        ),
    ],
)
def test_response_format_too_large_to_generate_gets_400(emu, schema, needs):
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    answer = requests.post(
        f"{emu.base_url}/chat/completions", json={**HI, "response_format": fmt}, timeout=10
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        f"The requested schema is too large to generate: {needs} needs more than the 512000 "
        "characters of JSON the emulator generates for one value"
    )


def test_tool_schema_too_large_to_generate_gets_400(emu):
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"cities": {"type": "array", "minItems": 10**9}},
                "required": ["cities"],
            },
        },
    }
    body = {**HI, "tools": [tool], "tool_choice": "required"}
    answer = requests.post(f"{emu.base_url}/chat/completions", json=body, timeout=10)
    assert answer.status_code == 400 and "minItems" in answer.json()["error"]["message"]


def test_keep_alive_survives_refusals_and_streams(emu):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    answers = []
    sockets = set()
    for body in (b"{oops", json.dumps({**HI, "stream": True}).encode(), json.dumps(HI).encode()):
        conn.request(
            "POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        answers.append((response.status, response.read().endswith(b"data: [DONE]\n\n")))
        sockets.add(id(conn.sock))
    conn.close()
    assert answers == [(400, False), (200, True), (200, False)]
    assert len(sockets) == 1  # one connection served all three

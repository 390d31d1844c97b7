"""HTTP/1.1 socket work: routing, recording, writing bodies and SSE, dropping connections.

Streams use chunked transfer encoding, so a connection dropped mid-stream is a protocol error
for the client (``ChunkedEncodingError`` / ``ClientPayloadError``), as with a real server,
rather than a quiet end of stream.
"""

from __future__ import annotations

import json
import socket
import traceback
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from nemotron_agents.testing.emulator.engine import Engine, Outcome
from nemotron_agents.testing.emulator.envelopes import ApiError, ErrorReply, vllm_error
from nemotron_agents.testing.emulator.recording import RecordedRequest
from nemotron_agents.testing.emulator.responses import completion_body
from nemotron_agents.testing.emulator.sse import DONE, encode_event, stream_chunks

__all__ = ["EmulatorHandler"]

_CHAT = "/v1/chat/completions"
_MODELS = "/v1/models"


class _Dropped(Exception):
    """The connection was closed on purpose."""


class EmulatorHandler(BaseHTTPRequestHandler):
    """Serves one connection; ``self.server`` carries ``engine`` and ``recorder``."""

    protocol_version = "HTTP/1.1"
    server_version = "nim-emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr lines."""

    # --- entry points ----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        engine: Engine = self.server.engine  # type: ignore[attr-defined]
        raw = self._read_body()
        headers = dict(self.headers.items())
        record = RecordedRequest(self.command, urlsplit(self.path).path, headers, raw_body=raw)
        if raw:
            try:
                record.body = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError):
                record.body = None
        self.server.recorder(record)  # type: ignore[attr-defined]
        try:
            self._route(engine, record, raw, headers)
        except ApiError as exc:
            self._send_error(exc.reply, record)
        except _Dropped:
            pass
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired)
        except Exception as exc:  # noqa: BLE001 - a failing callback policy or an emulator bug: answer 500
            record.error = "".join(traceback.format_exception(exc))
            self._send_error(
                vllm_error(f"{type(exc).__name__}: {exc}", status=500, type="InternalServerError"), record
            )

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _route(self, engine: Engine, record: RecordedRequest, raw: bytes, headers: dict[str, str]) -> None:
        path = record.path.rstrip("/")
        if path == _MODELS and self.command == "GET":
            self._send_json(200, engine.models_body(), record)
        elif path == _CHAT and self.command == "POST":
            self._send_outcome(engine.chat(raw, headers, record), record)
        elif path in (_MODELS, _CHAT):
            self._send_error(_plain_error(405, "Method Not Allowed", engine.gateway.hosted), record)
        else:
            self._send_error(_plain_error(404, "Not Found", engine.gateway.hosted), record)

    # --- writing ---------------------------------------------------------------------------

    def _send_bytes(self, status: int, body: bytes, headers: dict[str, str], record: RecordedRequest) -> None:
        record.status = status  # before any byte leaves, so a client that has its answer sees it
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: Any, record: RecordedRequest) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send_bytes(status, body, {"Content-Type": "application/json"}, record)

    def _send_error(self, reply: ErrorReply, record: RecordedRequest) -> None:
        self._send_bytes(reply.status, reply.body, reply.headers, record)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _Dropped

    def _send_outcome(self, outcome: Outcome, record: RecordedRequest) -> None:
        if outcome.error is not None:
            self._send_error(outcome.error, record)
        elif outcome.drop or outcome.completion is None:
            self._drop()
        elif outcome.stream:
            self._send_stream(outcome, record)
        else:
            body = json.dumps(completion_body(outcome.completion), ensure_ascii=False).encode()
            if outcome.drop_after is not None:  # promise the whole body, deliver half
                record.status = 200
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self._drop()
            self._send_bytes(200, body, {"Content-Type": "application/json"}, record)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _send_stream(self, outcome: Outcome, record: RecordedRequest) -> None:
        assert outcome.completion is not None
        record.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunks = stream_chunks(outcome.completion, style=outcome.style, include_usage=outcome.include_usage)
        for sent, chunk in enumerate(chunks):
            if outcome.drop_after is not None and sent >= outcome.drop_after:
                self._drop()
            self._write_chunk(encode_event(chunk))
        if outcome.drop_after is not None:
            self._drop()
        self._write_chunk(DONE)
        self.wfile.write(b"0\r\n\r\n")


def _plain_error(status: int, phrase: str, hosted: bool) -> ErrorReply:
    # FastAPI (vLLM) answers unknown routes with {"detail": ...}; NVCF's gateway with plain text.
    if hosted and status == 404:
        return ErrorReply(404, b"404 page not found", {"Content-Type": "text/plain; charset=utf-8"})
    return ErrorReply(status, json.dumps({"detail": phrase}).encode(), {"Content-Type": "application/json"})

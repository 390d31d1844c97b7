"""Where a request is received on the socket: the threaded HTTP/1.1 server and the handler that
routes, records, reads bodies, writes JSON and SSE, and drops connections.

Streams use chunked transfer encoding, so a connection dropped mid-stream is a protocol error
for the client (``ChunkedEncodingError`` / ``ClientPayloadError``), as with a real server,
rather than a quiet end of stream.

Hardening for a long-running endpoint: every socket has a timeout (a client that stops half-way
through a request frees its thread), the body size is bounded, the listen backlog is deep, and
a request the handler cannot even frame (a bad ``Content-Length``, a broken chunked body) gets a
400 in the OpenAI error envelope and the connection is closed, since the next request's start
is unknown. What to answer is decided by :class:`~._model.engine.Engine`, without HTTP.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from nemotron_agents.testing.emulator._encoding import (
    DONE,
    ApiError,
    ErrorReply,
    completion_body,
    encode_event,
    stream_chunks,
    vllm_error,
)
from nemotron_agents.testing.emulator._engine import Engine, Outcome
from nemotron_agents.testing.emulator._request_rules import loads_or_none
from nemotron_agents.testing.emulator.recording import RecordedRequest, RequestLog

__all__ = ["EmulatorHTTPServer", "EmulatorHandler"]

_CHAT = "/v1/chat/completions"
_MODELS = "/v1/models"
# Digits of the largest Content-Length read (anything longer is not a length a client means).
_MAX_LENGTH_DIGITS = 18


class _Dropped(Exception):
    """The connection was closed on purpose."""


class _Unframed(Exception):
    """The request body cannot be read; answer ``reply`` and close the connection."""

    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class EmulatorHTTPServer(ThreadingHTTPServer):
    """The listening socket: one :class:`EmulatorHandler` thread per connection, sharing the
    emulator's ``engine`` and request ``log``."""

    daemon_threads = True
    block_on_close = False
    # Listen backlog: hundreds of clients connecting at once wait in the queue instead of
    # having their SYNs dropped (and retried seconds later) or their connections reset.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        log: RequestLog,
        *,
        socket_timeout: float | None,
        max_body_bytes: int,
    ) -> None:
        self.engine = engine
        self.log = log
        self.socket_timeout = socket_timeout
        self.max_body_bytes = max_body_bytes
        self.open_sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, EmulatorHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        with self._sockets_lock:
            self.open_sockets.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self) -> None:
        # Idle keep-alive connections would otherwise hold handler threads after stop().
        with self._sockets_lock:
            sockets = list(self.open_sockets)
        for conn in sockets:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class EmulatorHandler(BaseHTTPRequestHandler):
    """Serves one connection of an :class:`EmulatorHTTPServer`."""

    server: EmulatorHTTPServer

    protocol_version = "HTTP/1.1"
    server_version = "nim-emulator"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Reads and writes that stall longer raise, so a half-sent request or a client that
        # stopped reading frees the thread. (Set on the socket, as StreamRequestHandler does with
        # its class-wide ``timeout``; this one is per server.)
        if self.server.socket_timeout is not None:
            self.connection.settimeout(self.server.socket_timeout)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr lines."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors raised by the HTTP layer itself (a bad request line, oversized headers) in
        the OpenAI envelope instead of an HTML page."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        reply = vllm_error(message or phrase, status=code, type=phrase.replace(" ", ""))
        self.close_connection = True
        try:
            self.send_response(code, message)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(reply.body)
        except OSError:
            pass

    # --- entry points ----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        engine, log = self.server.engine, self.server.log
        headers = dict(self.headers.items())
        record = RecordedRequest(self.command, urlsplit(self.path).path, headers)
        try:
            raw = self._read_body()
        except _Unframed as exc:
            log.add(record)
            self.close_connection = True
            self._reply_safely(exc.reply, record)
            return
        except (TimeoutError, ConnectionError, _Dropped):
            self.close_connection = True  # the client stalled or left mid-body
            return
        record.raw_body = raw
        record.body = loads_or_none(raw)
        log.add(record)
        try:
            self._route(engine, record, raw, headers)
        except ApiError as exc:
            self._reply_safely(exc.reply, record)
        except _Dropped:
            pass
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client gave up or stalled (e.g. its timeout fired)
        except Exception as exc:  # noqa: BLE001 - a failing callback policy or an emulator bug: answer 500
            record.error = "".join(traceback.format_exception(exc))
            if record.status is not None:  # mid-answer: a status line is out, so cut it short
                self.close_connection = True
                return
            reply = vllm_error(
                f"{type(exc).__name__}: {exc}", status=500, type="InternalServerError"
            )
            self._reply_safely(reply, record)
        finally:
            log.finish(record)

    def _reply_safely(self, reply: ErrorReply, record: RecordedRequest) -> None:
        try:
            self._send_error(reply, record)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    # --- reading -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        limit = self.server.max_body_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        text = self.headers.get("Content-Length")
        if text is None:
            return b""
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_LENGTH_DIGITS:
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise _Unframed(
                vllm_error(
                    f"Invalid Content-Length header {shown!r}: it must be a non-negative integer "
                    f"number of bytes",
                    param="Content-Length",
                )
            )
        length = int(text)
        if length > limit:
            raise _Unframed(_too_large(length, limit))
        return self._read_exactly(length)

    def _read_exactly(self, length: int) -> bytes:
        data = self.rfile.read(length) if length else b""
        if len(data) < length:
            raise _Dropped  # the client closed the connection before sending the whole body
        return data

    def _read_chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                size = -1
            if not line.endswith(b"\n") or size < 0 or len(size_text) > 16:
                if not line:
                    raise _Dropped
                raise _Unframed(vllm_error("Invalid chunked request body: bad chunk size line"))
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers are ignored
                return b"".join(parts)
            total += size
            if total > limit:
                raise _Unframed(_too_large(total, limit))
            parts.append(self._read_exactly(size))
            self._read_exactly(2)  # the CRLF after each chunk

    def _route(
        self, engine: Engine, record: RecordedRequest, raw: bytes, headers: dict[str, str]
    ) -> None:
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

    def _send_bytes(
        self, status: int, body: bytes, headers: dict[str, str], record: RecordedRequest
    ) -> None:
        self._answering(record, status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _answering(self, record: RecordedRequest, status: int) -> None:
        """Settle the record before any byte leaves: a client that has its answer sees it whole
        (its status, its body already cut to the size kept)."""
        record.status = status
        self.server.log.finish(record)

    def _send_json(self, status: int, payload: Any, record: RecordedRequest) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send_bytes(status, body, {"Content-Type": "application/json"}, record)

    def _send_error(self, reply: ErrorReply, record: RecordedRequest) -> None:
        self._send_bytes(reply.status, reply.body, reply.headers, record)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise _Dropped

    def _pause(self, seconds: float) -> None:
        """Wait as a model generating would; a stop() meanwhile drops the connection."""
        if seconds > 0 and self.server.engine.stopping.wait(seconds):
            self._drop()

    def _send_outcome(self, outcome: Outcome, record: RecordedRequest) -> None:
        if outcome.error is not None:
            self._send_error(outcome.error, record)
        elif outcome.drop or outcome.completion is None:
            self._drop()
        elif outcome.stream:
            self._send_stream(outcome, record)
        else:
            if outcome.first_delay or outcome.chunk_delay:  # as long as the stream would take
                events = sum(1 for _ in _chunks(outcome))
                self._pause(outcome.first_delay + outcome.chunk_delay * max(events - 1, 0))
            body = json.dumps(completion_body(outcome.completion), ensure_ascii=False).encode()
            if outcome.drop_after is not None:  # promise the whole body, deliver half
                self._answering(record, 200)
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
        self._answering(record, 200)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for sent, chunk in enumerate(_chunks(outcome)):
            if outcome.drop_after is not None and sent >= outcome.drop_after:
                self._drop()
            self._pause(outcome.chunk_delay if sent else outcome.first_delay)
            self._write_chunk(encode_event(chunk))
        if outcome.drop_after is not None:
            self._drop()
        self._write_chunk(DONE)
        self.wfile.write(b"0\r\n\r\n")


def _chunks(outcome: Outcome) -> Any:
    assert outcome.completion is not None
    return stream_chunks(
        outcome.completion,
        style=outcome.style,
        include_usage=outcome.include_usage,
        continuous_usage=outcome.continuous_usage,
    )


def _too_large(length: int, limit: int) -> ErrorReply:
    message = (
        f"Request body of {length} bytes is larger than the {limit} bytes this endpoint accepts"
    )
    return vllm_error(message, status=413, type="RequestEntityTooLarge")


def _plain_error(status: int, phrase: str, hosted: bool) -> ErrorReply:
    # FastAPI (vLLM) answers unknown routes with {"detail": ...}; NVCF's gateway with plain text.
    if hosted and status == 404:
        return ErrorReply(404, b"404 page not found", {"Content-Type": "text/plain; charset=utf-8"})
    return ErrorReply(
        status, json.dumps({"detail": phrase}).encode(), {"Content-Type": "application/json"}
    )

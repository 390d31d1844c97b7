"""Where a request is received: :class:`NIMEmulator`, a loopback HTTP server that answers like
a Mistral NIM, and :func:`run_emulator`, which serves one in the foreground (for
``nemotron-agents emulator`` and ``python -m nemotron_agents.testing.emulator``).

The socket work is in :mod:`._http`; everything after it in :mod:`._model.engine`.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Self

from nemotron_agents._sampling import CONTEXT_WINDOW
from nemotron_agents.testing.emulator._engine import Engine
from nemotron_agents.testing.emulator._http import EmulatorHTTPServer
from nemotron_agents.testing.emulator._model.catalog import (
    DEFAULT_MODELS,
    ModelConfig,
    StreamStyle,
    build_catalog,
)
from nemotron_agents.testing.emulator._model.replies import ReplyLike
from nemotron_agents.testing.emulator._policies import Policy
from nemotron_agents.testing.emulator._request_rules import ValidationOptions
from nemotron_agents.testing.emulator.faults import Fault
from nemotron_agents.testing.emulator.recording import (
    DEFAULT_MAX_RECORDED_BODY_BYTES,
    DEFAULT_MAX_RECORDED_REQUESTS,
    RecordedRequest,
    RequestLog,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_SOCKET_TIMEOUT",
    "NIMEmulator",
    "main",
    "run_emulator",
]

#: Seconds a connection may stall (mid-request, or idle between keep-alive requests).
DEFAULT_SOCKET_TIMEOUT = 30.0
#: Largest request body accepted (larger ones get 413).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


class NIMEmulator:
    """A NIM chat-completions endpoint for ``mistralai/mistral-nemotron`` and
    ``nv-mistralai/mistral-nemo-12b-instruct`` on 127.0.0.1, for tests and offline demos.

    It validates requests as a vLLM-served Mistral NIM does (schema, model, sampling ranges,
    128k context, Mistral's conversation rules via mistral-common) and answers with the exact
    error bodies, non-streaming or as SSE, with usage. What the "model" says is decided per model
    by a policy (``"auto"``, ``"scripted"`` or a callable); faults can be injected per model.
    It never answers 202 (ChatNVIDIA would poll NVIDIA's cloud).

    Generation follows vLLM: ``max_tokens`` cuts text and tool calls (``finish_reason:
    "length"``, a cut call's arguments are not valid JSON), ``stop`` cuts the text before the
    first stop string (``stop_reason`` names it), ``n`` returns ``n`` choices, ``logprobs`` /
    ``top_logprobs`` return invented but well-formed log-probabilities, and a stream reports
    usage once, in a last ``choices: []`` chunk, when ``stream_options.include_usage`` is set
    (``continuous_usage_stats`` adds running usage to every chunk). Streams may be paced with
    ``time_to_first_token`` and ``inter_chunk_delay``.

    Built to run for long: it keeps a bounded log of requests, times out stalled connections,
    queues up to 1024 pending connections, and answers malformed input (a bad
    ``Content-Length``, JSON nested too deep, invalid Unicode, a schema asking for a value too
    large to generate) with a 400 in the OpenAI error envelope.

    Example:
        >>> with NIMEmulator() as emu:  # doctest: +SKIP
        ...     llm = ChatNVIDIA(
        ...         model="mistralai/mistral-nemotron", base_url=emu.base_url, api_key="x"
        ...     )
        ...     emu.inject("rate_limit", retry_after=2)
        ...     llm.invoke("hi")  # raises "[429] ..."

    Args:
        host: Address to bind. Keep the loopback default unless you mean to serve a network.
        port: Port to bind; 0 picks a free one (read it back from :attr:`port`).
        models: Served models: ids or :class:`ModelConfig`.
        hosted: Behave like ``integrate.api.nvidia.com``: a bearer key is required (a missing
            key or ChatNVIDIA's ``**********`` placeholder gets 401 with an empty body and
            ``WWW-Authenticate``), and gateway errors use NVCF's ``{status, title, detail}``.
            When false (a local NIM), any key or none is accepted.
        api_keys: Accept only these keys (hosted: others get 403; local: 401 as vLLM's
            ``--api-key`` does). ``None`` accepts any.
        policy: Policy of every model without its own: ``"auto"``, ``"scripted"`` or a callable
            ``(request_body) -> ReplyLike | None``.
        nemotron_validator: mistral-common tokenizer version whose validator checks
            Mistral-Nemotron (and any other plain model id except NeMo 12B, which uses
            ``"v3"``); ``None`` disables Mistral's rules for them. Default ``"v11"``: content and
            tool calls may share a turn, tool results must answer the calls by id.
        stream_style: ``"incremental"`` or ``"whole"`` tool-call deltas for plain model ids.
        validation_mode: mistral-common mode, ``"test"`` (what vLLM uses) or ``"serving"``.
        truncate_tool_call_ids: Cut ids longer than nine characters to their last nine before
            validating, as vLLM does for Mistral tokenizers (so ``call_…`` ids of nine trailing
            alphanumerics pass). ``False`` refuses every id that is not nine alphanumerics, as
            mistral-common alone does.
        reject_user_after_tool: Refuse ``user`` right after ``tool`` as NIM's mistral-common does.
        honour_guided_json: Shape output by top-level ``guided_json`` / ``nvext.guided_json``
            as older vLLM does; ``False`` ignores them as current vLLM does (prose comes back).
        context_window: Tokens prompt plus ``max_tokens`` may use.
        seed: Seed of tool-call and completion ids.
        time_to_first_token: Seconds before the first SSE event of a stream (a non-streaming
            answer waits as long as the whole stream would take).
        inter_chunk_delay: Seconds between consecutive SSE events.
        socket_timeout: Seconds a connection may stall, mid-request or idle between keep-alive
            requests, before it is closed; ``None`` waits for ever.
        max_body_bytes: Largest request body accepted; larger ones get 413.
        max_recorded_requests: Requests kept in :attr:`requests` (the oldest go first);
            ``None`` keeps all.
        max_recorded_body_bytes: Body bytes kept per recorded request once it is answered;
            a larger body is cut and its record's ``body`` is ``None`` (``truncated`` is set).
            ``None`` keeps whole bodies.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Iterable[str | ModelConfig] = DEFAULT_MODELS,
        hosted: bool = False,
        api_keys: Collection[str] | None = None,
        policy: Policy = "auto",
        nemotron_validator: str | None = "v11",
        stream_style: StreamStyle = "incremental",
        validation_mode: str = "test",
        truncate_tool_call_ids: bool = True,
        reject_user_after_tool: bool = True,
        honour_guided_json: bool = True,
        context_window: int = CONTEXT_WINDOW,
        seed: int = 0,
        time_to_first_token: float = 0.0,
        inter_chunk_delay: float = 0.0,
        socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_recorded_requests: int | None = DEFAULT_MAX_RECORDED_REQUESTS,
        max_recorded_body_bytes: int | None = DEFAULT_MAX_RECORDED_BODY_BYTES,
    ) -> None:
        _check_policy(policy)
        for name, value in (("socket_timeout", socket_timeout), ("max_body_bytes", max_body_bytes)):
            if value is not None and (isinstance(value, bool) or not value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        self.host = host
        self._requested_port = port
        self._bound_port: int | None = None
        self._socket_timeout = socket_timeout
        self._max_body_bytes = max_body_bytes
        #: Recorded requests, oldest first (bounded: see ``max_recorded_requests``).
        self.requests: list[RecordedRequest] = []
        self._log = RequestLog(
            self.requests,
            max_requests=max_recorded_requests,
            max_body_bytes=max_recorded_body_bytes,
        )
        self._engine = Engine(
            catalog=build_catalog(
                tuple(models), nemotron_validator=nemotron_validator, stream_style=stream_style
            ),
            options=ValidationOptions(
                mode=validation_mode,
                truncate_tool_call_ids=truncate_tool_call_ids,
                reject_user_after_tool=reject_user_after_tool,
                context_window=context_window,
            ),
            hosted=hosted,
            api_keys=api_keys,
            default_policy=policy,
            honour_guided_json=honour_guided_json,
            seed=seed,
            time_to_first_token=time_to_first_token,
            inter_chunk_delay=inter_chunk_delay,
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns ``self``. Idempotent."""
        if self._server is not None:
            return self
        self._engine.stopping.clear()
        self._server = EmulatorHTTPServer(
            (self.host, self._requested_port),
            self._engine,
            self._log,
            socket_timeout=self._socket_timeout,
            max_body_bytes=self._max_body_bytes,
        )
        self._bound_port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._serve, args=(self._server,), name="nim-emulator", daemon=True
        )
        self._thread.start()
        return self

    def _serve(self, server: EmulatorHTTPServer) -> None:
        # handle_request() instead of serve_forever(): stop() wakes it with a connection, so
        # stopping takes no poll interval (it adds up over hundreds of tests).
        server.timeout = 1.0
        while not self._engine.stopping.is_set():
            server.handle_request()

    def stop(self) -> None:
        """Stop serving, drop open connections and cut injected delays short. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        self._engine.stopping.set()
        host, port = server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET or AF_INET6 address: (host, port, ...)
        with contextlib.suppress(OSError):  # wake the accept loop
            socket.create_connection((host, port), timeout=1).close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        server.close_open_sockets()
        server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()  # binding is immediate; nothing to await

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The bound port: the requested one before the first :meth:`start`, the last bound
        one after :meth:`stop` (a restart with ``port=0`` may bind another)."""
        return self._bound_port if self._bound_port is not None else self._requested_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, the ``base_url`` for ChatNVIDIA or openai clients.

        Raises:
            RuntimeError: Before :meth:`start`.
        """
        if self._server is None:
            raise RuntimeError(
                "NIMEmulator is not running; call start() or use it as a context manager"
            )
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host  # noqa: S104 (a comparison)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/v1"

    @property
    def models(self) -> dict[str, ModelConfig]:
        """Served models by id (configs may be edited, e.g. ``stream_style``)."""
        return self._engine.catalog

    # --- behaviour -------------------------------------------------------------------------

    def set_policy(self, model: str | None, policy: Policy) -> None:
        """Use ``policy`` for ``model`` (``None``: the default of every model)."""
        _check_policy(policy)
        if model is None:
            self._engine.default_policy = policy
        else:
            self._engine.policies[model] = policy

    def script(self, model: str | None, replies: Iterable[ReplyLike]) -> None:
        """Queue replies, one per call, and switch ``model`` to the ``"scripted"`` policy.

        Args:
            model: Model whose calls take the replies; ``None``: any model (the default
                policy becomes ``"scripted"``).
            replies: Each a :data:`ReplyLike`: ``"text"``, ``ToolCall(name, args)``,
                ``(name, args)``, a list of calls (parallel), ``Reply(...)`` or ``Fault(...)``.
                When the queue runs dry the next call gets a 400 saying so.
        """
        self._engine.scripts.add(model, replies)
        self.set_policy(model, "scripted")

    def inject(
        self, fault: str | Fault, *, model: str | None = None, times: int | None = 1, **params: Any
    ) -> None:
        """Make the next ``times`` chat calls fail (``times=None``: every call until cleared).

        Args:
            fault: A kind from :data:`FAULT_KINDS` (see :mod:`.faults` for each one's effect
                and parameters) or a :class:`Fault`.
            model: Only calls to this model; ``None``: any.
            times: How many calls; ``None`` for all.
            **params: Parameters of the kind, e.g. ``retry_after=2`` or ``seconds=1.5``.
        """
        if isinstance(fault, str):
            fault = Fault(fault, **params)
        elif params:
            raise TypeError("pass parameters inside the Fault, or pass the fault kind as a string")
        self._engine.faults.add(fault, model=model, times=times)

    def clear_faults(self) -> None:
        """Forget every pending fault."""
        self._engine.faults.clear()

    def reset(self) -> None:
        """Forget recorded requests, faults, scripts and per-model policies."""
        self._log.clear()
        self._engine.faults.clear()
        self._engine.scripts.clear()
        self._engine.policies.clear()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded ``POST /v1/chat/completions`` requests."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.rstrip("/").endswith("/chat/completions")
        ]

    def __repr__(self) -> str:
        where = self.base_url if self.running else "stopped"
        hosted = self._engine.gateway.hosted
        return f"NIMEmulator({where}, models={list(self.models)}, hosted={hosted})"


def _check_policy(policy: Policy) -> None:
    if not (policy in ("auto", "scripted") or callable(policy)):
        raise ValueError(f"policy must be 'auto', 'scripted' or a callable, got {policy!r}")


# --- serving in the foreground -----------------------------------------------------------

_CLI_DESCRIPTION = (
    "Run an emulator in the foreground (for ``nemotron-agents emulator`` and ``python -m``)."
)


def run_emulator(*, port: int = 8000, hosted: bool = False, host: str = "127.0.0.1") -> None:
    """Serve until Ctrl-C, printing the base URL first.

    Args:
        port: Port to bind (0: any free port).
        hosted: Answer like NVIDIA's hosted API (bearer key required, NVCF error shapes).
        host: Address to bind; the loopback default keeps it private to this machine.
    """
    with NIMEmulator(host=host, port=port, hosted=hosted) as emu:
        mode = "hosted (API key required)" if hosted else "local NIM (any key)"
        print(
            f"NIM emulator serving {', '.join(emu.models)} at {emu.base_url} [{mode}]", flush=True
        )
        print(f"  export NVIDIA_BASE_URL={emu.base_url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nstopped", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m nemotron_agents.testing.emulator [--port N] [--hosted] [--host H]``."""
    parser = argparse.ArgumentParser(
        prog="python -m nemotron_agents.testing.emulator", description=_CLI_DESCRIPTION
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind (default 8000; 0 = any free)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--hosted", action="store_true", help="require an API key, NVCF error shapes"
    )
    args = parser.parse_args(argv)
    run_emulator(port=args.port, hosted=args.hosted, host=args.host)

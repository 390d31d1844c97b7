"""Where a request is answered: the emulated endpoint without HTTP, in a real endpoint's order.

:class:`Engine` turns a request into an :class:`Outcome` (an error reply, a dropped connection,
or a completion to send whole or streamed); :mod:`._http` only does the socket work. For each
``POST /v1/chat/completions`` it checks the key (:class:`Gateway`, what stands in front of the
model), takes the pending gateway faults, checks the body (:mod:`._request_rules`), asks the
model's policy for a reply (:mod:`.policies`, or the queued replies of :mod:`.replies`), then
gives the reply its last touches (:func:`cut_output`, :func:`corrupt`) and wraps it in a
:class:`~._encoding.Completion`.

Last touches, as on a model generating the text in order (content, then each tool call's name
and arguments; see :mod:`._encoding` for the token estimate):

* ``stop``: the content is cut before the first stop string, which is not included (unless
  vLLM's ``include_stop_str_in_output`` is set), as vLLM does; ``finish_reason`` is ``"stop"``
  and ``stop_reason`` names the string. Nothing after it is generated, so no tool calls
  follow. Stop strings are looked for in the content only.
* ``max_tokens``: generation ends after that many tokens, in the content or in a tool call;
  ``finish_reason`` is ``"length"``. A call cut short keeps its name and a prefix of its
  arguments, which is not valid JSON; calls not begun are dropped. This is what OpenAI-style
  servers send for a cut-off call (vLLM's Mistral parser may instead return the raw text).
* reply faults (``malformed_arguments``, ``unknown_tool``) corrupt the first tool call.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from nemotron_agents.testing.emulator._encoding import (
    CHARS_PER_TOKEN,
    WWW_AUTHENTICATE,
    ApiError,
    Completion,
    ErrorReply,
    IdSource,
    count_tokens,
    generated_texts,
    nvcf_error,
    prompt_tokens,
    vllm_error,
)
from nemotron_agents.testing.emulator._model.catalog import ModelConfig
from nemotron_agents.testing.emulator._model.replies import (
    Reply,
    ScriptBook,
    ToolCall,
    coerce_reply,
)
from nemotron_agents.testing.emulator._model.schema_values import GenerationLimitError
from nemotron_agents.testing.emulator._policies import Policy, auto_reply
from nemotron_agents.testing.emulator._request_rules import (
    ValidationOptions,
    check_chat_request,
    parse_body,
    validate_chat_request,
)
from nemotron_agents.testing.emulator.faults import Fault, FaultBook
from nemotron_agents.testing.emulator.recording import RecordedRequest

__all__ = [
    "MAX_RESPONSE_CHARS",
    "NO_KEY_PLACEHOLDER",
    "Engine",
    "Gateway",
    "Outcome",
    "corrupt",
    "cut_output",
]

#: Most characters of generated text in one response, over all ``n`` choices.
MAX_RESPONSE_CHARS = 4_000_000


@dataclass
class Outcome:
    """What to send back.

    Attributes:
        error: An error reply to send instead of a completion.
        drop: Close the connection before sending anything.
        completion: The completion to send.
        stream: Send it as SSE.
        include_usage: Add the final usage chunk to the stream.
        continuous_usage: Also put the running usage on every chunk (``continuous_usage_stats``).
        style: Tool-call style of the stream.
        drop_after: Close the connection after this many SSE events (or, non-streaming, after
            half the body).
        first_delay: Seconds before the first SSE event.
        chunk_delay: Seconds between SSE events.
    """

    error: ErrorReply | None = None
    drop: bool = False
    completion: Completion | None = None
    stream: bool = False
    include_usage: bool = False
    continuous_usage: bool = False
    style: str = "incremental"
    drop_after: int | None = None
    first_delay: float = 0.0
    chunk_delay: float = 0.0


class Engine:
    """State and decisions of one emulator (thread-safe).

    Args:
        catalog: Served models by id.
        options: Validation strictness.
        hosted: Answer like NVIDIA's hosted API (auth required, NVCF error shapes).
        api_keys: Keys accepted; ``None`` accepts any (and, when not hosted, none).
        default_policy: Policy of models without their own.
        honour_guided_json: Whether ``guided_json`` / ``nvext.guided_json`` shape the output.
        seed: Seed of generated ids.
        time_to_first_token: Seconds before the first SSE event of a stream.
        inter_chunk_delay: Seconds between SSE events.
    """

    def __init__(
        self,
        *,
        catalog: dict[str, ModelConfig],
        options: ValidationOptions,
        hosted: bool,
        api_keys: Collection[str] | None,
        default_policy: Policy,
        honour_guided_json: bool,
        seed: int,
        time_to_first_token: float = 0.0,
        inter_chunk_delay: float = 0.0,
    ) -> None:
        # Checked as objects: callers without a type checker pass anything.
        pacing: dict[str, object] = {
            "time_to_first_token": time_to_first_token,
            "inter_chunk_delay": inter_chunk_delay,
        }
        for name, value in pacing.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
        self.time_to_first_token = float(time_to_first_token)
        self.inter_chunk_delay = float(inter_chunk_delay)
        self.catalog = catalog
        self.options = options
        self.gateway = Gateway(hosted=hosted, api_keys=api_keys)
        self.default_policy = default_policy
        self.honour_guided_json = honour_guided_json
        self.ids = IdSource(seed)
        self.faults = FaultBook()
        self.scripts = ScriptBook()
        self.policies: dict[str, Policy] = {}
        self.stopping = threading.Event()

    # --- listing -------------------------------------------------------------------------

    def models_body(self) -> dict[str, Any]:
        """``GET /v1/models``."""
        created = int(time.time())
        data = [
            {
                "id": m.id,
                "object": "model",
                "created": created,
                "owned_by": m.owned_by,
                "root": m.id,
                "parent": None,
            }
            for m in self.catalog.values()
        ]
        return {"object": "list", "data": data}

    # --- faults ----------------------------------------------------------------------------

    def _pre_fault(self, fault: Fault, record: RecordedRequest) -> Outcome | None:
        """Act on a before-the-model fault; ``None`` means carry on (a finished delay)."""
        record.fault = fault.kind
        if fault.kind == "delay":
            self.stopping.wait(float(fault.get("seconds", 1.0)))
            return None
        if fault.kind == "disconnect":
            return Outcome(drop=True)
        if fault.kind == "bad_request":
            return Outcome(error=vllm_error(fault.get("message", "Bad request")))
        status = {
            "rate_limit": 429,
            "server_error": 500,
            "unavailable": 503,
            "unauthorized": 401,
            "forbidden": 403,
        }[fault.kind]
        retry_after = fault.get("retry_after", 1 if fault.kind == "rate_limit" else None)
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = str(
                int(retry_after) if float(retry_after).is_integer() else retry_after
            )
        message = fault.get("message")
        if fault.kind == "forbidden":
            message = message or "Authorization failed"
        return Outcome(error=self.gateway.error(status, message, headers))

    # --- the model -------------------------------------------------------------------------

    def _decide(self, body: dict[str, Any], model: str) -> Reply:
        policy = self.policies.get(model, self.default_policy)
        if policy == "auto":
            return auto_reply(
                body, ids=self.ids.tool_call_id, honour_guided_json=self.honour_guided_json
            )
        if policy == "scripted":
            reply = self.scripts.pop(model)
            if reply is None:
                message = (
                    f"NIMEmulator: no scripted reply left for model '{model}'; queue more with "
                    f"script() or set_policy(model, 'auto')"
                )
                raise ApiError(vllm_error(message, type="EmulatorScriptExhausted"))
            return reply
        assert callable(policy)  # the emulator admits only "auto", "scripted" or a callable
        spec = policy(body)
        if spec is None:
            return auto_reply(
                body, ids=self.ids.tool_call_id, honour_guided_json=self.honour_guided_json
            )
        return coerce_reply(spec)

    def _finish_ids(self, reply: Reply) -> Reply:
        calls = tuple(
            c if c.id else dataclasses.replace(c, id=self.ids.tool_call_id())
            for c in reply.tool_calls
        )
        return dataclasses.replace(reply, tool_calls=calls)

    def _choices(self, reply: Reply, n: int) -> tuple[Reply, ...]:
        """``n`` choices: the reply, then copies whose tool calls get ids of their own (each
        choice is a separate generation)."""
        size = sum(len(text) for text in generated_texts(reply))
        if n * size > MAX_RESPONSE_CHARS:
            message = (
                f"n={n} choices of {size} characters each are more than the {MAX_RESPONSE_CHARS} "
                "characters the emulator generates for one response"
            )
            raise ApiError(vllm_error(message, param="n"))
        copies = [
            dataclasses.replace(
                reply,
                tool_calls=tuple(
                    dataclasses.replace(call, id=self.ids.tool_call_id())
                    for call in reply.tool_calls
                ),
            )
            for _ in range(n - 1)
        ]
        return (reply, *copies)

    def _model_config(self, body: dict[str, Any]) -> ModelConfig:
        model = body.get("model") or next(iter(self.catalog))  # vLLM: no model = the served one
        config = self.catalog.get(model)
        if config is not None:
            return config
        if self.gateway.hosted:
            raise ApiError(
                nvcf_error(404, f"Function '{model}': Not found for account 'nim-emulator'")
            )
        message = f"The model `{model}` does not exist."
        raise ApiError(vllm_error(message, status=404, type="NotFoundError", param="model"))

    def _answer(
        self, body: dict[str, Any], model: str, record: RecordedRequest
    ) -> Outcome | tuple[Reply, Fault | None]:
        """The policy's reply and the reply fault to apply, or an outcome when a scripted
        gateway fault ends the call."""
        reply = self._decide(body, model)
        while reply.fault is not None and reply.fault.before_model:
            if (outcome := self._pre_fault(reply.fault, record)) is not None:
                return outcome
            reply = self._decide(body, model)  # a scripted delay, then the next scripted reply
        if reply.fault is not None:  # a scripted reply fault corrupts what auto would answer
            fault = reply.fault
            reply = auto_reply(
                body, ids=self.ids.tool_call_id, honour_guided_json=self.honour_guided_json
            )
            return reply, fault
        return reply, self.faults.take(model, before_model=False)

    def chat(self, raw: bytes, headers: dict[str, str], record: RecordedRequest) -> Outcome:
        """Answer ``POST /v1/chat/completions``, in a real endpoint's order: key, gateway faults,
        schema, model, Mistral rules / context / sampling, then the model's answer.

        Raises:
            ApiError: For every refusal (auth, schema, model, validation).
        """
        self.gateway.authorize(headers)
        body = parse_body(raw)
        record.body = body
        model_hint = body.get("model") if isinstance(body, dict) else None
        used: set[int] = set()
        while (fault := self.faults.take(model_hint, before_model=True, used=used)) is not None:
            if (outcome := self._pre_fault(fault, record)) is not None:
                return outcome
        body = check_chat_request(body)
        config = self._model_config(body)
        validate_chat_request(body, config, self.options)

        try:
            answer = self._answer(body, config.id, record)
        except GenerationLimitError as exc:  # a schema asking for a value without end
            raise ApiError(vllm_error(str(exc))) from None
        if isinstance(answer, Outcome):
            return answer
        reply, reply_fault = answer
        if reply_fault is not None:
            record.fault = reply_fault.kind
            reply = corrupt(reply, reply_fault, body, self.ids.tool_call_id)
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        reply = cut_output(
            self._finish_ids(reply),
            max_tokens=max_tokens,
            stop=body.get("stop"),
            keep_stop=bool(body.get("include_stop_str_in_output")),
        )
        kind = reply_fault.kind if reply_fault is not None else None
        drop_after = None
        if reply_fault is not None and kind == "disconnect_mid_stream":
            drop_after = int(reply_fault.get("after_chunks", 2))
        completion = Completion(
            replies=self._choices(reply, body.get("n") or 1),
            model=config.id,
            id=self.ids.completion_id(),
            created=int(time.time()),
            prompt_tokens=prompt_tokens(body["messages"], body.get("tools")),
            empty_choices=kind == "empty_choices",
            logprobs=(body.get("top_logprobs") or 0) if body.get("logprobs") else None,
        )
        options = body.get("stream_options") or {}
        return Outcome(
            completion=completion,
            stream=bool(body.get("stream")),
            include_usage=bool(options.get("include_usage")),
            continuous_usage=bool(options.get("continuous_usage_stats")),
            style=config.stream_style,
            drop_after=drop_after,
            first_delay=self.time_to_first_token,
            chunk_delay=self.inter_chunk_delay,
        )


# --- the key and gateway errors: what stands in front of the model ------------------------

#: What ChatNVIDIA sends as the key when it has none (its header template, unfilled).
NO_KEY_PLACEHOLDER = "**********"


class Gateway:
    """Key check and error bodies of a local NIM (vLLM) or NVIDIA's hosted API (NVCF).

    Args:
        hosted: NVCF behaviour: a bearer key is required, errors are ``{status, title, detail}``
            and a missing key gets 401 with an empty body and ``WWW-Authenticate``.
        api_keys: Keys accepted; ``None`` accepts any (and, when not hosted, none).
    """

    def __init__(self, *, hosted: bool, api_keys: Collection[str] | None) -> None:
        self.hosted = hosted
        self.api_keys = None if api_keys is None else frozenset(api_keys)

    def error(
        self, status: int, message: str | None = None, headers: dict[str, str] | None = None
    ) -> ErrorReply:
        """A gateway-level error (auth, rate limit, server trouble) in this endpoint's shape."""
        if status == 401:
            if self.hosted:
                return ErrorReply(
                    401, b"", {"WWW-Authenticate": WWW_AUTHENTICATE, **(headers or {})}
                )
            # vLLM started with --api-key
            return ErrorReply(
                401, b'{"error": "Unauthorized"}', {"Content-Type": "application/json"}
            )
        if self.hosted:
            return nvcf_error(status, message, headers=headers)
        phrase = HTTPStatus(status).phrase
        kind = {500: "InternalServerError", 404: "NotFoundError"}.get(status, phrase)
        return vllm_error(message or phrase, status=status, type=kind, headers=headers)

    def authorize(self, headers: dict[str, str]) -> None:
        """Refuse missing or wrong keys the way the configured endpoint does.

        Raises:
            ApiError: 401 (hosted: no key or ChatNVIDIA's placeholder; local: a key not in
                ``api_keys``) or 403 (hosted: a key not in ``api_keys``).
        """
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        scheme, _, key = (header or "").partition(" ")
        key = key.strip()
        if self.hosted:
            if scheme.lower() != "bearer" or not key or key == NO_KEY_PLACEHOLDER:
                raise ApiError(self.error(401))
            if self.api_keys is not None and key not in self.api_keys:
                raise ApiError(self.error(403, "Authorization failed"))
        elif self.api_keys is not None and (scheme.lower() != "bearer" or key not in self.api_keys):
            raise ApiError(self.error(401))


# --- last touches: stop, max_tokens, reply faults -----------------------------------------


def _apply_stop(reply: Reply, stop: str | list[str] | None, keep: bool) -> Reply:
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    content = reply.content or ""
    found = [(content.find(s), i, s) for i, s in enumerate(stops) if s and s in content]
    if not found:
        return reply
    at, _, which = min(found)  # the earliest; on a tie, the first listed
    end = at + len(which) if keep else at
    return dataclasses.replace(
        reply, content=content[:end], tool_calls=(), finish_reason="stop", stop_reason=which
    )


def _apply_length(reply: Reply, max_tokens: int) -> Reply:
    content = reply.content or ""
    left = max_tokens - count_tokens(content)
    if left < 0:
        cut = content[: max_tokens * CHARS_PER_TOKEN]
        return dataclasses.replace(
            reply, content=cut, tool_calls=(), finish_reason="length", stop_reason=None
        )
    kept: list[ToolCall] = []
    for call in reply.tool_calls:
        args = call.arguments_json()
        need = count_tokens(call.name) + count_tokens(args)
        if need <= left:
            kept.append(call)
            left -= need
            continue
        room = left - count_tokens(call.name)
        if room > 0:  # the name fits: send the arguments generated so far
            kept.append(dataclasses.replace(call, arguments=args[: room * CHARS_PER_TOKEN]))
        return dataclasses.replace(
            reply, tool_calls=tuple(kept), finish_reason="length", stop_reason=None
        )
    return reply


def cut_output(
    reply: Reply, *, max_tokens: int | None, stop: str | list[str] | None, keep_stop: bool = False
) -> Reply:
    """Apply ``stop`` then ``max_tokens`` (see the module docstring). A reply whose
    ``finish_reason`` was set by a script or callback is left as it is.

    Args:
        reply: The answer.
        max_tokens: Token budget (``None``: no limit).
        stop: Stop string or strings.
        keep_stop: Keep the stop string in the text (vLLM's ``include_stop_str_in_output``).
    """
    if reply.finish_reason:
        return reply
    reply = _apply_stop(reply, stop, keep_stop)
    return _apply_length(reply, max_tokens) if max_tokens and max_tokens > 0 else reply


def _ensure_call(reply: Reply, body: dict[str, Any], ids: Callable[[], str]) -> Reply:
    if reply.tool_calls:
        return reply
    tools = body.get("tools") or [{"function": {"name": "nonexistent_tool"}}]
    return Reply(tool_calls=(ToolCall(tools[0]["function"]["name"], {}, ids()),))


def corrupt(reply: Reply, fault: Fault, body: dict[str, Any], ids: Callable[[], str]) -> Reply:
    """Apply a reply fault (``malformed_arguments``, ``unknown_tool``); others pass through.

    A reply without tool calls first gets one (to the first offered tool), so the fault shows.
    """
    if fault.kind not in ("malformed_arguments", "unknown_tool"):
        return reply
    reply = _ensure_call(reply, body, ids)
    first, rest = reply.tool_calls[0], tuple(reply.tool_calls[1:])
    if fault.kind == "malformed_arguments":
        # A stray closing brace: invalid JSON that partial-JSON parsers (LangChain's, used on
        # streamed chunks) cannot repair either, unlike a merely truncated object.
        first = dataclasses.replace(first, arguments=first.arguments_json() + "}")
    else:
        first = dataclasses.replace(first, name=fault.get("name", "nonexistent_tool"))
    return dataclasses.replace(reply, tool_calls=(first, *rest), content=None)

"""How answers are encoded: error envelopes, token counts and ids, log-probabilities, the
``chat.completion`` body and the SSE chunks of a stream.

**Error envelopes**, in the shapes the real endpoints use:

* **vLLM / local NIM** ``{"error": {"message", "type", "param", "code"}}`` (vLLM's
  ``ErrorResponse``). Semantic errors use ``type="BadRequestError"``; request-schema errors use
  ``type="Bad Request"`` and a ``"N validation error(s):"`` message, as vLLM's
  ``RequestValidationError`` handler does. vLLM started with ``--api-key`` answers a bad key
  with ``{"error": "Unauthorized"}``.
* **Hosted NVCF** (``integrate.api.nvidia.com``) gateway errors ``{"status", "title",
  "detail"}``; a missing or malformed key gets **401 with an empty body** and a
  ``WWW-Authenticate`` header. Model errors (400) are forwarded from the NIM in the vLLM shape.

**Token counts.** The emulator has no tokenizer. It estimates tokens as **one token per four
characters** (rounded up) of every piece of text a Mistral prompt would contain: each message's
content, the JSON of its tool calls and its ``tool_call_id``, plus four tokens of framing per
message, plus the JSON of the offered tools. Completions count their content and the JSON of
their tool calls the same way. Good enough for ``usage`` numbers that grow with the input and
for the context-window check; not a billing-accurate count.

**Log-probabilities** in the OpenAI / vLLM ``logprobs`` shape are made up but consistent: each
"token" is a four-character piece of the generated text (the same estimate), its
log-probability a deterministic value in ``[-0.51, -0.01]`` derived from the piece, and
``top_logprobs`` the piece itself (the most likely, as in greedy decoding) followed by common
alternatives, each less likely than the last. The generated text is the content, then each tool
call's name and arguments (what the completion tokens in ``usage`` count). Enough for clients
that parse or display logprobs; no meaning beyond that.

**Streams** (server-sent events), in both tool-call styles. Per choice (``n`` of them, one after
the other, each chunk carrying its choice's ``index``), a stream starts with a
``{"role": "assistant", "content": ""}`` delta, sends the text in word-sized pieces, then the
tool calls, then a chunk with ``finish_reason`` (and vLLM's ``stop_reason``). ``data: [DONE]``
ends it.

Usage, as vLLM and NVIDIA's hosted API send it: with ``stream_options.include_usage`` a last
``{"choices": [], "usage": {...}}`` chunk follows, once per stream (clients such as LangChain sum
the usage of the chunks they merge, so usage on every chunk would be counted many times);
without it no usage is sent. vLLM's ``stream_options.continuous_usage_stats`` (with
``include_usage``) adds the running usage to every chunk as well, as vLLM does.

Tool calls always carry ``index``:

* ``"incremental"`` (OpenAI): per call a delta with ``index``, ``id``, ``type``, ``name`` and
  ``"arguments": ""``, then deltas with only ``index`` and an arguments fragment.
* ``"whole"``: one delta holding every complete call, with ``finish_reason``.

With ``logprobs`` requested, each chunk that carries generated text carries its tokens'
log-probabilities.
"""

from __future__ import annotations

import json
import random
import re
import string
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from nemotron_agents.testing.emulator._model.replies import Reply

__all__ = [
    "ARGUMENT_FRAGMENT",
    "CHARS_PER_TOKEN",
    "DONE",
    "MAX_LOGPROBS",
    "VOCAB_SIZE",
    "WWW_AUTHENTICATE",
    "ApiError",
    "Completion",
    "ErrorReply",
    "IdSource",
    "choice_logprobs",
    "completion_body",
    "completion_tokens",
    "count_tokens",
    "encode_event",
    "generated_texts",
    "nvcf_error",
    "prompt_tokens",
    "schema_error",
    "stream_chunks",
    "token_logprobs",
    "usage",
    "vllm_error",
    "wire_tool_calls",
]

# --- error envelopes ----------------------------------------------------------------------

#: Header NVCF sends with a 401 for a missing or malformed bearer token.
WWW_AUTHENTICATE = 'Bearer error="invalid_token", error_description="Bearer token is malformed"'


class ErrorReply:
    """A complete HTTP error answer.

    Attributes:
        status: HTTP status code.
        body: Bytes to send (may be empty).
        headers: Extra headers (``Content-Type`` included when there is a body).
    """

    def __init__(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


class ApiError(Exception):
    """Raised inside the emulator to answer with an error; carries the finished reply."""

    def __init__(self, reply: ErrorReply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> ErrorReply:
    data = json.dumps(body).encode()
    return ErrorReply(status, data, {"Content-Type": "application/json", **(headers or {})})


def vllm_error(
    message: str,
    *,
    status: int = 400,
    type: str = "BadRequestError",
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> ErrorReply:
    """vLLM's ``{"error": {...}}`` envelope."""
    body = {"error": {"message": message, "type": type, "param": param, "code": status}}
    return _json(status, body, headers)


def nvcf_error(
    status: int, detail: str | None = None, *, headers: dict[str, str] | None = None
) -> ErrorReply:
    """NVCF's ``{"status", "title", "detail"}`` gateway shape (``detail`` left out when None)."""
    body: dict[str, Any] = {"status": status, "title": HTTPStatus(status).phrase}
    if detail is not None:
        body["detail"] = detail
    return _json(status, body, headers)


def _summarize(value: Any) -> Any:
    # vLLM bounds the echoed input the same way: containers are described, not rendered.
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "...[truncated]"
    if isinstance(value, (list, tuple, dict)):
        return f"<{type(value).__name__} of {len(value)} items>"
    return value


def schema_error(errors: list[tuple[str, str, str, Any]]) -> ErrorReply:
    """A 400 for request-schema problems, formatted like vLLM's pydantic error handler.

    Args:
        errors: ``(pydantic error type, dotted location, message, offending input)`` per problem.
    """
    label = "error" if len(errors) == 1 else "errors"
    lines = [f"{len(errors)} validation {label}:"]
    for kind, loc, msg, value in errors[:10]:
        lines.append("  " + str({"type": kind, "loc": loc, "msg": msg, "input": _summarize(value)}))
    return vllm_error("\n".join(lines), type="Bad Request", param=errors[0][1] if errors else None)


# --- token counts and ids -----------------------------------------------------------------

#: Characters per token in the estimate.
CHARS_PER_TOKEN = 4
# Framing tokens per message ([INST], [/INST], role markers...).
_PER_MESSAGE = 4
_ALNUM = string.ascii_letters + string.digits


def count_tokens(text: str) -> int:
    """Estimated tokens in ``text`` (ceil of ``len / 4``; 0 for empty text)."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "".join(
            str(part.get("text", "")) if isinstance(part, Mapping) else str(part)
            for part in content
        )
    return json.dumps(content, ensure_ascii=False)


def prompt_tokens(messages: Iterable[object], tools: Any = None) -> int:
    """Estimated prompt tokens of a chat request (see the module docstring)."""
    total = 0
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        total += _PER_MESSAGE + count_tokens(_content_text(message.get("content")))
        if message.get("tool_calls"):
            total += count_tokens(json.dumps(message["tool_calls"], ensure_ascii=False))
        if message.get("tool_call_id"):
            total += count_tokens(str(message["tool_call_id"]))
    if tools:
        total += count_tokens(json.dumps(tools, ensure_ascii=False))
    return total


def completion_tokens(content: str | None, tool_calls: Iterable[Mapping[str, Any]] = ()) -> int:
    """Estimated tokens of a completion: its text plus the JSON of its tool calls."""
    total = count_tokens(content or "")
    for call in tool_calls:
        fn = call.get("function", {})
        total += count_tokens(str(fn.get("name", ""))) + count_tokens(str(fn.get("arguments", "")))
    return total


def usage(prompt: int, completion: int) -> dict[str, int]:
    """The OpenAI ``usage`` object."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class IdSource:
    """Seeded, thread-safe source of tool-call and completion ids.

    Tool-call ids are nine ASCII letters or digits, like vLLM's ``MistralToolCall`` ids and as
    Mistral's validator demands; the same seed gives the same sequence of ids.

    Args:
        seed: Seed of the random generator.
    """

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)  # noqa: S311 (reproducible ids, not secrets)
        self._lock = threading.Lock()

    def tool_call_id(self) -> str:
        """A new ``^[a-zA-Z0-9]{9}$`` id."""
        with self._lock:
            return "".join(self._rng.choice(_ALNUM) for _ in range(9))

    def completion_id(self) -> str:
        """A new ``chatcmpl-<32 hex>`` id, as vLLM names completions."""
        with self._lock:
            return f"chatcmpl-{self._rng.getrandbits(128):032x}"


# --- log-probabilities --------------------------------------------------------------------

#: vLLM's default ``--max-logprobs``: the most ``top_logprobs`` a request may ask for.
MAX_LOGPROBS = 20
#: Vocabulary size of the Mistral tekken tokenizers (what ``top_logprobs: -1`` asks for).
VOCAB_SIZE = 131_072

_ALTERNATIVES = (
    " the",
    ",",
    ".",
    " a",
    " and",
    " of",
    " to",
    " in",
    "\n",
    " is",
    " that",
    " it",
    " for",
    " on",
    " with",
    " as",
    " was",
    " by",
    " at",
    " or",
    " this",
    ":",
)


def generated_texts(reply: Reply) -> list[str]:
    """The pieces of text the model generated, in order: content, then each call's name and
    arguments."""
    texts = [reply.content] if reply.content else []
    for call in reply.tool_calls:
        texts += [call.name, call.arguments_json()]
    return texts


def _entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode("utf-8"))}


def token_logprobs(text: str, top: int) -> list[dict[str, Any]]:
    """One ``logprobs.content`` entry per token of ``text`` with ``top`` alternatives each."""
    entries = []
    for start in range(0, len(text), CHARS_PER_TOKEN):
        token = text[start : start + CHARS_PER_TOKEN]
        chosen = -round(0.01 + (zlib.crc32(token.encode("utf-8")) % 1000) / 2000, 4)
        others = [alt for alt in _ALTERNATIVES if alt != token][: max(top - 1, 0)]
        ranked = [_entry(token, chosen)] if top > 0 else []
        ranked += [_entry(alt, round(chosen - 1.5 - 0.75 * i, 4)) for i, alt in enumerate(others)]
        entries.append({**_entry(token, chosen), "top_logprobs": ranked})
    return entries


def choice_logprobs(reply: Reply, top: int) -> dict[str, Any]:
    """The ``logprobs`` object of a whole choice."""
    return {
        "content": [entry for text in generated_texts(reply) for entry in token_logprobs(text, top)]
    }


# --- the chat.completion body -------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """Replies ready to send, with what every body needs.

    Attributes:
        replies: One answer per choice (``n`` of them); tool calls carry their final ids.
        model: Model id echoed in ``model``.
        id: ``chatcmpl-…`` id shared by all chunks of a stream.
        created: Unix time.
        prompt_tokens: Estimated prompt tokens.
        empty_choices: Send ``"choices": []`` (the ``empty_choices`` fault).
        logprobs: ``top_logprobs`` per token when ``logprobs`` was requested, else ``None``.
    """

    replies: tuple[Reply, ...]
    model: str
    id: str
    created: int
    prompt_tokens: int
    empty_choices: bool = False
    logprobs: int | None = None

    @property
    def reply(self) -> Reply:
        """The first choice's reply."""
        return self.replies[0]

    def completion_tokens(self) -> int:
        """Estimated tokens generated over every choice."""
        if self.empty_choices:
            return 0
        return sum(completion_tokens(r.content, wire_tool_calls(r)) for r in self.replies)

    def usage(self) -> dict[str, int]:
        """The ``usage`` object of this completion."""
        return usage(self.prompt_tokens, self.completion_tokens())


def wire_tool_calls(reply: Reply) -> list[dict[str, Any]]:
    """Tool calls as they appear in ``message.tool_calls`` (no ``index``: not a stream)."""
    return [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments_json()},
        }
        for call in reply.tool_calls
    ]


def completion_body(done: Completion) -> dict[str, Any]:
    """The ``chat.completion`` object."""
    choices = []
    for index, reply in enumerate(() if done.empty_choices else done.replies):
        message = {
            "role": "assistant",
            "content": reply.content,
            "tool_calls": wire_tool_calls(reply),
        }
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": None
                if done.logprobs is None
                else choice_logprobs(reply, done.logprobs),
                "finish_reason": reply.derived_finish_reason(),
                "stop_reason": reply.stop_reason,
            }
        )
    return {
        "id": done.id,
        "object": "chat.completion",
        "created": done.created,
        "model": done.model,
        "choices": choices,
        "usage": done.usage(),
    }


# --- SSE streams --------------------------------------------------------------------------

#: Characters of arguments JSON per incremental delta.
ARGUMENT_FRAGMENT = 8
#: The terminating SSE event.
DONE = b"data: [DONE]\n\n"

# One event of a choice: its delta, its finish_reason, and the generated text it carries as
# (segment, text) pairs; a segment is one content or tool-call string the usage counts.
_Event = tuple[dict[str, Any], str | None, list[tuple[str, str]]]


def encode_event(chunk: dict[str, Any]) -> bytes:
    """One ``data: {...}`` SSE event."""
    return b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"


def _chunk_envelope(done: Completion, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": done.id,
        "object": "chat.completion.chunk",
        "created": done.created,
        "model": done.model,
        "choices": choices,
    }


def _tool_events(reply: Reply, style: str) -> Iterator[_Event]:
    calls = wire_tool_calls(reply)
    if style == "whole":
        indexed = [{"index": i, **call} for i, call in enumerate(calls)]
        texts = [
            (f"{part}{i}", call["function"][key])
            for i, call in enumerate(calls)
            for part, key in (("name", "name"), ("args", "arguments"))
        ]
        yield {"tool_calls": indexed}, reply.derived_finish_reason(), texts
        return
    for i, call in enumerate(calls):
        name = call["function"]["name"]
        head = {**call, "index": i, "function": {"name": name, "arguments": ""}}
        yield {"tool_calls": [head]}, None, [(f"name{i}", name)]
        args = call["function"]["arguments"]
        for start in range(0, len(args), ARGUMENT_FRAGMENT):
            piece = args[start : start + ARGUMENT_FRAGMENT]
            delta = {"tool_calls": [{"index": i, "function": {"arguments": piece}}]}
            yield delta, None, [(f"args{i}", piece)]
    yield {}, reply.derived_finish_reason(), []


def _choice_events(reply: Reply, style: str) -> Iterator[_Event]:
    yield {"role": "assistant", "content": ""}, None, []
    for piece in re.findall(r"\S+\s*|\s+", reply.content or ""):
        yield {"content": piece}, None, [("content", piece)]
    if reply.tool_calls:
        yield from _tool_events(reply, style)
    else:
        yield {}, reply.derived_finish_reason(), []


def stream_chunks(
    done: Completion, *, style: str, include_usage: bool, continuous_usage: bool = False
) -> Iterator[dict[str, Any]]:
    """The chunk objects of a streamed completion, in order (``[DONE]`` not included).

    Args:
        done: The completion.
        style: ``"incremental"`` or ``"whole"`` tool-call deltas.
        include_usage: End with a ``choices: []`` usage chunk.
        continuous_usage: With ``include_usage``, put the running usage on every chunk too.
    """
    running = continuous_usage and include_usage
    streamed: dict[tuple[int, str], int] = {}  # characters sent per (choice, segment)

    def so_far() -> dict[str, int]:
        # Rounded up per segment as count_tokens does, so the last equals done.usage().
        return usage(
            done.prompt_tokens, sum(-(-chars // CHARS_PER_TOKEN) for chars in streamed.values())
        )

    if done.empty_choices:
        chunk = _chunk_envelope(done, [])
        yield {**chunk, "usage": so_far()} if running else chunk
    else:
        for index, reply in enumerate(done.replies):
            for delta, finish, texts in _choice_events(reply, style):
                choice: dict[str, Any] = {
                    "index": index,
                    "delta": delta,
                    "logprobs": None,
                    "finish_reason": finish,
                }
                if finish is not None:
                    choice["stop_reason"] = reply.stop_reason
                if done.logprobs is not None and texts:
                    choice["logprobs"] = {
                        "content": [
                            e for _, text in texts for e in token_logprobs(text, done.logprobs)
                        ]
                    }
                for segment, text in texts:
                    streamed[index, segment] = streamed.get((index, segment), 0) + len(text)
                chunk = _chunk_envelope(done, [choice])
                yield {**chunk, "usage": so_far()} if running else chunk
    if include_usage:
        yield {**_chunk_envelope(done, []), "usage": done.usage()}

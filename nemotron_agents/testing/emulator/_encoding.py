"""Server-sent-event streams of a completion, in both tool-call styles.

Per choice (``n`` of them, one after the other, each chunk carrying its choice's ``index``), a
stream starts with a ``{"role": "assistant", "content": ""}`` delta, sends the text in
word-sized pieces, then the tool calls, then a chunk with ``finish_reason`` (and vLLM's
``stop_reason``). ``data: [DONE]`` ends it.

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
log-probabilities (see :mod:`.logprobs`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from nemotron_agents.testing.emulator._model.replies import Reply
from nemotron_agents.testing.emulator.logprobs import token_logprobs
from nemotron_agents.testing.emulator.responses import Completion, wire_tool_calls
from nemotron_agents.testing.emulator.tokens import CHARS_PER_TOKEN, usage

__all__ = ["ARGUMENT_FRAGMENT", "DONE", "encode_event", "stream_chunks"]

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


def _envelope(done: Completion, choices: list[dict[str, Any]]) -> dict[str, Any]:
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
        chunk = _envelope(done, [])
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
                chunk = _envelope(done, [choice])
                yield {**chunk, "usage": so_far()} if running else chunk
    if include_usage:
        yield {**_envelope(done, []), "usage": done.usage()}

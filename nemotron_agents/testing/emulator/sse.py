"""Server-sent-event streams of a completion, in both tool-call styles.

Every stream starts with a ``{"role": "assistant", "content": ""}`` delta, sends the text in
word-sized pieces, then the tool calls, then a chunk with ``finish_reason``; with
``stream_options.include_usage`` a last ``{"choices": [], "usage": {...}}`` chunk follows (usage is
sent once, never per chunk, so clients that sum chunks count it once); ``data: [DONE]`` ends it.

Tool calls always carry ``index``:

* ``"incremental"`` (OpenAI): per call a delta with ``index``, ``id``, ``type``, ``name`` and
  ``"arguments": ""``, then deltas with only ``index`` and an arguments fragment.
* ``"whole"``: one delta holding every complete call, with ``finish_reason: "tool_calls"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from nemotron_agents.testing.emulator.responses import Completion, wire_tool_calls

__all__ = ["ARGUMENT_FRAGMENT", "stream_chunks", "encode_event", "DONE"]

#: Characters of arguments JSON per incremental delta.
ARGUMENT_FRAGMENT = 8
#: The terminating SSE event.
DONE = b"data: [DONE]\n\n"


def encode_event(chunk: dict[str, Any]) -> bytes:
    """One ``data: {...}`` SSE event."""
    return b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"


def _chunk(done: Completion, delta: dict[str, Any] | None, finish: str | None = None) -> dict[str, Any]:
    choices = (
        [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    )
    return {
        "id": done.id,
        "object": "chat.completion.chunk",
        "created": done.created,
        "model": done.model,
        "choices": choices,
    }


def _tool_deltas(done: Completion, style: str) -> Iterator[dict[str, Any]]:
    calls = wire_tool_calls(done.reply)
    if style == "whole":
        indexed = [{"index": i, **call} for i, call in enumerate(calls)]
        yield _chunk(done, {"tool_calls": indexed}, done.reply.derived_finish_reason())
        return
    for i, call in enumerate(calls):
        head = {**call, "index": i, "function": {"name": call["function"]["name"], "arguments": ""}}
        yield _chunk(done, {"tool_calls": [head]})
        args = call["function"]["arguments"]
        for start in range(0, len(args), ARGUMENT_FRAGMENT):
            piece = args[start : start + ARGUMENT_FRAGMENT]
            yield _chunk(done, {"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
    yield _chunk(done, {}, done.reply.derived_finish_reason())


def stream_chunks(done: Completion, *, style: str, include_usage: bool) -> Iterator[dict[str, Any]]:
    """The chunk objects of a streamed completion, in order (``[DONE]`` not included)."""
    if done.empty_choices:
        yield _chunk(done, None)
    else:
        yield _chunk(done, {"role": "assistant", "content": ""})
        for piece in re.findall(r"\S+\s*|\s+", done.reply.content or ""):
            yield _chunk(done, {"content": piece})
        if done.reply.tool_calls:
            yield from _tool_deltas(done, style)
        else:
            yield _chunk(done, {}, done.reply.derived_finish_reason())
    if include_usage:
        yield {**_chunk(done, None), "usage": done.usage()}

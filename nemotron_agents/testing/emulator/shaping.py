"""Last touches to a reply before it is sent: ``stop``, the token limit, and the
reply-corrupting faults.

``stop`` and ``max_tokens`` act as on a model generating the text in order (content, then each
tool call's name and arguments; see :mod:`.tokens` for the estimate):

* ``stop``: the content is cut before the first stop string, which is not included (unless
  vLLM's ``include_stop_str_in_output`` is set), as vLLM does; ``finish_reason`` is ``"stop"``
  and ``stop_reason`` names the string. Nothing after it is generated, so no tool calls
  follow. Stop strings are looked for in the content only.
* ``max_tokens``: generation ends after that many tokens, in the content or in a tool call;
  ``finish_reason`` is ``"length"``. A call cut short keeps its name and a prefix of its
  arguments, which is not valid JSON; calls not begun are dropped. This is what OpenAI-style
  servers send for a cut-off call (vLLM's Mistral parser may instead return the raw text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from nemotron_agents.testing.emulator._model.replies import Reply, ToolCall
from nemotron_agents.testing.emulator.faults import Fault
from nemotron_agents.testing.emulator.tokens import CHARS_PER_TOKEN, count_tokens

__all__ = ["corrupt", "cut_output"]


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

"""Last touches to a reply before it is sent: the token limit and the reply-corrupting faults."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from nemotron_agents.testing.emulator.faults import Fault
from nemotron_agents.testing.emulator.replies import Reply, ToolCall
from nemotron_agents.testing.emulator.tokens import CHARS_PER_TOKEN, count_tokens

__all__ = ["limit_tokens", "corrupt"]


def limit_tokens(reply: Reply, max_tokens: int | None) -> Reply:
    """Cut text past ``max_tokens`` (estimated) and report ``finish_reason="length"``."""
    if not max_tokens or not reply.content or reply.tool_calls or reply.finish_reason:
        return reply
    if count_tokens(reply.content) <= max_tokens:
        return reply
    return dataclasses.replace(
        reply, content=reply.content[: max_tokens * CHARS_PER_TOKEN], finish_reason="length"
    )


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

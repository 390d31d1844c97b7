"""Successful chat-completion bodies (non-streaming), vLLM's field set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nemotron_agents.testing.emulator.replies import Reply
from nemotron_agents.testing.emulator.tokens import completion_tokens, usage

__all__ = ["Completion", "wire_tool_calls", "completion_body"]


@dataclass(frozen=True)
class Completion:
    """A reply ready to send, with what every body needs.

    Attributes:
        reply: The answer (tool calls carry their final ids).
        model: Model id echoed in ``model``.
        id: ``chatcmpl-…`` id shared by all chunks of a stream.
        created: Unix time.
        prompt_tokens: Estimated prompt tokens.
        empty_choices: Send ``"choices": []`` (the ``empty_choices`` fault).
    """

    reply: Reply
    model: str
    id: str
    created: int
    prompt_tokens: int
    empty_choices: bool = False

    def usage(self) -> dict[str, int]:
        """The ``usage`` object of this completion."""
        if self.empty_choices:
            return usage(self.prompt_tokens, 0)
        calls = wire_tool_calls(self.reply)
        return usage(self.prompt_tokens, completion_tokens(self.reply.content, calls))


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
    if not done.empty_choices:
        message = {
            "role": "assistant",
            "content": done.reply.content,
            "tool_calls": wire_tool_calls(done.reply),
        }
        choices.append(
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": done.reply.derived_finish_reason(),
                "stop_reason": None,
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

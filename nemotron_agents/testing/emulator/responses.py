"""Successful chat-completion bodies (non-streaming), vLLM's field set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nemotron_agents.testing.emulator._model.replies import Reply
from nemotron_agents.testing.emulator.logprobs import choice_logprobs
from nemotron_agents.testing.emulator.tokens import completion_tokens, usage

__all__ = ["Completion", "completion_body", "wire_tool_calls"]


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

"""Token estimates and identifiers.

The emulator has no tokenizer. It estimates tokens as **one token per four characters**
(rounded up) of every piece of text a Mistral prompt would contain: each message's content, the
JSON of its tool calls and its ``tool_call_id``, plus four tokens of framing per message, plus the
JSON of the offered tools. Completions count their content and the JSON of their tool calls the
same way. Good enough for ``usage`` numbers that grow with the input and for the context-window
check; not a billing-accurate count.
"""

from __future__ import annotations

import json
import random
import string
import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "CHARS_PER_TOKEN",
    "IdSource",
    "completion_tokens",
    "count_tokens",
    "prompt_tokens",
    "usage",
]

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


def prompt_tokens(messages: Iterable[Mapping[str, Any]], tools: Any = None) -> int:
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

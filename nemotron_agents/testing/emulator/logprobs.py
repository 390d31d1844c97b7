"""Token log-probabilities in the OpenAI / vLLM ``logprobs`` shape, made up but consistent.

The emulator has no model, so the numbers are invented: each "token" is a four-character piece
of the generated text (the same estimate as :mod:`.tokens`), its log-probability a deterministic
value in ``[-0.51, -0.01]`` derived from the piece, and ``top_logprobs`` the piece itself (the
most likely, as in greedy decoding) followed by common alternatives, each less likely than the
last. The generated text is the content, then each tool call's name and arguments (what the
completion tokens in ``usage`` count). Enough for clients that parse or display logprobs; no
meaning beyond that.
"""

from __future__ import annotations

import zlib
from typing import Any

from nemotron_agents.testing.emulator._model.replies import Reply
from nemotron_agents.testing.emulator.tokens import CHARS_PER_TOKEN

__all__ = ["MAX_LOGPROBS", "VOCAB_SIZE", "choice_logprobs", "generated_texts", "token_logprobs"]

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

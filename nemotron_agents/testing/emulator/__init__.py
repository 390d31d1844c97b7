"""An offline NVIDIA NIM for Mistral-Nemotron and Mistral-NeMo 12B, for tests and demos.

:class:`NIMEmulator` is a real HTTP server on 127.0.0.1 that speaks NIM's OpenAI-compatible
chat-completions API, refuses what a vLLM-served Mistral NIM refuses (with the same error
bodies), streams both tool-call delta styles, and injects faults on demand. Point
``ChatNVIDIA(base_url=emu.base_url, ...)`` or ``openai.OpenAI(base_url=emu.base_url, ...)`` at it.

Needs the ``emulator`` extra (``mistral-common``) for Mistral's conversation rules.

The modules, in the order a request goes through them:

* :mod:`.server`: :class:`NIMEmulator` (start, stop, script, inject) and :func:`run_emulator`
  (``python -m`` and ``nemotron-agents emulator``).
* :mod:`._http`: the threaded HTTP server and its handler: reads the request, records it,
  routes it, writes the JSON or SSE answer, drops connections on purpose.
* :mod:`._engine`: the endpoint without HTTP, in a real endpoint's order: the key and
  gateway errors, pending faults, then the rules, the model's reply and its last touches
  (``stop``, ``max_tokens``, reply faults).
* :mod:`._request_rules`: what the endpoint refuses: body, schema, Mistral's conversation rules,
  context window, sampling parameters.
* :mod:`._policies`: how the model decides what to answer (``"auto"``, ``"scripted"``,
  callables), with :mod:`.offline`, the offline policy's reader of requests.
* :mod:`._model`: what the models are and answer, shared by everything above:
  :mod:`._model.catalog` (the served models), :mod:`._model.replies` (:class:`Reply`,
  :class:`ToolCall`, queued scripts), :mod:`._model.schema_values` (JSON values for a schema).
* :mod:`._encoding`: how the answer is written: error envelopes, token counts and ids,
  log-probabilities, the ``chat.completion`` body and SSE chunks.
* :mod:`.faults` (what :meth:`NIMEmulator.inject` can do) and :mod:`.recording` (what
  :attr:`NIMEmulator.requests` holds).
"""

from nemotron_agents.testing.emulator._model.catalog import (
    DEFAULT_MODELS,
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    ModelConfig,
)
from nemotron_agents.testing.emulator._model.replies import Reply, ReplyLike, ToolCall
from nemotron_agents.testing.emulator.faults import FAULT_KINDS, Fault
from nemotron_agents.testing.emulator.recording import RecordedRequest
from nemotron_agents.testing.emulator.server import NIMEmulator, run_emulator

__all__ = [
    "DEFAULT_MODELS",
    "FAULT_KINDS",
    "MISTRAL_NEMOTRON",
    "MISTRAL_NEMO_12B",
    "Fault",
    "ModelConfig",
    "NIMEmulator",
    "RecordedRequest",
    "Reply",
    "ReplyLike",
    "ToolCall",
    "run_emulator",
]

"""An offline NVIDIA NIM for Mistral-Nemotron and Mistral-NeMo 12B, for tests and demos.

:class:`NIMEmulator` is a real HTTP server on 127.0.0.1 that speaks NIM's OpenAI-compatible
chat-completions API, refuses what a vLLM-served Mistral NIM refuses (with the same error
bodies), streams both tool-call delta styles, and injects faults on demand. Point
``ChatNVIDIA(base_url=emu.base_url, ...)`` or ``openai.OpenAI(base_url=emu.base_url, ...)`` at it.

Needs the ``emulator`` extra (``mistral-common``) for Mistral's conversation rules.
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
from nemotron_agents.testing.emulator.serve import run_emulator
from nemotron_agents.testing.emulator.server import NIMEmulator

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

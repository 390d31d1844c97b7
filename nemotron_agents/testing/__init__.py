"""Offline testing utilities: a scripted chat model and a local NIM emulator.

Nothing in the library imports this package; tests and the CLI's ``--offline`` mode do.
"""

from nemotron_agents.testing.emulator import NIMEmulator
from nemotron_agents.testing.scripted import ScriptedChatModel, ScriptExhaustedError, tool_call

__all__ = ["NIMEmulator", "ScriptExhaustedError", "ScriptedChatModel", "tool_call"]

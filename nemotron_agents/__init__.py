"""nemotron-agents: tool-calling LangGraph agents for Mistral-Nemotron on NVIDIA NIM."""

from nemotron_agents.errors import *  # noqa: F403
from nemotron_agents.errors import __all__ as _errors_all
from nemotron_agents.settings import Settings

__all__ = ["Settings", *_errors_all]

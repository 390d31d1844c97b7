"""nemotron-agents: tool-calling LangGraph agents for Mistral-Nemotron on NVIDIA NIM.

The public face: ``tool`` and ``ToolRegistry`` to declare tools, ``build_agent`` to run them,
``Settings`` for endpoint and sampling, and the error classes. Testing helpers live in
``nemotron_agents.testing``; example graphs in ``nemotron_agents.graphs``.
"""

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import *  # noqa: F403
from nemotron_agents.errors import __all__ as _errors_all
from nemotron_agents.settings import Settings
from nemotron_agents.tools import Tool, ToolRegistry, from_json_schema, tool

__all__ = [
    "tool",
    "Tool",
    "ToolRegistry",
    "from_json_schema",
    "build_agent",
    "Settings",
    *_errors_all,
]

"""The reusable tool-calling state machine and its nodes."""

from nemotron_agents.agents._run_models import ChainSelector, pick_chain
from nemotron_agents.agents.build import build_agent
from nemotron_agents.agents.context import AgentContext
from nemotron_agents.agents.state import (
    AgentState,
    InputState,
    ModelTurn,
    OutputState,
    merge_messages,
)

__all__ = [
    "AgentContext",
    "AgentState",
    "ChainSelector",
    "InputState",
    "ModelTurn",
    "OutputState",
    "build_agent",
    "merge_messages",
    "pick_chain",
]

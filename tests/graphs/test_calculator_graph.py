"""The calculator graph answers with its exact tools, and refuses code."""

from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents.graphs.calculator import build_graph
from nemotron_agents.testing import ScriptedChatModel, tool_call




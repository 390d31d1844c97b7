"""Calculator agent: safe arithmetic, percentages and unit conversion.

The generic tool loop of :func:`~nemotron_agents.agents.build_agent`: the model calls exact tools
(no ``eval``) and answers with the result. Start here to write your own graph: one ``SPEC``, one
``build_graph``, ``make_graph`` for ``langgraph.json`` and the ``__getattr__`` giving ``graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from nemotron_agents.agents import (
    AgentContext,
    AgentState,
    InputState,
    OutputState,
    build_agent,
)
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.settings import Settings
from nemotron_agents.tools import Tool, ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

__all__ = ["DESCRIPTION", "SPEC", "SYSTEM_PROMPT", "TOOLS", "build_graph", "make_graph"]

TOOLS = ToolRegistry(CALCULATOR_TOOLS)
DESCRIPTION = "Arithmetic, percentages and unit conversion with exact tools (no eval)."

SYSTEM_PROMPT = (
    "You are a careful calculator assistant. Never do arithmetic in your head: use the "
    "`calculate` tool for expressions, `percentage` for percentages and `convert_units` for "
    "units, then answer in one or two sentences with the result and its unit."
)


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 10,
    extra_tools: Sequence[Tool] = (),
) -> CompiledStateGraph[AgentState, AgentContext, InputState, OutputState]:
    """The calculator agent graph.

    Args:
        model: Chat model; Mistral-Nemotron from settings when ``None``.
        fallback_model: Fallback model; Mistral-NeMo 12B when ``None`` (see ``build_agent``).
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most model calls per question.
        extra_tools: Tools offered beside the calculator's own (e.g. MCP servers' tools).
    """
    return build_agent(
        model=model,
        tools=[*TOOLS, *extra_tools],
        fallback_model=fallback_model,
        system_prompt=SYSTEM_PROMPT,
        max_steps=max_steps,
        checkpointer=checkpointer,
        settings=settings,
        name="calculator",
    )


SPEC = GraphSpec(
    name="calculator",
    description=DESCRIPTION,
    tools=TOOLS,
    build=build_graph,
    example="What is 15% of 240?",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

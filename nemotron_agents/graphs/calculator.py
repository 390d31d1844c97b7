"""Calculator agent: safe arithmetic, percentages and unit conversion.

Exported for ``langgraph.json`` as ``graph`` (no checkpointer: ``langgraph dev`` brings its own).
Build your own variant with :func:`build_graph`.
"""

from __future__ import annotations

from typing import Any

from nemotron_agents.agents import build_agent
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

__all__ = ["build_graph", "graph", "TOOLS", "SYSTEM_PROMPT", "DESCRIPTION"]

TOOLS = ToolRegistry(CALCULATOR_TOOLS)
DESCRIPTION = "Arithmetic, percentages and unit conversion with exact tools (no eval)."

SYSTEM_PROMPT = (
    "You are a careful calculator assistant. Never do arithmetic in your head: use the "
    "`calculate` tool for expressions, `percentage` for percentages and `convert_units` for "
    "units, then answer in one or two sentences with the result and its unit."
)


def build_graph(
    *,
    model: Any = None,
    fallback_model: Any = None,
    settings: Settings | None = None,
    checkpointer: Any = None,
    max_steps: int = 10,
) -> Any:
    """The calculator agent graph.

    Args:
        model: Chat model; Mistral-Nemotron from settings when ``None``.
        fallback_model: Fallback model; Mistral-NeMo 12B when ``None`` (see ``build_agent``).
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most model calls per question.
    """
    return build_agent(
        model=model,
        tools=TOOLS,
        fallback_model=fallback_model,
        system_prompt=SYSTEM_PROMPT,
        max_steps=max_steps,
        checkpointer=checkpointer,
        settings=settings,
        name="calculator",
    )


graph = build_graph()

"""SQL analyst: answers questions about the example shop's data with read-only SQL.

The tool loop of :func:`~nemotron_agents.agents.build_agent` over three generic SQL tools
(:func:`~nemotron_agents.tools.builtin.sql.sql_tools`): the model looks at the schema
(``list_tables``, ``describe_table``), then queries (``run_query``), and answers from the rows.
What it shows is safety by construction: the model writes SQL, and SQLite itself keeps it
read-only (read-only file, an authorizer allowing only reads, a time and row limit), so a bad or
hostile query comes back to the model as an error it can correct, never as a change.

The database is the bundled shop (:mod:`nemotron_agents.graphs.shop_db`), or the file named by
``NEMOTRON_SHOP_DB`` / ``db_path=``.
"""

from __future__ import annotations

import os
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
from nemotron_agents.graphs.shop_db import shop_db_path
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.settings import Settings
from nemotron_agents.tools import Tool, ToolRegistry
from nemotron_agents.tools.builtin.sql import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, sql_tools

__all__ = ["DESCRIPTION", "SPEC", "SYSTEM_PROMPT", "build_graph", "make_graph", "tools"]

DESCRIPTION = "Answers questions about a shop's customers, orders and refunds with read-only SQL."

SYSTEM_PROMPT = (
    "You are a data analyst answering questions about an online shop's SQLite database.\n"
    "1. Look at the schema first: call `list_tables`, then `describe_table` for each table you "
    "need. Never guess table or column names.\n"
    "2. Answer with `run_query`: one read-only SELECT per call, in SQLite's dialect. Let SQL do "
    "the work (COUNT, SUM, AVG, GROUP BY, ORDER BY ... LIMIT) instead of reading many rows. If "
    "a query fails, read the error, fix the query and try again.\n"
    "3. Money is stored in integer cents (divide by 100.0 for euros); revenue is "
    "quantity * unit_price_cents from order_items. Dates are ISO text (YYYY-MM-DD): compare "
    "them as strings or use strftime('%Y-%m', placed). Cancelled and returned orders are not "
    "sales unless the question says so; refunds are in `refunds`.\n"
    "4. Answer in a few sentences with the numbers from the results; say which query "
    "they came from if it helps, and never invent data the results do not show."
)


def tools(
    db_path: str | os.PathLike[str] | None = None,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> ToolRegistry:
    """The graph's tools over ``db_path``, or over the shop database found on first use.

    Args:
        db_path: SQLite file to query; ``None`` means :func:`shop_db_path` (``NEMOTRON_SHOP_DB``
            or the bundled copy), resolved when a tool first runs.
        max_rows: Most rows a query result shows.
        timeout_s: Seconds a query may run.
    """
    return ToolRegistry(sql_tools(db_path or shop_db_path, max_rows=max_rows, timeout_s=timeout_s))


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 12,
    db_path: str | os.PathLike[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    extra_tools: Sequence[Tool] = (),
) -> CompiledStateGraph[AgentState, AgentContext, InputState, OutputState]:
    """The SQL analyst agent graph.

    Args:
        model: Chat model; Mistral-Nemotron from settings when ``None``.
        fallback_model: Fallback model; Mistral-NeMo 12B when ``None`` (see ``build_agent``).
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most model calls per question (schema look-ups count).
        db_path: SQLite file to query; ``None`` means ``NEMOTRON_SHOP_DB`` or the bundled shop
            database (built on first use).
        max_rows: Most rows a query result shows the model.
        timeout_s: Seconds a query may run before it is stopped.
        extra_tools: Tools offered beside the SQL tools (e.g. MCP servers' tools).

    Raises:
        ConfigError: ``NEMOTRON_SHOP_DB`` or ``db_path`` names no existing file.
    """
    # Resolve now, so a wrong NEMOTRON_SHOP_DB fails here rather than in the model's first call.
    path = db_path if db_path is not None else shop_db_path()
    return build_agent(
        model=model,
        tools=[*tools(path, max_rows=max_rows, timeout_s=timeout_s), *extra_tools],
        fallback_model=fallback_model,
        system_prompt=SYSTEM_PROMPT,
        max_steps=max_steps,
        checkpointer=checkpointer,
        settings=settings,
        name="sql_analyst",
    )


SPEC = GraphSpec(
    name="sql_analyst",
    description=DESCRIPTION,
    tools=tools,
    build=build_graph,
    example="Which product category brought in the most revenue in 2025?",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

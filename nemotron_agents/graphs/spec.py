"""``GraphSpec``: the one declaration each example graph makes.

A graph module declares ``SPEC = GraphSpec(...)`` and nothing else is hand-kept: the package finds
the specs (``nemotron_agents.graphs.GRAPHS``), the CLI lists graphs and their tools from them
without building anything, and a test keeps ``langgraph.json`` equal to them. Importing a graph
module costs no settings and no client: its ``graph`` attribute is built on first access
(:func:`lazy_graph`), and ``langgraph.json`` points at its async ``make_graph`` factory, which
LangGraph's server calls instead (it reads module variables directly, so it cannot use a lazy
attribute; and it runs factories on its event loop, so the first build goes to a thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nemotron_agents.agents.context import AgentContext
from nemotron_agents.tools import ToolRegistry

__all__ = ["GraphSpec", "lazy_graph"]


@dataclass(frozen=True, kw_only=True)
class GraphSpec:
    """What a graph is, for the CLI, Studio and the docs.

    Attributes:
        name: Name on the command line and in ``langgraph.json`` (a graph id in Studio).
        description: One line for ``nemotron-agents list``.
        tools: The tools the graph's models may call (every agent's, for multi-agent graphs), or
            a function returning them; listed by ``nemotron-agents tools``.
        build: ``build(*, model=None, fallback_model=None, settings=None, checkpointer=None,
            max_steps=...)`` returning the compiled graph; building needs no key.
        example: A prompt that shows what the graph is for (README, ``list``).
        context_schema: The run-time context Studio shows as a form.
    """

    name: str
    description: str
    tools: ToolRegistry | Callable[[], ToolRegistry]
    build: Callable[..., Any]
    example: str
    context_schema: type = AgentContext

    def registry(self) -> ToolRegistry:
        """The graph's tools, without building the graph."""
        return self.tools if isinstance(self.tools, ToolRegistry) else self.tools()

    def compiled(self) -> Any:
        """The graph as ``langgraph.json`` serves it: built once, without a checkpointer
        (``langgraph dev`` and LangGraph Server bring their own)."""
        if self.name not in _BUILT:
            _BUILT[self.name] = self.build()
        return _BUILT[self.name]

    async def acompiled(self) -> Any:
        """:meth:`compiled` for the server's async factory: a first build runs in a worker
        thread, because it may touch files (a database built on first use, an index) and
        LangGraph's dev server refuses blocking calls on its event loop."""
        if self.name in _BUILT:
            return _BUILT[self.name]
        return await asyncio.to_thread(self.compiled)


_BUILT: dict[str, Any] = {}


def lazy_graph(spec: GraphSpec, attribute: str, module: str) -> Any:
    """Module ``__getattr__`` body: ``graph`` is :meth:`GraphSpec.compiled`, built on first access.

    Args:
        spec: The module's spec.
        attribute: The attribute asked for.
        module: The module's ``__name__``, for the error message.

    Raises:
        AttributeError: For any attribute but ``graph``.
    """
    if attribute != "graph":
        raise AttributeError(f"module {module!r} has no attribute {attribute!r}")
    return spec.compiled()

"""``GraphSpec``: the one declaration each example graph makes.

A graph module declares ``SPEC = GraphSpec(...)`` and nothing else is hand-kept: the package finds
the specs (``nemotron_agents.graphs.GRAPHS``), the CLI lists graphs and their tools from them
without building anything, and a test keeps ``langgraph.json`` equal to them. Importing a graph
module costs no settings and no client: its ``graph`` attribute is built on first access
(:func:`lazy_graph`), and ``langgraph.json`` points at its async ``make_graph`` factory, which
LangGraph's server calls instead (it reads module variables directly, so it cannot use a lazy
attribute; and it runs factories on its event loop, so the first build goes to a thread).

A graph whose ``build`` takes ``extra_tools=`` offers those tools beside its own: the CLI's
``--mcp`` passes MCP servers' tools there, and so does :meth:`GraphSpec.compiled` when
``NEMOTRON_MCP_CONFIG`` names a config file (Studio has no command line to pass it on).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias

from langchain_core.language_models import BaseChatModel
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from nemotron_agents.agents.context import AgentContext
from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV, MCPToolset, shared_toolset

__all__ = ["GRAPHS", "CompiledGraph", "GraphBuilder", "GraphSpec", "lazy_graph"]

logger = logging.getLogger(__name__)

#: A compiled example graph; each has its own state, context, input and output schemas.
CompiledGraph: TypeAlias = CompiledStateGraph[Any, Any, Any, Any]


class GraphBuilder(Protocol):
    """A graph module's ``build_graph``: the options every graph takes, keyword-only.

    A graph may take more (``db_path=``, ``extra_tools=``…), each with a default.
    """

    def __call__(
        self,
        *,
        model: BaseChatModel | None = ...,
        fallback_model: BaseChatModel | Literal[False] | None = ...,
        settings: Settings | None = ...,
        checkpointer: Checkpointer | None = ...,
        max_steps: int = ...,
    ) -> CompiledGraph: ...


@dataclass(frozen=True, kw_only=True)
class GraphSpec:
    """What a graph is, for the CLI, Studio and the docs.

    Attributes:
        name: Name on the command line and in ``langgraph.json`` (a graph id in Studio).
        description: One line for ``nemotron-agents list``.
        tools: The tools the graph's models may call (every agent's, for multi-agent graphs), or
            a function returning them; listed by ``nemotron-agents tools``.
        build: ``build(*, model=None, fallback_model=None, settings=None, checkpointer=None,
            max_steps=...)`` returning the compiled graph; building needs no key. It may take
            ``extra_tools=`` too: tools offered beside the graph's own (see
            :meth:`takes_extra_tools`).
        example: A prompt that shows what the graph is for (README, ``list``).
        context_schema: The run-time context Studio shows as a form.
    """

    name: str
    description: str
    tools: ToolRegistry | Callable[[], ToolRegistry]
    build: GraphBuilder
    example: str
    context_schema: type = AgentContext

    def registry(self) -> ToolRegistry:
        """The graph's tools, without building the graph."""
        return self.tools if isinstance(self.tools, ToolRegistry) else self.tools()

    def takes_extra_tools(self, *, required: bool = False) -> bool:
        """Whether ``build`` takes ``extra_tools=`` (so MCP servers' tools can join its own).

        Args:
            required: Raise instead of returning ``False``.

        Raises:
            ConfigError: ``required`` and it does not; the message names the graphs that do.
        """
        takes = "extra_tools" in inspect.signature(self.build).parameters
        if required and not takes:
            able = sorted(name for name, spec in GRAPHS.items() if spec.takes_extra_tools())
            raise ConfigError(
                f"Graph {self.name!r} cannot take MCP tools; graphs that can: {', '.join(able)}."
            )
        return takes

    def mcp_options(self, toolset: MCPToolset | None) -> dict[str, Any]:
        """The ``build`` options adding ``toolset``'s tools to the graph's own.

        Args:
            toolset: An open toolset, or ``None`` for no MCP tools.

        Returns:
            ``{"extra_tools": [...]}``, the tools named so none clashes with the graph's own; ``{}``
            when ``toolset`` is ``None``.

        Raises:
            ConfigError: The graph does not take extra tools; the message names those that do.
        """
        if toolset is None:
            return {}
        self.takes_extra_tools(required=True)
        return {"extra_tools": toolset.tools(taken=self.registry().names())}

    def compiled(self) -> CompiledGraph:
        """The graph as ``langgraph.json`` serves it: built once, without a checkpointer
        (``langgraph dev`` and LangGraph Server bring their own), with the tools of the MCP
        servers in ``NEMOTRON_MCP_CONFIG`` when it is set and the graph takes extra tools."""
        if self.name not in _BUILT:
            options: dict[str, Any] = {}
            if os.environ.get(MCP_CONFIG_ENV, "").strip():
                if self.takes_extra_tools():
                    options = self.mcp_options(shared_toolset())
                else:
                    logger.warning(
                        "%s is set, but graph %r takes no extra tools", MCP_CONFIG_ENV, self.name
                    )
            _BUILT[self.name] = self.build(**options)
        return _BUILT[self.name]

    async def acompiled(self) -> CompiledGraph:
        """:meth:`compiled` for the server's async factory: a first build runs in a worker
        thread, because it may touch files (a database built on first use, an index) and
        LangGraph's dev server refuses blocking calls on its event loop."""
        if self.name in _BUILT:
            return _BUILT[self.name]
        return await asyncio.to_thread(self.compiled)


_BUILT: dict[str, CompiledGraph] = {}

#: Graph name -> spec, for every graph module of the package: filled by the package when it is
#: imported (it imports this module, so this module reads the table rather than import it).
GRAPHS: dict[str, GraphSpec] = {}


def lazy_graph(spec: GraphSpec, attribute: str, module: str) -> CompiledGraph:
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

"""``MCPToolset``: the tools of the MCP servers in a config, as registry tools.

```python
with MCPToolset("mcp.json") as mcp:
    agent = build_agent(tools=[*CALCULATOR_TOOLS, *mcp])
    agent.invoke({"messages": [HumanMessage("What time is it in Tokyo?")]})
# every server process is stopped here
```

Each MCP tool becomes a :class:`~nemotron_agents.tools.Tool` whose JSON Schema the registry
checks (a bad argument goes back to the model naming the field, before the server is called),
whose name is one NIM accepts, and whose function calls the server. A tool name found on two
servers, or in ``taken``, is prefixed with its server's name on both (``git_status`` of servers
``a`` and ``b`` becomes ``a_git_status`` and ``b_git_status``).

A server that cannot start when the toolset opens contributes no tools and is named in
:attr:`MCPToolset.errors`; the others work. Sessions close with the toolset (:meth:`close`, the
``with`` block, or the process's exit).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections import Counter
from collections.abc import Coroutine, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from nemotron_agents.errors import ConfigError, ToolDefinitionError, ToolExecutionError
from nemotron_agents.tools.base import Tool
from nemotron_agents.tools.mcp.config import (
    MCP_CONFIG_ENV,
    MCPConfig,
    MCPServerConfig,
    load_mcp_config,
)
from nemotron_agents.tools.names import wire_name
from nemotron_agents.tools.schema import schema_model

if TYPE_CHECKING:
    from mcp import types

    from nemotron_agents.tools.mcp._connection import ServerConnection
    from nemotron_agents.tools.mcp._loop import LoopThread

__all__ = ["CLOSED", "MISSING_EXTRA", "MCPToolset", "shared_toolset"]

MISSING_EXTRA = "MCP support needs the optional 'mcp' package: pip install 'nemotron-agents[mcp]'"
CLOSED = (
    "The MCP tools of server '{server}' are closed (the run that opened them has ended), so "
    "tool '{tool}' cannot run."
)
_MARGIN = 15.0  # seconds a blocked caller waits beyond the server's own limits

_OPEN: set[MCPToolset] = set()  # strong references: an open toolset is a live resource


@atexit.register
def _close_all() -> None:  # no orphan server processes, whatever the caller forgot
    for toolset in list(_OPEN):
        toolset.close()


class MCPToolset:
    """Connections to MCP servers and their tools; a context manager (sync and async).

    Attributes:
        config: The servers, as read by :func:`load_mcp_config`.
        errors: Server name (or ``server.tool``) -> why it gives no tools, for the user.
    """

    def __init__(self, config: str | os.PathLike[str] | Mapping[str, Any] | MCPConfig) -> None:
        """Read the config; nothing starts before :meth:`open`.

        Args:
            config: A JSON file's path, its parsed mapping, or an :class:`MCPConfig`.

        Raises:
            ConfigError: The config is malformed (see :func:`load_mcp_config`).
        """
        self.config = load_mcp_config(config)
        self.errors: dict[str, str] = {}
        self._loop: LoopThread | None = None
        self._connections: dict[str, ServerConnection] = {}
        self._listed: dict[str, list[types.Tool]] = {}
        self._built: dict[tuple[str, str, str], Tool] = {}
        self._guard = threading.RLock()  # open() calls close() when opening fails

    # --- lifecycle --------------------------------------------------------------------------

    def open(self) -> MCPToolset:
        """Start every server and list its tools (servers start concurrently). Idempotent.

        Returns:
            ``self``.

        Raises:
            ConfigError: The ``mcp`` extra is missing, or ``requires_approval`` names a tool a
                server does not have.
        """
        with self._guard:
            if self._loop is not None:
                return self
            try:
                from nemotron_agents.tools.mcp._connection import ServerConnection
                from nemotron_agents.tools.mcp._loop import LoopThread
            except ImportError as exc:
                raise ConfigError(f"{MISSING_EXTRA} ({exc}).") from None
            self.errors, self._listed, self._built = {}, {}, {}
            self._loop = LoopThread("mcp-sessions")
            self._connections = {
                name: ServerConnection(server) for name, server in self.config.servers.items()
            }
            _OPEN.add(self)
            try:
                self._loop.run(self._discover())
                self._check_approval_names()
            except BaseException:
                self.close()
                raise
        return self

    async def _discover(self) -> None:
        from nemotron_agents.tools.mcp._connection import ServerStartError

        async def one(connection: ServerConnection) -> None:
            try:
                self._listed[connection.name] = await connection.list_tools()
            except ServerStartError as exc:
                await connection.close()
                stderr = f"; its stderr ends with: {exc.stderr}" if exc.stderr else ""
                started = "started" if connection.config.transport == "stdio" else "reached"
                self.errors[connection.name] = (
                    f"MCP server '{connection.name}' ({connection.config.describe()}) could not "
                    f"be {started}: {exc.reason}{stderr}"
                )

        await asyncio.gather(*(one(c) for c in self._connections.values()))

    def close(self) -> None:
        """Close every session and stop every server process. Idempotent."""
        with self._guard:
            loop, self._loop = self._loop, None
            _OPEN.discard(self)
            if loop is None:
                return
            connections = list(self._connections.values())

            async def close_all() -> None:
                await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)

            try:
                loop.run(close_all(), timeout=60)
            finally:
                loop.stop()

    @property
    def is_open(self) -> bool:
        """Whether the toolset is open (its tools can run)."""
        return self._loop is not None

    def __enter__(self) -> MCPToolset:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> MCPToolset:
        return await asyncio.to_thread(self.open)

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.close)

    # --- tools ------------------------------------------------------------------------------

    def tools(self, *, taken: Iterable[str] = ()) -> list[Tool]:
        """The servers' tools as registry tools, in config order.

        Args:
            taken: Wire names already used by the tools they will join (e.g. a graph's own):
                an MCP tool with one of these names is prefixed with its server's name.

        Returns:
            One :class:`Tool` per MCP tool (tags ``mcp`` and ``mcp:<server>``). A tool whose
            schema cannot be read is left out and named in :attr:`errors`.

        Raises:
            ConfigError: The toolset is not open.
        """
        if self._loop is None:
            raise ConfigError("Open the MCPToolset first: use it in a with block or call open().")
        taken = set(taken)
        counts = Counter(wire_name(t.name) for listed in self._listed.values() for t in listed)
        tools = []
        for server in self._connections:  # config order, not the order servers answered
            for mcp_tool in self._listed.get(server, []):
                name = mcp_tool.name
                if counts[wire_name(name)] > 1 or wire_name(name) in taken:
                    name = f"{server}.{mcp_tool.name}"  # wire name: server_tool
                try:
                    tools.append(self._tool(server, mcp_tool, name))
                except ToolDefinitionError as exc:
                    self.errors[f"{server}.{mcp_tool.name}"] = f"tool left out: {exc}"
        return tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self.tools())

    def _tool(self, server: str, mcp_tool: types.Tool, name: str) -> Tool:
        key = (server, mcp_tool.name, name)
        if key in self._built:
            return self._built[key]
        config = self.config.servers[server]
        model, parameters = schema_model(name, mcp_tool.input_schema)
        wire = wire_name(name)
        limit = config.startup_timeout + config.timeout + _MARGIN

        def call(**kwargs: Any) -> str:
            loop, running = self._call(server, mcp_tool.name, wire, kwargs)
            return loop.run(running, timeout=limit)

        async def acall(**kwargs: Any) -> str:
            loop, running = self._call(server, mcp_tool.name, wire, kwargs)
            return await loop.arun(running)

        built = Tool(
            name=wire,
            source_name=name,
            description=mcp_tool.description or mcp_tool.title or "",
            args_model=model,
            parameters=parameters,
            func=call,
            coroutine=acall,
            tags=("mcp", f"mcp:{server}"),
            requires_approval=_needs_approval(config, mcp_tool),
        )
        self._built[key] = built
        return built

    def _call(
        self, server: str, tool: str, wire: str, kwargs: dict[str, Any]
    ) -> tuple[LoopThread, Coroutine[Any, Any, str]]:
        """The loop and the call to run on it; looked up per call, so a reopened toolset works."""
        loop = self._loop
        if loop is None:
            raise ToolExecutionError(CLOSED.format(server=server, tool=tool), tool_name=wire)
        return loop, self._connections[server].call_tool(tool, kwargs, wire_name=wire)

    def _check_approval_names(self) -> None:
        for server, listed in self._listed.items():
            wanted = self.config.servers[server].requires_approval
            if isinstance(wanted, frozenset) and (unknown := wanted - {t.name for t in listed}):
                raise ConfigError(
                    f"MCP server '{server}': requires_approval names unknown tool(s) "
                    f"{', '.join(sorted(unknown))}; its tools: {', '.join(t.name for t in listed)}."
                )


def _needs_approval(config: MCPServerConfig, mcp_tool: types.Tool) -> bool:
    """Side effects need a person's approval: by default every tool not declared read-only."""
    wanted = config.requires_approval
    if isinstance(wanted, frozenset):
        return mcp_tool.name in wanted
    if wanted is not None:
        return wanted
    annotations = mcp_tool.annotations
    return not (annotations is not None and annotations.read_only_hint is True)


_SHARED: dict[str, MCPToolset] = {}
_SHARED_GUARD = threading.Lock()


def shared_toolset(config: str | os.PathLike[str] | None = None) -> MCPToolset | None:
    """The process-wide toolset of a config file, opened on first use and closed at exit.

    For graphs built once per process (``langgraph dev``, LangGraph Server), which have no run
    boundary to close sessions at.

    Args:
        config: The config file; ``None`` reads the path from ``NEMOTRON_MCP_CONFIG``.

    Returns:
        The open toolset, or ``None`` when no file is given and the variable is unset or empty.

    Raises:
        ConfigError: The file is missing or malformed (the message names it and the variable).
    """
    path = os.fspath(config) if config is not None else os.environ.get(MCP_CONFIG_ENV, "").strip()
    if not path:
        return None
    key = os.path.abspath(path)
    with _SHARED_GUARD:
        if key not in _SHARED or not _SHARED[key].is_open:
            try:
                _SHARED[key] = MCPToolset(key).open()
            except ConfigError as exc:
                via = f" (from {MCP_CONFIG_ENV})" if config is None else ""
                raise ConfigError(f"{exc}{via}") from None
        return _SHARED[key]

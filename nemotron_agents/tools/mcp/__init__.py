"""MCP servers' tools in the registry: stdio and streamable HTTP, through the official ``mcp`` SDK.

* :func:`load_mcp_config` reads the usual ``{"servers": {...}}`` / ``{"mcpServers": {...}}`` file.
* :class:`MCPToolset` starts the servers, lists their tools as registry
  :class:`~nemotron_agents.tools.Tool` objects, calls them, and stops the servers when closed.
* :func:`shared_toolset` is the process-wide toolset of ``NEMOTRON_MCP_CONFIG``, for graphs
  served by ``langgraph dev``.

Importing this package needs no ``mcp``; opening a toolset does (``pip install
'nemotron-agents[mcp]'``).
"""

from nemotron_agents.tools.mcp.config import (
    MCP_CONFIG_ENV,
    MCPConfig,
    MCPServerConfig,
    load_mcp_config,
)
from nemotron_agents.tools.mcp.toolset import MCPToolset, shared_toolset

__all__ = [
    "MCP_CONFIG_ENV",
    "MCPConfig",
    "MCPServerConfig",
    "MCPToolset",
    "load_mcp_config",
    "shared_toolset",
]

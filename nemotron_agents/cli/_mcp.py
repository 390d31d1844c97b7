"""MCP servers' tools in a command (``--mcp CONFIG.json`` or ``NEMOTRON_MCP_CONFIG``): the option,
and the toolset, opened once per command and closed by ``main``."""

from __future__ import annotations

import argparse
import os
from typing import Any

from rich.console import Console

from nemotron_agents.graphs import GraphSpec
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV, MCPToolset

__all__ = ["add_mcp_option", "close_mcp", "mcp_config", "mcp_options", "open_mcp"]


def add_mcp_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--mcp CONFIG.json`` to a command."""
    parser.add_argument(
        "--mcp",
        metavar="CONFIG.json",
        default=None,
        help=f"add the tools of these MCP servers ({MCP_CONFIG_ENV})",
    )


def mcp_config(args: argparse.Namespace) -> str | None:
    """The MCP configuration file of ``--mcp`` or, without it, ``NEMOTRON_MCP_CONFIG``."""
    return getattr(args, "mcp", None) or os.environ.get(MCP_CONFIG_ENV, "").strip() or None


def open_mcp(args: argparse.Namespace) -> MCPToolset | None:
    """The toolset of --mcp (or NEMOTRON_MCP_CONFIG), opened once per command; main closes it."""
    config = mcp_config(args)
    if config is None:
        return None
    toolset: MCPToolset | None = getattr(args, "mcp_toolset", None)
    if toolset is None:
        toolset = args.mcp_toolset = MCPToolset(config).open()
        err = Console(stderr=True, soft_wrap=True)
        for problem in toolset.errors.values():
            err.print(f"Warning: {problem}", style="yellow", markup=False, highlight=False)
    return toolset


def close_mcp(args: argparse.Namespace) -> None:
    """Stop the MCP servers :func:`open_mcp` started, if any."""
    toolset = getattr(args, "mcp_toolset", None)
    if toolset is not None:
        toolset.close()


def mcp_options(args: argparse.Namespace, spec: GraphSpec) -> dict[str, Any]:
    """The options adding MCP tools to ``spec``'s graph, or none when no MCP config applies."""
    # Checked before any server starts. --mcp for a graph that cannot take tools is an error;
    # NEMOTRON_MCP_CONFIG (set for Studio) just does not apply to it.
    explicit = bool(getattr(args, "mcp", None))
    if mcp_config(args) is None or not spec.takes_extra_tools(required=explicit):
        return {}
    return spec.mcp_options(open_mcp(args))

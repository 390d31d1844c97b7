"""``nemotron-agents mcp serve GRAPH``: a graph's tools served to MCP clients."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from rich.console import Console

from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs import GRAPHS, get_spec
from nemotron_agents.tools.mcp.toolset import MISSING_EXTRA

__all__ = ["add_mcp_parser", "mcp_serve"]


def add_mcp_parser(sub: Any) -> None:
    """Add ``mcp serve`` to the CLI's subcommands (``sub`` from ``add_subparsers``)."""
    mcp = sub.add_parser("mcp", help="serve a graph's tools to MCP clients")
    serve = mcp.add_subparsers(dest="mcp_command", required=True).add_parser(
        "serve", help="serve a graph's tools as an MCP server (stdio or streamable HTTP)"
    )
    serve.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")
    serve.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default) or streamable HTTP",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address for --transport http (default: local clients only)",
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="port for --transport http (0 = any free port)"
    )
    serve.add_argument(
        "--allow-approval-tools",
        action="store_true",
        help="also serve tools that need a person's approval per call",
    )


def mcp_serve(args: argparse.Namespace) -> int:
    """``mcp serve GRAPH``: a graph's tools as an MCP server (notes on stderr; stdout is MCP's)."""
    spec = get_spec(args.graph)
    registry = spec.registry()
    if not len(registry):
        raise ConfigError(f"Graph {spec.name!r} has no tools to serve.")
    try:
        from nemotron_agents import mcp_server
    except ImportError as exc:
        raise ConfigError(f"{MISSING_EXTRA} ({exc}).") from None
    err = Console(stderr=True, soft_wrap=True)
    held = [t.name for t in registry if t.requires_approval and not args.allow_approval_tools]
    if held:
        err.print(
            f"Not served (they need approval; see --allow-approval-tools): {', '.join(held)}",
            highlight=False,
        )
    server = mcp_server.make_server(
        registry,
        name=f"nemotron-agents-{spec.name}",
        instructions=spec.description,
        allow_approval_tools=args.allow_approval_tools,
    )
    count = len(registry) - len(held)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a server is meant to stop
        if args.transport == "stdio":
            asyncio.run(mcp_server.serve_stdio(server))
        else:
            mcp_server.serve_http(
                server,
                host=args.host,
                port=args.port,
                on_ready=lambda url: err.print(
                    f"Serving {count} tool(s) of graph {spec.name!r} at {url} (streamable HTTP); "
                    "Ctrl-C stops.",
                    highlight=False,
                ),
            )
    return 0

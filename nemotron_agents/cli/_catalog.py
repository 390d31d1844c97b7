"""``nemotron-agents list`` and ``tools``: the example graphs, and a graph's tools (with
``--mcp``, each MCP server's too) with their parameters."""

from __future__ import annotations

import argparse
import shlex

from rich.console import Console
from rich.markup import escape

from nemotron_agents.cli._mcp import mcp_config, open_mcp
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs import GRAPHS, get_spec
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV

__all__ = ["list_graphs", "list_mcp_tools", "list_tools"]

NO_TOOLS = "Graph {name!r} has no tools: its models only write text."


def list_graphs(out: Console) -> int:
    """``list``: each example graph, what it does, and a command to try it."""
    for name, spec in sorted(GRAPHS.items()):
        out.print(f"[bold]{escape(name)}[/]  {escape(spec.description)}", highlight=False)
        example = f"nemotron-agents run {name} {shlex.quote(spec.example)}"
        out.print(f"  [dim]e.g. {escape(example)}[/]", highlight=False)
    return 0


def list_tools(out: Console, graph_name: str) -> int:
    """``tools GRAPH``: the graph's tools and their parameters, as its models see them."""
    registry = get_spec(graph_name).registry()
    if not len(registry):
        out.print(escape(NO_TOOLS.format(name=graph_name)), highlight=False)
    for schema in registry.to_openai():
        fn = schema["function"]
        out.print(f"[bold]{escape(fn['name'])}[/]: {escape(fn['description'])}", highlight=False)
        props = fn["parameters"].get("properties", {})
        required = set(fn["parameters"].get("required", []))
        for pname, pschema in props.items():
            kind = pschema.get("type") or "any"
            flag = "required" if pname in required else "optional"
            extra = f" one of {pschema['enum']}" if "enum" in pschema else ""
            line = f"  - {pname} ({kind}, {flag}){extra}: {pschema.get('description', '')}"
            out.print(escape(line), highlight=False)
    return 0


def list_mcp_tools(out: Console, args: argparse.Namespace) -> int:
    """``tools [GRAPH] --mcp CONFIG``: the graph's tools, then each MCP server's tools."""
    if args.graph is None and mcp_config(args) is None:
        raise ConfigError(f"Name a graph, or give --mcp CONFIG.json (or set {MCP_CONFIG_ENV}).")
    spec = get_spec(args.graph) if args.graph else None
    if spec is not None:
        list_tools(out, spec.name)
        if not spec.takes_extra_tools(required=bool(args.mcp)):
            return 0
    toolset = open_mcp(args)
    if toolset is None:
        raise ConfigError(f"Give --mcp CONFIG.json (or set {MCP_CONFIG_ENV}) to list MCP tools.")
    tools = spec.mcp_options(toolset)["extra_tools"] if spec is not None else toolset.tools()
    for server, config in toolset.config.servers.items():
        mine = [t for t in tools if f"mcp:{server}" in t.tags]
        state = "not started" if server in toolset.errors else f"{len(mine)} tool(s)"
        out.print(
            f"MCP server {server} ({config.describe()}): {state}",
            style="bold",
            markup=False,
            highlight=False,
        )
        for tool in mine:
            fn = tool.to_openai()["function"]
            approval = "  (needs approval)" if tool.requires_approval else ""
            out.print(
                f"  {fn['name']}: {fn['description']}{approval}", markup=False, highlight=False
            )
            required = set(fn["parameters"].get("required", []))
            for pname, pschema in fn["parameters"].get("properties", {}).items():
                kind = pschema.get("type") or "any"
                flag = "required" if pname in required else "optional"
                line = f"    - {pname} ({kind}, {flag}): {pschema.get('description', '')}"
                out.print(line, markup=False, highlight=False)
    return 0

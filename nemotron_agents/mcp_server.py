"""A tool registry served as an MCP server, so MCP clients (desktop assistants, IDEs) can call it.

``nemotron-agents mcp serve calculator`` serves the calculator graph's tools over stdio; add
``--transport http --port N`` for streamable HTTP. Each tool keeps its typed JSON Schema and
description; a call runs through the registry, so bad arguments come back as an MCP error result
carrying the registry's message (naming the field and what is allowed), exactly as the agent's
model would read it. Tools that need a person's approval are not served unless the operator
passes ``allow_approval_tools=True`` (the MCP client must then ask its user before each call).

Like the CLI, this module sits on top of the library and needs the ``mcp`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from nemotron_agents.errors import ConfigError, ToolCallError
from nemotron_agents.tools import Tool, ToolRegistry

__all__ = ["APPROVAL_REFUSED", "make_server", "running_http_server", "serve_http", "serve_stdio"]

APPROVAL_REFUSED = (
    "Tool '{tool}' needs a person's approval before each call, so this server does not run it. "
    "Its operator can serve it with --allow-approval-tools if your MCP client asks its user "
    "before every tool call."
)
UNKNOWN_TOOL = "Unknown tool: {tool}. Available tools: {available}."
HTTP_PATH = "/mcp"


def make_server(
    registry: ToolRegistry,
    *,
    name: str = "nemotron-agents",
    instructions: str | None = None,
    allow_approval_tools: bool = False,
) -> Server[Any]:
    """Make an MCP server (the SDK's low-level ``Server``) offering ``registry``'s tools.

    Args:
        registry: The tools to offer.
        name: The server's name, as clients show it.
        instructions: What the tools are for, sent to clients at connection.
        allow_approval_tools: Serve tools with ``requires_approval`` too; otherwise they are
            not listed and a call to one is refused with an error result saying why.

    Returns:
        The server; run it with :func:`serve_stdio`, :func:`serve_http` or
        :func:`running_http_server`.
    """
    served = {t.name: t for t in registry if allow_approval_tools or not t.requires_approval}
    refused = {t.name for t in registry if t.name not in served}

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_describe(t) for t in served.values()])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = served.get(params.name)
        if tool is None and params.name in refused:
            return _error(APPROVAL_REFUSED.format(tool=params.name))
        if tool is None:  # a protocol error (JSON-RPC -32602), as the MCP spec asks
            available = ", ".join(served) or "(none)"
            raise MCPError(
                types.INVALID_PARAMS, UNKNOWN_TOOL.format(tool=params.name, available=available)
            )
        try:
            result = await tool.arun(params.arguments or {})
        except ToolCallError as exc:  # bad arguments, a failure, a timeout: the message says which
            return _error(str(exc))
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=tool.format_output(result))]
        )

    return Server(
        name,
        version=_version(),
        instructions=instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _describe(tool: Tool) -> types.Tool:
    # Tools with side effects sit behind approval (a rule of this toolkit), so the others are
    # read-only; saying so lets clients skip their own confirmation for them.
    hints = types.ToolAnnotations(read_only_hint=True) if not tool.requires_approval else None
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.parameters,
        annotations=hints,
    )


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _version() -> str:
    try:
        return version("nemotron-agents")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"


async def serve_stdio(server: Server[Any]) -> None:
    """Serve one client over this process's stdin and stdout until it disconnects."""
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # listening before uvicorn starts: a client told the URL can connect
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another port "
            "(0 picks a free one)."
        ) from None
    return sock


def _http_server(server: Server[Any], host: str, port: int) -> tuple[Any, socket.socket, str]:
    import uvicorn  # a dependency of the mcp SDK's server

    sock = _bind(host, port)
    app = server.streamable_http_app(streamable_http_path=HTTP_PATH, host=host)
    web = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    shown = f"[{host}]" if ":" in host else host
    return web, sock, f"http://{shown}:{sock.getsockname()[1]}{HTTP_PATH}"


def serve_http(
    server: Server[Any],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve over streamable HTTP until interrupted (Ctrl-C or SIGTERM).

    Args:
        server: From :func:`make_server`.
        host: Address to listen on; the default accepts local clients only.
        port: Port; ``0`` picks a free one.
        on_ready: Called with the endpoint URL once the port is bound.
    """
    web, sock, url = _http_server(server, host, port)
    if on_ready is not None:
        on_ready(url)
    with sock:
        asyncio.run(web.serve(sockets=[sock]))


@contextlib.contextmanager
def running_http_server(
    server: Server[Any], *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve over streamable HTTP in a background thread while the block runs.

    Yields:
        The endpoint URL, e.g. ``http://127.0.0.1:PORT/mcp``.

    Raises:
        RuntimeError: The server did not come up within 30 seconds.
    """
    web, sock, url = _http_server(server, host, port)
    thread = threading.Thread(
        target=lambda: asyncio.run(web.serve(sockets=[sock])), name="mcp-http-server", daemon=True
    )
    thread.start()
    try:
        for _ in range(3000):
            if web.started or not thread.is_alive():
                break
            time.sleep(0.01)
        if not web.started:
            raise RuntimeError(f"the MCP HTTP server at {url} did not start")
        yield url
    finally:
        web.should_exit = True
        thread.join(timeout=30)
        sock.close()

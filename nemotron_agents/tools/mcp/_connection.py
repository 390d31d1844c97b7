"""``ServerConnection``: one MCP server's session, started on demand, restarted after a crash.

Everything here runs on the toolset's :class:`~nemotron_agents.tools.mcp._loop.LoopThread`. A
*keeper* task opens the SDK's ``Client`` (transport, then session), hands it over and waits for
the stop signal, so the session is opened and closed by one task as anyio requires; calls come
from other tasks on the same loop.

Failures never escape as crashes: :meth:`ServerConnection.call_tool` turns each into a
:class:`~nemotron_agents.errors.ToolExecutionError` for the model naming the server and the tool.
A session whose connection closed (the server crashed or was killed) is marked broken and started
again on the next call; the call that found it broken is not repeated, because it may have run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from typing import Any, TextIO

import httpx2
from mcp import Client, StdioServerParameters, types
from mcp.client import Transport
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from nemotron_agents.errors import ToolExecutionError
from nemotron_agents.tools.mcp._results import result_text
from nemotron_agents.tools.mcp.config import MCPServerConfig

__all__ = [
    "CONNECTION_LOST",
    "FAILED",
    "REJECTED",
    "START_FAILED",
    "TIMED_OUT",
    "TOOL_ERROR",
    "ServerConnection",
    "ServerStartError",
]

logger = logging.getLogger(__name__)

START_FAILED = (
    "MCP server '{server}' could not be {started}, so tool '{tool}' did not run: {reason}. "
    "It will be tried again on the next call; another tool may do instead."
)
CONNECTION_LOST = (
    "MCP server '{server}' lost its connection during the call to tool '{tool}' ({reason}), so "
    "the result is lost and the call may or may not have taken effect. The server will be "
    "{restarted} on the next call."
)
TIMED_OUT = (
    "MCP server '{server}' did not answer the call to tool '{tool}' within {timeout:g}s. "
    "Try again with narrower arguments, or another way."
)
REJECTED = (
    "MCP server '{server}' rejected the call to tool '{tool}': {message} (JSON-RPC error {code})."
)
TOOL_ERROR = "MCP server '{server}', tool '{tool}' returned an error: {text}"
FAILED = "MCP server '{server}' failed during the call to tool '{tool}': {reason}"

_STDERR_TAIL = 600  # characters of a server's stderr quoted when it fails to start
_STOP_TIMEOUT = 10.0  # the SDK's own shutdown is bounded at about 6.5 s
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)  # the SDK's defaults: replies may stream


class ServerStartError(Exception):
    """The server could not be started or did not complete the MCP handshake.

    Attributes:
        reason: What went wrong, in one line.
        stderr: The end of what the server wrote to stderr (stdio servers), for the user.
    """

    def __init__(self, reason: str, stderr: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.stderr = stderr


class ServerConnection:
    """One MCP server's session: started on first use, stopped by :meth:`close`.

    Attributes:
        config: The server's settings.
    """

    def __init__(self, config: MCPServerConfig) -> None:
        self.config = config
        self._client: Client | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._broken = False
        self._lock: asyncio.Lock | None = None
        self._stderr: TextIO | None = None

    @property
    def name(self) -> str:
        """The server's name in the config."""
        return self.config.name

    # --- lifecycle --------------------------------------------------------------------------

    async def list_tools(self) -> list[types.Tool]:
        """Start the server if needed and list all its tools (every page).

        Raises:
            ServerStartError: It could not be started, or listing failed or timed out.
        """
        client = await self._connected()
        tools: list[types.Tool] = []
        cursor: str | None = None
        try:
            async with asyncio.timeout(self.config.startup_timeout):
                while True:
                    page = await client.list_tools(cursor=cursor)
                    tools.extend(page.tools)
                    cursor = page.next_cursor
                    if not cursor:
                        return tools
        except Exception as exc:
            self._broken = True
            raise ServerStartError(
                f"listing its tools failed: {self._reason(exc)}", self._stderr_tail()
            ) from exc

    async def close(self) -> None:
        """Stop the session and the server process (if any). Idempotent."""
        await self._stop_keeper()

    async def _connected(self) -> Client:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one restart at a time, however many calls wait
            alive = self._keeper is not None and not self._keeper.done()
            if self._client is not None and alive and not self._broken:
                return self._client
            await self._stop_keeper()
            return await self._start()

    async def _start(self) -> Client:
        self._broken = False
        self._stop = asyncio.Event()
        if self.config.transport == "stdio":
            # stderr goes to a file: quoted when the server fails to start, never interleaved
            # with our output (reference servers log every failed call there).
            self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        self._keeper = asyncio.create_task(self._keep(ready, self._stop), name=f"mcp-{self.name}")
        try:
            async with asyncio.timeout(self.config.startup_timeout):
                self._client = await asyncio.shield(ready)
        except TimeoutError:
            tail = self._stderr_tail()
            await self._stop_keeper()
            raise ServerStartError(
                f"no MCP handshake within {self.config.startup_timeout:g}s", tail
            ) from None
        except Exception as exc:
            tail = self._stderr_tail()
            await self._stop_keeper()
            raise ServerStartError(self._reason(exc), tail) from exc
        return self._client

    async def _keep(self, ready: asyncio.Future[Client], stop: asyncio.Event) -> None:
        """Own the session: open it, hand it over, hold it until ``stop``, close it."""
        try:
            async with self._open() as client:
                ready.set_result(client)
                await stop.wait()
        except Exception as exc:  # noqa: BLE001 (handed to whoever waits on the connection)
            if not ready.done():
                ready.set_exception(exc)
            else:  # the connection failed after the handshake; the next call sees it
                logger.debug("MCP server %r: session ended: %s", self.name, self._reason(exc))
        finally:
            if not ready.done():
                ready.cancel()

    @contextlib.asynccontextmanager
    async def _open(self) -> AsyncIterator[Client]:
        config = self.config
        async with contextlib.AsyncExitStack() as stack:
            if config.transport == "stdio":
                params = StdioServerParameters(
                    command=config.command or "",
                    args=list(config.args),
                    env=dict(config.env) or None,
                    cwd=config.cwd,
                )
                transport: Transport = stdio_client(params, errlog=self._stderr or sys.stderr)
            else:
                http = await stack.enter_async_context(
                    httpx2.AsyncClient(headers=dict(config.headers), timeout=_HTTP_TIMEOUT)
                )
                transport = streamable_http_client(config.url or "", http_client=http)
            client = await stack.enter_async_context(
                Client(transport, read_timeout_seconds=config.timeout)
            )
            yield client

    async def _stop_keeper(self) -> None:
        keeper, stop = self._keeper, self._stop
        self._keeper = self._stop = self._client = None
        try:
            if keeper is None:
                return
            if stop is not None:
                stop.set()
            # asyncio.wait, not await: the keeper's own end (error, cancellation) is not ours
            await asyncio.wait({keeper}, timeout=_STOP_TIMEOUT)
            if not keeper.done():
                keeper.cancel()
                await asyncio.wait({keeper}, timeout=_STOP_TIMEOUT)
        finally:
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def _stderr_tail(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        with contextlib.suppress(OSError, ValueError):
            self._stderr.flush()
            self._stderr.seek(0)
            return self.config.redact(self._stderr.read()[-_STDERR_TAIL:].strip())
        return ""

    # --- calls ------------------------------------------------------------------------------

    async def call_tool(self, tool: str, arguments: dict[str, Any], *, wire_name: str) -> str:
        """Call ``tool`` and return its result as text for the model.

        Args:
            tool: The tool's name on the server.
            arguments: Checked arguments, as JSON values.
            wire_name: The tool's name in the registry (the one the model used).

        Raises:
            ToolExecutionError: Any failure, in words for the model naming server and tool.
        """
        # a stdio server is a process we start; an HTTP one, a service we reach
        stdio = self.config.transport == "stdio"
        names = {
            "server": self.name,
            "tool": tool,
            "started": "started" if stdio else "reached",
            "restarted": "started again" if stdio else "reconnected",
        }

        def fail(template: str, **values: Any) -> ToolExecutionError:
            return ToolExecutionError(template.format(**names, **values), tool_name=wire_name)

        try:
            client = await self._connected()
        except ServerStartError as exc:
            raise fail(START_FAILED, reason=exc.reason) from None
        try:
            result = await client.call_tool(
                tool, arguments, read_timeout_seconds=self.config.timeout
            )
        except MCPError as exc:
            if exc.code == types.CONNECTION_CLOSED:
                self._broken = True
                raise fail(CONNECTION_LOST, reason=self._reason(exc)) from None
            if exc.code == types.REQUEST_TIMEOUT:
                raise fail(TIMED_OUT, timeout=self.config.timeout) from None
            raise fail(REJECTED, message=self._reason(exc), code=exc.code) from None
        except Exception as exc:  # noqa: BLE001 (a transport failure: the session is not trusted)
            self._broken = True
            raise fail(FAILED, reason=self._reason(exc)) from None
        if result.is_error:
            raise fail(TOOL_ERROR, text=self.config.redact(result_text(result)))
        return result_text(result)

    def _reason(self, exc: BaseException) -> str:
        """One line for an exception (the first cause of anyio's groups), without secrets."""
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        if isinstance(exc, MCPError):
            return self.config.redact(exc.message)
        text = str(exc)
        return self.config.redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)

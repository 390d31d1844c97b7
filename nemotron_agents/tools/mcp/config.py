"""MCP server configuration: the JSON file users already write for other MCP clients.

```json
{"servers": {
    "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
    "remote": {"url": "https://example.com/mcp", "transport": "streamable_http",
               "headers": {"Authorization": "Bearer ${REMOTE_TOKEN}"}}
}}
```

``"mcpServers"`` (Claude Desktop's key) is read like ``"servers"``; ``"type"`` like
``"transport"``. A server with ``"command"`` runs over stdio, one with ``"url"`` over streamable
HTTP. ``${NAME}`` in any string is replaced by the environment variable ``NAME`` when the file is
read, so secrets stay out of the file; values never appear in ``repr`` or error messages.

Options of ours, per server: ``timeout`` (seconds a call may take, default 60),
``startup_timeout`` (seconds to start and list tools, default 30), ``requires_approval`` (``true``,
``false`` or a list of tool names; by default every tool not annotated ``readOnlyHint`` needs a
person's approval) and ``disabled``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import parse_qsl, urlsplit

from nemotron_agents.errors import ConfigError

__all__ = ["MCP_CONFIG_ENV", "TRANSPORTS", "MCPConfig", "MCPServerConfig", "load_mcp_config"]

#: Environment variable naming the config file that graphs served by ``langgraph dev`` read.
MCP_CONFIG_ENV = "NEMOTRON_MCP_CONFIG"
#: Transports a server may use.
TRANSPORTS = ("stdio", "streamable_http")

DEFAULT_TIMEOUT = 60.0
DEFAULT_STARTUP_TIMEOUT = 30.0

_TOP_KEYS = ("servers", "mcpServers")
_KEYS = (
    "command", "args", "env", "cwd", "url", "headers", "transport", "type",
    "timeout", "startup_timeout", "requires_approval", "disabled",
)  # fmt: skip
_TRANSPORT_SPELLINGS = {
    "stdio": "stdio",
    "streamable_http": "streamable_http",
    "streamable-http": "streamable_http",
    "http": "streamable_http",
}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Behaviour(TypedDict):
    """The options every transport shares, as :class:`MCPServerConfig` takes them."""

    timeout: float
    startup_timeout: float
    requires_approval: bool | frozenset[str] | None


@dataclass(frozen=True, kw_only=True)
class MCPServerConfig:
    """One MCP server: how to reach it and how its tools behave.

    Attributes:
        name: The server's key in the config; prefixes its tool names when they clash.
        transport: ``"stdio"`` or ``"streamable_http"``.
        command: Program to start (stdio).
        args: Its arguments (stdio).
        env: Extra environment variables for it (stdio); hidden from ``repr``.
        cwd: Its working directory (stdio).
        url: The server's endpoint (streamable HTTP).
        headers: HTTP headers sent with every request; hidden from ``repr``.
        timeout: Seconds a tool call may take.
        startup_timeout: Seconds starting the server and listing its tools may take.
        requires_approval: ``True`` / ``False`` for every tool, a set of tool names, or ``None``:
            the tools not annotated read-only.
    """

    name: str
    transport: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    cwd: str | None = None
    url: str | None = field(default=None, repr=False)  # may carry a token in its query
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    requires_approval: bool | frozenset[str] | None = None

    def redact(self, text: str) -> str:
        """``text`` with this server's secrets (env and header values, the URL) replaced by ``***``.

        For messages quoting a server's or a library's words, which may echo them.
        """
        secrets = [*self.env.values()]
        for value in self.headers.values():  # "Bearer TOKEN": the token alone may be quoted too
            secrets += [value, value.split(" ", 1)[-1]]
        if self.url:
            text = text.replace(self.url, self.describe().split(": ", 1)[1])
            parts = urlsplit(self.url)
            secrets += [v for _, v in parse_qsl(parts.query)] + [parts.password or ""]
        for value in sorted(set(secrets), key=len, reverse=True):
            if len(value) >= 4:  # shorter values are no secret, and would mangle the text
                text = text.replace(value, "***")
        return text

    def describe(self) -> str:
        """How the server is reached, without secrets: ``stdio: uvx mcp-server-time``."""
        if self.transport == "stdio":
            return f"stdio: {' '.join([self.command or '', *self.args])}"
        parts = urlsplit(self.url or "")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"streamable_http: {parts.scheme}://{host}{port}{parts.path}"


@dataclass(frozen=True)
class MCPConfig:
    """The MCP servers to use, by name (disabled ones left out)."""

    servers: Mapping[str, MCPServerConfig]


def load_mcp_config(source: str | os.PathLike[str] | Mapping[str, Any] | MCPConfig) -> MCPConfig:
    """Read and check an MCP configuration.

    Args:
        source: A JSON file's path, the parsed mapping, or an :class:`MCPConfig` (returned as is).

    Returns:
        The checked configuration; ``cwd`` is resolved against the file's folder.

    Raises:
        ConfigError: The file is missing or not JSON, or an entry is malformed; the message
            names the file, the server and the key, and what is allowed.
    """
    if isinstance(source, MCPConfig):
        return source
    if isinstance(source, Mapping):
        return _parse(source, where="MCP config", base=None)
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError(
            'MCP config: expected a file path or a mapping with a "servers" object, '
            f"got {type(source).__name__}."
        )
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the MCP config {str(path)!r}: {exc.strerror or exc}."
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"MCP config {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}."
        ) from None
    return _parse(data, where=f"MCP config {str(path)!r}", base=path.parent)


def _parse(data: Any, *, where: str, base: Path | None) -> MCPConfig:
    if not isinstance(data, Mapping):
        raise ConfigError(f'{where}: expected a JSON object with a "servers" object.')
    present = [key for key in _TOP_KEYS if key in data]
    if len(present) != 1 or set(data) - set(_TOP_KEYS):
        raise ConfigError(
            f'{where}: expected exactly one of the keys "servers" or "mcpServers" '
            f"(got {sorted(data) or 'none'})."
        )
    entries = data[present[0]]
    if not isinstance(entries, Mapping):
        raise ConfigError(f'{where}: "{present[0]}" must be an object of server name -> settings.')
    servers = {}
    for name, entry in entries.items():
        server = _server(str(name), entry, where=where, base=base)
        if server is not None:
            servers[server.name] = server
    return MCPConfig(servers=servers)


def _server(name: str, entry: Any, *, where: str, base: Path | None) -> MCPServerConfig | None:
    here = f"{where}, server {name!r}"
    if not name.strip():
        raise ConfigError(f"{where}: a server name must not be empty.")
    if not isinstance(entry, Mapping):
        raise ConfigError(f'{here}: expected an object with "command" or "url".')
    if unknown := sorted(set(entry) - set(_KEYS)):
        raise ConfigError(
            f"{here}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_KEYS)}."
        )
    if _flag(entry, "disabled", here):
        return None
    if ("command" in entry) == ("url" in entry):
        raise ConfigError(f'{here}: give either "command" (stdio) or "url" (streamable HTTP).')
    transport = _transport(entry, here)
    options: _Behaviour = {
        "timeout": _seconds(entry, "timeout", DEFAULT_TIMEOUT, here),
        "startup_timeout": _seconds(entry, "startup_timeout", DEFAULT_STARTUP_TIMEOUT, here),
        "requires_approval": _approval(entry.get("requires_approval"), here),
    }
    if transport == "stdio":
        cwd = _string(entry, "cwd", here) if "cwd" in entry else None
        if cwd is not None and base is not None:
            cwd = str(base / cwd)
        return MCPServerConfig(
            name=name,
            transport=transport,
            command=_string(entry, "command", here),
            args=tuple(_strings(entry, "args", here)),
            env=_string_map(entry, "env", here),
            cwd=cwd,
            **options,
        )
    for key in ("args", "env", "cwd"):
        if key in entry:
            raise ConfigError(f'{here}: "{key}" is for stdio servers; this one has a "url".')
    url = _string(entry, "url", here)
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f'{here}: "url" must start with http:// or https://.')
    return MCPServerConfig(
        name=name,
        transport=transport,
        url=url,
        headers=_string_map(entry, "headers", here),
        **options,
    )


def _transport(entry: Mapping[str, Any], here: str) -> str:
    if "transport" in entry and "type" in entry:
        raise ConfigError(f'{here}: give "transport" or "type", not both.')
    raw = entry.get("transport", entry.get("type"))
    implied = "stdio" if "command" in entry else "streamable_http"
    if raw is None:
        return implied
    transport = _TRANSPORT_SPELLINGS.get(raw) if isinstance(raw, str) else None
    if transport is None:
        raise ConfigError(
            f"{here}: unsupported transport {raw!r}; allowed: stdio, streamable_http "
            "(also spelled streamable-http or http)."
        )
    if transport != implied:
        needs = '"command"' if transport == "stdio" else '"url"'
        raise ConfigError(f"{here}: transport {raw!r} needs {needs}.")
    return transport


def _expand(value: str, key: str, here: str) -> str:
    def variable(match: re.Match[str]) -> str:
        found = os.environ.get(match.group(1))
        if found is None:
            raise ConfigError(f'{here}: "{key}" uses ${{{match.group(1)}}}, which is not set.')
        return found

    return _VARIABLE.sub(variable, value)


def _string(entry: Mapping[str, Any], key: str, here: str) -> str:
    value = entry[key]
    if not isinstance(value, str) or not value:
        raise ConfigError(f'{here}: "{key}" must be a non-empty string.')
    return _expand(value, key, here)


def _strings(entry: Mapping[str, Any], key: str, here: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{here}: "{key}" must be a list of strings.')
    return [_expand(item, key, here) for item in value]


def _string_map(entry: Mapping[str, Any], key: str, here: str) -> dict[str, str]:
    value = entry.get(key, {})
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f'{here}: "{key}" must be an object of string names to string values.')
    return {k: _expand(v, f"{key}.{k}", here) for k, v in value.items()}


def _seconds(entry: Mapping[str, Any], key: str, default: float, here: str) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f'{here}: "{key}" must be a positive number of seconds, got {value!r}.')
    return float(value)


def _flag(entry: Mapping[str, Any], key: str, here: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f'{here}: "{key}" must be true or false, got {value!r}.')
    return value


def _approval(value: Any, here: str) -> bool | frozenset[str] | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    raise ConfigError(
        f'{here}: "requires_approval" must be true, false or a list of tool names, got {value!r}.'
    )

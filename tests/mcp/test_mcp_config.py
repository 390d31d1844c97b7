"""Reading MCP configs: the usual shapes, and a clear error for every malformed entry."""

import json

import pytest

from nemotron_agents.errors import ConfigError
from nemotron_agents.tools.mcp import MCPConfig, load_mcp_config


def test_both_usual_keys_and_both_transports():
    for key in ("servers", "mcpServers"):
        config = load_mcp_config(
            {
                key: {
                    "time": {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}},
                    "remote": {"url": "http://127.0.0.1:9/mcp", "transport": "streamable_http"},
                }
            }
        )
        time, remote = config.servers["time"], config.servers["remote"]
        assert (time.transport, time.command, time.args, dict(time.env)) == (
            "stdio",
            "uvx",
            ("mcp-server-time",),
            {"TZ": "UTC"},
        )
        assert (remote.transport, remote.url) == ("streamable_http", "http://127.0.0.1:9/mcp")
    assert load_mcp_config(config) is config


@pytest.mark.parametrize("spelling", ["http", "streamable-http", "streamable_http"])
def test_transport_spellings_and_type_key(spelling):
    config = load_mcp_config(
        {"servers": {"r": {"url": "https://example.com/mcp", "type": spelling}}}
    )
    assert config.servers["r"].transport == "streamable_http"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"command": "x", "url": "http://h/mcp"}, 'either "command" (stdio) or "url"'),
        ({}, 'either "command" (stdio) or "url"'),
        (
            {"url": "http://h/mcp", "transport": "sse"},
            "unsupported transport 'sse'; allowed: stdio, streamable_http",
        ),
        ({"command": "x", "transport": "http"}, "transport 'http' needs \"url\""),
        ({"command": "x", "autoApprove": []}, "unknown key(s) autoApprove; allowed: command, args"),
        ({"command": "x", "args": "serve"}, '"args" must be a list of strings'),
        (
            {"command": "x", "env": {"N": 1}},
            '"env" must be an object of string names to string values',
        ),
        ({"command": "x", "timeout": 0}, '"timeout" must be a positive number of seconds, got 0'),
        (
            {"command": "x", "requires_approval": "yes"},
            "must be true, false or a list of tool names",
        ),
        ({"url": "ftp://h/mcp"}, '"url" must start with http:// or https://'),
        ({"url": "http://h/mcp", "cwd": "/tmp"}, '"cwd" is for stdio servers'),
        ({"command": ""}, '"command" must be a non-empty string'),
    ],
)
def test_malformed_entries_name_server_key_and_what_is_allowed(entry, message):
    with pytest.raises(ConfigError) as info:
        load_mcp_config({"servers": {"srv": entry}})
    assert "server 'srv'" in str(info.value) and message in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"servers": {}, "mcpServers": {}},
        {"tools": {}},
        {"servers": {}, "inputs": []},
        {"servers": []},
    ],
)
def test_malformed_top_level(data):
    with pytest.raises(ConfigError, match="servers"):
        load_mcp_config(data)


def test_variables_are_expanded_and_secrets_stay_out_of_repr_and_errors(monkeypatch):
    monkeypatch.setenv("MCP_TEST_TOKEN", "s3cret-value")
    config = load_mcp_config(
        {
            "servers": {
                "remote": {
                    "url": "https://example.com/mcp?key=${MCP_TEST_TOKEN}",
                    "headers": {"Authorization": "Bearer ${MCP_TEST_TOKEN}"},
                },
                "local": {"command": "srv", "env": {"TOKEN": "${MCP_TEST_TOKEN}"}},
            }
        }
    )
    remote, local = config.servers["remote"], config.servers["local"]
    assert (
        remote.headers["Authorization"] == "Bearer s3cret-value"
        and local.env["TOKEN"] == "s3cret-value"
    )
    assert "s3cret" not in repr(config) and "s3cret" not in remote.describe()
    assert remote.describe() == "streamable_http: https://example.com/mcp"
    leaked = "GET https://example.com/mcp?key=s3cret-value failed; token s3cret-value; TZ=UTC"
    assert remote.redact(leaked) == "GET https://example.com/mcp failed; token ***; TZ=UTC"
    assert local.redact("env TOKEN=s3cret-value") == "env TOKEN=***"
    monkeypatch.delenv("MCP_TEST_TOKEN")
    with pytest.raises(
        ConfigError,
        match=r"server 'local': \"env.TOKEN\" uses \$\{MCP_TEST_TOKEN\}, which is not set",
    ):
        load_mcp_config(
            {"servers": {"local": {"command": "srv", "env": {"TOKEN": "${MCP_TEST_TOKEN}"}}}}
        )


def test_options_disabled_and_approval_forms():
    config = load_mcp_config(
        {
            "servers": {
                "a": {
                    "command": "a",
                    "timeout": 5,
                    "startup_timeout": 2.5,
                    "requires_approval": ["write"],
                },
                "b": {"command": "b", "requires_approval": False},
                "c": {"command": "c"},
                "off": {"command": "off", "disabled": True},
            }
        }
    )
    assert list(config.servers) == ["a", "b", "c"]
    a = config.servers["a"]
    assert (a.timeout, a.startup_timeout, a.requires_approval) == (5.0, 2.5, frozenset({"write"}))
    assert (
        config.servers["b"].requires_approval is False
        and config.servers["c"].requires_approval is None
    )


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"Cannot read the MCP config .*missing.json"):
        load_mcp_config(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"servers": {\n  "a": {"command": "x",}\n}}')
    with pytest.raises(ConfigError, match=r"broken.json' is not valid JSON: .* at line 2"):
        load_mcp_config(broken)


def test_cwd_is_relative_to_the_config_file(tmp_path):
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"a": {"command": "x", "cwd": "work"}}}))
    config = load_mcp_config(path)
    assert isinstance(config, MCPConfig) and config.servers["a"].cwd == str(tmp_path / "work")

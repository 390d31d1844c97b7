"""MCPToolset against real servers: listing, calls (sync and async), and every failure kind."""

import asyncio
import json
import socket
import subprocess
import sys
import textwrap

import pytest

from nemotron_agents.errors import ConfigError, ToolArgumentsError, ToolExecutionError
from nemotron_agents.graphs import get_spec
from nemotron_agents.mcp_server import make_server, running_http_server
from nemotron_agents.tools import ToolRegistry, tool
from nemotron_agents.tools.mcp import MCPToolset
from nemotron_agents.tools.mcp._connection import ServerConnection
from nemotron_agents.tools.mcp._loop import LoopThread
from nemotron_agents.tools.names import NAME_PATTERN


def test_listing_keeps_names_descriptions_schemas_and_marks_side_effects(toolset):
    registry = ToolRegistry(toolset)
    assert toolset.errors == {}
    assert {
        "get_current_time",
        "convert_time",
        "git_status",
        "git_log",
        "git_commit",
        "calculate",
    } <= set(registry.names())
    assert all(NAME_PATTERN.match(name) for name in registry.names())
    now = registry.get("get_current_time")
    assert now.description == "Get current time in a specific timezone"
    assert (
        now.parameters["required"] == ["timezone"]
        and now.parameters["properties"]["timezone"]["type"] == "string"
    )
    assert now.tags == {"mcp", "mcp:time"}
    # read-only tools run freely; the others need a person's approval
    assert (
        not registry.get("git_log").requires_approval
        and registry.get("git_commit").requires_approval
    )
    # our own server's tools come back with the schema they were served with
    calculate = registry.get("calculate")
    assert calculate.parameters["properties"]["expression"][
        "type"
    ] == "string" and calculate.tags == {"mcp", "mcp:own"}


def test_calls_sync_and_async_reuse_one_session(toolset, repo, servers):
    registry = ToolRegistry(toolset)
    before = servers.children("mcp_server_time")
    result = json.loads(registry.get("get_current_time").run({"timezone": "Asia/Tokyo"}))
    assert result["timezone"] == "Asia/Tokyo" and result["datetime"].endswith("+09:00")
    log = asyncio.run(registry.get("git_log").arun({"repo_path": str(repo)}))
    assert "Add notes about tides" in log and "Mention the moon" in log
    assert registry.get("calculate").run({"expression": "2 * (3 + 4)"}) == "14"
    assert servers.children("mcp_server_time") == before  # no new process per call


def test_bad_arguments_get_the_registrys_error_naming_the_field(toolset):
    registry = ToolRegistry(toolset)
    with pytest.raises(ToolArgumentsError) as info:
        registry.get("convert_time").run(
            {"source_timezone": "UTC", "time": 1430, "target": "Asia/Tokyo"}
        )
    text = str(info.value)
    assert (
        "target: unknown parameter" in text
        and "target_timezone: required but missing (expected string)" in text
    )
    assert "time: Input should be a valid string" in text


def test_mcp_error_result_names_server_and_tool(toolset):
    with pytest.raises(ToolExecutionError) as info:
        ToolRegistry(toolset).get("get_current_time").run({"timezone": "Nowhere/Atlantis"})
    assert str(info.value).startswith(
        "MCP server 'time', tool 'get_current_time' returned an error: "
    )
    assert "Nowhere/Atlantis" in str(info.value)
    with pytest.raises(
        ToolExecutionError,
        match="MCP server 'own', tool 'calculate' returned an error: Could not parse",
    ):
        ToolRegistry(toolset).get("calculate").run({"expression": "2 +* 3"})


def test_json_rpc_error_names_server_and_tool(own_server_url):
    loop = LoopThread("test-mcp")
    connection = ServerConnection(
        MCPToolset({"servers": {"own": {"url": own_server_url}}}).config.servers["own"]
    )
    try:
        with pytest.raises(ToolExecutionError) as info:
            loop.run(connection.call_tool("no_such_tool", {}, wire_name="no_such_tool"))
        assert str(info.value) == (
            "MCP server 'own' rejected the call to tool 'no_such_tool': Unknown tool: "
            "no_such_tool. Available tools: calculate, percentage, convert_units. "
            "(JSON-RPC error -32602)."
        )
    finally:
        loop.run(connection.close())
        loop.stop()


def test_clashing_names_are_prefixed_and_close_stops_every_server(servers):
    config = {
        "servers": {
            "t1": {**servers.time(), "requires_approval": ["convert_time"]},
            "t2": servers.time(),
        }
    }
    others = set(servers.children("mcp_server_time"))  # the session's shared toolset runs one too
    with MCPToolset(config) as toolset:
        pids = set(servers.children("mcp_server_time")) - others
        assert len(pids) == 2
        flags = {t.name: t.requires_approval for t in toolset}
        assert flags == {"t1_get_current_time": False, "t1_convert_time": True,
                         "t2_get_current_time": False, "t2_convert_time": False}  # fmt: skip
        registry = ToolRegistry(toolset)
        assert registry.get("t2.get_current_time").name == "t2_get_current_time"
        assert (
            json.loads(registry.get("t2_get_current_time").run({"timezone": "UTC"}))["timezone"]
            == "UTC"
        )
    assert all(servers.gone(pid) for pid in pids)
    with pytest.raises(ToolExecutionError, match="MCP tools of server 't2' are closed"):
        registry.get("t2_get_current_time").run({"timezone": "UTC"})


def test_names_taken_by_the_graph_are_prefixed(toolset):
    own = get_spec("calculator").registry()
    extra = toolset.tools(taken=own.names())
    named = {t.source_name: t.name for t in extra}
    assert (
        named["own.calculate"] == "own_calculate"
        and named["get_current_time"] == "get_current_time"
    )
    combined = ToolRegistry([*own, *extra])  # no clash left
    assert combined.get("calculate") is own.get("calculate")
    assert combined.get("own_calculate").run({"expression": "6 * 7"}) == "42"


def test_a_call_past_the_timeout_is_an_error_and_the_session_stays_usable():
    @tool
    async def nap(seconds: float) -> str:
        """Sleep, then say so.

        Args:
            seconds: How long to sleep.
        """
        await asyncio.sleep(seconds)
        return "rested"

    with running_http_server(make_server(ToolRegistry([nap]))) as url:
        with MCPToolset({"servers": {"slow": {"url": url, "timeout": 0.5}}}) as toolset:
            napper = ToolRegistry(toolset).get("nap")
            with pytest.raises(ToolExecutionError) as info:
                napper.run({"seconds": 5})
            assert str(info.value) == (
                "MCP server 'slow' did not answer the call to tool 'nap' within 0.5s. "
                "Try again with narrower arguments, or another way."
            )
            assert napper.run({"seconds": 0}) == "rested"


def test_a_server_that_cannot_start_gives_no_tools_and_the_others_work(
    tmp_path, own_server_url, servers
):
    dies = {"command": sys.executable, "args": ["-c", "import sys; sys.exit('bad flag --x')"]}
    ghost = {"command": str(tmp_path / "no-such-server")}
    config = {"servers": {"ghost": ghost, "dies": dies, "own": {"url": own_server_url}}}
    with MCPToolset(config) as toolset:
        assert [t.name for t in toolset] == ["calculate", "percentage", "convert_units"]
        assert set(toolset.errors) == {"ghost", "dies"}
        assert (
            toolset.errors["ghost"].startswith("MCP server 'ghost' (stdio: ")
            and "No such file" in toolset.errors["ghost"]
        )
        assert "its stderr ends with: bad flag --x" in toolset.errors["dies"]
        assert servers.children("bad flag") == []


def test_an_unreachable_http_server_is_named_without_its_secrets(monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MCP_TEST_TOKEN", "s3cret-value")
    url = f"http://127.0.0.1:{port}/mcp?key=${{MCP_TEST_TOKEN}}"
    remote = {"url": url, "headers": {"Authorization": "Bearer ${MCP_TEST_TOKEN}"}}
    with MCPToolset({"servers": {"remote": remote}}) as toolset:
        assert toolset.tools() == []
        error = toolset.errors["remote"]
    assert error.startswith(f"MCP server 'remote' (streamable_http: http://127.0.0.1:{port}/mcp) ")
    assert "could not be reached: ConnectError" in error and "s3cret" not in error


def test_servers_stop_when_the_process_ends_without_close(servers):
    script = textwrap.dedent(
        f"""
        import os, subprocess
        from nemotron_agents.tools.mcp import MCPToolset
        toolset = MCPToolset({{"servers": {{"t": {servers.time()!r}}}}}).open()
        assert toolset.tools()[0].name == "get_current_time"
        pgrep = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
        print(pgrep.stdout)
        """
    )  # no close(): the process's exit must stop the server
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    (pid,) = [int(p) for p in proc.stdout.split()]
    assert servers.gone(pid)


def test_not_open_and_missing_extra_are_clear(monkeypatch, servers):
    toolset = MCPToolset({"servers": {"t": servers.time()}})
    with pytest.raises(ConfigError, match="Open the MCPToolset first"):
        toolset.tools()
    monkeypatch.setitem(sys.modules, "mcp", None)
    monkeypatch.delitem(sys.modules, "nemotron_agents.tools.mcp._connection", raising=False)
    with pytest.raises(ConfigError, match=r"pip install 'nemotron-agents\[mcp\]'"):
        toolset.open()


def test_approval_list_must_name_real_tools(servers):
    config = {
        "servers": {
            "time": {**servers.time(), "requires_approval": ["get_current_time", "set_time"]}
        }
    }
    others = set(servers.children("mcp_server_time"))
    with pytest.raises(
        ConfigError,
        match=r"requires_approval names unknown tool\(s\) set_time; its tools: get_current_time, "
        "convert_time",
    ):
        MCPToolset(config).open()
    assert set(servers.children("mcp_server_time")) == others  # the failed open stopped its server


def test_a_closed_toolset_opens_again(own_server_url):
    toolset = MCPToolset({"servers": {"own": {"url": own_server_url}}})
    for _ in range(2):
        with toolset:
            assert ToolRegistry(toolset).get("calculate").run({"expression": "2 + 2"}) == "4"
        assert not toolset.is_open


def test_an_http_server_that_goes_away_is_reconnected_when_it_is_back():
    registry = get_spec("calculator").registry()
    with running_http_server(make_server(registry)) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        toolset = MCPToolset({"servers": {"own": {"url": url}}}).open()
        calculate = ToolRegistry(toolset).get("calculate")
        assert calculate.run({"expression": "1 + 1"}) == "2"
    try:
        with pytest.raises(ToolExecutionError) as lost:
            calculate.run({"expression": "2 + 2"})
        assert str(lost.value).startswith("MCP server 'own' lost its connection during the call")
        assert str(lost.value).endswith("The server will be reconnected on the next call.")
        with pytest.raises(ToolExecutionError) as down:
            calculate.run({"expression": "2 + 2"})
        assert str(down.value).startswith(
            "MCP server 'own' could not be reached, so tool 'calculate' did not run: ConnectError"
        )
        with running_http_server(make_server(registry), port=port):  # back, on the same port
            assert calculate.run({"expression": "3 + 3"}) == "6"
    finally:
        toolset.close()

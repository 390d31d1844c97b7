"""The CLI's --mcp option on `tools` and `run`: listing and running with MCP servers' tools."""

import json

import pytest

from nemotron_agents.cli import EXIT_APPROVAL, main
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ToolCall
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


@pytest.fixture
def config(tmp_path, repo, own_server_url, servers):
    path = tmp_path / "mcp.json"
    entries = {
        "time": servers.time(),
        "git": servers.git(repo),
        "own": {"url": own_server_url},
        "ghost": {"command": str(tmp_path / "no-such-server")},
    }
    path.write_text(json.dumps({"mcpServers": entries}))
    return str(path)


@pytest.fixture(autouse=True)
def no_endpoint(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)


def test_tools_lists_each_servers_tools_and_which_did_not_start(capsys, config, servers):
    others = set(servers.children("mcp_server"))
    assert main(["tools", "--mcp", config]) == 0
    out, err = capsys.readouterr()
    assert "Warning: MCP server 'ghost' (stdio: " in err and "could not be started" in err
    assert "MCP server ghost (stdio: " in out and "): not started" in out
    assert "MCP server time (stdio: " in out and "2 tool(s)" in out
    assert "  get_current_time: Get current time in a specific timezone" in out
    assert "    - timezone (string, required): IANA timezone name" in out
    assert "  git_commit: Records changes to the repository  (needs approval)" in out
    assert (
        "MCP server own (streamable_http: http://127.0.0.1:" in out
        and "  calculate: Evaluate" in out
    )
    assert (
        set(servers.children("mcp_server")) == others
    )  # the command stopped the servers it started


def test_tools_of_a_graph_with_mcp_prefixes_clashing_names(
    capsys, tmp_path, own_server_url, monkeypatch
):
    config = tmp_path / "own.json"
    config.write_text(json.dumps({"servers": {"own": {"url": own_server_url}}}))
    monkeypatch.setenv(MCP_CONFIG_ENV, str(config))  # through the environment, as Studio reads it
    assert main(["tools", "calculator"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("calculate: Evaluate an arithmetic expression")  # the graph's own first
    assert "MCP server own (streamable_http: " in out and "  own_calculate: Evaluate" in out


def test_tools_needs_a_graph_or_a_config(capsys):
    assert main(["tools"]) == 2
    assert "Name a graph, or give --mcp CONFIG.json" in capsys.readouterr().err


def test_run_with_mcp_calls_the_servers_and_stops_them(capsys, config, repo, servers):
    others = set(servers.children("mcp_server"))
    with NIMEmulator() as emu:
        emu.script(
            MISTRAL_NEMOTRON,
            [
                [
                    ToolCall("get_current_time", {"timezone": "UTC"}),
                    ToolCall("git_status", {"repo_path": str(repo)}),
                    ToolCall("own_calculate", {"expression": "6 * 7"}),
                ],
                "Done.",
            ],
        )
        argv = [
            "run",
            "calculator",
            "Time, status and 6*7?",
            "--base-url",
            emu.base_url,
            "--json",
            "--mcp",
            config,
        ]
        assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in result["tool_results"]}  # streamed: in the order they ended
    now, status, own = by_name["get_current_time"], by_name["git_status"], by_name["own_calculate"]
    assert now["status"] == status["status"] == own["status"] == "success"
    assert json.loads(now["content"])["timezone"] == "UTC"
    assert "On branch main" in status["content"] and own["content"] == "42"
    assert result["answer"] == "Done."
    assert set(servers.children("mcp_server")) == others


def test_run_with_mcp_on_a_graph_that_cannot_take_tools(capsys, config):
    assert main(["run", "report", "Tides", "--offline", "--mcp", config]) == 2
    assert (
        "Graph 'report' cannot take MCP tools; graphs that can: calculator"
        in capsys.readouterr().err
    )


def test_a_bad_config_is_one_clear_error(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"servers": {"t": {"command": "x", "transport": "sse"}}}')
    assert main(["tools", "--mcp", str(bad)]) == 2
    assert "unsupported transport 'sse'" in capsys.readouterr().err


def test_the_environment_config_does_not_apply_to_graphs_that_cannot_take_tools(
    capsys, config, monkeypatch
):
    monkeypatch.setenv(MCP_CONFIG_ENV, config)
    assert main(["tools", "report"]) == 0
    assert (
        capsys.readouterr().out.strip()
        == "Graph 'report' has no tools: its models only write text."
    )


def test_an_mcp_call_waiting_for_approval_runs_when_resumed_with_the_same_servers(
    capsys, tmp_path, servers
):
    config = tmp_path / "approve.json"
    entry = {**servers.time(), "requires_approval": ["convert_time"]}
    config.write_text(json.dumps({"servers": {"time": entry}}))
    db = str(tmp_path / "threads.sqlite")
    args = {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}
    with NIMEmulator() as emu:
        emu.script(
            MISTRAL_NEMOTRON, [ToolCall("convert_time", args), "Noon UTC is 21:00 in Tokyo."]
        )
        common = ["--base-url", emu.base_url, "--db", db, "--thread-id", "t", "--mcp", str(config)]
        assert main(["run", "calculator", "Noon UTC in Tokyo?", *common]) == EXIT_APPROVAL
        captured = capsys.readouterr()
        assert "convert_time" in captured.out and f"--mcp {config}" in captured.err  # the hint
        assert main(["resume", "calculator", "--approve", "--json", *common]) == 0
    result = json.loads(capsys.readouterr().out)
    (converted,) = result["tool_results"]
    assert converted["status"] == "success"
    assert json.loads(converted["content"])["target"]["datetime"].endswith("21:00:00+09:00")
    assert result["answer"] == "Noon UTC is 21:00 in Tokyo."

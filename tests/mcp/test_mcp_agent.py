"""MCP tools in full agent runs: ChatNVIDIA against the NIM emulator, real MCP servers behind."""

import json
import os
import sys

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.graphs.calculator import SPEC, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ToolCall
from nemotron_agents.tools.mcp import MCPToolset

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def settings_for(emu):
    return Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=1, timeout=30.0)


def tool_messages(result):
    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


def assert_all_accepted(emu):
    statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert statuses and all(s == 200 for s, _ in statuses), statuses


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_calculator_graph_calls_time_git_and_our_own_server(emu, toolset, repo, mode):
    emu.script(
        MISTRAL_NEMOTRON,
        [
            [
                ToolCall("get_current_time", {"timezone": "Asia/Tokyo"}),
                ToolCall("git_log", {"repo_path": str(repo)}),
            ],
            ToolCall("own_calculate", {"expression": "9 * 9"}),
            ToolCall("calculate", {"expression": "81 + 1"}),
            "It is evening in Tokyo; the last commit mentions the moon; 9 * 9 + 1 = 82.",
        ],
    )
    graph = build_graph(
        settings=settings_for(emu), fallback_model=False, **SPEC.mcp_options(toolset)
    )
    inputs = {"messages": [HumanMessage("Time in Tokyo, last commit, and 9*9+1?")]}
    result = graph.invoke(inputs) if mode == "invoke" else await graph.ainvoke(inputs)
    now, log, own, local = tool_messages(result)
    assert all(m.status == "success" for m in (now, log, own, local))
    assert json.loads(now.content)["timezone"] == "Asia/Tokyo"
    assert "Mention the moon" in log.content and "Add notes about tides" in log.content
    assert (own.name, own.content) == ("own_calculate", "81")  # served by our MCP server, over HTTP
    assert (local.name, local.content) == ("calculate", "82")  # the graph's own tool
    assert result["messages"][-1].content.endswith("= 82.")
    offered = {t["function"]["name"] for t in emu.chat_requests[0].body["tools"]}
    assert {"calculate", "own_calculate", "get_current_time", "git_log", "git_commit"} <= offered
    assert_all_accepted(emu)


def test_bad_arguments_go_back_to_the_model_naming_the_field(emu, toolset):
    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall(
                "convert_time", {"source_timezone": "UTC", "time": "14:30", "target": "Asia/Tokyo"}
            ),
            ToolCall(
                "convert_time",
                {"source_timezone": "UTC", "time": "14:30", "target_timezone": "Asia/Tokyo"},
            ),
            "14:30 UTC is 23:30 in Tokyo.",
        ],
    )
    agent = build_agent(tools=[*toolset], settings=settings_for(emu), fallback_model=False)
    result = agent.invoke({"messages": [HumanMessage("14:30 UTC in Tokyo?")]})
    bad, good = tool_messages(result)
    assert bad.status == "error"
    assert (
        "target: unknown parameter" in bad.content
        and "target_timezone: required but missing" in bad.content
    )
    assert good.status == "success" and json.loads(good.content)["target"]["datetime"].endswith(
        "23:30:00+09:00"
    )
    assert emu.chat_requests[1].body["messages"][-1]["content"] == bad.content  # the model read it
    assert_all_accepted(emu)


def test_a_server_killed_mid_run_is_one_error_for_the_model_then_restarted(emu, servers):
    others = set(servers.children("mcp_server_time"))
    killed = []

    def policy(body):
        results = [m for m in body["messages"] if m["role"] == "tool"]
        if len(results) == 1:  # between two model turns, the server dies
            (pid,) = set(servers.children("mcp_server_time")) - others
            os.kill(pid, 9)
            assert servers.gone(pid)
            killed.append(pid)
        if len(results) < 3:
            return ToolCall("get_current_time", {"timezone": "UTC"})
        return "It is now " + json.loads(results[-1]["content"])["datetime"]

    emu.set_policy(MISTRAL_NEMOTRON, policy)
    with MCPToolset({"servers": {"time": servers.time()}}) as toolset:
        agent = build_agent(tools=[*toolset], settings=settings_for(emu), fallback_model=False)
        result = agent.invoke({"messages": [HumanMessage("What time is it (UTC)?")]})
        (restarted,) = set(servers.children("mcp_server_time")) - others
    first, lost, again = tool_messages(result)
    assert (first.status, lost.status, again.status) == ("success", "error", "success")
    assert lost.content.startswith(
        "MCP server 'time' lost its connection during the call to tool 'get_current_time'"
    )
    assert restarted != killed[0]
    assert result["messages"][-1].content.startswith("It is now ")
    assert_all_accepted(emu)


def test_servers_that_do_not_start_never_end_the_run(emu, tmp_path, servers):
    launcher = tmp_path / "clock.sh"
    launcher.write_text(
        f"#!/bin/sh\nexec {sys.executable} -m mcp_server_time --local-timezone UTC\n"
    )
    launcher.chmod(0o755)
    config = {
        "servers": {
            "ghost": {"command": str(tmp_path / "missing-binary")},
            "clock": {"command": str(launcher)},
        }
    }
    others = set(servers.children("mcp_server_time"))
    emu.script(
        MISTRAL_NEMOTRON,
        [ToolCall("get_current_time", {"timezone": "UTC"})] * 3
        + ["The clock server is down; I cannot tell the time."],
    )
    with MCPToolset(config) as toolset:
        assert "ghost" in toolset.errors and [t.name for t in toolset] == [
            "get_current_time",
            "convert_time",
        ]
        launcher.write_text("#!/bin/sh\nexit 1\n")  # from now on the server cannot start
        (pid,) = set(servers.children("mcp_server_time")) - others
        agent = build_agent(tools=[*toolset], settings=settings_for(emu), fallback_model=False)
        os.kill(pid, 9)
        assert servers.gone(pid)
        result = agent.invoke({"messages": [HumanMessage("What time is it?")]})
    lost, down, still_down = tool_messages(result)
    assert all(m.status == "error" for m in (lost, down, still_down))
    assert lost.content.startswith("MCP server 'clock' lost its connection")
    for message in (down, still_down):
        assert message.content.startswith(
            "MCP server 'clock' could not be started, so tool 'get_current_time' did not run"
        )
    assert result["messages"][-1].content == "The clock server is down; I cannot tell the time."
    assert_all_accepted(emu)

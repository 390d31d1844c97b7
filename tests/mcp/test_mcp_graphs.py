"""Graphs and MCP: which graphs take extra tools, and Studio's path through NEMOTRON_MCP_CONFIG."""

import asyncio
import json

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs import GRAPHS, get_spec, load_graph_module, spec
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ToolCall
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV
from nemotron_agents.tools.mcp import toolset as toolset_module

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


def test_the_single_agent_graphs_take_extra_tools_and_the_others_say_so(toolset):
    able = {name for name, graph in GRAPHS.items() if graph.takes_extra_tools()}
    assert {"calculator", "sql_analyst"} <= able and "report" not in able
    with pytest.raises(
        ConfigError, match=r"Graph 'report' cannot take MCP tools; graphs that can: .*calculator"
    ):
        get_spec("report").mcp_options(toolset)
    assert get_spec("report").mcp_options(None) == {}


def test_sql_analyst_offers_mcp_tools_beside_its_sql_tools(toolset):
    with NIMEmulator() as emu:
        emu.script(MISTRAL_NEMOTRON, [ToolCall("get_current_time", {"timezone": "UTC"}), "Done."])
        sql = get_spec("sql_analyst")
        graph = sql.build(settings=_settings(emu), fallback_model=False, **sql.mcp_options(toolset))
        result = graph.invoke({"messages": [HumanMessage("What day is it?")]})
        offered = {t["function"]["name"] for t in emu.chat_requests[0].body["tools"]}
    assert {"list_tables", "run_query", "get_current_time", "git_log"} <= offered
    (message,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert message.status == "success" and json.loads(message.content)["timezone"] == "UTC"


def test_studio_graphs_read_the_config_named_by_the_environment(monkeypatch, tmp_path, servers):
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"time": servers.time()}}))
    monkeypatch.setattr(spec, "_BUILT", {})  # graphs are built once per process: start afresh
    monkeypatch.setattr(toolset_module, "_SHARED", {})
    others = set(servers.children("mcp_server_time"))
    with NIMEmulator() as emu:
        monkeypatch.setenv("NVIDIA_BASE_URL", emu.base_url)
        monkeypatch.setenv(MCP_CONFIG_ENV, str(config))
        emu.script(
            MISTRAL_NEMOTRON, [ToolCall("get_current_time", {"timezone": "Europe/Paris"}), "Done."]
        )
        try:
            # what langgraph.json points at: an async factory, building in a worker thread
            graph = asyncio.run(load_graph_module("calculator").make_graph())
            result = graph.invoke({"messages": [HumanMessage("Time in Paris?")]})
            assert (
                get_spec("router").compiled() is not None
            )  # takes no extra tools: built without them
        finally:
            (shared,) = toolset_module._SHARED.values()
            (pid,) = set(servers.children("mcp_server_time")) - others
            shared.close()
    (message,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert message.status == "success" and json.loads(message.content)["timezone"] == "Europe/Paris"
    assert servers.gone(pid)


def _settings(emu):
    return Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=1, timeout=30.0)

"""``build_agent`` itself: building needs no key or network; bad arguments are developer errors."""

import socket

import pytest

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings
from nemotron_agents.testing import ScriptedChatModel


def test_building_needs_no_key_and_no_network(monkeypatch, registry):
    def no_network(*args, **kwargs):
        raise AssertionError("building must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    graph = build_agent(tools=registry, settings=Settings(), max_history_tokens=1000)
    assert {"agent", "tools", "summarize", "finish"} <= set(graph.get_graph().nodes)


def test_bad_arguments_are_developer_errors(registry):
    with pytest.raises(ConfigError, match="max_steps"):
        build_agent(model=ScriptedChatModel(["x"]), tools=registry, max_steps=0)
    with pytest.raises(ConfigError, match="pydantic"):
        build_agent(model=ScriptedChatModel(["x"]), tools=registry, response_format=dict)

"""Every graph module declares one spec; the CLI, langgraph.json and Studio follow it."""

import asyncio
import importlib
import json
import sys
from pathlib import Path

import pytest

from nemotron_agents.agents.context import AgentContext
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs import GRAPHS, MODULES, GraphSpec, get_spec, load_graph_module

ROOT = Path(__file__).resolve().parents[2]
#: Graphs whose models call no tool (``nemotron-agents tools`` says so; tests/test_cli.py).
TOOL_FREE = {"report"}


def test_langgraph_json_equals_the_specs():
    config = json.loads((ROOT / "langgraph.json").read_text())
    expected = {name: f"./{MODULES[name].replace('.', '/')}.py:make_graph" for name in GRAPHS}
    assert config["graphs"] == expected


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_each_spec_is_complete_and_its_graph_loads_as_studio_loads_it(name):
    spec = get_spec(name)
    assert isinstance(spec, GraphSpec) and spec.name == name
    assert spec.description.strip() and spec.example.strip()
    assert (len(spec.registry()) > 0) != (name in TOOL_FREE)
    module = load_graph_module(name)
    graph = asyncio.run(module.make_graph())
    assert module.graph is graph
    assert graph.checkpointer is None  # langgraph dev refuses graphs that bring their own
    # Studio's input form needs a schema with the messages field; its config form, a context schema
    assert "messages" in graph.get_input_jsonschema()["properties"]
    assert "messages" in graph.get_output_jsonschema()["properties"]
    context = graph.get_context_jsonschema()
    assert set(AgentContext.__annotations__) <= set(context["properties"])


def test_importing_a_graph_module_builds_nothing(monkeypatch):
    import nemotron_agents.models.factory as factory

    def refuse(*args, **kwargs):
        raise AssertionError("a model was built at import time")

    monkeypatch.setattr(factory, "build_chat_model", refuse)
    for name in list(sys.modules):
        if name.startswith("nemotron_agents.graphs"):
            monkeypatch.delitem(sys.modules, name)
    graphs = importlib.import_module("nemotron_agents.graphs")
    for name, spec in graphs.GRAPHS.items():
        assert "graph" not in vars(importlib.import_module(graphs.MODULES[name]))
        spec.registry()  # listing tools builds nothing either


def test_unknown_graph_lists_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"Did you mean 'calculator'[?] Available graphs: .*calculator"
    ):
        get_spec("calculater")
    with pytest.raises(ConfigError) as info:
        get_spec("zzz")
    assert "Did you mean" not in str(info.value)


def test_only_graph_is_lazy():
    module = load_graph_module("calculator")
    with pytest.raises(AttributeError, match="has no attribute 'grpah'"):
        module.grpah  # noqa: B018 (the attribute access is what raises)

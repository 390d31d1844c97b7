import importlib
import json
from pathlib import Path

from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents.graphs import GRAPHS, load_graph_module
from nemotron_agents.graphs.calculator import build_graph
from nemotron_agents.testing import ScriptedChatModel, tool_call

ROOT = Path(__file__).resolve().parents[2]


def test_langgraph_json_lists_every_graph_and_each_loads_without_checkpointer():
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert set(config["graphs"]) == set(GRAPHS)
    for name, target in config["graphs"].items():
        path, attr = target.split(":")
        module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
        graph = getattr(module, attr)
        assert graph.checkpointer is None  # langgraph dev refuses graphs that bring their own
        assert {"agent", "tools", "finish"} <= set(graph.get_graph().nodes)
        assert load_graph_module(name) is module


def test_calculator_answers_with_its_tools():
    model = ScriptedChatModel(
        [
            [tool_call("calculate", {"expression": "2 ** 10 + sqrt(16)"}), tool_call("convert_units", {"value": 5, "from_unit": "mi", "to_unit": "km"})],
            [tool_call("calculate", {"expression": "__import__('os')"})],
            "1028 and 8.05 km",
        ]
    )
    result = build_graph(model=model, fallback_model=False).invoke({"messages": [HumanMessage("x")]})
    results = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert float(results[0].content) == 1028 and abs(float(results[1].content) - 8.04672) < 1e-9
    assert results[2].status == "error" and "not allowed" in results[2].content
    assert result["messages"][-1].content == "1028 and 8.05 km"
    assert "calculate" in model.calls[0]["messages"][0].content  # the system prompt names the tools

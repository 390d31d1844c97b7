"""``run --json`` writes whatever a graph keeps in its output state."""

import json
import operator
from typing import Annotated, Any

from langchain_core.messages import AIMessage, BaseMessage
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel
from typing_extensions import TypedDict

from nemotron_agents.cli import main
from nemotron_agents.graphs import GRAPHS, GraphSpec
from nemotron_agents.tools import ToolRegistry


class Plan(BaseModel):
    title: str
    sections: list[str]


class State(TypedDict, total=False):
    messages: Annotated[list[BaseMessage], operator.add]
    plan: Plan
    tags: set[str]


def plan(state: State) -> dict[str, Any]:
    return {
        "messages": [AIMessage("planned")],
        "plan": Plan(title="Tides", sections=["Moon", "Sun"]),
        "tags": {"ocean"},
    }


def build(*, checkpointer=None, **_: Any) -> Any:
    graph = StateGraph(State)
    graph.add_node("plan", plan)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", END)
    return graph.compile(checkpointer=checkpointer)


def test_pydantic_objects_in_the_output_state_are_written_as_json(monkeypatch, capsys, tmp_path):
    spec = GraphSpec(
        name="planner", description="plans", tools=ToolRegistry([]), build=build, example="tides"
    )
    monkeypatch.setitem(GRAPHS, "planner", spec)
    monkeypatch.setenv("NVIDIA_BASE_URL", "http://127.0.0.1:9/v1")  # never called
    for extra in ([], ["--db", str(tmp_path / "t.sqlite")]):
        assert main(["run", "planner", "tides", "--json", *extra]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["plan"] == {"title": "Tides", "sections": ["Moon", "Sun"]}
        assert result["tags"] == ["ocean"] and result["answer"] == "planned"

"""Against NVIDIA's real endpoint: run with NVIDIA_API_KEY set (skipped otherwise)."""

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from nemotron_agents import build_agent, tool
from nemotron_agents.graphs.calculator import build_graph
from nemotron_agents.models.factory import fallback_model, primary_model
from nemotron_agents.settings import Settings

pytestmark = pytest.mark.live


def test_nemotron_uses_the_calculator():
    result = build_graph(settings=Settings.from_env()).invoke(
        {"messages": [HumanMessage("What is 15% of 240?")]}
    )
    results = [m.content for m in result["messages"] if isinstance(m, ToolMessage)]
    assert any("36" in r for r in results)
    assert "36" in result["messages"][-1].content
    assert result["usage"]


def test_streamed_multi_step_run_is_accepted_by_nvidia():
    graph = build_graph(settings=Settings.from_env())
    chunks = list(
        graph.stream(
            {"messages": [HumanMessage("Convert 5 miles to km, then add 10% to it.")]},
            stream_mode="messages",
        )
    )
    assert chunks


def test_nemo_12b_answers_as_fallback_model():
    settings = Settings.from_env()
    answer = fallback_model(settings).invoke("Say OK.")
    assert answer.content


class City(BaseModel):
    """A city."""

    name: str = Field(description="City name.")
    country: str = Field(description="Country name.")


def test_structured_output_on_nemotron():
    @tool
    def noop(x: str) -> str:
        """Does nothing.

        Args:
            x: Anything.
        """
        return x

    graph = build_agent(
        model=primary_model(Settings.from_env()), tools=[noop], response_format=City
    )
    result = graph.invoke({"messages": [HumanMessage("Which city is the capital of France?")]})
    assert result["structured_response"].name.lower() == "paris"

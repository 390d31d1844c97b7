"""``response_format``: the answer arrives through a tool of its shape and is validated."""

from langchain_core.messages import HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from nemotron_agents.agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call


class Answer(BaseModel):
    """The final answer."""

    value: int = Field(description="The number.")
    unit: str = Field(description="Its unit.")


def test_structured_output_via_tool_call_with_retry_on_bad_args(registry):
    model = ScriptedChatModel(
        [
            [tool_call("add", {"a": 40, "b": 2})],
            "It is 42.",  # prose: nudged to use the tool
            [tool_call("Answer", {"value": "lots"})],  # invalid: goes back as an error
            [tool_call("Answer", {"value": 42, "unit": "m"})],
        ]
    )
    graph = build_agent(model=model, tools=registry, response_format=Answer, fallback_model=False)
    result = graph.invoke({"messages": [HumanMessage("40+2 m")]})
    assert result["structured_response"] == Answer(value=42, unit="m")
    errors = [m for m in result["messages"] if isinstance(m, ToolMessage) and m.status == "error"]
    assert len(errors) == 1 and "value" in errors[0].content and "unit" in errors[0].content
    assert "Answer" in model.calls[2]["messages"][-1].content  # the nudge
    assert model.calls[0]["kwargs"]["tool_choice"] == "any"

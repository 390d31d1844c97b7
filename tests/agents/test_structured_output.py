"""``response_format``: the answer arrives through a tool of its shape and is validated."""

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ConfigError
from nemotron_agents.testing import ScriptedChatModel, tool_call


class Answer(BaseModel):
    """The final answer."""

    value: int = Field(description="The number.")
    unit: str = Field(description="Its unit.")


ANSWER = {"value": 42, "unit": "m"}


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


def test_an_invalid_answer_is_told_field_by_field():
    model = ScriptedChatModel(
        [[tool_call("Answer", {"value": "lots"})], [tool_call("Answer", ANSWER)]]
    )
    graph = build_agent(model=model, response_format=Answer, fallback_model=False)
    result = graph.invoke({"messages": [HumanMessage("how much?")]})
    (error, done) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert error.status == "error" and error.content == (
        "Invalid arguments for tool 'Answer':\n"
        "- value: Input should be a valid integer, unable to parse string as an integer\n"
        "- unit: Field required\n"
        "Fix these arguments and call the tool again."
    )
    assert done.content == "Final answer recorded."
    assert result["structured_response"] == Answer(**ANSWER)


def test_a_prose_answer_is_nudged_to_call_the_tool():
    model = ScriptedChatModel(["It is 42 m.", [tool_call("Answer", ANSWER)]])
    graph = build_agent(model=model, response_format=Answer, fallback_model=False)
    result = graph.invoke({"messages": [HumanMessage("how much?")]})
    nudge = model.calls[1]["messages"][-1]
    assert isinstance(nudge, HumanMessage)
    assert nudge.content == "Give your final answer by calling the `Answer` tool, not as text."
    assert result["structured_response"] == Answer(**ANSWER)


def test_a_model_that_never_gives_a_valid_answer_stops_at_max_steps():
    model = ScriptedChatModel(lambda messages, tools: [tool_call("Answer", {"value": "lots"})])
    graph = build_agent(model=model, response_format=Answer, fallback_model=False, max_steps=3)
    result = graph.invoke({"messages": [HumanMessage("how much?")]})
    assert len(model.calls) == 3
    assert result["structured_response"] is None
    assert result["messages"][-1].response_metadata["stopped"] == "max_steps"


def test_a_new_question_never_returns_the_last_answer():
    model = ScriptedChatModel([[tool_call("Answer", ANSWER)], "no idea", "still no idea"])
    graph = build_agent(
        model=model,
        response_format=Answer,
        fallback_model=False,
        max_steps=2,
        checkpointer=InMemorySaver(),
    )
    config = {"configurable": {"thread_id": "t"}}
    first = graph.invoke({"messages": [HumanMessage("how much?")]}, config)
    assert first["structured_response"] == Answer(**ANSWER)
    second = graph.invoke({"messages": [HumanMessage("and now?")]}, config)
    assert second["structured_response"] is None
    assert "stopped after 2 steps" in second["messages"][-1].content


def test_the_answer_tool_cannot_take_a_registered_tools_name(registry):
    class add(BaseModel):
        """Clashes with the add tool."""

        total: int = Field(description="The sum.")

    with pytest.raises(ConfigError, match="clashes with a registered tool"):
        build_agent(model=ScriptedChatModel(["x"]), tools=registry, response_format=add)

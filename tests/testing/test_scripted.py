import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool as lc_tool

from nemotron_agents.testing import ScriptedChatModel, ScriptExhaustedError, tool_call


@lc_tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def merged(stream):
    out = None
    for chunk in stream:
        out = chunk if out is None else out + chunk
    return out


def test_turns_in_order_and_exceptions_raised():
    model = ScriptedChatModel(["one", RuntimeError("boom"), AIMessage("three")])
    assert model.invoke("x").content == "one"
    with pytest.raises(RuntimeError, match="boom"):
        model.invoke("x")
    assert model.invoke("x").content == "three"
    with pytest.raises(ScriptExhaustedError, match="only 3 turns"):
        model.invoke("x")


def test_function_script_sees_messages_and_bound_tools():
    seen = {}

    def script(messages, tools):
        seen["tools"] = [t["function"]["name"] for t in tools]
        return [tool_call("add", {"a": len(messages), "b": 1})]

    model = ScriptedChatModel(script, model="m1")
    bound = model.bind_tools([add])
    answer = bound.invoke([HumanMessage("a"), HumanMessage("b")])
    assert seen["tools"] == ["add"]
    assert answer.tool_calls[0]["args"] == {"a": 2, "b": 1}
    assert model.bound_tools[0]["function"]["parameters"]["required"] == ["a", "b"]
    assert answer.response_metadata["model_name"] == "m1"
    assert answer.usage_metadata["total_tokens"] > 0


@pytest.mark.parametrize("style", ["incremental", "whole"])
def test_streaming_tool_call_chunks_merge_back(style):
    call = tool_call("add", {"a": 12345, "b": 67890}, id="AbC123xYz")
    model = ScriptedChatModel([AIMessage("thinking about it", tool_calls=[call])], stream_style=style)
    out = merged(model.bind_tools([add]).stream("x"))
    assert out.content == "thinking about it"
    assert out.tool_calls == [call]
    assert out.usage_metadata["output_tokens"] > 0
    # the streaming trap ChatNVIDIA has too: no raw tool calls in additional_kwargs
    assert "tool_calls" not in out.additional_kwargs


async def test_async_and_calls_recorded():
    model = ScriptedChatModel(["a", "b"])
    assert (await model.ainvoke("hi")).content == "a"
    assert (await model.ainvoke([HumanMessage("yo")], stop=["x"])).content == "b"
    assert [c["messages"][-1].content for c in model.calls] == ["hi", "yo"]
    assert model.turns_left == 0


def test_needs_a_script():
    with pytest.raises(ValueError, match="needs a script"):
        ScriptedChatModel([])

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
    model = ScriptedChatModel(
        [AIMessage("thinking about it", tool_calls=[call])], stream_style=style
    )
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


def nested(depth):
    value = {}
    inner = value
    for _ in range(depth):
        inner["a"] = {}
        inner = inner["a"]
    return value


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"v": nested(2_000)}, "nested too deeply to encode as JSON"),
        ({"v": {1, 2}}, "cannot be encoded as JSON: Object of type set is not JSON serializable"),
    ],
    ids=["2000-deep", "set"],
)
def test_arguments_json_cannot_carry_become_an_invalid_call(args, problem):
    ok = tool_call("add", {"a": 1, "b": 2})
    model = ScriptedChatModel([[tool_call("add", args, id="Deep00001"), ok]] * 2)
    answer = model.invoke("x")
    assert answer.tool_calls == [ok]
    (bad,) = answer.invalid_tool_calls
    assert (bad["id"], bad["name"]) == ("Deep00001", "add")
    assert problem in bad["error"]
    assert bad["args"].startswith("{'v': ") and len(bad["args"]) < 500
    # streamed, the call arrives as text that does not parse, as from a real model
    streamed = merged(model.stream("x"))
    assert streamed.tool_calls == [ok]
    assert [b["id"] for b in streamed.invalid_tool_calls] == ["Deep00001"]


def test_a_history_holding_a_too_deep_call_is_still_counted():
    history = [
        HumanMessage("x"),
        AIMessage("", tool_calls=[tool_call("add", {"v": nested(2_000)})]),
    ]
    answer = ScriptedChatModel(["fine"]).invoke(history)
    assert answer.content == "fine" and answer.usage_metadata["input_tokens"] > 0

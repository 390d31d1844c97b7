import socket

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_nvidia_ai_endpoints._utils import convert_message_to_dict
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ConfigError, ModelRequestError, ModelUnavailableError
from nemotron_agents.settings import Settings
from nemotron_agents.testing import ScriptedChatModel, tool_call

RATE_LIMITED = Exception("[429] Too Many Requests\n{'status': 429}")
SERVER_ERROR = Exception("[500] Internal Server Error\n{}")


def test_retryable_failures_fall_back_and_state_says_so(registry):
    primary = ScriptedChatModel(
        [RATE_LIMITED, SERVER_ERROR, TimeoutError("read timed out")] * 2, model="nemotron"
    )
    fallback = ScriptedChatModel([[tool_call("add", {"a": 1, "b": 2})], "3"], model="nemo-12b")
    graph = build_agent(
        model=primary, fallback_model=fallback, tools=registry, max_retries=2, initial_delay=0
    )
    result = graph.invoke({"messages": [HumanMessage("1+2")]})
    assert result["messages"][-1].content == "3"
    first, second = result["turns"]
    assert first["model"] == "nemo-12b" and first["fallback"] is True
    assert [m for m, _ in first["failures"]] == ["nemotron"] * 3
    assert "HTTP 429" in first["failures"][0][1]
    # once the primary is exhausted for a turn, the next turn tries it first again
    assert second["model"] == "nemo-12b" and second["failures"][0][0] == "nemotron"
    assert result["messages"][-1].response_metadata["answered_by"] == "nemo-12b"
    assert set(result["usage"]) == {"nemo-12b"}


def test_non_retryable_error_stops_and_the_thread_resumes(registry):
    primary = ScriptedChatModel(
        [[tool_call("add", {"a": 1, "b": 2})], Exception("[400] Bad Request\nsomething"), "3"],
        model="nemotron",
    )
    fallback = ScriptedChatModel(["never used"], model="nemo-12b")
    graph = build_agent(
        model=primary,
        fallback_model=fallback,
        tools=registry,
        checkpointer=InMemorySaver(),
        initial_delay=0,
    )
    config = {"configurable": {"thread_id": "t1"}}
    with pytest.raises(ModelRequestError, match="HTTP 400"):
        graph.invoke({"messages": [HumanMessage("1+2")]}, config)
    saved = graph.get_state(config)
    assert saved.next == ("agent",)
    assert [m.type for m in saved.values["messages"]] == ["human", "ai", "tool"]
    result = graph.invoke(None, config)  # resume: the failed step runs again
    assert result["messages"][-1].content == "3"
    assert fallback.calls == []


def test_both_models_down_gives_a_clear_error_and_a_resumable_thread(registry):
    primary = ScriptedChatModel([SERVER_ERROR, SERVER_ERROR, "back"], model="nemotron")
    fallback = ScriptedChatModel([ConnectionError("refused")] * 2, model="nemo-12b")
    graph = build_agent(
        model=primary,
        fallback_model=fallback,
        tools=registry,
        checkpointer=InMemorySaver(),
        max_retries=1,
        initial_delay=0,
    )
    config = {"configurable": {"thread_id": "t2"}}
    with pytest.raises(ModelUnavailableError) as info:
        graph.invoke({"messages": [HumanMessage("hi")]}, config)
    assert "tried nemotron, nemo-12b" in str(info.value)
    assert graph.get_state(config).next == ("agent",)
    assert graph.invoke(None, config)["messages"][-1].content == "back"


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


def test_approval_gates_side_effects(registry, deleted):
    DELETED = deleted

    calls = [
        tool_call("delete_file", {"path": "/tmp/a"}, id="DelA00001"),
        tool_call("delete_file", {"path": "/tmp/b"}, id="DelB00001"),
    ]
    model = ScriptedChatModel([calls, "done"])
    graph = build_agent(
        model=model, tools=registry, checkpointer=InMemorySaver(), fallback_model=False
    )
    config = {"configurable": {"thread_id": "t3"}}
    first = graph.invoke({"messages": [HumanMessage("clean up")]}, config)
    (pending,) = first["__interrupt__"]
    assert [r["args"]["path"] for r in pending.value["action_requests"]] == ["/tmp/a", "/tmp/b"]
    assert DELETED == []
    from langgraph.types import Command

    result = graph.invoke(
        Command(
            resume={"DelA00001": True, "DelB00001": {"decision": "reject", "reason": "keep b"}}
        ),
        config,
    )
    assert DELETED == ["/tmp/a"]
    a, b = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert a.content == "deleted /tmp/a" and b.status == "error" and "keep b" in b.content


def test_streamed_history_reaches_the_model_repaired(registry):
    """stream_mode="messages" makes the model stream; the next request still carries the calls."""
    model = ScriptedChatModel([[tool_call("add", {"a": 1, "b": 2}, id="call_x-1")], "3"])
    graph = build_agent(model=model, tools=registry, fallback_model=False)
    chunks = list(graph.stream({"messages": [HumanMessage("1+2")]}, stream_mode="messages"))
    assert chunks
    wire = [convert_message_to_dict(m) for m in model.calls[1]["messages"]]
    assert [m["role"] for m in wire] == ["user", "assistant", "tool"]
    assert wire[1]["content"] is None and wire[1]["tool_calls"][0]["function"]["name"] == "add"
    assert wire[1]["tool_calls"][0]["id"] == wire[2]["tool_call_id"]
    assert wire[2]["tool_call_id"].isalnum() and len(wire[2]["tool_call_id"]) == 9


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

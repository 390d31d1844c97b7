"""Retries and the fallback model inside an agent run: what the state records, what stops a run,
and that a failed run's thread resumes."""

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ModelRequestError, ModelUnavailableError
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

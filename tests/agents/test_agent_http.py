"""The agent end to end over HTTP: real ChatNVIDIA clients against the NIM emulator."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ModelRequestError, ModelUnavailableError
from nemotron_agents.models.factory import primary_model
from nemotron_agents.models.fallback import ModelChain
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMO_12B, MISTRAL_NEMOTRON, ToolCall
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

QUESTION = "What is 15% of 240?"


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def settings_for(emu, **kw):
    kw.setdefault("timeout", 2.0)
    return Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=1, **kw)


def http_agent(emu, **kw):
    return build_agent(
        tools=ToolRegistry(CALCULATOR_TOOLS),
        settings=kw.pop("settings", None) or settings_for(emu),
        initial_delay=0,
        **kw,
    )


def assert_all_accepted(emu):
    statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert statuses and all(s == 200 for s, _ in statuses), statuses


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_calculator_run_over_http(emu, mode):
    graph = http_agent(emu)
    inputs = {"messages": [HumanMessage(QUESTION)]}
    result = graph.invoke(inputs) if mode == "invoke" else await graph.ainvoke(inputs)
    (tm,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert tm.name == "percentage" and float(tm.content) == 36
    assert "36" in result["messages"][-1].content
    assert result["usage"][MISTRAL_NEMOTRON]["calls"] == 2
    assert result["usage"][MISTRAL_NEMOTRON]["input_tokens"] > 0
    assert_all_accepted(emu)


@pytest.mark.parametrize(
    ("fault", "params", "stream"),
    [
        ("rate_limit", {"retry_after": 0}, False),
        ("server_error", {}, False),
        ("unavailable", {}, False),
        ("delay", {"seconds": 1.5}, False),
        ("disconnect", {}, False),
        ("disconnect_mid_stream", {"after_chunks": 1}, True),
        ("empty_choices", {}, False),
    ],
)
def test_nemotron_failures_fall_back_to_nemo_12b(emu, fault, params, stream):
    emu.inject(fault, model=MISTRAL_NEMOTRON, times=None, **params)
    graph = http_agent(emu, settings=settings_for(emu, timeout=0.5))
    inputs = {"messages": [HumanMessage(QUESTION)]}
    result = _streamed_state(graph, inputs) if stream else graph.invoke(inputs)
    first = result["turns"][0]
    assert first["model"] == MISTRAL_NEMO_12B and first["fallback"] is True
    assert [m for m, _ in first["failures"]] == [MISTRAL_NEMOTRON, MISTRAL_NEMOTRON]
    assert "36" in result["messages"][-1].content
    assert result["messages"][-1].response_metadata["answered_by"] == MISTRAL_NEMO_12B
    models = [r.body["model"] for r in emu.chat_requests]
    assert MISTRAL_NEMOTRON in models and MISTRAL_NEMO_12B in models


def _streamed_state(graph, inputs):
    final = {}
    for mode, chunk in graph.stream(inputs, stream_mode=["messages", "values"]):
        if mode == "values":
            final = chunk
    return final


def test_both_models_down_is_a_clear_error_and_the_thread_resumes(emu):
    emu.inject("server_error", times=None)
    graph = http_agent(emu, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "down"}}
    with pytest.raises(ModelUnavailableError) as info:
        graph.invoke({"messages": [HumanMessage(QUESTION)]}, config)
    assert MISTRAL_NEMOTRON in str(info.value) and MISTRAL_NEMO_12B in str(info.value)
    assert "HTTP 500" in str(info.value)
    assert graph.get_state(config).next == ("agent",)
    emu.clear_faults()
    result = graph.invoke(None, config)
    assert "36" in result["messages"][-1].content


def test_rejected_request_stops_without_fallback(emu):
    emu.inject("bad_request", model=MISTRAL_NEMOTRON, message="nope")
    with pytest.raises(ModelRequestError, match="HTTP 400"):
        http_agent(emu).invoke({"messages": [HumanMessage(QUESTION)]})
    assert [r.body["model"] for r in emu.chat_requests] == [MISTRAL_NEMOTRON]


def test_streamed_multi_step_run_every_request_accepted(emu):
    """Studio streams with stream_mode="messages": the toolkit must repair each streamed turn."""
    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall("convert_units", {"value": 5, "from_unit": "mi", "to_unit": "km"}),
            [
                ToolCall("calculate", {"expression": "8.04672 * 1.1"}),
                ToolCall("percentage", {"operation": "percent_of", "a": 10, "b": 8.04672}),
            ],
            "5 miles is 8.05 km; plus 10% is 8.85 km.",
        ],
    )
    # history from another provider, with ids a Mistral server rejects
    history = [
        HumanMessage("What is 2+2?"),
        AIMessage(
            "",
            tool_calls=[
                {
                    "name": "calculate",
                    "args": {"expression": "2+2"},
                    "id": "call_x-1",
                    "type": "tool_call",
                }
            ],
        ),
        ToolMessage("4", tool_call_id="call_x-1"),
        AIMessage("4"),
        HumanMessage("Convert 5 miles to km, then add 10%."),
    ]
    graph = http_agent(emu)
    final = _streamed_state(graph, {"messages": history})
    assert final["messages"][-1].content.startswith("5 miles is 8.05 km")
    assert len(emu.chat_requests) == 3
    assert_all_accepted(emu)
    assert all(r.body.get("stream") is True for r in emu.chat_requests)
    last = emu.chat_requests[-1].body["messages"]
    assistant_turns = [m for m in last if m["role"] == "assistant" and m.get("tool_calls")]
    assert len(assistant_turns) == 3
    ids = [c["id"] for m in assistant_turns for c in m["tool_calls"]]
    assert all(len(i) == 9 and i.isalnum() for i in ids)
    assert sorted(ids) == sorted(m["tool_call_id"] for m in last if m["role"] == "tool")


async def test_retry_after_header_is_honoured_async(emu):
    emu.inject("rate_limit", model=MISTRAL_NEMOTRON, retry_after=2)
    slept = []

    async def record(seconds):
        slept.append(seconds)

    llm = primary_model(settings_for(emu))
    chain = ModelChain([llm], asleep=record, jitter=0)
    outcome = await chain.ainvoke([HumanMessage("hello")])
    assert slept == [2.0]
    assert outcome.model == MISTRAL_NEMOTRON and outcome.failures[0][0] == MISTRAL_NEMOTRON


def test_structured_output_over_http(emu):
    from pydantic import BaseModel, Field

    class Percent(BaseModel):
        """The answer."""

        value: float = Field(description="The computed value.")

    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall("percentage", {"operation": "percent_of", "a": 15, "b": 240}),
            ToolCall("Percent", {"value": 36}),
        ],
    )
    result = http_agent(emu, response_format=Percent).invoke({"messages": [HumanMessage(QUESTION)]})
    assert result["structured_response"] == Percent(value=36)
    assert emu.chat_requests[0].body["tool_choice"] == "required"
    assert_all_accepted(emu)


@pytest.mark.parametrize("fault", ["malformed_arguments", "unknown_tool"])
def test_bad_tool_calls_over_http_go_back_to_the_model(emu, fault):
    emu.inject(fault, model=MISTRAL_NEMOTRON)
    result = http_agent(emu).invoke({"messages": [HumanMessage(QUESTION)]})
    (error,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert error.status == "error"
    assert (
        ("not valid JSON" in error.content)
        if fault == "malformed_arguments"
        else ("Available tools" in error.content)
    )
    # the same run went on: the error reached the model in the next request, which was accepted
    follow_up = emu.chat_requests[1].body["messages"]
    assert follow_up[-1]["role"] == "tool" and follow_up[-1]["content"] == error.content
    assert isinstance(result["messages"][-1], AIMessage) and not result["messages"][-1].tool_calls
    assert_all_accepted(emu)

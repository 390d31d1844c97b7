"""NIMEmulator through the real ChatNVIDIA client: text, tools, streaming, usage, JSON output."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from pydantic import BaseModel, Field

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import (
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    ModelConfig,
)
from nemotron_agents.testing.emulator.offline import DECLINE_HINT

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*deprecated.*"),
    pytest.mark.filterwarnings("ignore:.*not known to support structured output.*"),
]


class GetWeather(BaseModel):
    """Get the weather for a city."""

    city: str = Field(description="City name")


class GetTime(BaseModel):
    """Get the current time in a city."""

    city: str


class Multiply(BaseModel):
    """Multiply two numbers."""

    a: float
    b: float


class Address(BaseModel):
    street: str
    zip_code: int


class Person(BaseModel):
    """A person."""

    name: str
    age: int
    home: Address
    tags: list[str]


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def chat(emu: NIMEmulator, model: str = MISTRAL_NEMOTRON, **kw) -> ChatNVIDIA:
    return ChatNVIDIA(model=model, base_url=emu.base_url, api_key="x", **kw)


def merge(chunks):
    total = None
    for chunk in chunks:
        total = chunk if total is None else total + chunk
    return total


async def amerge(chunks):
    total = None
    async for chunk in chunks:
        total = chunk if total is None else total + chunk
    return total


def test_model_given_makes_no_request_at_init(emu):
    chat(emu)
    assert emu.requests == []


def test_text_invoke(emu):
    reply = chat(emu).invoke("Hello there")
    assert reply.content == "You said: Hello there"
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.usage_metadata["input_tokens"] > 0
    assert reply.usage_metadata["total_tokens"] == (
        reply.usage_metadata["input_tokens"] + reply.usage_metadata["output_tokens"]
    )


def test_text_stream_merges_and_counts_usage_once(emu):
    llm = chat(emu)
    whole = llm.invoke("Tell me a story about a cat")
    streamed = merge(llm.stream("Tell me a story about a cat"))
    assert streamed.content == whole.content
    assert streamed.usage_metadata == whole.usage_metadata
    body = emu.chat_requests[-1].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_text_async(emu):
    llm = chat(emu)
    assert (await llm.ainvoke("hi")).content == "You said: hi"
    streamed = await amerge(llm.astream("hi"))
    assert streamed.content == "You said: hi"
    assert streamed.usage_metadata["output_tokens"] > 0


def test_tool_call_non_stream(emu):
    reply = chat(emu).bind_tools([GetWeather]).invoke("What is the weather in Paris?")
    assert reply.tool_calls == [
        {
            "name": "GetWeather",
            "args": {"city": "Paris"},
            "id": reply.tool_calls[0]["id"],
            "type": "tool_call",
        }
    ]
    assert reply.tool_calls[0]["id"].isalnum() and len(reply.tool_calls[0]["id"]) == 9
    assert reply.response_metadata["finish_reason"] == "tool_calls"
    raw = reply.additional_kwargs["tool_calls"][0]
    assert raw["function"]["arguments"] == '{"city": "Paris"}' and "index" not in raw


def test_number_arguments_from_text(emu):
    reply = chat(emu).bind_tools([Multiply]).invoke("multiply 6 by 7")
    assert reply.tool_calls[0]["args"] == {"a": 6, "b": 7}


def test_parallel_tool_calls(emu):
    reply = (
        chat(emu)
        .bind_tools([GetWeather, GetTime])
        .invoke("What is the weather in Paris and the time in Tokyo?")
    )
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("GetWeather", {"city": "Paris"}),
        ("GetTime", {"city": "Tokyo"}),
    ]
    assert len({c["id"] for c in reply.tool_calls}) == 2


def test_parallel_tool_calls_false_gives_one_call(emu):
    llm = chat(emu).bind_tools([GetWeather, GetTime], parallel_tool_calls=False)
    reply = llm.invoke("What is the weather in Paris and the time in Tokyo?")
    assert [c["name"] for c in reply.tool_calls] == ["GetWeather"]


@pytest.mark.parametrize("style", ["incremental", "whole"])
def test_both_stream_styles_merge_into_the_same_calls(style):
    models = [ModelConfig(MISTRAL_NEMOTRON, stream_style=style)]
    with NIMEmulator(models=models) as emu:
        llm = chat(emu).bind_tools([GetWeather, GetTime])
        question = "What is the weather in Paris and the time in Tokyo?"
        whole = llm.invoke(question)
        streamed = merge(llm.stream(question))
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        (c["name"], c["args"]) for c in whole.tool_calls
    ]
    assert all(len(c["id"]) == 9 for c in streamed.tool_calls)
    assert streamed.usage_metadata == whole.usage_metadata
    assert streamed.response_metadata["finish_reason"] == "tool_calls"


async def test_tool_call_async_stream(emu):
    emu.models[MISTRAL_NEMOTRON].stream_style = "whole"
    streamed = await amerge(chat(emu).bind_tools([GetWeather]).astream("weather in Rome"))
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        ("GetWeather", {"city": "Rome"})
    ]


def test_tool_choice_forces_a_call_and_none_forbids_it(emu):
    llm = chat(emu)
    forced = llm.bind_tools([GetWeather, GetTime], tool_choice="GetTime").invoke("hello")
    assert [c["name"] for c in forced.tool_calls] == ["GetTime"]
    assert emu.chat_requests[-1].body["tool_choice"] == {
        "type": "function",
        "function": {"name": "GetTime"},
    }
    required = llm.bind_tools([GetWeather], tool_choice="any").invoke("hello")
    assert [c["name"] for c in required.tool_calls] == ["GetWeather"]
    assert emu.chat_requests[-1].body["tool_choice"] == "required"
    none = llm.bind_tools([GetWeather], tool_choice=False).invoke("weather in Paris")
    assert none.tool_calls == [] and none.content


def test_irrelevant_tools_are_not_called(emu):
    reply = chat(emu).bind_tools([GetWeather]).invoke("Tell me a joke")
    assert reply.tool_calls == [] and '"Tell me a joke"' in reply.content
    assert reply.content.endswith(DECLINE_HINT)


def test_round_trip_answers_with_tool_results(emu):
    llm = chat(emu).bind_tools([GetWeather])
    ask = HumanMessage("What is the weather in Paris?")
    call = llm.invoke([ask])
    result = ToolMessage("sunny, 21 C", tool_call_id=call.tool_calls[0]["id"])
    answer = llm.invoke([ask, call, result])
    assert answer.content == 'The weather for city "Paris" is sunny, 21 C.'
    sent = emu.chat_requests[-1].body["messages"][1]
    assert sent["role"] == "assistant" and sent["content"] is None and sent["tool_calls"]


def test_nemo_12b_round_trip(emu):
    llm = chat(emu, MISTRAL_NEMO_12B).bind_tools([GetWeather])
    ask = HumanMessage("weather in Oslo")
    call = llm.invoke([ask])
    answer = llm.invoke([ask, call, ToolMessage("snow", tool_call_id=call.tool_calls[0]["id"])])
    assert "snow" in answer.content
    assert emu.chat_requests[-1].model == MISTRAL_NEMO_12B


def test_structured_output_with_nested_refs(emu):
    person = chat(emu).with_structured_output(Person).invoke("Describe Ada Lovelace, 36 years old")
    assert isinstance(person, Person)
    assert person.name == "Ada Lovelace" and person.age == 36
    assert [r.method for r in emu.requests] == ["GET", "POST"]
    fmt = emu.chat_requests[-1].body["response_format"]
    assert fmt["type"] == "json_schema" and "$defs" in fmt["json_schema"]["schema"]


async def test_structured_output_async(emu):
    weather = await chat(emu).with_structured_output(GetWeather).ainvoke("weather in Lima")
    assert weather == GetWeather(city="Lima")


def test_guided_json_ignored_makes_client_fall_back_and_fail():
    with NIMEmulator(honour_guided_json=False) as emu:
        emu.inject("bad_request", message="response_format is not supported")
        # response_format refused, guided_json / nvext ignored (prose the parser cannot read):
        # the client re-raises the first failure.
        with pytest.raises(Exception, match=r"^\[400\].*response_format is not supported"):
            chat(emu).with_structured_output(GetWeather).invoke("weather in Lima")
    bodies = [r.body for r in emu.chat_requests]
    assert "response_format" in bodies[0] and "guided_json" in bodies[1] and "nvext" in bodies[2]


def test_guided_json_honoured_by_default(emu):
    emu.inject("bad_request", message="response_format is not supported")
    assert chat(emu).with_structured_output(GetWeather).invoke("weather in Lima") == GetWeather(
        city="Lima"
    )
    assert "guided_json" in emu.chat_requests[-1].body


def test_max_tokens_cuts_text_with_finish_reason_length(emu):
    reply = chat(emu, max_completion_tokens=2).invoke("a rather long question indeed")
    assert reply.response_metadata["finish_reason"] == "length"
    assert reply.content == "You said"
    assert emu.chat_requests[-1].body["max_tokens"] == 2


def test_streamed_history_bug_is_rejected_and_fixed_history_passes(emu):
    """The streaming bug: a merged stream drops additional_kwargs, so ChatNVIDIA sends
    {"role": "assistant", "content": ""} before the tool result, which Mistral refuses."""
    llm = chat(emu).bind_tools([GetWeather])
    ask = HumanMessage("weather in Paris")
    streamed = merge(llm.stream([ask]))
    result = ToolMessage("sunny", tool_call_id=streamed.tool_calls[0]["id"])
    with pytest.raises(Exception) as err:
        llm.invoke([ask, streamed, result])
    assert str(err.value).startswith("[400]")
    assert f"Unexpected tool call id {streamed.tool_calls[0]['id']} in tool results" in str(
        err.value
    )
    sent = emu.chat_requests[-1].body["messages"][1]
    assert sent == {"role": "assistant", "content": ""}
    raw = [
        {
            "id": c["id"],
            "type": "function",
            "function": {"name": c["name"], "arguments": '{"city": "Paris"}'},
        }
        for c in streamed.tool_calls
    ]
    fixed = AIMessage(
        content="", tool_calls=streamed.tool_calls, additional_kwargs={"tool_calls": raw}
    )
    assert llm.invoke([ask, fixed, result]).content == 'The weather for city "Paris" is sunny.'

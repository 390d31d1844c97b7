"""Policies (auto, scripted, callback) and the helpers behind ``auto``."""

from __future__ import annotations

import json

import pytest
import requests
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from pydantic import BaseModel

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import (
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    Fault,
    Reply,
    ToolCall,
)
from nemotron_agents.testing.emulator._encoding import (
    IdSource,
    count_tokens,
    prompt_tokens,
)
from nemotron_agents.testing.emulator._model.replies import coerce_reply
from nemotron_agents.testing.emulator._model.schema_values import TextHints, make_value
from nemotron_agents.testing.emulator._policies import auto_reply, relevance

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


class GetWeather(BaseModel):
    """Get the weather for a city."""

    city: str


def llm_for(emu: NIMEmulator, model: str = MISTRAL_NEMOTRON) -> ChatNVIDIA:
    return ChatNVIDIA(model=model, base_url=emu.base_url, api_key="x")


# --- scripted ---------------------------------------------------------------------------------


def test_script_plays_replies_in_order_then_says_it_ran_dry():
    with NIMEmulator() as emu:
        emu.script(
            MISTRAL_NEMOTRON,
            [
                ("GetWeather", {"city": "Paris"}),
                [
                    ToolCall("GetWeather", {"city": "Oslo"}),
                    {"name": "GetWeather", "args": {"city": "Rome"}},
                ],
                "All done.",
            ],
        )
        llm = llm_for(emu).bind_tools([GetWeather])
        first = llm.invoke("anything")
        second = llm.invoke("anything")
        third = llm.invoke("anything")
        assert (
            llm_for(emu, MISTRAL_NEMO_12B).invoke("hi").content == "You said: hi"
        )  # other model: auto
        with pytest.raises(Exception) as err:
            llm.invoke("anything")
    assert [c["args"] for c in first.tool_calls] == [{"city": "Paris"}]
    assert [c["args"]["city"] for c in second.tool_calls] == ["Oslo", "Rome"]
    assert third.content == "All done."
    assert str(err.value).startswith(
        "[400]"
    ) and "no scripted reply left for model 'mistralai/mistral-nemotron'" in str(err.value)


def test_script_for_any_model_and_streaming():
    with NIMEmulator() as emu:
        emu.script(
            None,
            [
                Reply(
                    content="Hi there",
                    tool_calls=[ToolCall("GetWeather", {"city": "Nice"}, id="AAAAbbbb1")],
                )
            ],
        )
        chunks = list(llm_for(emu, MISTRAL_NEMO_12B).bind_tools([GetWeather]).stream("x"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == "Hi there"
    assert merged.tool_calls == [
        {"name": "GetWeather", "args": {"city": "Nice"}, "id": "AAAAbbbb1", "type": "tool_call"}
    ]


def test_raw_string_arguments_are_sent_verbatim():
    with NIMEmulator() as emu:
        emu.script(MISTRAL_NEMOTRON, [ToolCall("GetWeather", "{'city': 'Paris'}")])
        reply = llm_for(emu).bind_tools([GetWeather]).invoke("x")
    assert reply.invalid_tool_calls[0]["args"] == "{'city': 'Paris'}"


def test_callback_policy_sees_the_request_and_may_defer_to_auto():
    seen = []

    def policy(body):
        seen.append(body)
        return (
            None
            if body["messages"][-1]["content"] == "auto please"
            else f"{len(body['messages'])} messages"
        )

    with NIMEmulator(policy=policy) as emu:
        llm = llm_for(emu)
        assert llm.invoke("hi").content == "1 messages"
        assert llm.invoke("auto please").content == "You said: auto please"
        emu.set_policy(MISTRAL_NEMOTRON, "auto")
        assert llm.invoke("hi").content == "You said: hi"
    assert seen[0]["model"] == MISTRAL_NEMOTRON and len(seen) == 2


def test_failing_callback_is_a_500_with_the_traceback_recorded():
    def policy(body):
        raise RuntimeError("boom")

    with NIMEmulator(policy=policy) as emu, pytest.raises(Exception) as err:
        llm_for(emu).invoke("hi")
    assert str(err.value).startswith("[500]") and "RuntimeError: boom" in str(err.value)
    assert "RuntimeError: boom" in emu.requests[-1].error


def test_set_policy_default_and_script_validation():
    with NIMEmulator() as emu:
        emu.set_policy(None, lambda body: "from callback")
        assert llm_for(emu, MISTRAL_NEMO_12B).invoke("hi").content == "from callback"
        with pytest.raises(TypeError, match="not a tool call"):
            emu.script(MISTRAL_NEMOTRON, [42])
        with pytest.raises(ValueError, match="policy"):
            emu.set_policy(MISTRAL_NEMOTRON, "clever")


def test_coerce_reply_forms():
    assert coerce_reply("hi") == Reply(content="hi")
    assert coerce_reply(Fault("server_error")).fault == Fault("server_error")
    assert coerce_reply(("f", {"x": 1})).tool_calls[0] == ToolCall("f", {"x": 1})
    assert (
        coerce_reply({"name": "f", "arguments": {"x": 1}, "id": "abcdefghi"}).tool_calls[0].id
        == "abcdefghi"
    )


# --- auto ---------------------------------------------------------------------------------------


def tool(name: str, description: str, properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required or list(properties),
            },
        },
    }


def test_relevance_scores_name_words_over_description_words():
    weather = tool("get_weather", "Look up the forecast for a city.", {"city": {"type": "string"}})
    assert relevance("weather please", weather) == (3, True)
    assert relevance("what's the forecast for this city?", weather) == (2, False)  # forecast, city
    assert relevance("tell me a joke", weather) == (0, False)


def test_loose_word_matching_and_spoken_enum_values():
    percentage = tool(
        "percentage",
        "Compute a percent of b or the change from a to b.",
        {
            "operation": {"type": "string", "enum": ["percent_of", "percent_change"]},
            "a": {"type": "number"},
            "b": {"type": "number"},
        },
    )
    ids = IdSource(1).tool_call_id
    of = auto_reply(
        {"messages": [{"role": "user", "content": "What is 15% of 240?"}], "tools": [percentage]},
        ids=ids,
    )
    assert of.tool_calls[0].arguments == {"operation": "percent_of", "a": 15, "b": 240}
    change = auto_reply(
        {
            "messages": [{"role": "user", "content": "percent change from 50 to 75"}],
            "tools": [percentage],
        },
        ids=ids,
    )
    assert change.tool_calls[0].arguments == {"operation": "percent_change", "a": 50, "b": 75}
    assert relevance("a unit conversion please", tool("convert_units", "", {})) == (
        6,
        True,
    )  # unit, convert


def test_forced_call_fills_enums_numbers_and_defaults_from_the_schema():
    """A forced call the offline policy cannot map still goes out, filled by make_value."""
    convert = tool(
        "convert_units",
        "Convert a value between units.",
        {
            "value": {"type": "number"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "precision": {"type": "integer", "minimum": 1, "maximum": 5},
            "verbose": {"type": "boolean", "default": True},
        },
        required=["value", "unit", "precision", "verbose"],
    )
    reply = auto_reply(
        {
            "messages": [
                {"role": "user", "content": "convert 72.5 to celsius units with 9 digits"}
            ],
            "tools": [convert],
            "tool_choice": "required",
        },
        ids=IdSource(1).tool_call_id,
    )
    assert reply.tool_calls[0].arguments == {
        "value": 72.5,
        "unit": "celsius",
        "precision": 5,
        "verbose": True,
    }


def test_quoted_strings_win_and_optional_fields_stay_out():
    search = tool(
        "search_docs",
        "Search the documentation.",
        {"query": {"type": "string"}, "limit": {"type": "integer"}},
        ["query"],
    )
    reply = auto_reply(
        {
            "messages": [{"role": "user", "content": 'search docs for "retry policy" please'}],
            "tools": [search],
        },
        ids=IdSource(1).tool_call_id,
    )
    assert reply.tool_calls[0].arguments == {"query": "retry policy"}


def test_forced_call_uses_the_text_for_strings_without_better_hints():
    notes = tool("save_note", "Save a note.", {"text": {"type": "string", "maxLength": 12}})
    body = {"messages": [{"role": "user", "content": "save note buy milk today"}], "tools": [notes]}
    declined = auto_reply(body, ids=IdSource(1).tool_call_id)  # "buy milk today" is too long
    assert not declined.tool_calls and "longer than it allows" in declined.content
    reply = auto_reply({**body, "tool_choice": "required"}, ids=IdSource(1).tool_call_id)
    assert reply.tool_calls[0].arguments == {"text": "save note bu"}


def test_make_value_handles_refs_unions_formats_and_arrays():
    schema = {
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"sku": {"type": "string", "minLength": 5}},
                "required": ["sku"],
            }
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 2},
            "when": {"type": "string", "format": "date-time"},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
            "fixed": {"const": "x"},
            "both": {"allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}]},
        },
        "required": ["items", "when", "maybe", "fixed", "both"],
    }
    value = make_value(schema, TextHints(""))
    assert value == {
        "items": [{"sku": "skuxx"}, {"sku": "skuxx"}],  # the property name, padded to minLength
        "when": "2024-01-01T00:00:00Z",
        "maybe": 0,
        "fixed": "x",
        "both": {"a": 0},
    }


def test_recursive_schema_terminates():
    schema = {
        "$defs": {
            "N": {
                "type": "object",
                "properties": {"next": {"$ref": "#/$defs/N"}},
                "required": ["next"],
            }
        },
        "$ref": "#/$defs/N",
    }
    value = make_value(schema, TextHints("x"))
    depth = 0
    while isinstance(value, dict) and "next" in value:
        value, depth = value["next"], depth + 1
    assert 5 < depth < 12


def test_text_hints():
    hints = TextHints('Book a table at "Chez Paul" in New York for 4 people. Paris next')
    assert hints.quoted == ["Chez Paul"] and hints.numbers == [4.0]
    assert hints.names == ["Chez Paul", "New York"]  # "Book" and "Paris" start sentences


def test_json_object_response_format_and_guided_json_over_http():
    with NIMEmulator() as emu:
        url = f"{emu.base_url}/chat/completions"
        base = {"messages": [{"role": "user", "content": "hi"}]}
        obj = requests.post(
            url, json={**base, "response_format": {"type": "json_object"}}, timeout=5
        ).json()
        guided = requests.post(
            url,
            json={
                **base,
                "nvext": {
                    "guided_json": {"type": "object", "properties": {"n": {"type": "integer"}}}
                },
            },
            timeout=5,
        ).json()
    assert json.loads(obj["choices"][0]["message"]["content"]) == {"response": "hi"}
    assert json.loads(guided["choices"][0]["message"]["content"]) == {"n": 0}


# --- ids and tokens -------------------------------------------------------------------------


def test_ids_are_seeded_and_valid():
    a, b = IdSource(7), IdSource(7)
    ids = [a.tool_call_id() for _ in range(5)]
    assert ids == [b.tool_call_id() for _ in range(5)]
    assert all(len(i) == 9 and i.isalnum() and i.isascii() for i in ids)
    assert a.completion_id().startswith("chatcmpl-")


def test_same_seed_same_ids_over_http():
    def ids(seed):
        with NIMEmulator(seed=seed) as emu:
            return [
                c["id"]
                for c in llm_for(emu).bind_tools([GetWeather]).invoke("weather in Paris").tool_calls
            ]

    assert ids(3) == ids(3) != ids(4)


def test_token_estimate():
    assert count_tokens("") == 0 and count_tokens("abcd") == 1 and count_tokens("abcde") == 2
    assert prompt_tokens([{"role": "user", "content": "abcd"}]) == 5  # 4 framing + 1
    assert prompt_tokens([{"role": "user", "content": [{"type": "text", "text": "abcd"}]}]) == 5


def _calculator_body(text: str) -> dict:
    from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

    return {
        "messages": [{"role": "user", "content": text}],
        "tools": [t.to_openai() for t in CALCULATOR_TOOLS],
    }


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("What is 2 ** 10 + sqrt(16)?", "calculate", {"expression": "2 ** 10 + sqrt(16)"}),
        (
            "Convert 5 miles to km",
            "convert_units",
            {"value": 5, "from_unit": "miles", "to_unit": "km"},
        ),
        ("What is 15% of 240?", "percentage", {"operation": "percent_of", "a": 15, "b": 240}),
        (
            "percent change from 50 to 75",
            "percentage",
            {"operation": "percent_change", "a": 50, "b": 75},
        ),
    ],
)
def test_auto_fills_expressions_and_several_strings_from_the_text(text, name, args):
    reply = auto_reply(_calculator_body(text), ids=IdSource(0).tool_call_id)
    (call,) = reply.tool_calls
    assert (call.name, call.arguments) == (name, args)


def test_find_expression_needs_an_operator():
    from nemotron_agents.testing.emulator._model.schema_values import find_expression

    assert find_expression("what is (1 + 2) * 3 today") == "(1 + 2) * 3"
    assert find_expression("15% of 240") is None
    assert find_expression("room 101") is None

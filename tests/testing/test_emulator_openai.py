"""The official openai client parses every kind of NIMEmulator answer."""

from __future__ import annotations

import json

import openai
import pytest

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import (
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    ModelConfig,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Current time in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
]
ASK = [{"role": "user", "content": "What is the weather in Paris and the time in Tokyo?"}]


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


@pytest.fixture
def client(emu):
    return openai.OpenAI(base_url=emu.base_url, api_key="x", max_retries=0, timeout=5)


def test_models_list(client):
    models = client.models.list()
    assert [m.id for m in models.data] == [MISTRAL_NEMOTRON, MISTRAL_NEMO_12B]
    assert all(m.object == "model" and m.owned_by for m in models.data)


def test_non_stream_text_and_tools(client):
    text = client.chat.completions.create(
        model=MISTRAL_NEMOTRON, messages=[{"role": "user", "content": "hi"}]
    )
    assert text.choices[0].message.content == "You said: hi"
    assert text.usage.total_tokens == text.usage.prompt_tokens + text.usage.completion_tokens
    calls = client.chat.completions.create(model=MISTRAL_NEMOTRON, messages=ASK, tools=TOOLS)
    choice = calls.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert [
        (c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls
    ] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"city": "Tokyo"}),
    ]


@pytest.mark.parametrize("style", ["incremental", "whole"])
def test_stream_chunks_and_usage(style):
    with NIMEmulator(models=[ModelConfig(MISTRAL_NEMOTRON, stream_style=style)]) as emu:
        client = openai.OpenAI(base_url=emu.base_url, api_key="x", max_retries=0)
        stream = client.chat.completions.create(
            model=MISTRAL_NEMOTRON,
            messages=ASK,
            tools=TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
    calls: dict[int, dict] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                entry = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
                entry["id"] = delta.id or entry["id"]
                entry["name"] += delta.function.name or ""
                entry["arguments"] += delta.function.arguments or ""
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        ("get_weather", {"city": "Paris"}),
        ("get_time", {"city": "Tokyo"}),
    ]
    assert all(len(c["id"]) == 9 for c in calls.values())
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ] == ["tool_calls"]


def test_stream_without_usage_option_sends_no_usage_chunk(client):
    chunks = list(
        client.chat.completions.create(
            model=MISTRAL_NEMOTRON, messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert all(c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "You said: hi"


def test_structured_output_parse(client):
    from pydantic import BaseModel

    class City(BaseModel):
        name: str
        population: int

    parsed = client.chat.completions.parse(
        model=MISTRAL_NEMOTRON,
        messages=[{"role": "user", "content": "Tell me about Lyon, 500000 people"}],
        response_format=City,
    )
    assert parsed.choices[0].message.parsed == City(name="Lyon", population=500000)


@pytest.mark.parametrize(
    ("setup", "body", "error"),
    [
        (
            None,
            {"messages": [{"role": "user", "content": "hi"}], "temperature": 5},
            openai.BadRequestError,
        ),
        (None, {"messages": [], "model": "nope"}, openai.NotFoundError),
        (
            ("rate_limit", {"retry_after": 1}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.RateLimitError,
        ),
        (
            ("server_error", {}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.InternalServerError,
        ),
        (
            ("unavailable", {}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.InternalServerError,
        ),
        (
            ("unauthorized", {}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.AuthenticationError,
        ),
        (
            ("forbidden", {}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.PermissionDeniedError,
        ),
        (
            ("disconnect", {}),
            {"messages": [{"role": "user", "content": "hi"}]},
            openai.APIConnectionError,
        ),
    ],
)
@pytest.mark.parametrize("hosted", [False, True], ids=["local", "hosted"])
def test_errors_map_to_openai_exceptions(setup, body, error, hosted):
    with NIMEmulator(hosted=hosted) as emu:
        if setup:
            emu.inject(setup[0], **setup[1])
        client = openai.OpenAI(base_url=emu.base_url, api_key="nvapi-x", max_retries=0, timeout=5)
        body = dict(body)
        with pytest.raises(error) as err:
            client.chat.completions.create(model=body.pop("model", MISTRAL_NEMOTRON), **body)
    if (
        isinstance(err.value, openai.APIStatusError)
        and isinstance(err.value.body, dict)
        and not hosted
    ):
        assert err.value.body["code"] == err.value.status_code  # openai unwraps {"error": {...}}


def test_bad_request_message_reaches_the_exception(client):
    messages = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "AbC123xYz",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "AbC123xYz"},
        {"role": "user", "content": "thanks"},
    ]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model=MISTRAL_NEMOTRON, messages=messages, tools=TOOLS)
    assert err.value.body["message"] == "Unexpected role 'user' after role 'tool'"


def test_empty_choices_and_broken_arguments_parse(emu, client):
    emu.inject("empty_choices")
    assert (
        client.chat.completions.create(
            model=MISTRAL_NEMOTRON, messages=[{"role": "user", "content": "hi"}]
        ).choices
        == []
    )
    emu.inject("malformed_arguments")
    reply = client.chat.completions.create(model=MISTRAL_NEMOTRON, messages=ASK, tools=TOOLS)
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.choices[0].message.tool_calls[0].function.arguments)
    emu.inject("disconnect_mid_stream")
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(model=MISTRAL_NEMOTRON, messages=ASK, stream=True))


async def test_async_client(emu):
    client = openai.AsyncOpenAI(base_url=emu.base_url, api_key="x", max_retries=0)
    reply = await client.chat.completions.create(
        model=MISTRAL_NEMO_12B, messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.choices[0].message.content == "You said: hi"
    stream = await client.chat.completions.create(
        model=MISTRAL_NEMO_12B, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "You said: hi"
    await client.close()

"""NIMEmulator generates as a vLLM-served model does: max_tokens, stop, n, logprobs, usage."""

from __future__ import annotations

import json

import openai
import pytest
import requests
from langchain_nvidia_ai_endpoints import ChatNVIDIA

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ModelConfig, ToolCall

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

WEATHER = {
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
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def post(emu: NIMEmulator, **body) -> requests.Response:
    body = {"model": MISTRAL_NEMOTRON, "messages": ASK, **body}
    return requests.post(f"{emu.base_url}/chat/completions", json=body, timeout=10)


def sse_chunks(emu: NIMEmulator, **body) -> list[dict]:
    response = post(emu, stream=True, **body)
    assert response.status_code == 200, response.text
    lines = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line[6:]) for line in lines[:-1]]


def merged_arguments(chunks: list[dict], index: int = 0) -> list[str]:
    args: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            for call in choice["delta"].get("tool_calls") or []:
                if choice["index"] == index:
                    args[call["index"]] = args.get(call["index"], "") + call["function"].get(
                        "arguments", ""
                    )
    return [args[i] for i in sorted(args)]


def finish_reasons(chunks: list[dict]) -> list[str]:
    return [c["finish_reason"] for chunk in chunks for c in chunk["choices"] if c["finish_reason"]]


# --- max_tokens ------------------------------------------------------------------------------


def test_max_tokens_cuts_a_tool_call_and_reports_length(emu):
    # "get_weather" is 3 estimated tokens, '{"city": "Paris"}' 5: a 5-token budget leaves 2
    # (8 chars)
    choice = post(emu, tools=[WEATHER], tool_choice="required", max_tokens=5).json()["choices"][0]
    assert choice["finish_reason"] == "length"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":'}
    with pytest.raises(json.JSONDecodeError):
        json.loads(call["function"]["arguments"])


def test_enough_max_tokens_leaves_tool_calls_whole(emu):
    choice = post(emu, tools=[WEATHER], tool_choice="required", max_tokens=8).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


def test_max_tokens_drops_calls_not_begun_and_usage_stays_within_it(emu):
    emu.script(
        None,
        [[ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_weather", {"city": "Lima"})]],
    )
    answer = post(emu, tools=[WEATHER], max_tokens=10).json()
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "length"
    assert [c["function"]["arguments"] for c in choice["message"]["tool_calls"]] == [
        '{"city": "Paris"}'
    ]
    assert answer["usage"]["completion_tokens"] <= 10


@pytest.mark.parametrize("style", ["incremental", "whole"])
def test_max_tokens_cuts_streamed_tool_calls(style):
    with NIMEmulator(models=[ModelConfig(MISTRAL_NEMOTRON, stream_style=style)]) as emu:
        chunks = sse_chunks(emu, tools=[WEATHER], tool_choice="required", max_tokens=5)
    assert merged_arguments(chunks) == ['{"city":']
    assert finish_reasons(chunks) == ["length"]


def test_max_tokens_through_chatnvidia_gives_an_invalid_tool_call(emu):
    llm = ChatNVIDIA(
        model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x", max_completion_tokens=5
    )
    reply = llm.bind_tools([WEATHER], tool_choice="get_weather").invoke(
        "What is the weather in Paris?"
    )
    assert reply.response_metadata["finish_reason"] == "length"
    assert reply.tool_calls == []
    assert [(c["name"], c["args"]) for c in reply.invalid_tool_calls] == [
        ("get_weather", '{"city":')
    ]


# --- stop ------------------------------------------------------------------------------------


def test_stop_cuts_text_before_the_first_stop_string(emu):
    choice = post(
        emu, messages=[{"role": "user", "content": "one two three four"}], stop=["four", "two"]
    ).json()["choices"][0]
    assert choice["message"]["content"] == "You said: one "
    assert (choice["finish_reason"], choice["stop_reason"]) == ("stop", "two")


def test_include_stop_str_in_output_keeps_the_stop_string(emu):
    body = {"messages": [{"role": "user", "content": "one two three"}], "stop": "two"}
    choice = post(emu, include_stop_str_in_output=True, **body).json()["choices"][0]
    assert choice["message"]["content"] == "You said: one two"


def test_stop_string_not_in_the_text_changes_nothing(emu):
    choice = post(emu, messages=[{"role": "user", "content": "hello"}], stop="zzz").json()[
        "choices"
    ][0]
    assert choice["message"]["content"] == "You said: hello"
    assert (choice["finish_reason"], choice["stop_reason"]) == ("stop", None)


def test_stop_when_streamed(emu):
    chunks = sse_chunks(emu, messages=[{"role": "user", "content": "one two three"}], stop="three")
    text = "".join(c["delta"].get("content", "") for chunk in chunks for c in chunk["choices"])
    final = [c for chunk in chunks for c in chunk["choices"] if c["finish_reason"]]
    assert text == "You said: one two "
    assert [(c["finish_reason"], c["stop_reason"]) for c in final] == [("stop", "three")]


def test_stop_through_chatnvidia(emu):
    llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x")
    assert llm.invoke("alpha beta gamma", stop=["beta"]).content == "You said: alpha "


def test_max_tokens_wins_when_the_stop_string_comes_too_late(emu):
    text = "a" * 40 + " STOP"
    choice = post(
        emu, messages=[{"role": "user", "content": text}], stop="STOP", max_tokens=3
    ).json()["choices"][0]
    assert (choice["finish_reason"], choice["stop_reason"]) == ("length", None)
    assert choice["message"]["content"] == "You said: aa"  # 3 tokens of 4 characters


# --- n -----------------------------------------------------------------------------------------


def test_n_returns_n_choices_each_with_its_own_call_ids(emu):
    answer = post(emu, tools=[WEATHER], n=3).json()
    single = post(emu, tools=[WEATHER]).json()
    assert [c["index"] for c in answer["choices"]] == [0, 1, 2]
    calls = [c["message"]["tool_calls"][0] for c in answer["choices"]]
    assert {c["function"]["arguments"] for c in calls} == {'{"city": "Paris"}'}
    assert len({c["id"] for c in calls}) == 3 and all(
        len(c["id"]) == 9 and c["id"].isalnum() for c in calls
    )
    assert answer["usage"]["completion_tokens"] == 3 * single["usage"]["completion_tokens"]


def test_n_when_streamed(emu):
    chunks = sse_chunks(emu, messages=[{"role": "user", "content": "hi"}], n=2)
    for index in (0, 1):
        text = "".join(
            c["delta"].get("content", "")
            for chunk in chunks
            for c in chunk["choices"]
            if c["index"] == index
        )
        assert text == "You said: hi"
    assert finish_reasons(chunks) == ["stop", "stop"]


def test_n_through_the_openai_client(emu):
    client = openai.OpenAI(base_url=emu.base_url, api_key="x", max_retries=0, timeout=5)
    answer = client.chat.completions.create(model=MISTRAL_NEMOTRON, messages=ASK, n=2)
    assert [c.message.content for c in answer.choices] == [
        "You said: What is the weather in Paris?"
    ] * 2


def test_huge_n_times_a_long_answer_is_refused(emu):
    answer = post(emu, messages=[{"role": "user", "content": "x" * 4000}], n=16_000)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "n=16000 choices of 4010 characters each are more than the 4000000 characters the emulator "
        "generates for one response"
    )


# --- logprobs ----------------------------------------------------------------------------------


def test_logprobs_cover_the_text_with_top_alternatives(emu):
    client = openai.OpenAI(base_url=emu.base_url, api_key="x", max_retries=0, timeout=5)
    answer = client.chat.completions.create(
        model=MISTRAL_NEMOTRON, messages=ASK, logprobs=True, top_logprobs=3
    )
    choice = answer.choices[0]
    tokens = choice.logprobs.content
    assert "".join(t.token for t in tokens) == choice.message.content
    assert len(tokens) == answer.usage.completion_tokens
    for token in tokens:
        assert -1 < token.logprob < 0 and bytes(token.bytes).decode() == token.token
        assert len(token.top_logprobs) == 3 and token.top_logprobs[0].token == token.token
        ranked = [t.logprob for t in token.top_logprobs]
        assert ranked == sorted(ranked, reverse=True) and len(set(ranked)) == 3


def test_no_logprobs_unless_asked(emu):
    assert post(emu).json()["choices"][0]["logprobs"] is None
    zero = post(emu, logprobs=True).json()["choices"][0]["logprobs"]["content"]
    assert zero and all(t["top_logprobs"] == [] for t in zero)  # top_logprobs defaults to 0


def test_logprobs_when_streamed(emu):
    chunks = sse_chunks(emu, logprobs=True, top_logprobs=1, tools=[WEATHER])
    entries = [
        t
        for chunk in chunks
        for c in chunk["choices"]
        if c["logprobs"]
        for t in c["logprobs"]["content"]
    ]
    assert "".join(t["token"] for t in entries) == "get_weather" + '{"city": "Paris"}'
    assert all(len(t["top_logprobs"]) == 1 for t in entries)


# --- usage -------------------------------------------------------------------------------------


def test_usage_is_sent_once_at_the_end_of_a_stream(emu):
    with_usage = sse_chunks(emu, stream_options={"include_usage": True})
    assert [("usage" in c) for c in with_usage] == [False] * (len(with_usage) - 1) + [True]
    assert with_usage[-1]["choices"] == [] and with_usage[-1]["usage"] == post(emu).json()["usage"]
    assert not any("usage" in c for c in sse_chunks(emu))


def test_continuous_usage_stats_puts_running_usage_on_every_chunk(emu):
    chunks = sse_chunks(
        emu, tools=[WEATHER], stream_options={"include_usage": True, "continuous_usage_stats": True}
    )
    running = [c["usage"]["completion_tokens"] for c in chunks]
    assert running == sorted(running) and running[0] == 0
    final = post(emu, tools=[WEATHER]).json()["usage"]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == final
    assert chunks[-2]["usage"] == final  # the running count ends where the final one is


# --- pacing ------------------------------------------------------------------------------------


def paced_stream(emu: NIMEmulator) -> requests.Response:
    # A refused request first: it loads the Mistral validator, which the first request waits for.
    assert post(emu, temperature=5).status_code == 400
    body = {"model": MISTRAL_NEMOTRON, "messages": ASK, "stream": True}
    response = requests.post(
        f"{emu.base_url}/chat/completions", json=body, stream=True, timeout=(5, 1)
    )
    assert response.status_code == 200  # headers come at once, as from vLLM
    return response


def test_time_to_first_token_holds_back_the_first_event():
    # The client's read timeout fires while the emulator "thinks": what a UI or retry test needs.
    with NIMEmulator(time_to_first_token=30) as emu:
        response = paced_stream(emu)
        with pytest.raises(requests.ConnectionError, match="Read timed out"):
            next(response.iter_lines())
        slow = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="x", timeout=1)
        with pytest.raises(requests.Timeout):
            slow.invoke("hi")  # a non-streaming answer waits as long as the stream would
    # stop() cut both waits short (else leaving the block would take the 30 s)


def test_inter_chunk_delay_spaces_the_events():
    with NIMEmulator(inter_chunk_delay=30) as emu:
        lines = paced_stream(emu).iter_lines()
        first = next(lines)
        assert json.loads(first[6:])["choices"][0]["delta"] == {"role": "assistant", "content": ""}
        with pytest.raises(requests.ConnectionError, match="Read timed out"):
            while not next(lines):
                pass  # the blank line that ends the first event; the second event never comes


def test_pacing_options_are_checked():
    with pytest.raises(ValueError, match="time_to_first_token must be a number of seconds >= 0"):
        NIMEmulator(time_to_first_token=-1)
    with pytest.raises(ValueError, match="inter_chunk_delay must be a number of seconds >= 0"):
        NIMEmulator(inter_chunk_delay="fast")  # type: ignore[arg-type]

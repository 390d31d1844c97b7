"""NIMEmulator refuses what a vLLM-served Mistral NIM refuses, with the same bodies."""

from __future__ import annotations

import json

import pytest
import requests
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_nvidia_ai_endpoints import ChatNVIDIA

from nemotron_agents.errors import ModelAuthError, ModelRequestError
from nemotron_agents.models.failures import classify
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMO_12B, MISTRAL_NEMOTRON

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

WEATHER_TOOL = {
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


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def post(emu: NIMEmulator, body: dict, **headers) -> requests.Response:
    return requests.post(f"{emu.base_url}/chat/completions", json=body, headers=headers, timeout=5)


def call(id_: str, name: str = "get_weather", args: str = '{"city": "Paris"}') -> dict:
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": args}}


def asked(id_: str = "AbC123xYz") -> list[dict]:
    return [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call(id_)]},
        {"role": "tool", "content": "sunny", "tool_call_id": id_},
    ]


def refused(emu: NIMEmulator, messages: list[dict], model: str = MISTRAL_NEMOTRON, **extra) -> str:
    """POST and return the 400's message after checking vLLM's envelope."""
    response = post(emu, {"model": model, "messages": messages, "tools": [WEATHER_TOOL], **extra})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == 400
    return error["message"]


def raises_400(llm, messages) -> Exception:
    with pytest.raises(Exception) as err:
        llm.invoke(messages)
    assert str(err.value).startswith("[400]")
    assert isinstance(classify(err.value, model=llm), ModelRequestError)
    return err.value


def llm_for(emu: NIMEmulator, model: str = MISTRAL_NEMOTRON, **kw) -> ChatNVIDIA:
    return ChatNVIDIA(model=model, base_url=emu.base_url, api_key="x", **kw)


def ai_with_calls(*calls: dict, content: str = "") -> AIMessage:
    return AIMessage(content=content, additional_kwargs={"tool_calls": list(calls)})


# --- Mistral conversation rules (mistral-common) ------------------------------------------


def test_valid_tool_round_trip_passes(emu):
    response = post(emu, {"model": MISTRAL_NEMOTRON, "messages": asked(), "tools": [WEATHER_TOOL]})
    assert response.status_code == 200


@pytest.mark.parametrize("model", [MISTRAL_NEMOTRON, MISTRAL_NEMO_12B])
def test_bad_tool_call_id_through_chatnvidia(emu, model):
    llm = llm_for(emu, model)
    history = [
        HumanMessage("weather?"),
        ai_with_calls(call("call_x-1")),
        ToolMessage("sunny", tool_call_id="call_x-1"),
    ]
    err = raises_400(llm, history)
    assert "Tool call id was call_x-1 but must be a-z, A-Z, 0-9, with a length of 9." in str(err)


def test_long_ids_keep_their_last_nine_characters_by_default(emu):
    """vLLM's Mistral path cuts ids longer than nine characters to their last nine."""
    history = asked("call_AbC123xYz")
    body = {"model": MISTRAL_NEMOTRON, "messages": history, "tools": [WEATHER_TOOL]}
    assert post(emu, body).status_code == 200
    # still refused: too short, or the last nine hold a character outside a-z, A-Z, 0-9
    assert refused(emu, asked("call_x-1")) == (
        "Tool call id was call_x-1 but must be a-z, A-Z, 0-9, with a length of 9."
    )
    assert refused(emu, asked("call_AbC-23xYz")) == (
        "Tool call id was AbC-23xYz but must be a-z, A-Z, 0-9, with a length of 9."
    )


def test_strict_ids_option_refuses_long_ids():
    with NIMEmulator(truncate_tool_call_ids=False) as strict:
        assert refused(strict, asked("call_AbC123xYz")).startswith(
            "Tool call id was call_AbC123xYz"
        )


def test_v13_validator_accepts_any_id():
    with NIMEmulator(nemotron_validator="v13") as emu:
        assert (
            post(emu, {"model": MISTRAL_NEMOTRON, "messages": asked("call_x-1")}).status_code == 200
        )


@pytest.mark.parametrize("model", [MISTRAL_NEMOTRON, MISTRAL_NEMO_12B])
def test_user_after_tool(emu, model):
    llm = llm_for(emu, model)
    history = [
        HumanMessage("weather?"),
        ai_with_calls(call("AbC123xYz")),
        ToolMessage("sunny", tool_call_id="AbC123xYz"),
        HumanMessage("and tomorrow?"),
    ]
    err = raises_400(llm, history)
    assert "Unexpected role 'user' after role 'tool'" in str(err)


def test_user_after_tool_allowed_when_relaxed():
    messages = [*asked(), {"role": "user", "content": "thanks"}]
    with NIMEmulator(reject_user_after_tool=False) as emu:
        assert post(emu, {"model": MISTRAL_NEMOTRON, "messages": messages}).status_code == 200


@pytest.mark.parametrize("model", [MISTRAL_NEMOTRON, MISTRAL_NEMO_12B])
def test_unanswered_call_before_next_assistant(emu, model):
    messages = [
        {"role": "user", "content": "weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("AbC123xYz"), call("XyZ987aBc")],
        },
        {"role": "tool", "content": "sunny", "tool_call_id": "AbC123xYz"},
        {"role": "assistant", "content": "Paris is sunny."},
        {"role": "user", "content": "and Rome?"},
    ]
    assert refused(emu, messages, model) == "Not the same number of function calls and responses"


def test_serving_mode_also_requires_answers_at_the_end():
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [call("AbC123xYz")]},
        {"role": "user", "content": "never mind"},
    ]
    with NIMEmulator() as lenient:
        assert post(lenient, {"model": MISTRAL_NEMOTRON, "messages": messages}).status_code == 200
    with NIMEmulator(validation_mode="serving") as strict:
        assert refused(strict, messages) == "Not the same number of function calls and responses"


def test_content_and_tool_calls_together(emu):
    llm_12b = llm_for(emu, MISTRAL_NEMO_12B)
    history = [
        HumanMessage("weather?"),
        ai_with_calls(call("AbC123xYz"), content="Let me check."),
        ToolMessage("sunny", tool_call_id="AbC123xYz"),
    ]
    err = raises_400(llm_12b, history)
    assert "Assistant message must have either content or tool_calls, but not both." in str(err)
    assert llm_for(emu).invoke(history).content  # Nemotron (v11) allows both


def test_streaming_bug_history_fails_on_both_models(emu):
    history = [
        HumanMessage("weather?"),
        AIMessage(content=""),
        ToolMessage("sunny", tool_call_id="AbC123xYz"),
    ]
    err = raises_400(llm_for(emu), history)
    assert "Unexpected tool call id AbC123xYz in tool results" in str(err)
    err = raises_400(llm_for(emu, MISTRAL_NEMO_12B), history)
    assert "Assistant message must have either content or tool_calls, but not both." in str(err)
    assert emu.chat_requests[-1].messages[1] == {"role": "assistant", "content": ""}


def test_chatnvidia_null_content_tool_turn_passes_v3(emu):
    llm = llm_for(emu, MISTRAL_NEMO_12B)
    history = [
        HumanMessage("weather?"),
        ai_with_calls(call("AbC123xYz")),
        ToolMessage("sunny", tool_call_id="AbC123xYz"),
    ]
    assert llm.invoke(history).content == "Tool results: get_weather returned sunny."
    assert emu.chat_requests[-1].messages[1]["content"] is None


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (MISTRAL_NEMOTRON, "Unexpected tool call id None in tool results"),  # v11 pairs ids first
        (MISTRAL_NEMO_12B, "Tool call id has to be defined."),
    ],
)
def test_tool_message_without_id(emu, model, message):
    messages = asked()
    del messages[2]["tool_call_id"]
    assert refused(emu, messages, model) == message


def test_invalid_function_name(emu):
    tool = json.loads(json.dumps(WEATHER_TOOL))
    tool["function"]["name"] = "get weather"
    response = post(
        emu,
        {
            "model": MISTRAL_NEMOTRON,
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [tool],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Function name was get weather but must be a-z, A-Z, 0-9, or contain underscores and "
        "dashes, "
        "with a maximum length of 64."
    )


def test_empty_conversation(emu):
    assert refused(emu, []) == "Conversation must have at least one message"
    assert refused(emu, [{"role": "robot", "content": "hi"}]).startswith(
        "1 validation error for ChatCompletionRequest"
    )


def test_trailing_assistant_is_a_continuation_as_in_vllm(emu):
    llm = llm_for(emu)
    assert llm.invoke([SystemMessage("sys"), HumanMessage("hi"), AIMessage("Hel")]).content


def test_echoed_stream_index_is_ignored(emu):
    messages = asked()
    messages[1]["tool_calls"][0]["index"] = 0
    assert post(emu, {"model": MISTRAL_NEMOTRON, "messages": messages}).status_code == 200


def test_validator_can_be_disabled():
    with NIMEmulator(nemotron_validator=None) as emu:
        assert (
            post(emu, {"model": MISTRAL_NEMOTRON, "messages": asked("call_x-1")}).status_code == 200
        )


# --- request schema (vLLM's pydantic model) --------------------------------------------------


def schema_refusal(emu: NIMEmulator, body) -> dict:
    response = requests.post(
        f"{emu.base_url}/chat/completions",
        data=body if isinstance(body, bytes) else json.dumps(body),
        timeout=5,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "Bad Request" and error["code"] == 400
    return error


def test_schema_errors(emu):
    error = schema_refusal(emu, {"model": MISTRAL_NEMOTRON})
    assert error["message"].startswith(
        "1 validation error:\n  {'type': 'missing', 'loc': 'body.messages'"
    )
    assert error["param"] == "body.messages"
    assert "json_invalid" in schema_refusal(emu, b"{not json")["message"]
    error = schema_refusal(emu, {"messages": [{"content": "no role"}], "temperature": "hot"})
    assert error["message"].startswith("2 validation errors:")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"tool_choice": "auto"}, "When using `tool_choice`, `tools` must be set."),
        (
            {
                "tools": [WEATHER_TOOL],
                "tool_choice": {"type": "function", "function": {"name": "nope"}},
            },
            "The tool specified in `tool_choice` does not match any of the specified `tools`",
        ),
        (
            {"stream_options": {"include_usage": True}},
            "Stream options can only be defined when `stream=True`.",
        ),
    ],
)
def test_tool_choice_and_stream_option_checks(emu, extra, message):
    error = schema_refusal(
        emu, {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}], **extra}
    )
    assert f"Value error, {message}" in error["message"]


# --- model, sampling, context ------------------------------------------------------------------


def test_unknown_model_404(emu):
    llm = llm_for(emu, "meta/llama-3.1-8b-instruct")
    with pytest.raises(Exception) as err:
        llm.invoke("hi")
    assert str(err.value).startswith("[404]")
    assert "The model `meta/llama-3.1-8b-instruct` does not exist." in str(err.value)
    assert isinstance(classify(err.value, model=llm), ModelRequestError)
    body = emu.requests[-1]
    assert body.status == 404


def test_unknown_model_404_hosted_shape():
    with NIMEmulator(hosted=True) as emu:
        response = post(
            emu,
            {"model": "nope/nope", "messages": [{"role": "user", "content": "hi"}]},
            Authorization="Bearer nvapi-x",
        )
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "title": "Not Found",
        "detail": "Function 'nope/nope': Not found for account 'nim-emulator'",
    }


@pytest.mark.parametrize(
    ("params", "message", "param"),
    [  # vLLM's SamplingParams messages, byte for byte
        (
            {"temperature": 3},
            "temperature must be in [0, 2], got 3.0. (parameter=temperature, value=3.0)",
            "temperature",
        ),
        (
            {"temperature": -0.1},
            "temperature must be non-negative, got -0.1. (parameter=temperature, value=-0.1)",
            "temperature",
        ),
        ({"top_p": 0}, "top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)", "top_p"),
        ({"top_p": 1.1}, "top_p must be in (0, 1], got 1.1. (parameter=top_p, value=1.1)", "top_p"),
        ({"frequency_penalty": 5}, "frequency_penalty must be in [-2, 2], got 5.0.", None),
        ({"presence_penalty": -2.1}, "presence_penalty must be in [-2, 2], got -2.1.", None),
        ({"repetition_penalty": 0}, "repetition_penalty must be greater than zero, got 0.0.", None),
        ({"top_k": -2}, "top_k must be 0 (disable), or at least 1, got -2.", None),
        ({"min_p": 1.5}, "min_p must be in [0, 1], got 1.5.", None),
        (
            {"max_tokens": 0},
            "max_tokens must be at least 1, got 0. (parameter=max_tokens, value=0)",
            "max_tokens",
        ),
        (
            {"max_completion_tokens": -1},
            "max_tokens must be at least 1, got -1. (parameter=max_tokens, value=-1)",
            "max_tokens",
        ),
        (
            {"min_tokens": 5, "max_tokens": 4},
            "min_tokens must be less than or equal to max_tokens=4, got 5.",
            None,
        ),
        ({"stop": ["done", ""]}, "stop cannot contain an empty string.", None),
        ({"n": 0}, "n must be at least 1, got 0.", None),
        (
            {"n": 20_000},
            "n must be at most 16384, got 20000. To increase this limit, set the "
            "VLLM_MAX_N_SEQUENCES "
            "environment variable.",
            None,
        ),
        ({"n": 2, "temperature": 0}, "n must be 1 when using greedy sampling, got 2.", None),
        (
            {"logprobs": True, "top_logprobs": 21},
            "Requested sample logprobs of 21, which is greater than max allowed: 20 "
            "(parameter=logprobs, value=21)",
            "logprobs",
        ),
    ],
)
def test_sampling_out_of_range(emu, params, message, param):
    body = {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}], **params}
    response = post(emu, body)
    assert response.status_code == 400
    error = {"message": message, "type": "BadRequestError", "param": param, "code": 400}
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    "params",
    [
        {"seed": -1},  # any int64: vLLM reads -1 as "no seed"
        {"seed": -(2**63)},
        {"seed": 2**63 - 1},
        {"temperature": 0, "top_p": 1, "presence_penalty": -2, "frequency_penalty": 2, "n": 1},
        {"max_completion_tokens": 0},  # vLLM reads 0 as unset
        {"top_k": -1, "min_p": 0, "repetition_penalty": 0.1, "min_tokens": 1},
    ],
)
def test_sampling_values_vllm_accepts(emu, params):
    body = {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}], **params}
    assert post(emu, body).status_code == 200


def test_seed_outside_int64_is_a_schema_error(emu):
    message = refused(emu, [{"role": "user", "content": "hi"}], seed=2**63)
    assert message.startswith("1 validation error:")
    assert "'type': 'less_than_equal', 'loc': 'body.seed'" in message
    assert "Input should be less than or equal to 9223372036854775807" in message


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"top_logprobs": 3},
            "when using `top_logprobs`, `logprobs` must be set to true. (parameter=top_logprobs)",
        ),
        (
            {"logprobs": True, "top_logprobs": -2},
            "`top_logprobs` must be a positive value or -1. (parameter=top_logprobs, value=-2)",
        ),
    ],
)
def test_logprobs_options_checked_like_vllm(emu, params, message):
    assert f"Value error, {message}" in refused(emu, [{"role": "user", "content": "hi"}], **params)


def test_sampling_out_of_range_through_chatnvidia(emu):
    llm = llm_for(emu, top_p=0.0)  # the client's own checks let top_p=0 through
    err = raises_400(llm, "hi")
    assert "top_p must be in (0, 1], got 0.0. (parameter=top_p, value=0.0)" in str(err)


def test_context_window(emu):
    huge = "word " * 110_000  # ~137k estimated tokens
    message = refused(emu, [{"role": "user", "content": huge}])
    assert message.startswith(
        "This model's maximum context length is 128000 tokens. However, your request has"
    )
    message = refused(emu, [{"role": "user", "content": "hi"}], max_tokens=128_000)
    assert message.startswith("'max_tokens' or 'max_completion_tokens' is too large: 128000.")


def test_context_window_is_configurable():
    with NIMEmulator(context_window=100) as emu:
        assert "maximum context length is 100 tokens" in refused(
            emu, [{"role": "user", "content": "x" * 400}]
        )


# --- authentication ---------------------------------------------------------------------------


def test_hosted_requires_a_key(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    with NIMEmulator(hosted=True) as emu:
        llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url)
        with pytest.raises(Exception) as err:
            llm.invoke("hi")
        assert emu.requests[-1].headers["Authorization"] == "Bearer **********"
        response = post(
            emu, {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}]}
        )
        assert llm_for(emu).invoke("hi").content == "You said: hi"
    assert str(err.value).startswith('[401] Unauthorized\nBearer error="invalid_token"')
    assert isinstance(classify(err.value, model=llm), ModelAuthError)
    assert response.status_code == 401 and response.content == b""
    assert (
        response.headers["WWW-Authenticate"]
        == 'Bearer error="invalid_token", error_description="Bearer token is malformed"'
    )


async def test_hosted_no_key_async(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    async with NIMEmulator(hosted=True) as emu:
        llm = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url)
        with pytest.raises(Exception) as err:
            await llm.ainvoke("hi")
    assert str(err.value).startswith("[401]")
    assert isinstance(classify(err.value, model=llm), ModelAuthError)


def test_hosted_wrong_key_403():
    with NIMEmulator(hosted=True, api_keys={"nvapi-good"}) as emu:
        bad = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="nvapi-bad")
        with pytest.raises(Exception) as err:
            bad.invoke("hi")
        good = ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url, api_key="nvapi-good")
        assert good.invoke("hi").content
    assert str(err.value) == "[403] Forbidden\nAuthorization failed"
    assert isinstance(classify(err.value, model=bad), ModelAuthError)


def test_local_accepts_any_key_or_none(emu, monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    assert ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emu.base_url).invoke("hi").content
    assert (
        post(
            emu, {"model": MISTRAL_NEMOTRON, "messages": [{"role": "user", "content": "hi"}]}
        ).status_code
        == 200
    )


def test_local_with_api_keys_answers_like_vllm():
    with NIMEmulator(api_keys=["secret"]) as emu:
        response = post(
            emu, {"messages": [{"role": "user", "content": "hi"}]}, Authorization="Bearer wrong"
        )
        assert (
            post(
                emu,
                {"messages": [{"role": "user", "content": "hi"}]},
                Authorization="Bearer secret",
            ).status_code
            == 200
        )
    assert response.status_code == 401 and response.json() == {"error": "Unauthorized"}

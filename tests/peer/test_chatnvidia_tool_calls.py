"""ChatNVIDIA's tool-calling matrix against the NIM emulator, in the style of langchain-nvidia's
own integration tests (its wheel ships none, so these are written here, not copied).

Every way ChatNVIDIA lets a caller force a call (on ``bind_tools`` or per call) and forbid one,
through ``invoke``, ``stream``, ``ainvoke`` and ``astream``; the refusals a vLLM-served NIM
gives for a ``tool_choice`` it cannot honour; and streamed usage that is not over-counted.
Nothing here depends on what the emulator's policy *chooses*: a forced call, a forbidden one
and the refusals are what the server guarantees whatever the model would like to say.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.tools import tool
from langchain_nvidia_ai_endpoints import ChatNVIDIA

from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON

QUESTION = "What is 11 xxyyzz 3?"
NAMED = {"type": "function", "function": {"name": "xxyyzz"}}


@tool
def xxyyzz(a: int, b: int) -> int:
    """Combine two numbers the xxyyzz way.

    Args:
        a: First number.
        b: Second number.
    """
    return (a**b) % (b - a)


@pytest.fixture(scope="module")
def emulator():
    with NIMEmulator() as server:
        yield server


@pytest.fixture
def llm(emulator: NIMEmulator) -> ChatNVIDIA:
    emulator.reset()
    return ChatNVIDIA(model=MISTRAL_NEMOTRON, base_url=emulator.base_url, api_key="x")


async def ask(runnable: Any, how: str, **kwargs: Any) -> AIMessage:
    """One answer, through ``how`` (invoke, stream, ainvoke or astream); streams merged."""
    if how == "invoke":
        return runnable.invoke(QUESTION, **kwargs)
    if how == "ainvoke":
        return await runnable.ainvoke(QUESTION, **kwargs)
    if how == "stream":
        chunks = list(runnable.stream(QUESTION, **kwargs))
    else:
        chunks = [chunk async for chunk in runnable.astream(QUESTION, **kwargs)]
    assert all(isinstance(chunk, AIMessageChunk) for chunk in chunks)
    return reduce(add, chunks)


def assert_forced_call(answer: AIMessage) -> None:
    assert answer.content == ""
    assert [call["name"] for call in answer.tool_calls] == ["xxyyzz"]
    assert set(answer.tool_calls[0]["args"]) == {"a", "b"}
    # NIM makes Mistral's ids: nine alphanumerics, which the next request must send back
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", answer.tool_calls[0]["id"])


HOW = ["invoke", "stream", "ainvoke", "astream"]

_NAMED_FINISH = (
    "emulator difference: it reports finish_reason 'tool_calls' for a call forced by a named "
    "tool_choice; vLLM (so NIM) reports 'stop' there, as OpenAI does, and 'tool_calls' only for "
    "'auto' and 'required' (serving_chat's is_finish_reason_tool_calls, streamed and not)"
)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "choice",
    ["required", "any", True, "xxyyzz", NAMED],
    ids=["required", "any", "True", "name", "function"],
)
async def test_tool_choice_bound_forces_a_call(llm, choice, how):
    assert_forced_call(await ask(llm.bind_tools([xxyyzz], tool_choice=choice), how))


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("choice", ["required", NAMED], ids=["required", "function"])
async def test_tool_choice_per_call_forces_a_call(llm, choice, how):
    assert_forced_call(await ask(llm.bind_tools([xxyyzz]), how, tool_choice=choice))


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    ("choice", "finish_reason"),
    [
        ("required", "tool_calls"),
        ("any", "tool_calls"),
        (True, "tool_calls"),
        pytest.param("xxyyzz", "stop", marks=pytest.mark.xfail(strict=True, reason=_NAMED_FINISH)),
        pytest.param(NAMED, "stop", marks=pytest.mark.xfail(strict=True, reason=_NAMED_FINISH)),
    ],
    ids=["required", "any", "True", "name", "function"],
)
async def test_finish_reason_of_a_forced_call(llm, choice, finish_reason, how):
    answer = await ask(llm.bind_tools([xxyyzz], tool_choice=choice), how)
    assert answer.response_metadata["finish_reason"] == finish_reason


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("where", ["bound", "bound False", "per call"])
async def test_tool_choice_none_forbids_calls(llm, emulator, where, how):
    if where == "per call":
        answer = await ask(llm.bind_tools([xxyyzz]), how, tool_choice="none")
    else:
        choice = False if "False" in where else "none"
        answer = await ask(llm.bind_tools([xxyyzz], tool_choice=choice), how)
    assert answer.tool_calls == [] and "tool_calls" not in answer.additional_kwargs
    assert answer.content
    assert emulator.chat_requests[-1].body["tool_choice"] == "none"


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("choice", ["required", NAMED], ids=["required", "function"])
async def test_tool_choice_without_tools_is_refused(llm, choice, how):
    refusal = r"\[400\].*When using `tool_choice`, `tools` must be set\."
    with pytest.raises(Exception, match=refusal):
        await ask(llm, how, tool_choice=choice)


@pytest.mark.parametrize("how", HOW)
async def test_tool_choice_naming_a_tool_not_offered_is_refused(llm, how):
    unknown = {"type": "function", "function": {"name": "zzyyxx"}}
    with pytest.raises(Exception, match=r"\[400\].*does not match any of the specified `tools`"):
        await ask(llm.bind_tools([xxyyzz]), how, tool_choice=unknown)


@pytest.mark.parametrize("how", ["stream", "astream"])
async def test_streamed_usage_is_counted_once(llm, how):
    forced = llm.bind_tools([xxyyzz], tool_choice="required")
    baseline = (await ask(forced, "invoke")).usage_metadata
    streamed = (await ask(forced, how)).usage_metadata
    for usage in (baseline, streamed):
        assert usage["input_tokens"] + usage["output_tokens"] == usage["total_tokens"]
    assert streamed["input_tokens"] == baseline["input_tokens"]
    # the arguments may differ a little between two calls, never by a second copy of the usage
    assert 0 < streamed["output_tokens"] < 1.25 * baseline["output_tokens"]

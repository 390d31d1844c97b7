"""A tool call cut off by max_tokens, through ChatNVIDIA and the agent, as a real NIM sends it."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import MISTRAL_NEMOTRON, ToolCall
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

# "calculate" is 3 estimated tokens; 6 more cut the arguments to '{"expression": "2 ** 10 '
# (24 characters), which is not JSON, but which a partial-JSON parser "repairs" to "2 ** 10 ".
MAX_TOKENS = 9


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        server.script(
            MISTRAL_NEMOTRON, [ToolCall("calculate", {"expression": "2 ** 10 + 5"}), "Done."]
        )
        yield server


def agent(emu: NIMEmulator):
    settings = Settings(
        base_url=emu.base_url,
        api_key="nvapi-test",
        max_retries=0,
        timeout=5.0,
        max_tokens=MAX_TOKENS,
    )
    return build_agent(tools=ToolRegistry(CALCULATOR_TOOLS), settings=settings, initial_delay=0)


def test_truncated_call_goes_back_to_the_model_as_a_malformed_call_error(emu):
    result = agent(emu).invoke({"messages": [HumanMessage("What is 2 ** 10 + 5?")]})
    call_turn = result["messages"][1]
    assert (
        isinstance(call_turn, AIMessage)
        and call_turn.response_metadata["finish_reason"] == "length"
    )
    assert [c["args"] for c in call_turn.invalid_tool_calls] == ['{"expression": "2 ** 10 ']
    (error,) = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert error.status == "error" and "not valid JSON" in error.content
    # the run went on: the error reached the model, which the (Mistral-checked) endpoint accepted
    follow_up = emu.chat_requests[1]
    assert follow_up.status == 200 and follow_up.body["messages"][-1]["content"] == error.content
    assert result["messages"][-1].content == "Done."


def test_truncated_streamed_call_is_not_run(emu):
    final = None
    for mode, event in agent(emu).stream(
        {"messages": [HumanMessage("What is 2 ** 10 + 5?")]}, stream_mode=["messages", "values"]
    ):
        if mode == "values":
            final = event
    (result,) = [m for m in final["messages"] if isinstance(m, ToolMessage)]
    assert result.status == "error", f"the cut-off call ran and returned {result.content!r}"
    assert "cut off at the max_tokens limit" in result.content

"""A thread never dies on "maximum context length": the history stays inside the model's window."""

import random

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.agents.summarize import HistoryBudget, history_tokens, safe_cut, window_budget
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator
from nemotron_agents.testing.emulator import ToolCall
from nemotron_agents.tools import tool

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


@tool
def fetch(page: int) -> str:
    """Fetch a page of a long report.

    Args:
        page: Page number.
    """
    return f"page {page}: " + "lorem ipsum dolor sit amet " * 120  # about 3,200 characters


def test_a_long_thread_stays_inside_a_small_window_over_http():
    # 40 pages of ~800 tokens each would be ~32k tokens; the window is 8k
    pages = 40
    asked = [0]

    def policy(body):
        if not body.get("tools"):  # the summariser's request
            return "A summary of the pages so far."
        asked[0] += 1
        return ToolCall("fetch", {"page": asked[0]}) if asked[0] <= pages else "Read them all."

    with NIMEmulator(policy=policy, context_window=8_000) as emu:
        settings = Settings(
            base_url=emu.base_url, api_key="x", context_window=8_000, max_tokens=512, max_retries=0
        )
        agent = build_agent(tools=[fetch], settings=settings, max_steps=pages + 5, initial_delay=0)
        out = agent.invoke({"messages": [HumanMessage("Read the whole report.")]})
        statuses = [r.status for r in emu.chat_requests]
    assert out["messages"][-1].content == "Read them all."
    assert statuses == [200] * len(statuses)
    assert sum(t["node"] == "summarize" for t in out["turns"]) >= 3  # NeMo 12B kept it in bounds


def test_a_message_bigger_than_the_window_is_cut_not_sent():
    with NIMEmulator(policy=lambda body: "Got it.", context_window=8_000) as emu:
        settings = Settings(
            base_url=emu.base_url, api_key="x", context_window=8_000, max_tokens=512, max_retries=0
        )
        agent = build_agent(tools=[fetch], settings=settings, initial_delay=0)
        out = agent.invoke({"messages": [HumanMessage("x" * 200_000)]})  # ~50k tokens
        sent = emu.chat_requests[-1]
    assert out["messages"][-1].content == "Got it."
    assert sent.status == 200
    question = next(m for m in sent.body["messages"] if m["role"] == "user")["content"]
    assert len(question) < 32_000 and "cut to fit the history budget" in question


def test_max_history_tokens_only_lowers_the_window_budget():
    roomy = window_budget(context_window=128_000, max_tokens=1024, fixed_tokens=500)
    assert 90_000 < roomy < 128_000 - 1024 - 500
    model_free = build_agent(model=None, settings=Settings(api_key="x"), max_history_tokens=10**9)
    assert model_free.get_graph().nodes.keys() >= {"summarize"}


def test_the_running_count_agrees_with_a_full_recount():
    rng = random.Random(3)
    for budget in (150, 400, 2_000):
        check = HistoryBudget(budget)
        history = [HumanMessage("start", id="h0")]
        for step in range(150):
            kind = rng.random()
            if kind < 0.4:
                call = {"name": "f", "args": {"x": "y" * rng.randint(0, 300)}, "id": f"c{step}"}
                result = ToolMessage(
                    "r" * rng.randint(0, 900), tool_call_id=f"c{step}", id=f"t{step}"
                )
                history = [*history, AIMessage("", tool_calls=[call], id=f"a{step}"), result]
            elif kind < 0.8:
                history = [*history, HumanMessage("q" * rng.randint(0, 600), id=f"h{step}")]
            else:  # a summary rewrote the thread
                history = [HumanMessage("summary", id=f"s{step}"), *history[-3:]]
            counts = [history_tokens([m]) for m in history]
            expected = sum(counts) > budget and (
                max(counts) > budget // 2 or safe_cut(history, budget // 2) > 0
            )
            assert check({"messages": history}) == expected


def test_turns_keep_the_last_hundred_and_usage_keeps_the_totals():
    from nemotron_agents.agents.state import MAX_TURNS
    from nemotron_agents.testing import ScriptedChatModel, tool_call

    calls = 150

    def script(messages, tools):
        done = sum(isinstance(m, ToolMessage) for m in messages)
        return [tool_call("fetch", {"page": done})] if done < calls else "done"

    model = ScriptedChatModel(script)
    agent = build_agent(model=model, tools=[fetch], fallback_model=False, max_steps=calls + 5)
    out = agent.invoke({"messages": [HumanMessage("read")]})
    assert len(out["turns"]) == MAX_TURNS  # a checkpoint does not grow with the thread's age
    assert out["usage"]["scripted"]["calls"] == len(model.calls) > MAX_TURNS

"""The report graph: a Nemotron plan, sections written in parallel by NeMo 12B, joined in order."""

import threading

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.graphs.report import Plan, assemble, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call
from nemotron_agents.testing.emulator import (
    MISTRAL_NEMO_12B,
    MISTRAL_NEMOTRON,
    Fault,
    Reply,
    ToolCall,
)

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

HEADINGS = ["How it works", "What it costs", "When it pays off", "Limits"]
PLAN = {
    "title": "Heat pumps",
    "sections": [{"heading": h, "covers": f"All about {h.lower()}."} for h in HEADINGS],
}
TOPIC = "Write a report on heat pumps."
WAIT = 10  # seconds a barrier or event waits before the test fails (never reached when it passes)


def planner(plan=PLAN, **kw):
    return ScriptedChatModel([[tool_call("Plan", plan)]], model="nemotron", **kw)


def number_of(messages) -> int:
    """Which section a writer request asks for ("Write section 3, ...")."""
    text = messages[-1].content
    return int(text.split("Write section ", 1)[1].split(",", 1)[0])


def writer(script):
    return ScriptedChatModel(script, model="nemo")


def build(writer_model, plan_model=None, **kw):
    kw.setdefault("settings", Settings(max_retries=0))
    return build_graph(model=plan_model or planner(), writer_model=writer_model, **kw)


async def run(graph, mode, inputs, config=None):
    return graph.invoke(inputs, config) if mode == "invoke" else await graph.ainvoke(inputs, config)


def report_headings(text: str) -> list[str]:
    return [line.split(". ", 1)[1] for line in text.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_sections_are_written_concurrently(mode):
    # Every writer waits until all four are inside the model at once: run one at a time and
    # the barrier breaks (after WAIT seconds), which fails the section and this test.
    barrier = threading.Barrier(len(HEADINGS), timeout=WAIT)

    def script(messages, tools):
        barrier.wait()
        return f"Text of section {number_of(messages)}."

    nemo = writer(script)
    result = await run(build(nemo), mode, {"messages": [HumanMessage(TOPIC)]})
    assert not barrier.broken
    assert [s.get("error") for s in result["sections"]] == [None] * 4
    assert len(nemo.calls) == 4
    assert report_headings(result["messages"][-1].content) == HEADINGS


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_report_follows_the_plan_not_the_order_sections_finish_in(mode):
    # Section n may only finish after section n+1: they finish last to first.
    finished = {n: threading.Event() for n in range(1, 5)}
    order = []

    def script(messages, tools):
        n = number_of(messages)
        if n < 4 and not finished[n + 1].wait(WAIT):
            raise AssertionError(f"section {n + 1} never finished")
        order.append(n)
        finished[n].set()
        return f"Text of section {n}."

    result = await run(build(writer(script)), mode, {"messages": [HumanMessage(TOPIC)]})
    assert order == [4, 3, 2, 1]
    text = result["messages"][-1].content
    assert text.startswith("# Heat pumps")
    assert report_headings(text) == HEADINGS
    positions = [text.index(f"Text of section {n}.") for n in range(1, 5)]
    assert positions == sorted(positions)


def test_assemble_orders_sections_by_their_number():
    plan_result = ToolMessage("Final answer recorded.", tool_call_id="a", name="Plan", id="p1")
    sections = [
        {"plan": "p1", "number": n, "heading": HEADINGS[n - 1], "text": f"Body {n}"}
        for n in (3, 1, 4, 2)
    ]
    state = {
        "messages": [HumanMessage(TOPIC), plan_result],
        "structured_response": Plan(**PLAN),
        "sections": sections,
    }
    (report,) = assemble(state)["messages"]
    assert report_headings(report.content) == HEADINGS
    positions = [report.content.index(f"Body {n}") for n in range(1, 5)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_failed_section_is_reported_and_the_others_are_kept(mode):
    def script(messages, tools):
        n = number_of(messages)
        if n == 3:
            raise ConnectionError("NeMo endpoint unreachable")
        return f"Text of section {n}."

    result = await run(build(writer(script)), mode, {"messages": [HumanMessage(TOPIC)]})
    text = result["messages"][-1].content
    assert "Section 3 could not be written: " in text
    assert "ConnectionError" in text and "NeMo endpoint unreachable" in text
    for n in (1, 2, 4):
        assert f"Text of section {n}." in text
    assert report_headings(text) == HEADINGS  # the failed section keeps its place
    by_number = {s["number"]: s for s in result["sections"]}
    assert "NeMo endpoint unreachable" in by_number[3]["error"] and "text" not in by_number[3]
    assert all(by_number[n]["text"] == f"Text of section {n}." for n in (1, 2, 4))
    failed = [t for t in result["turns"] if t["node"] == "write_section" and "model" not in t]
    assert len(failed) == 1 and failed[0]["failures"][0][0] == "nemo"
    assert result["messages"][-1].response_metadata["report"] == {"sections": 4, "failed": [3]}


def test_usage_is_recorded_per_model():
    usage = {"input_tokens": 120, "output_tokens": 40, "total_tokens": 160}
    plan_turn = AIMessage("", tool_calls=[tool_call("Plan", PLAN)], usage_metadata=usage)
    nemo = writer(
        lambda messages, tools: AIMessage(
            "Some text.",
            usage_metadata={"input_tokens": 50, "output_tokens": 300, "total_tokens": 350},
        )
    )
    graph = build(nemo, ScriptedChatModel([plan_turn], model="nemotron"))
    result = graph.invoke({"messages": [HumanMessage(TOPIC)]})
    assert result["usage"] == {
        "nemotron": {**usage, "calls": 1},
        "nemo": {"input_tokens": 200, "output_tokens": 1200, "total_tokens": 1400, "calls": 4},
    }
    assert [t["node"] for t in result["turns"]] == ["agent"] + ["write_section"] * 4


def test_a_plan_that_breaks_the_schema_goes_back_to_the_planner():
    one_section = {"title": "Heat pumps", "sections": PLAN["sections"][:1]}
    plans = ScriptedChatModel(
        [[tool_call("Plan", one_section)], [tool_call("Plan", PLAN)]], model="nemotron"
    )
    nemo = writer(lambda messages, tools: f"Text of section {number_of(messages)}.")
    result = build(nemo, plans).invoke({"messages": [HumanMessage(TOPIC)]})
    error = next(
        m for m in result["messages"] if isinstance(m, ToolMessage) and m.status == "error"
    )
    assert "sections" in error.content and "at least 2" in error.content
    assert len(nemo.calls) == 4 and report_headings(result["messages"][-1].content) == HEADINGS


def test_without_a_plan_no_section_is_written():
    prose = ScriptedChatModel(["Heat pumps move heat.", "They really do."], model="nemotron")
    nemo = writer(lambda messages, tools: "never")
    result = build(nemo, prose, max_steps=2).invoke({"messages": [HumanMessage(TOPIC)]})
    assert nemo.calls == []
    assert "stopped after 2 steps" in result["messages"][-1].content
    assert not result.get("sections")


def test_a_new_report_in_the_thread_replaces_the_last_ones_sections():
    second = {
        "title": "Solar",
        "sections": [{"heading": "Panels", "covers": "c"}, {"heading": "Storage", "covers": "c"}],
    }
    plans = ScriptedChatModel(
        [[tool_call("Plan", PLAN)], [tool_call("Plan", second)]], model="nemotron"
    )
    nemo = writer(lambda messages, tools: f"Text of section {number_of(messages)}.")
    graph = build(nemo, plans, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"messages": [HumanMessage(TOPIC)]}, config)
    result = graph.invoke({"messages": [HumanMessage("Now one on solar power.")]}, config)
    assert [s["heading"] for s in result["sections"]] == ["Panels", "Storage"]
    assert report_headings(result["messages"][-1].content) == ["Panels", "Storage"]
    assert result["usage"]["nemo"]["calls"] == 6


# -- over HTTP: ChatNVIDIA against the NIM emulator ----------------------------------------------


def http_settings(emu):
    return Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=0, timeout=5)


def test_offline_run_completes_over_http_with_every_request_accepted():
    with NIMEmulator() as emu:
        result = build_graph(settings=http_settings(emu)).invoke(
            {"messages": [HumanMessage(TOPIC)]}
        )
        statuses = [(r.status, r.error) for r in emu.chat_requests]
        models = [r.body["model"] for r in emu.chat_requests]
    assert statuses and all(status == 200 for status, _ in statuses), statuses
    planned = len(result["structured_response"].sections)
    assert models == [MISTRAL_NEMOTRON] + [MISTRAL_NEMO_12B] * planned
    assert [s["model"] for s in result["sections"]] == [MISTRAL_NEMO_12B] * planned
    assert result["messages"][-1].content.startswith("# ")


def writer_policy(fail_section=None):
    """Emulator callback: the plan from PLAN, and section text (or a 500 for one section)."""

    def policy(body):
        if any(t["function"]["name"] == "Plan" for t in body.get("tools") or []):
            return ToolCall("Plan", PLAN)
        n = int(body["messages"][-1]["content"].split("Write section ", 1)[1].split(",", 1)[0])
        if n == fail_section:
            return Reply(fault=Fault("server_error", message="writer down"))
        return f"Text of section {n} by {body['model']}."

    return policy


def test_a_writer_falls_back_to_nemotron_when_nemo_is_down():
    with NIMEmulator(policy=writer_policy()) as emu:
        emu.inject("unavailable", model=MISTRAL_NEMO_12B, times=None)
        result = build_graph(settings=http_settings(emu)).invoke(
            {"messages": [HumanMessage(TOPIC)]}
        )
    assert [s["model"] for s in result["sections"]] == [MISTRAL_NEMOTRON] * 4
    writes = [t for t in result["turns"] if t["node"] == "write_section"]
    assert all(t["fallback"] and t["failures"][0][0] == MISTRAL_NEMO_12B for t in writes)
    assert f"Text of section 2 by {MISTRAL_NEMOTRON}." in result["messages"][-1].content


async def test_a_section_both_models_fail_is_reported_over_http():
    with NIMEmulator(policy=writer_policy(fail_section=2)) as emu:
        result = await build_graph(settings=http_settings(emu)).ainvoke(
            {"messages": [HumanMessage(TOPIC)]}
        )
    text = result["messages"][-1].content
    assert "Section 2 could not be written: " in text and "HTTP 500" in text
    (failed,) = [s for s in result["sections"] if "error" in s]
    assert failed["number"] == 2
    assert MISTRAL_NEMO_12B in failed["error"] and MISTRAL_NEMOTRON in failed["error"]
    assert f"Text of section 3 by {MISTRAL_NEMO_12B}." in text

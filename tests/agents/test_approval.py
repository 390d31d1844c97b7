"""The approval gate: what is asked (LangChain's human-in-the-loop shape), what runs after the
answer, and what the model sees. Answer forms: test_approval_answers.py; bad answers:
test_approval_errors.py."""

from approval_kit import CALLS, REFUNDS, lookup, pause, refund, results
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from nemotron_agents.agents import build_agent
from nemotron_agents.agents.approval import is_approval_request
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import ToolRegistry


def test_interrupt_has_langchains_hitl_shape_plus_call_ids(paused):
    graph, config, first, _ = paused
    (pending,) = first["__interrupt__"]
    assert pending.value == {
        "action_requests": [
            {
                "id": "RefA00001",
                "name": "refund",
                "args": {"order_id": "A1", "amount": 50},
                "description": refund.description,
            },
            {
                "id": "RefB00001",
                "name": "refund",
                "args": {"order_id": "B2", "amount": 20},
                "description": refund.description,
            },
        ],
        "review_configs": [
            {"action_name": "refund", "allowed_decisions": ["approve", "edit", "reject"]}
        ]
        * 2,
    }
    assert is_approval_request(pending.value)
    # clients get a typed form for the answer: {"decisions": [...]}
    assert "decisions" in pending.response_schema["properties"]
    assert REFUNDS == [] and graph.get_state(config).interrupts[0].value == pending.value


def test_approval_gates_side_effects(registry, deleted):
    calls = [
        tool_call("delete_file", {"path": "/tmp/a"}, id="DelA00001"),
        tool_call("delete_file", {"path": "/tmp/b"}, id="DelB00001"),
    ]
    model = ScriptedChatModel([calls, "done"])
    graph = build_agent(
        model=model, tools=registry, checkpointer=InMemorySaver(), fallback_model=False
    )
    config = {"configurable": {"thread_id": "t3"}}
    first = graph.invoke({"messages": [HumanMessage("clean up")]}, config)
    (pending,) = first["__interrupt__"]
    assert [r["args"]["path"] for r in pending.value["action_requests"]] == ["/tmp/a", "/tmp/b"]
    assert deleted == []
    result = graph.invoke(
        Command(
            resume={"DelA00001": True, "DelB00001": {"decision": "reject", "reason": "keep b"}}
        ),
        config,
    )
    assert deleted == ["/tmp/a"]
    a, b = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert a.content == "deleted /tmp/a" and b.status == "error" and "keep b" in b.content


def test_an_invalid_edit_goes_back_to_the_model(paused):
    graph, config, _, model = paused
    edit = {
        "type": "edit",
        "edited_action": {"name": "refund", "args": {"order_id": "A1", "amount": 500}},
    }
    state = graph.invoke(Command(resume={"decisions": [edit, {"type": "approve"}]}), config)
    assert REFUNDS == [("B2", 20)]
    bad = results(state)["RefA00001"]
    assert (
        bad.status == "error" and "edited the arguments" in bad.content and "amount" in bad.content
    )
    assert state["messages"][-1].content == "done" and len(model.calls) == 2


async def test_async_run_asks_and_applies_the_same_way():
    REFUNDS.clear()
    model = ScriptedChatModel([[CALLS[0]], "done"])
    graph = build_agent(
        model=model,
        tools=ToolRegistry([refund, lookup]),
        checkpointer=InMemorySaver(),
        fallback_model=False,
    )
    config = {"configurable": {"thread_id": "a"}}
    first = await graph.ainvoke({"messages": [HumanMessage("refund")]}, config)
    assert first["__interrupt__"][0].value["action_requests"][0]["id"] == "RefA00001"
    edit = {
        "type": "edit",
        "edited_action": {"name": "refund", "args": {"order_id": "A1", "amount": 7.5}},
    }
    state = await graph.ainvoke(Command(resume={"RefA00001": edit}), config)
    assert REFUNDS == [("A1", 7.5)]
    # the model's turn still shows its own arguments, so the result says what really ran
    assert results(state)["RefA00001"].content == (
        '(A human edited this call\'s arguments before it ran; it ran with {"order_id": "A1", '
        '"amount": 7.5}.) refunded 7.5 on A1'
    )


def test_only_gated_calls_are_asked_and_every_call_gets_one_result():
    malformed = {
        "type": "invalid_tool_call",
        "id": "Bad000001",
        "name": "refund",
        "args": '{"order_id": "A1", "amount": ',
        "error": "unterminated JSON",
    }
    turn = AIMessage(
        "",
        tool_calls=[CALLS[0], CALLS[1], tool_call("nope", {}, id="Nope00001")],
        invalid_tool_calls=[malformed],
    )
    graph, config, first, model = pause(turn)
    (pending,) = first["__interrupt__"]
    assert [r["id"] for r in pending.value["action_requests"]] == ["RefA00001"]
    state = graph.invoke(Command(resume=True), config)
    out = results(state)
    assert REFUNDS == [("A1", 50)]  # the malformed refund never runs
    assert out["RefA00001"].content == "refunded 50.0 on A1"
    assert out["Look00001"].content == "A1: paid 80"
    assert out["Nope00001"].status == "error" and "Available tools: lookup, refund" in (
        out["Nope00001"].content
    )
    assert out["Bad000001"].status == "error" and "unterminated JSON" in out["Bad000001"].content
    sent = [m.tool_call_id for m in model.calls[1]["messages"] if isinstance(m, ToolMessage)]
    assert sorted(sent) == sorted(out) and len(sent) == 4


def test_an_edit_that_changes_nothing_runs_without_a_note(paused_one):
    graph, config, _, _ = paused_one
    same = {"type": "edit", "edited_action": {"name": "refund", "args": dict(CALLS[0]["args"])}}
    state = graph.invoke(Command(resume=same), config)
    assert REFUNDS == [("A1", 50)]
    assert results(state)["RefA00001"].content == "refunded 50.0 on A1"


def test_the_step_limit_counts_across_approval_resumes():
    turns = [[tool_call("refund", {"order_id": f"O{i}", "amount": i})] for i in range(1, 5)]
    graph, config, _, model = pause(*turns, "never reached", max_steps=2)
    state = None
    while graph.get_state(config).interrupts:
        state = graph.invoke(Command(resume=True), config)
    assert len(model.calls) == 2 and REFUNDS == [("O1", 1), ("O2", 2)]
    final = state["messages"][-1]
    assert final.response_metadata == {"stopped": "max_steps", "max_steps": 2}
    assert "stopped after 2 steps" in final.content
    assert "The last tool result (refund) was: refunded 2.0 on O2." in final.content

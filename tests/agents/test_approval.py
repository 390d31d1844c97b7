"""Approval interrupts: LangChain's human-in-the-loop shape, every answer form, bad answers."""

from typing import Annotated

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import Field

from nemotron_agents.agents import build_agent
from nemotron_agents.agents.approval import (
    ALLOWED_DECISIONS,
    approval_request,
    is_approval_request,
    parse_answer,
)
from nemotron_agents.errors import ApprovalAnswerError
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import ToolRegistry, tool

REFUNDS: list[tuple[str, float]] = []


@tool(requires_approval=True)
def refund(order_id: str, amount: Annotated[float, Field(gt=0, le=100)]) -> str:
    """Refunds part of an order (side effect).

    Args:
        order_id: The order.
        amount: Euros to refund, at most 100.
    """
    REFUNDS.append((order_id, amount))
    return f"refunded {amount} on {order_id}"


@tool
def lookup(order_id: str) -> str:
    """Looks an order up (no side effect).

    Args:
        order_id: The order.
    """
    return f"{order_id}: paid 80"


CALLS = [
    tool_call("refund", {"order_id": "A1", "amount": 50}, id="RefA00001"),
    tool_call("lookup", {"order_id": "A1"}, id="Look00001"),
    tool_call("refund", {"order_id": "B2", "amount": 20}, id="RefB00001"),
]


@pytest.fixture
def agent():
    """A graph stopped at the approval of two refunds (a lookup in the same turn needs none)."""
    REFUNDS.clear()
    model = ScriptedChatModel([CALLS, "done"])
    graph = build_agent(
        model=model,
        tools=ToolRegistry([refund, lookup]),
        checkpointer=InMemorySaver(),
        fallback_model=False,
    )
    config = {"configurable": {"thread_id": "t"}}
    first = graph.invoke({"messages": [HumanMessage("refund both")]}, config)
    return graph, config, first, model


def results(state):
    return {m.tool_call_id: m for m in state["messages"] if isinstance(m, ToolMessage)}


def test_interrupt_has_langchains_hitl_shape_plus_call_ids(agent):
    graph, config, first, _ = agent
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


@pytest.mark.parametrize(
    ("answer", "done", "reason"),
    [
        (True, [("A1", 50), ("B2", 20)], None),
        ("approve", [("A1", 50), ("B2", 20)], None),
        ({"type": "approve"}, [("A1", 50), ("B2", 20)], None),
        ({"decision": "approve"}, [("A1", 50), ("B2", 20)], None),
        (False, [], None),
        ("reject", [], None),
        ({"decision": "reject", "reason": "too much"}, [], "too much"),
        ({"type": "reject", "message": "too much"}, [], "too much"),
        (
            {"decisions": [{"type": "approve"}, {"type": "reject", "message": "fraud"}]},
            [("A1", 50)],
            "fraud",
        ),
        (
            {
                "decisions": [
                    {
                        "type": "edit",
                        "edited_action": {
                            "name": "refund",
                            "args": {"order_id": "A1", "amount": 10},
                        },
                    },
                    {"type": "reject"},
                ]
            },
            [("A1", 10)],
            None,
        ),
        (
            {"RefA00001": True, "RefB00001": {"decision": "reject", "reason": "keep b"}},
            [("A1", 50)],
            "keep b",
        ),
        ({"RefA00001": "approve", "RefB00001": "reject"}, [("A1", 50)], None),
        (
            {"RefA00001": {"type": "reject", "message": "no"}, "RefB00001": {"type": "approve"}},
            [("B2", 20)],
            "no",
        ),
        (
            {
                "RefB00001": {
                    "type": "edit",
                    "edited_action": {"name": "refund", "args": {"order_id": "B2", "amount": 5}},
                }
            },
            [("B2", 5)],
            None,
        ),
    ],
)
def test_every_answer_form(agent, answer, done, reason):
    graph, config, _, model = agent
    state = graph.invoke(Command(resume=answer), config)
    assert sorted(REFUNDS) == done  # approved calls run concurrently
    out = results(state)
    assert out["Look00001"].content == "A1: paid 80"  # never gated
    rejected = [m for i, m in out.items() if i != "Look00001" and m.status == "error"]
    assert len(rejected) == 2 - len(done)
    for message in rejected:
        assert "a human rejected this call" in message.content
        if reason:
            assert reason in message.content
    assert state["messages"][-1].content == "done"
    # the model saw one result per call, in call order
    assert [m.tool_call_id for m in model.calls[1]["messages"] if isinstance(m, ToolMessage)] == [
        c["id"] for c in CALLS
    ]


def test_a_call_left_out_is_rejected(agent):
    graph, config, _, _ = agent
    state = graph.invoke(Command(resume={"RefB00001": True}), config)
    assert REFUNDS == [("B2", 20)]
    left_out = results(state)["RefA00001"]
    assert left_out.status == "error" and "no decision was given" in left_out.content


def test_an_invalid_edit_goes_back_to_the_model(agent):
    graph, config, _, model = agent
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


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("maybe", "not one of the allowed forms"),
        (1, "not one of the allowed forms"),
        ({"decisions": [{"type": "approve"}]}, "list of 2 decision(s)"),
        ({"decisions": "approve"}, "list of 2 decision(s)"),
        ({"RefA00001": True, "Nope00001": True}, "no pending call has the id 'Nope00001'"),
        ({"RefA00001": "yes"}, "cannot read 'yes'"),
        ({"type": "respond", "message": "hi"}, "decision type 'respond' is not allowed"),
        ({"decision": "later"}, '"decision" must be "approve" or "reject"'),
        (
            {"type": "edit", "edited_action": {"name": "refund", "args": {"amount": 1}}},
            "one edit cannot apply to 2 calls",
        ),
        (
            {"RefA00001": {"type": "edit", "edited_action": {"name": "lookup", "args": {}}}},
            "cannot switch tools",
        ),
        ({"RefA00001": {"type": "edit", "edited_action": {"name": "refund"}}}, '"edited_action"'),
        ({"RefA00001": {"type": "reject", "message": 3}}, "message must be text"),
    ],
)
def test_an_invalid_answer_is_a_clear_error_and_the_request_stays_answerable(
    agent, answer, problem
):
    graph, config, first, _ = agent
    with pytest.raises(ApprovalAnswerError) as caught:
        graph.invoke(Command(resume=answer), config)
    text = str(caught.value)
    assert problem in text and '{"decisions":' in text and "True, False" in text
    assert not isinstance(caught.value, ValueError)
    assert REFUNDS == []
    # nothing was saved: the same request is pending and a valid answer still works
    assert graph.get_state(config).interrupts[0].value == first["__interrupt__"][0].value
    graph.invoke(Command(resume=True), config)
    assert sorted(REFUNDS) == [("A1", 50), ("B2", 20)]


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


def test_parse_answer_gives_one_typed_decision_per_call_in_order():
    request = approval_request([(CALLS[0], refund), (CALLS[2], refund)])
    assert request["review_configs"][0]["allowed_decisions"] == list(ALLOWED_DECISIONS)
    assert parse_answer({"RefB00001": {"decision": "reject", "reason": "r"}}, request) == {
        "decisions": [
            {"type": "reject", "message": "no decision was given for this call"},
            {"type": "reject", "message": "r"},
        ]
    }
    assert parse_answer(True, request) == {"decisions": [{"type": "approve"}, {"type": "approve"}]}
    one = approval_request([(CALLS[0], refund)])
    # a single edit may be given for a single call, and the tool name may be left out
    assert parse_answer({"type": "edit", "edited_action": {"args": {"amount": 1}}}, one) == {
        "decisions": [{"type": "edit", "edited_action": {"name": "refund", "args": {"amount": 1}}}]
    }


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

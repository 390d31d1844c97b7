"""Every form an approval answer may take, for several pending calls and for one, and the rule
that a call left out of an answer is rejected."""

import pytest
from approval_kit import CALLS, REFUNDS, refund, results
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from nemotron_agents.agents.approval import ALLOWED_DECISIONS, approval_request, parse_answer


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
def test_every_answer_form(paused, answer, done, reason):
    graph, config, _, model = paused
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


def test_a_call_left_out_is_rejected(paused):
    graph, config, _, _ = paused
    state = graph.invoke(Command(resume={"RefB00001": True}), config)
    assert REFUNDS == [("B2", 20)]
    left_out = results(state)["RefA00001"]
    assert left_out.status == "error" and "no decision was given" in left_out.content


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

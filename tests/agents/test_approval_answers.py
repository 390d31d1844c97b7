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
        # short forms inside the list of decisions, and in an id-keyed answer
        ({"decisions": [True, "reject"]}, [("A1", 50)], None),
        (
            {"decisions": [{"decision": "reject", "reason": "r1"}, {"decision": "approve"}]},
            [("B2", 20)],
            "r1",
        ),
        ({"type": "reject"}, [], None),
        ({"RefA00001": False, "RefB00001": {"type": "approve"}}, [("B2", 20)], None),
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


APPROVED = "refunded 50.0 on A1"
REJECTED = "Error: a human rejected this call, so it did not run. Do not retry it unchanged."
REJECTED_R = "Error: a human rejected this call, so it did not run: r. Do not retry it unchanged."
EDITED = (
    '(A human edited this call\'s arguments before it ran; it ran with {"order_id": "A1", '
    '"amount": 5}.) refunded 5.0 on A1'
)
EDIT = {
    "type": "edit",
    "edited_action": {"name": "refund", "args": {"order_id": "A1", "amount": 5}},
}


@pytest.mark.parametrize(
    ("answer", "done", "told"),
    [
        (True, [("A1", 50)], APPROVED),
        ("approve", [("A1", 50)], APPROVED),
        ({"type": "approve"}, [("A1", 50)], APPROVED),
        ({"decision": "approve"}, [("A1", 50)], APPROVED),
        ({"decisions": [{"type": "approve"}]}, [("A1", 50)], APPROVED),
        ({"decisions": [True]}, [("A1", 50)], APPROVED),
        ({"RefA00001": True}, [("A1", 50)], APPROVED),
        ({"RefA00001": "approve"}, [("A1", 50)], APPROVED),
        (False, [], REJECTED),
        ("reject", [], REJECTED),
        ({"type": "reject"}, [], REJECTED),
        ({"decision": "reject"}, [], REJECTED),
        ({"decisions": [False]}, [], REJECTED),
        ({"RefA00001": "reject"}, [], REJECTED),
        ({"decision": "reject", "reason": "r"}, [], REJECTED_R),
        ({"type": "reject", "message": "r"}, [], REJECTED_R),
        ({"decisions": [{"type": "reject", "message": "r"}]}, [], REJECTED_R),
        ({"RefA00001": {"decision": "reject", "reason": "r"}}, [], REJECTED_R),
        (EDIT, [("A1", 5)], EDITED),  # one edit may stand alone when one call is pending
        ({"type": "edit", "edited_action": {"args": {"order_id": "A1", "amount": 5}}}, [("A1", 5)],
         EDITED),  # the tool's name may be left out
        ({"decisions": [EDIT]}, [("A1", 5)], EDITED),
        ({"RefA00001": EDIT}, [("A1", 5)], EDITED),
    ],
)  # fmt: skip
def test_every_answer_form_for_a_single_call(paused_one, answer, done, told):
    graph, config, _, model = paused_one
    state = graph.invoke(Command(resume=answer), config)
    assert done == REFUNDS
    result = results(state)["RefA00001"]
    assert result.content == told
    assert result.status == ("success" if done else "error")
    # the model is asked again with exactly that result
    assert model.calls[1]["messages"][-1].content == told
    assert state["messages"][-1].content == "done"


def test_what_the_model_is_told_about_a_call_left_out(paused):
    graph, config, _, model = paused
    state = graph.invoke(Command(resume={"RefA00001": "approve"}), config)
    assert REFUNDS == [("A1", 50)]
    left_out = results(state)["RefB00001"]
    assert left_out.status == "error"
    assert left_out.content == (
        "Error: a human rejected this call, so it did not run: no decision was given for this "
        "call. Do not retry it unchanged."
    )
    sent = {m.tool_call_id: m.content for m in model.calls[1]["messages"] if m.type == "tool"}
    assert sent["RefB00001"] == left_out.content


def test_short_forms_read_as_typed_decisions():
    request = approval_request([(CALLS[0], refund), (CALLS[2], refund)])
    assert parse_answer({"decisions": [True, {"decision": "reject", "reason": "r"}]}, request) == {
        "decisions": [{"type": "approve"}, {"type": "reject", "message": "r"}]
    }
    assert parse_answer("reject", request) == {"decisions": [{"type": "reject"}] * 2}
    assert parse_answer({"RefA00001": False, "RefB00001": "approve"}, request) == {
        "decisions": [{"type": "reject"}, {"type": "approve"}]
    }

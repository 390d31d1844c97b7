"""Answers an approval cannot read: a clear error naming what was wrong and what is allowed, and
nothing saved, so the same request can be answered again."""

import pytest
from approval_kit import REFUNDS
from langgraph.types import Command

from nemotron_agents.errors import ApprovalAnswerError


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
    paused, answer, problem
):
    graph, config, first, _ = paused
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

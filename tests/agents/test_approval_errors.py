"""Answers an approval cannot read: a clear error naming what was wrong and what is allowed, and
nothing saved, so the same request can be answered again."""

import pytest
from approval_kit import CALLS, REFUNDS, refund
from langgraph.types import Command

from nemotron_agents.agents.approval import ALLOWED_ANSWERS, approval_request, parse_answer
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
    assert text.endswith(f"Allowed: {ALLOWED_ANSWERS}.") and caught.value.answer == answer
    assert not isinstance(caught.value, ValueError)
    assert REFUNDS == []
    # nothing was saved: the same request is pending and a valid answer still works
    assert graph.get_state(config).interrupts[0].value == first["__interrupt__"][0].value
    graph.invoke(Command(resume=True), config)
    assert sorted(REFUNDS) == [("A1", 50), ("B2", 20)]


EVERY_DECISION = "allowed: approve, edit, reject"
AN_EDIT = '"edited_action": {"name": str, "args": {...}}'


@pytest.mark.parametrize(
    ("answer", "problem", "allowed"),
    [
        # wrong type: none of the forms (None and {}: see the tests below)
        ([], "not one of the allowed forms", None),
        ([{"type": "approve"}, {"type": "approve"}], "not one of the allowed forms", None),
        ("yes", "not one of the allowed forms", None),
        # the list of decisions: one per pending call, in order
        ({"decisions": []}, '"decisions" must be a list of 2 decision(s)', "one per pending call"),
        ({"decisions": [True] * 3}, '"decisions" must be a list of 2 decision(s)',
         "one per pending call"),
        ({"decisions": (True, True)}, '"decisions" must be a list of 2 decision(s)',
         "one per pending call"),
        ({"decisions": [None, True]}, "cannot read None as a decision about call RefA00001", None),
        # unknown decision types
        ({"decisions": [{"type": "maybe"}, True]},
         "decision type 'maybe' is not allowed for 'refund'", EVERY_DECISION),
        ({"RefA00001": {"note": "x"}}, "decision type None is not allowed for 'refund'",
         EVERY_DECISION),
        ({"decision": "edit"}, "\"decision\" must be \"approve\" or \"reject\", not 'edit'", None),
        ({"RefA00001": 1}, "cannot read 1 as a decision about call RefA00001", None),
        # edits
        ({"decisions": [{"type": "edit"}, True]}, "an edit needs", AN_EDIT),
        ({"RefA00001": {"type": "edit", "edited_action": {"name": "refund", "args": "amount=1"}}},
         "an edit needs", AN_EDIT),
        ({"RefA00001": {"type": "edit", "edited_action": "refund(amount=1)"}}, "an edit needs",
         AN_EDIT),
        ({"type": "edit", "edited_action": {"args": {"amount": 1}}},
         "one edit cannot apply to 2 calls", "key each edit by its call id"),
        ({"RefA00001": {"type": "edit", "edited_action": {"name": "lookup", "args": {}}}},
         "an edit cannot switch tools: call RefA00001 is to 'refund', the edit names 'lookup'",
         None),
        # rejections and ids
        ({"type": "reject", "message": ["too", "much"]},
         "a rejection's message must be text, not list", None),
        ({"Look00001": True}, "no pending call has the id 'Look00001'",
         "pending: RefA00001, RefB00001"),  # the lookup needs no approval
    ],
)  # fmt: skip
def test_each_check_names_what_was_wrong_and_what_is_allowed(paused, answer, problem, allowed):
    graph, config, first, _ = paused
    with pytest.raises(ApprovalAnswerError) as caught:
        graph.invoke(Command(resume=answer), config)
    text = str(caught.value)
    assert text.startswith(f"Invalid approval answer {answer!r}: {problem}")
    if allowed:
        assert allowed in text
    assert text.endswith(f"Allowed: {ALLOWED_ANSWERS}.")
    assert REFUNDS == []
    assert graph.get_state(config).interrupts[0].value == first["__interrupt__"][0].value


def test_with_one_call_pending_the_decisions_list_holds_one(paused_one):
    graph, config, _, _ = paused_one
    with pytest.raises(ApprovalAnswerError, match=r"must be a list of 1 decision\(s\)"):
        graph.invoke(Command(resume={"decisions": [True, True]}), config)
    graph.invoke(Command(resume={"decisions": [True]}), config)
    assert REFUNDS == [("A1", 50)]


def test_a_long_answer_is_shown_cut_at_the_head_of_the_message(paused):
    graph, config, _, _ = paused
    answer = {"RefA00001": "x" * 1000}
    with pytest.raises(ApprovalAnswerError) as caught:
        graph.invoke(Command(resume=answer), config)
    text = str(caught.value)
    assert text.startswith(f"Invalid approval answer {repr(answer)[:200]}…: cannot read 'xxx")
    assert "x" * 1000 not in text.split(": cannot read")[0]
    assert caught.value.answer == answer  # the error keeps the whole answer


async def test_an_async_resume_checks_the_answer_the_same_way(paused):
    graph, config, first, _ = paused
    with pytest.raises(ApprovalAnswerError, match="not one of the allowed forms"):
        await graph.ainvoke(Command(resume="maybe"), config)
    assert REFUNDS == []
    assert graph.get_state(config).interrupts[0].value == first["__interrupt__"][0].value
    await graph.ainvoke(Command(resume={"RefB00001": True}), config)
    assert REFUNDS == [("B2", 20)]


@pytest.mark.parametrize("answer", [None, {}])
def test_none_and_an_empty_map_are_no_answer(answer):
    request = approval_request([(CALLS[0], refund), (CALLS[2], refund)])
    with pytest.raises(ApprovalAnswerError, match="not one of the allowed forms"):
        parse_answer(answer, request)  # leaving out every call rejects nothing: it is no answer


def test_an_empty_map_resumes_nothing(paused):
    # LangGraph reads {} as a map of interrupt ids naming none, before any check of ours runs
    graph, config, first, model = paused
    graph.invoke(Command(resume={}), config)
    assert REFUNDS == [] and len(model.calls) == 1
    assert graph.get_state(config).interrupts[0].value == first["__interrupt__"][0].value

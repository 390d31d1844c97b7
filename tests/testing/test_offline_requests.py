"""The offline policy on labelled requests (tests/testing/offline_requests.py), each through the
real agent: ChatNVIDIA over HTTP against the emulator. No answer may be wrong."""

from __future__ import annotations

import pytest
from offline_requests import CASES, FAMILIES, Case, Run, calc, counts, grade, pct, run_all

from nemotron_agents.testing.emulator.offline import DECLINE_HINT

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")


@pytest.fixture(scope="module")
def graded():
    return run_all()


def _report(graded) -> str:
    return "; ".join(
        f"{family}: {t['correct']} correct, {t['declined']} declined, {t['wrong']} wrong"
        for family, t in counts(graded).items()
    )


def test_no_request_gets_a_wrong_answer(graded):
    print(_report(graded))  # shown with -s: the counts per family
    wrong = [
        (case.text, run.calls, run.answer) for case, run, outcome in graded if outcome == "wrong"
    ]
    assert not wrong, f"{_report(graded)}\n" + "\n".join(map(str, wrong))


def test_every_request_gets_its_labelled_outcome(graded):
    off = [
        (case.text, case.expect, outcome, run.answer)
        for case, run, outcome in graded
        if outcome != case.expect
    ]
    assert not off, "\n".join(map(str, off))


def test_every_request_the_agent_sent_was_accepted(graded):
    refused = [
        (case.text, run.statuses)
        for case, run, _ in graded
        if not run.statuses or set(run.statuses) != {200}
    ]
    assert not refused


def test_the_set_covers_each_family_both_ways():
    assert len(CASES) >= 40
    for family in FAMILIES:
        labels = {case.expect for case in CASES if case.family == family}
        assert labels == {"correct", "declined"}, family
    assert len({case.text for case in CASES if case.family == "calculator"}) == sum(
        case.family == "calculator" for case in CASES
    )


def test_grader_flags_wrong_calls_invented_numbers_and_missing_words():
    case = Case(
        "calculator", "What is 15% of 240?", "correct", (pct("percent_of", 15, 240),), ("is 36.",)
    )
    right = [pct("percent_of", 15, 240)]
    assert grade(case, Run(right, ["36.0"], "15% of 240 is 36.")) == "correct"
    assert grade(case, Run([pct("percent_of", 240, 15)], ["36.0"], "15% of 240 is 36.")) == "wrong"
    assert grade(case, Run(right, ["36.0"], "15% of 240 is 37.")) == "wrong"
    assert grade(case, Run(right, ["36.0"], "Tool results: percentage returned 36.0.")) == "wrong"
    assert grade(case, Run([], [], f"I'm the offline emulator. {DECLINE_HINT}")) == "declined"
    assert grade(case, Run([calc("15 * 240")], ["3600"], f"3600. {DECLINE_HINT}")) == "wrong"

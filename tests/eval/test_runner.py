"""Runs through the emulator: wrong answers score what they should, failed requests are retried
or recorded, concurrency is bounded, and an interrupted run resumes to the same result."""

import copy
import threading
import time

import pytest

from nemotron_agents.eval import load_questions, read_answers, summarize
from nemotron_agents.eval.oracle import OraclePolicy

NEMOTRON = "mistralai/mistral-nemotron"
NEMO = "nv-mistralai/mistral-nemo-12b-instruct"


def _swap_value(reply, body):
    reply[0]["arguments"]["base"] = 11  # simple_python_0 wants 10
    return reply


def _drop_parameter(reply, body):
    del reply[0]["arguments"]["number"]  # simple_python_1: math.factorial's required number
    return reply


def _wrong_function(reply, body):
    reply[0]["name"] = "not_offered"
    return reply


def _extra_argument(reply, body):
    reply[0]["arguments"]["colour"] = "red"
    return reply


def _no_call(reply, body):
    return "I would rather not call anything."


def _malformed(reply, body):
    return [{"name": reply[0]["name"], "arguments": '{"side1": 3, "side2": '}]


def _drop_call(reply, body):
    return reply[:1]


def _reverse(reply, body):
    return reply[::-1]


def _reverse_and_swap(reply, body):
    reply[0]["arguments"]["upper_limit"] = 999  # parallel_multiple_0 wants 1000
    return reply[::-1]


def _call_on_irrelevance(reply, body):
    return [{"name": body["tools"][0]["function"]["name"], "arguments": {}}]


#: id -> (what the policy does to the oracle's answer, the error kind expected or None)
SPOILERS = {
    "simple_python_0": (_swap_value, "wrong_value"),
    "simple_python_1": (_drop_parameter, "missing_argument"),
    "simple_python_2": (_wrong_function, "wrong_function"),
    "simple_python_3": (_extra_argument, "extra_argument"),
    "multiple_0": (_no_call, "no_call"),
    "multiple_1": (_malformed, "malformed_call"),
    "parallel_0": (_drop_call, "wrong_count"),
    "parallel_1": (_reverse, None),  # any order is right
    "parallel_multiple_0": (_reverse_and_swap, "wrong_value"),
    "irrelevance_0": (_call_on_irrelevance, "call_on_irrelevance"),
}


class Saboteur:
    """The oracle, except on the questions of :data:`SPOILERS`."""

    def __init__(self, questions):
        self.oracle = OraclePolicy(questions)
        self.ids = {q.messages[-1]["content"]: q.id for q in questions}

    def __call__(self, body):
        reply = copy.deepcopy(self.oracle(body))  # the oracle's answers are shared
        spoil = SPOILERS.get(self.ids[body["messages"][-1]["content"]])
        return spoil[0](reply, body) if spoil else reply


@pytest.fixture(scope="module")
def questions(data):
    return load_questions(data, ["all"], limit=4)


def _outcomes(records):
    return {(r["model"], r["id"]): (r["passed"], r["error"], r["calls"]) for r in records}


def test_a_wrong_policy_scores_what_it_should_with_the_right_error_kinds(questions, offline):
    run = offline(questions, Saboteur(questions), models=(NEMOTRON, NEMO))
    for model in (NEMOTRON, NEMO):
        errors = {rid: r["error"] for rid, r in run.by_id(model).items() if not r["passed"]}
        assert errors == {rid: kind for rid, (_, kind) in SPOILERS.items() if kind}
    summary = summarize(run.records)
    assert summary["accuracy"] == pytest.approx(11 / 20)
    assert (
        summary["by_model"][NEMO]["passed"] == 11 and summary["by_model"][NEMO]["questions"] == 20
    )
    assert summary["errors"] == dict.fromkeys(
        (
            "wrong_function",
            "missing_argument",
            "extra_argument",
            "wrong_count",
            "malformed_call",
            "no_call",
            "call_on_irrelevance",
        ),
        2,
    ) | {"wrong_value": 4}
    assert summary["by_category"]["simple_python"]["errors"] == {
        "wrong_function": 2,
        "missing_argument": 2,
        "extra_argument": 2,
        "wrong_value": 2,
    }
    assert {m["id"] for m in summary["misses"]} == {
        rid for rid, (_, kind) in SPOILERS.items() if kind
    }


def test_a_retryable_failure_is_retried_and_the_rate_gate_sees_every_attempt(questions, offline):
    gate_calls = []

    async def gate():
        gate_calls.append(1)

    few = questions[:5]
    run = offline(
        few,
        OraclePolicy(few),
        faults=(("rate_limit", {"retry_after": 0, "times": 2}),),
        before_request=gate,
        concurrency=1,
    )
    assert all(r["passed"] for r in run.records)
    assert len(run.bodies) == len(gate_calls) == 7  # 5 questions, 2 of them twice


def test_a_refused_request_is_a_request_error_and_is_asked_again_on_resume(
    questions, offline, tmp_path
):
    answers = tmp_path / "answers.jsonl"
    few = questions[:6]
    policy = OraclePolicy(few)
    first = offline(few, policy, faults=(("bad_request", {"times": 2}),), answers_path=answers)
    failed = [r for r in first.records if not r["passed"]]
    assert len(failed) == 2 and {r["error"] for r in failed} == {"request_error"}
    assert all("HTTP 400" in r["detail"] for r in failed)
    assert summarize(first.records)["by_category"]["simple_python"]["latency_p50_s"] is not None
    again = offline(few, policy, answers_path=answers)
    assert len(again.bodies) == 2  # only the failed ones
    assert all(r["passed"] for r in again.records)
    assert len(read_answers(answers)) == 6


def test_concurrency_is_bounded(questions, offline):
    lock, state = threading.Lock(), {"now": 0, "most": 0}
    oracle = OraclePolicy(questions)

    def slow_policy(body):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)  # hold the request so that others pile up
        with lock:
            state["now"] -= 1
        return oracle(body)

    run = offline(questions[:12], slow_policy, concurrency=3)
    assert all(r["passed"] for r in run.records)
    assert 1 < state["most"] <= 3


def test_an_interrupted_run_resumes_to_the_result_of_an_uninterrupted_one(
    questions, offline, tmp_path
):
    policy = Saboteur(questions)
    whole = offline(
        questions, policy, models=(NEMOTRON, NEMO), answers_path=tmp_path / "whole.jsonl"
    )

    graded = []

    def stop_after_15(record):
        graded.append(record)
        if len(graded) == 15:
            raise KeyboardInterrupt  # as Ctrl-C would, between two answers

    answers = tmp_path / "cut" / "answers.jsonl"
    with pytest.raises(KeyboardInterrupt):
        offline(
            questions,
            policy,
            models=(NEMOTRON, NEMO),
            answers_path=answers,
            on_record=stop_after_15,
        )
    kept = read_answers(answers)
    # the 15 graded, then answers that finished beside the 15th (not yet handed over) and those
    # of requests in flight at the stop: each at most the concurrency, 4
    assert list(kept.values())[:15] == graded and 15 <= len(kept) <= 15 + 2 * 4

    resumed = offline(questions, policy, models=(NEMOTRON, NEMO), answers_path=answers)
    assert len(resumed.bodies) == 40 - len(kept)  # only what was not graded yet
    assert _outcomes(resumed.records) == _outcomes(whole.records)
    assert [(r["model"], r["id"]) for r in resumed.records] == [
        (r["model"], r["id"]) for r in whole.records
    ]
    assert len(answers.read_text().splitlines()) == 40  # every answer once


def test_a_line_torn_by_a_hard_kill_is_ignored_and_swallows_nothing(questions, offline, tmp_path):
    few = questions[:3]
    answers = tmp_path / "answers.jsonl"
    offline(few[:2], OraclePolicy(few), answers_path=answers)
    # killed in the middle of a line, even in the middle of a UTF-8 character
    answers.write_bytes(
        answers.read_bytes() + b'{"model": "mistralai/mistral-nemotron", "id": "\xc3'
    )
    again = offline(few, OraclePolicy(few), answers_path=answers)
    assert len(again.bodies) == 1 and all(r["passed"] for r in again.records)
    assert len(read_answers(answers)) == 3
    assert len(answers.read_text(errors="replace").splitlines()) == 4  # the torn line, alone

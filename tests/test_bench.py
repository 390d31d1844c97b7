"""The bench times only runs that did their work: every arm runs exactly N tool calls."""

import pytest

pytest.importorskip("langchain.agents", reason="the bench's peer arm needs langchain (test extra)")

from bench.arms import ARMS, BenchError, make_run


@pytest.mark.parametrize("arm", ARMS)
def test_every_arm_runs_exactly_n_tool_calls(arm):
    run = make_run(arm, 7)
    out = run.graph.invoke(run.inputs, run.config)
    run.check()
    assert run.executed[0] == 7
    assert sum(m.type == "tool" for m in out["messages"]) == 7


def test_a_run_that_did_less_is_an_error_not_a_number():
    run = make_run("build_agent", 5)
    run.executed[0] = 4
    with pytest.raises(BenchError, match="ran 4 tool calls, expected 5"):
        run.check()


@pytest.mark.parametrize("arm", ["build_agent", "create_agent"])
def test_summarising_arms_run_every_call_and_keep_the_history_bounded(arm):
    from langgraph.checkpoint.memory import InMemorySaver

    from bench.arms import SUMMARY
    from bench.loops import SUMMARY_BUDGET

    run = make_run(arm, 120, checkpointer=InMemorySaver(), summarise_at=SUMMARY_BUDGET)
    out = run.graph.invoke(run.inputs, run.config)
    run.check()
    # 120 calls leave 241 messages unsummarised; the summariser replaced the older ones
    assert len(out["messages"]) < 120
    assert any(SUMMARY in str(m.content) for m in out["messages"])


def test_the_arm_without_a_summariser_refuses_a_budget():
    with pytest.raises(ValueError, match="create_react_agent has no summariser"):
        make_run("create_react_agent", 3, summarise_at=2000)


def _loops(per_arm):
    """Rows for ``markdown``: ``per_arm`` maps arm to {(saver, n): ms/step}; both modes alike."""
    return [
        {"n": n, "mode": mode, "saver": saver, "arm": arm, "ms_per_step": ms}
        for arm, cells in per_arm.items()
        for (saver, n), ms in cells.items()
        for mode in ("astream", "invoke")
    ]


def _cells(base, saved_at_400):
    return {(False, 10): base, (False, 400): base, (True, 10): base, (True, 400): saved_at_400}


@pytest.mark.parametrize(
    ("ours", "missed"),
    [
        (_cells(2.0, 6.5), False),  # 3.25x against 3x, but it adds 4.5 ms to 6
        (_cells(2.0, 9.0), True),  # the history adds 7 ms to ours
    ],
)
def test_saver_growth_is_judged_by_the_time_the_history_adds(ours, missed):
    from bench.report import markdown

    rows = _loops(
        {"build_agent": ours, "create_agent": _cells(3.0, 9.0), "create_react_agent": _cells(3, 9)}
    )
    report, misses = markdown({"machine": "test", "loops": rows})
    assert "3.25x (+4.50 ms)" in report or "4.50x (+7.00 ms)" in report
    assert any("growth astream, saver" in m for m in misses) is missed


def test_sizes_are_interleaved_so_growth_is_not_machine_drift():
    from bench.loops import _rounds, repeats_for

    rounds = _rounds([1, 10, 100, 400], quick=False)
    for n in (1, 10, 100, 400):
        assert sum(n in r for r in rounds) == repeats_for(n, False)
    assert rounds[0] == [1, 10, 100, 400]  # N=10 and N=400 are measured side by side
    assert all(400 in r for r in rounds[: repeats_for(400, False)])

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

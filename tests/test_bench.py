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

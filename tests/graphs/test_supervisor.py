"""The supervisor splits a request, runs specialists as subgraphs in parallel and composes."""

import threading

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from nemotron_agents.graphs.supervisor import COMPOSE_PROMPT, SPECIALISTS, build_graph
from nemotron_agents.testing import ScriptedChatModel, tool_call


def role(messages):
    system = next((m.content for m in messages if isinstance(m, SystemMessage)), "")
    if "supervisor of a team" in system:
        return "plan"
    if system == COMPOSE_PROMPT:
        return "compose"
    return "calculator"


def team_model(*, barrier=None, fail_on=None):
    def script(messages, tools):
        who = role(messages)
        if who == "plan":
            return [
                tool_call(
                    "Delegation",
                    {
                        "assignments": [
                            {"specialist": "calculator", "task": "What is 18% of 1250?"},
                            {"specialist": "calculator", "task": "Convert 5 miles to km"},
                        ]
                    },
                )
            ]
        if who == "compose":
            return "Composed: " + messages[-1].content.split("Findings:", 1)[1].strip()
        task = next(m.content for m in messages if isinstance(m, HumanMessage))
        if fail_on and fail_on in task:
            raise RuntimeError("specialist endpoint down")
        last = messages[-1]
        if isinstance(last, ToolMessage):
            return f"result {last.content}"
        if barrier is not None:
            barrier.wait()  # passes only when both specialists are asking at the same time
        if "%" in task:
            return [tool_call("percentage", {"operation": "percent_of", "a": 18, "b": 1250})]
        return [tool_call("convert_units", {"value": 5, "from_unit": "mi", "to_unit": "km"})]

    return ScriptedChatModel(script)


def test_parts_go_to_specialists_in_parallel_and_compose_keeps_plan_order():
    barrier = threading.Barrier(2, timeout=10)
    graph = build_graph(model=team_model(barrier=barrier), fallback_model=False)
    out = graph.invoke({"messages": [HumanMessage("18% of 1250, and 5 miles in km?")]})
    findings = sorted(out["findings"], key=lambda f: f["index"])
    assert [f["task"] for f in findings] == ["What is 18% of 1250?", "Convert 5 miles to km"]
    assert findings[0]["answer"] == "result 225.0" and findings[1]["answer"].startswith(
        "result 8.04672"
    )
    answer = out["messages"][-1]
    assert isinstance(answer, AIMessage)
    assert answer.content.index("225.0") < answer.content.index(
        "8.04672"
    )  # plan order, not finish order
    # the supervisor's conversation holds the request and the answer, not the specialists' chatter
    assert [type(m).__name__ for m in out["messages"]] == ["HumanMessage", "AIMessage"]
    assert out["usage"]["scripted"]["calls"] == 1 + 2 * 2 + 1


async def test_async_run_overlaps_too():
    barrier = threading.Barrier(2, timeout=10)
    graph = build_graph(model=team_model(barrier=barrier), fallback_model=False)
    out = await graph.ainvoke({"messages": [HumanMessage("18% of 1250, and 5 miles in km?")]})
    assert len(out["findings"]) == 2 and all(f["ok"] for f in out["findings"])


def test_a_failing_specialist_is_reported_not_lost():
    graph = build_graph(model=team_model(fail_on="miles"), fallback_model=False)
    out = graph.invoke({"messages": [HumanMessage("18% of 1250, and 5 miles in km?")]})
    by_task = {f["task"]: f for f in out["findings"]}
    assert (
        by_task["What is 18% of 1250?"]["ok"]
        and by_task["What is 18% of 1250?"]["answer"] == "result 225.0"
    )
    failed = by_task["Convert 5 miles to km"]
    assert not failed["ok"] and "specialist endpoint down" in failed["answer"]
    assert "failed: " in out["messages"][-1].content


def test_a_new_request_starts_with_no_old_findings():
    from langgraph.checkpoint.memory import InMemorySaver

    graph = build_graph(model=team_model(), fallback_model=False, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"messages": [HumanMessage("first")]}, config)
    out = graph.invoke({"messages": [HumanMessage("second")]}, config)
    assert len(out["findings"]) == 2
    assert [type(m).__name__ for m in out["messages"]] == ["HumanMessage", "AIMessage"] * 2


def test_the_drawing_shows_every_specialist_between_plan_and_compose():
    graph = build_graph(model=team_model(), fallback_model=False)
    edges = {(e.source, e.target) for e in graph.get_graph().edges}
    for name in SPECIALISTS:
        assert ("plan", name) in edges and (name, "compose") in edges
    assert ("plan", "compose") in edges

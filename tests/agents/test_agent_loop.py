import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.agents import build_agent
from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import ToolRegistry, tool


def agent(model, registry, **kw):
    kw.setdefault("fallback_model", False)
    kw.setdefault("initial_delay", 0)
    return build_agent(model=model, tools=registry, **kw)


def tool_messages(result):
    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


def test_tool_loop_answers_and_counts_usage(registry):
    model = ScriptedChatModel([[tool_call("add", {"a": 2, "b": 3})], "2 + 3 = 5"], model="nemotron")
    result = agent(model, registry, system_prompt="Use tools.").invoke(
        {"messages": [HumanMessage("2+3?")]}
    )
    assert result["messages"][-1].content == "2 + 3 = 5"
    (tm,) = tool_messages(result)
    assert tm.content == "5" and tm.status == "success" and tm.name == "add"
    assert result["usage"]["nemotron"]["calls"] == 2
    assert result["usage"]["nemotron"]["total_tokens"] > 0
    assert [t["model"] for t in result["turns"]] == ["nemotron", "nemotron"]
    # the system prompt goes first in every request but is never stored
    assert all(isinstance(c["messages"][0], SystemMessage) for c in model.calls)
    assert not any(isinstance(m, SystemMessage) for m in result["messages"])
    # the model was offered the registry's tools
    assert {t["function"]["name"] for t in model.bound_tools} == set(registry.names())


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_parallel_calls_run_concurrently(mode, rendezvous):
    rv = rendezvous
    registry = ToolRegistry([rv.make_tool()])
    model = ScriptedChatModel(
        [[tool_call("meet", {"name": "a"}), tool_call("meet", {"name": "b"})], "both met"]
    )
    graph = agent(model, registry)
    inputs = {"messages": [HumanMessage("meet")]}
    result = graph.invoke(inputs) if mode == "sync" else await graph.ainvoke(inputs)
    assert sorted(m.content for m in tool_messages(result)) == ["a met", "b met"]
    assert result["messages"][-1].content == "both met"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (tool_call("nope", {}), ["Unknown tool 'nope'", "add", "convert", "kaboom"]),
        (tool_call("add", {"a": "two", "b": 1}), ["'add'", "a", "integer"]),
        (tool_call("add", {"a": 1}), ["'add'", "b", "required"]),
        (tool_call("add", {"a": 1, "b": 2, "c": 3}), ["c"]),
        (tool_call("convert", {"value": 1, "unit": "mile"}), ["unit", "'m'", "'km'"]),
        (tool_call("kaboom", {"reason": "test"}), ["kaboom", "RuntimeError", "kaboom: test"]),
        (tool_call("slow", {"seconds": 5}), ["slow", "0.2"]),
    ],
    ids=["unknown", "wrong-type", "missing", "extra", "enum", "exception", "timeout"],
)
async def test_tool_failures_go_back_to_the_model_and_the_run_continues(registry, call, expected):
    model = ScriptedChatModel([[call], "recovered"])
    result = await agent(model, registry).ainvoke({"messages": [HumanMessage("go")]})
    (tm,) = tool_messages(result)
    assert tm.status == "error" and tm.tool_call_id == call["id"]
    for fragment in expected:
        assert fragment in tm.content
    # the model saw the error in its next request, then answered
    assert model.calls[1]["messages"][-1].content == tm.content
    assert result["messages"][-1].content == "recovered"


def test_malformed_tool_call_json_goes_back_in_the_same_run(registry):
    bad = AIMessage(
        "",
        invalid_tool_calls=[
            {
                "name": "add",
                "args": '{"a": 1, "b":',
                "id": "Bad123xyz",
                "error": "Unterminated JSON",
                "type": "invalid_tool_call",
            }
        ],
    )
    model = ScriptedChatModel([bad, [tool_call("add", {"a": 1, "b": 2})], "3"])
    result = agent(model, registry).invoke({"messages": [HumanMessage("1+2")]})
    first, second = tool_messages(result)
    assert first.status == "error" and first.tool_call_id == "Bad123xyz"
    assert "not valid JSON" in first.content and '{"a": 1, "b":' in first.content
    assert second.content == "3" and result["messages"][-1].content == "3"
    assert len(model.calls) == 3


def test_oversized_output_is_truncated_with_a_marker(registry):
    model = ScriptedChatModel([[tool_call("shout", {"word": "ab", "times": 500})], "done"])
    (tm,) = tool_messages(agent(model, registry).invoke({"messages": [HumanMessage("x")]}))
    assert tm.content.startswith("ab" * 10)
    assert "1000" in tm.content and "truncated" in tm.content
    assert len(tm.content) < 200


def test_step_limit_ends_with_an_answer_not_an_exception(registry):
    model = ScriptedChatModel(lambda messages, tools: [tool_call("add", {"a": 1, "b": 1})])
    result = agent(model, registry, max_steps=3).invoke({"messages": [HumanMessage("loop")]})
    final = result["messages"][-1]
    assert isinstance(final, AIMessage) and "stopped after 3 steps" in final.content
    assert final.response_metadata["stopped"] == "max_steps"
    assert len(model.calls) == 3
    assert len(tool_messages(result)) == 3  # every call has its result


def test_step_counter_resets_for_each_new_question(registry):
    turns = [
        [tool_call("add", {"a": 1, "b": 1})],
        "two",
        [tool_call("add", {"a": 2, "b": 2})],
        "four",
    ]
    graph = agent(ScriptedChatModel(turns), registry, max_steps=2, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    assert (
        graph.invoke({"messages": [HumanMessage("1+1")]}, config)["messages"][-1].content == "two"
    )
    assert (
        graph.invoke({"messages": [HumanMessage("2+2")]}, config)["messages"][-1].content == "four"
    )


def test_duplicate_and_missing_call_ids_are_made_unique(registry):
    calls = [
        {"name": "add", "args": {"a": 1, "b": 1}, "id": "", "type": "tool_call"},
        {"name": "add", "args": {"a": 2, "b": 2}, "id": "same", "type": "tool_call"},
        {"name": "add", "args": {"a": 3, "b": 3}, "id": "same", "type": "tool_call"},
    ]
    model = ScriptedChatModel([AIMessage("", tool_calls=calls), "ok"])
    result = agent(model, registry).invoke({"messages": [HumanMessage("x")]})
    ids = [c["id"] for c in result["messages"][1].tool_calls]
    assert len(set(ids)) == 3 and all(ids)
    assert [m.tool_call_id for m in tool_messages(result)] == ids
    assert [m.content for m in tool_messages(result)] == ["2", "4", "6"]


def test_results_come_back_in_the_order_of_the_calls(registry):
    calls = [
        tool_call("add", {"a": 1, "b": 1}),
        tool_call("nope", {}),
        tool_call("kaboom", {"reason": "x"}),
        tool_call("add", {"a": 2, "b": 2}),
    ]
    model = ScriptedChatModel([calls, "ok"])
    result = agent(model, registry).invoke({"messages": [HumanMessage("x")]})
    assert [m.tool_call_id for m in tool_messages(result)] == [c["id"] for c in calls]
    assert [m.status for m in tool_messages(result)] == ["success", "error", "error", "success"]


def test_return_direct_tool_ends_the_run_without_another_model_call(registry):
    # A handoff: the run stops on the tool's result and the caller routes on it.
    turns = [[tool_call("add", {"a": "x", "b": 1})], [tool_call("add", {"a": 1, "b": 1})]]
    model = ScriptedChatModel(turns)
    graph = agent(model, registry, return_direct=["add"])
    result = graph.invoke({"messages": [HumanMessage("1+1")]})
    failed, succeeded = tool_messages(result)
    assert failed.status == "error" and succeeded.content == "2"  # the failure went back
    assert result["messages"][-1] == succeeded  # the run ended on the result: no answer after it
    assert model.turns_left == 0 and len(model.calls) == 2


def test_return_direct_names_must_be_tools(registry):
    expected = r"return_direct names unknown tools \['transfer'\].*'add'"
    with pytest.raises(ConfigError, match=expected):
        agent(ScriptedChatModel(["hi"]), registry, return_direct=["transfer"])


@tool
def dump(size: int) -> str:
    """Returns a long text.

    Args:
        size: How many characters.
    """
    return "d" * size


@tool
def ratio(a: float, b: float) -> float:
    """Divides, overflowing for huge a and tiny b.

    Args:
        a: Numerator.
        b: Denominator.
    """
    return a / b


@pytest.mark.parametrize(
    ("options", "shown"),
    [
        ({}, 20_000),
        ({"max_output_chars": 1_000}, 1_000),
        # no output limit: the whole result, as long as the model's window holds it
        ({"max_output_chars": None, "settings": Settings(context_window=4_000_000)}, None),
    ],
    ids=["default", "agent-limit", "no-limit"],
)
def test_huge_results_are_cut_by_default_with_a_marker(options, shown):
    model = ScriptedChatModel([[tool_call("dump", {"size": 2_000_000})], "done"])
    (tm,) = tool_messages(
        agent(model, ToolRegistry([dump]), **options).invoke({"messages": [HumanMessage("x")]})
    )
    if shown is None:
        assert tm.content == "d" * 2_000_000
    else:
        assert tm.content == "d" * shown + f"\n…[truncated: showed {shown} of 2000000 characters]"
    # what the model read next is the same text
    assert model.calls[1]["messages"][-1].content == tm.content


def test_a_tools_own_limit_wins_over_the_agents(registry):
    model = ScriptedChatModel([[tool_call("shout", {"word": "ab", "times": 500})], "done"])
    (tm,) = tool_messages(
        agent(model, registry, max_output_chars=None).invoke({"messages": [HumanMessage("x")]})
    )
    assert tm.content.startswith("ab" * 25 + "\n…[truncated: showed 50 of 1000")


def test_agent_rejects_a_bad_output_limit(registry):
    with pytest.raises(ConfigError, match="max_output_chars"):
        agent(ScriptedChatModel(["x"]), registry, max_output_chars=0)


def test_a_non_finite_result_goes_back_as_an_error(registry):
    model = ScriptedChatModel([[tool_call("ratio", {"a": 1e308, "b": 1e-10})], "too big"])
    result = agent(model, ToolRegistry([ratio])).invoke({"messages": [HumanMessage("x")]})
    (tm,) = tool_messages(result)
    assert tm.status == "error" and "returned inf" in tm.content and "overflowed" in tm.content
    assert "Infinity" not in tm.content


def test_a_huge_malformed_argument_is_echoed_only_in_part(registry):
    junk = '{"a": "' + "x" * 1_000_000
    bad = AIMessage(
        "",
        invalid_tool_calls=[
            {
                "name": "add",
                "args": junk,
                "id": "Bad123xyz",
                "error": "Unterminated string",
                "type": "invalid_tool_call",
            }
        ],
    )
    model = ScriptedChatModel([bad, "sorry"])
    (tm,) = tool_messages(agent(model, registry).invoke({"messages": [HumanMessage("x")]}))
    assert (
        tm.status == "error"
        and "not valid JSON" in tm.content
        and "Unterminated string" in tm.content
    )
    assert junk[:500] in tm.content and junk[:501] not in tm.content
    assert "showed 500 of 1000007 characters" in tm.content
    assert len(tm.content) < 1_000


def test_a_scripted_call_too_deep_for_json_goes_back_as_a_malformed_call(registry):
    deep = inner = {}
    for _ in range(2_000):
        inner["a"] = inner = {}
    model = ScriptedChatModel([[tool_call("add", {"a": deep, "b": 1}, id="Deep00001")], "gave up"])
    result = agent(model, registry).invoke({"messages": [HumanMessage("x")]})
    (tm,) = tool_messages(result)
    assert tm.status == "error" and tm.tool_call_id == "Deep00001"
    assert "not valid JSON" in tm.content and "nested too deeply" in tm.content
    assert result["messages"][-1].content == "gave up"


def test_a_result_bigger_than_the_window_is_cut_to_fit_it_not_sent_whole():
    model = ScriptedChatModel([[tool_call("dump", {"size": 2_000_000})], "done"])
    out = agent(model, ToolRegistry([dump]), max_output_chars=None).invoke(
        {"messages": [HumanMessage("x")]}
    )
    (tm,) = tool_messages(out)
    assert len(tm.content) < 128_000 * 4 and "cut to fit the history budget" in tm.content
    sent = model.calls[1]["messages"][-1].content
    assert sent == tm.content  # what the model read next

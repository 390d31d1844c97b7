import random

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.agents.summarize import SUMMARY_PREFIX, safe_cut
from nemotron_agents.testing import ScriptedChatModel, tool_call


def random_history(rng: random.Random, turns: int):
    messages = []
    for t in range(turns):
        messages.append(HumanMessage("question " + "x" * rng.randint(0, 400)))
        for s in range(rng.randint(0, 3)):
            calls = [
                tool_call("add", {"a": i, "b": t}, id=f"c{t}_{s}_{i}")
                for i in range(rng.randint(1, 3))
            ]
            messages.append(AIMessage("", tool_calls=calls))
            messages += [
                ToolMessage("r" * rng.randint(1, 600), tool_call_id=c["id"]) for c in calls
            ]
        messages.append(AIMessage("answer " + "y" * rng.randint(0, 300)))
    return messages


def test_cut_never_separates_a_call_from_its_results():
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        history = random_history(rng, rng.randint(1, 6))
        for keep in (1, 50, 200, 800):
            cut = safe_cut(history, keep)
            head, tail = history[:cut], history[cut:]
            head_calls = {c["id"] for m in head if isinstance(m, AIMessage) for c in m.tool_calls}
            tail_calls = {c["id"] for m in tail if isinstance(m, AIMessage) for c in m.tool_calls}
            head_results = {m.tool_call_id for m in head if isinstance(m, ToolMessage)}
            tail_results = {m.tool_call_id for m in tail if isinstance(m, ToolMessage)}
            assert not (head_calls & tail_results), (cut, keep)
            assert not (tail_calls & head_results), (cut, keep)
            assert tail and not isinstance(tail[0], ToolMessage)
            checked += 1
    assert checked == 1200


def test_partial_intersection_case():
    # LangChain #38352: an AIMessage with two calls whose results straddle the cut
    history = [
        HumanMessage("q"),
        AIMessage("", tool_calls=[tool_call("add", {}, id="A"), tool_call("add", {}, id="B")]),
        ToolMessage("a" * 2000, tool_call_id="A"),
        ToolMessage("b", tool_call_id="B"),
        AIMessage("done"),
    ]
    assert safe_cut(history, keep_tokens=20) in (1, 4)
    assert safe_cut(history, keep_tokens=20) != 3


def test_summary_replaces_old_messages_and_runs_on_the_summarizer(registry):
    old = random_history(random.Random(1), 4)
    model = ScriptedChatModel([[tool_call("add", {"a": 1, "b": 1})], "two"], model="nemotron")
    summarizer = ScriptedChatModel(["The user asked four questions about sums."], model="nemo-12b")
    graph = build_agent(
        model=model,
        tools=registry,
        summarizer=summarizer,
        max_history_tokens=400,
        fallback_model=False,
    )
    result = graph.invoke({"messages": [*old, HumanMessage("1+1?")]})
    messages = result["messages"]
    assert isinstance(messages[0], SystemMessage) and messages[0].content.startswith(SUMMARY_PREFIX)
    assert "four questions" in messages[0].content
    assert messages[-1].content == "two"
    assert len(messages) < len(old)
    assert "nemo-12b" in result["usage"] and "nemotron" in result["usage"]
    assert [t["node"] for t in result["turns"]].count("summarize") >= 1
    # what the summariser saw was a plain transcript, not tool-protocol messages
    sent = summarizer.calls[0]["messages"]
    assert [type(m) for m in sent] == [SystemMessage, HumanMessage]
    assert "[called add(" in sent[1].content
    # and every kept result still has its call
    calls = {c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
    assert all(m.tool_call_id in calls for m in messages if isinstance(m, ToolMessage))


def test_failed_summarizer_keeps_the_whole_history(registry):
    old = random_history(random.Random(2), 4)
    model = ScriptedChatModel(["fine"], model="nemotron")
    summarizer = ScriptedChatModel([Exception("[400] Bad Request\nnope")], model="nemo-12b")
    graph = build_agent(
        model=model,
        tools=registry,
        summarizer=summarizer,
        max_history_tokens=400,
        fallback_model=False,
    )
    result = graph.invoke({"messages": [*old, HumanMessage("hi")]})
    assert len(result["messages"]) == len(old) + 2
    assert (
        result["turns"][0]["node"] == "summarize" and "400" in result["turns"][0]["failures"][0][1]
    )
    assert result["messages"][-1].content == "fine"


def test_summary_happens_mid_run_after_tools_and_the_run_finishes():
    from nemotron_agents.tools import ToolRegistry, tool

    @tool
    def essay(topic: str) -> str:
        """Writes a long text.

        Args:
            topic: What about.
        """
        return f"{topic}: " + "lorem ipsum " * 70

    essays = [[tool_call("essay", {"topic": topic})] for topic in "abc"]
    model = ScriptedChatModel([*essays, "done"], model="nemotron")
    summarizer = ScriptedChatModel(["Essays a and b were written."], model="nemo-12b")
    graph = build_agent(
        model=model,
        tools=ToolRegistry([essay]),
        summarizer=summarizer,
        max_history_tokens=300,
        fallback_model=False,
    )
    result = graph.invoke({"messages": [HumanMessage("write three essays")]})
    # the results are cut to fit first; the third one leaves no room, so a summary is made
    assert [t["node"] for t in result["turns"]] == ["agent", "agent", "agent", "summarize", "agent"]
    assert result["messages"][-1].content == "done"
    assert result["messages"][0].content == SUMMARY_PREFIX + "Essays a and b were written."
    # then the user's question, word for word
    assert result["messages"][1].content == "write three essays"
    # the kept tail starts with the third call and keeps its result
    assert result["messages"][2].tool_calls[0]["args"] == {"topic": "c"}
    assert isinstance(result["messages"][3], ToolMessage)
    # what the model saw after the summary: the summary first, then the question and the kept pair
    sent = model.calls[3]["messages"]
    assert isinstance(sent[0], SystemMessage) and "Essays a and b were written." in sent[0].content
    assert [type(m) for m in sent[1:]] == [HumanMessage, AIMessage, ToolMessage]


def test_a_huge_tool_result_is_cut_to_the_budget_and_the_question_survives_summaries():
    from nemotron_agents.tools import ToolRegistry, tool

    @tool
    def read_log(part: int) -> str:
        """Reads one part of a huge log.

        Args:
            part: Which part.
        """
        return f"part {part}: " + "log line\n" * 20_000

    question = "Which parts of the log mention a failed payment?"
    steps = 12
    turns = [[tool_call("read_log", {"part": i})] for i in range(steps - 1)] + ["None of them."]
    model = ScriptedChatModel(turns, model="nemotron")
    summarizer = ScriptedChatModel(
        lambda messages, tools: "Parts were read; no failed payment yet.", model="nemo-12b"
    )
    graph = build_agent(
        model=model,
        tools=ToolRegistry([read_log]),
        summarizer=summarizer,
        max_history_tokens=600,
        fallback_model=False,
    )
    result = graph.invoke({"messages": [HumanMessage(question)]})
    assert result["messages"][-1].content == "None of them."
    summaries = [t for t in result["turns"] if t["node"] == "summarize"]
    assert 1 <= len(summaries) <= steps // 2, [t["node"] for t in result["turns"]]
    # every request the model got still held the user's question, word for word
    for call in model.calls:
        assert any(isinstance(m, HumanMessage) and m.content == question for m in call["messages"])
    # right after a summary comes the question, then the kept tail
    messages = result["messages"]
    assert messages[0].content.startswith(SUMMARY_PREFIX)
    assert isinstance(messages[1], HumanMessage) and messages[1].content == question
    # every result in the history was cut to fit, with a marker saying so
    for m in messages:
        if isinstance(m, ToolMessage):
            assert len(m.content) <= 600 and "cut to fit the history budget" in m.content
            assert m.content.startswith("part ")
    # the summariser's prompt is bounded too
    assert all(len(c["messages"][1].content) < 20_000 for c in summarizer.calls)


def test_a_result_over_budget_is_cut_without_a_summary_when_that_is_enough():
    from nemotron_agents.tools import ToolRegistry, tool

    @tool
    def fetch(url: str) -> str:
        """Fetches a page.

        Args:
            url: The page.
        """
        return "<p>" + "x" * 9_000

    model = ScriptedChatModel([[tool_call("fetch", {"url": "a"})], "done"], model="nemotron")
    summarizer = ScriptedChatModel(["never needed"], model="nemo-12b")
    graph = build_agent(
        model=model,
        tools=ToolRegistry([fetch]),
        summarizer=summarizer,
        max_history_tokens=1000,
        fallback_model=False,
    )
    result = graph.invoke({"messages": [HumanMessage("fetch a")]})
    assert summarizer.calls == []
    assert [type(m) for m in result["messages"]] == [
        HumanMessage,
        AIMessage,
        ToolMessage,
        AIMessage,
    ]
    tm = result["messages"][2]
    assert (
        tm.content.startswith("<p>xxx")
        and "showed" in tm.content
        and "of 9003 characters" in tm.content
    )
    assert model.calls[1]["messages"][-1].content == tm.content  # the model read the cut result

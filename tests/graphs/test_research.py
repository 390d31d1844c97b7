"""The research graph: an agent subgraph gathers notes, a second model writes the cited answer."""

import json
import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.cli import main
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs._research_writer import UNVERIFIED_NOTE, WRITER_PROMPT
from nemotron_agents.graphs.research import BUNDLED_DIR, ROOT_ENV_VAR, SPEC, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call
from nemotron_agents.testing.emulator import MISTRAL_NEMO_12B, MISTRAL_NEMOTRON, ToolCall

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*")

QUESTION = "How many vacation days after four years, and who approves a 12-day leave request?"
CITATION_RE = re.compile(r"([\w./-]+\.md):(\d+)")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Search indexes go to a temp cache, never the user's; the bundled folder is the default."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(ROOT_ENV_VAR, raising=False)
    return tmp_path / "cache"


def line_of(path, number, root=BUNDLED_DIR):
    return (root / path).read_text().splitlines()[number - 1]


def researching_across_files():
    """A researcher that needs two files: the allowance and rule in one, the name in another."""
    return ScriptedChatModel(
        turns=[
            [tool_call("search_files", {"query": "vacation days full years"})],
            [tool_call("read_file", {"path": "people/leave.md", "start_line": 5, "end_line": 20})],
            [
                tool_call(
                    "read_file", {"path": "company/org-chart.md", "start_line": 3, "end_line": 12}
                )
            ],
            "25 days; the manager and the Head of People approve.",
        ],
        model="researcher",
    )


def citing_writer():
    """A writer that, like the real one, cites the lines of the notes that hold each fact."""

    def write(messages, tools):
        assert not tools, "the writer must not be offered tools"
        notes = messages[-1].content
        sources = {}
        current = None
        for line in notes.splitlines():
            if header := re.match(r"^(\S+), lines \d+-\d+ of \d+:$", line):
                current = header.group(1)
            elif (numbered := re.match(r"^(\d+): (.*)$", line)) and current:
                sources.setdefault(numbered.group(2), f"{current}:{numbered.group(1)}")
            elif hit := re.match(r"^(\S+:\d+) \([^)]*\): (.*)$", line):
                sources.setdefault(hit.group(2), hit.group(1))
        cite = {
            fact: next(src for text, src in sources.items() if fact in text)
            for fact in ("25 days", "Head of People", "Priya Raman")
        }
        return (
            f"Four years gives 25 days of vacation ({cite['25 days']}). A 12-day request needs "
            "your manager "
            f"and the Head of People ({cite['Head of People']}), who is Priya Raman "
            f"({cite['Priya Raman']})."
        )

    return ScriptedChatModel(write, model="writer")


# --- the picture ------------------------------------------------------------------------------


def test_studio_draws_the_two_stages_with_the_agent_as_a_subgraph():
    graph = build_graph(model=ScriptedChatModel(["x"]))
    top = graph.get_graph()
    assert {"research", "write_answer"} <= set(top.nodes)
    assert ("research", "write_answer") in {(e.source, e.target) for e in top.edges}
    inner = set(graph.get_graph(xray=1).nodes)
    assert {"research:agent", "research:tools", "research:finish", "write_answer"} <= inner


# --- what the two stages do -------------------------------------------------------------------


def test_final_answer_is_written_from_the_notes_and_cites_lines_that_exist():
    writer = citing_writer()
    result = build_graph(model=researching_across_files(), writer_model=writer).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    answer = result["messages"][-1]
    assert answer.response_metadata["answered_by"] == "writer"
    cited = CITATION_RE.findall(answer.content)
    assert len(cited) == 3
    facts = ["25 days", "Head of People", "Priya Raman"]
    for (path, number), fact in zip(cited, facts, strict=False):
        assert fact in line_of(path, int(number)), (
            path,
            number,
            fact,
        )  # the line exists and says it
    assert {path for path, _ in cited} >= {
        "people/leave.md",
        "company/org-chart.md",
    }  # across files
    assert [c["valid"] for c in result["citations"]] == [True, True, True]
    assert UNVERIFIED_NOTE.split("{")[0] not in answer.content
    # the writer saw the question, every tool result and the draft, and no tool-call plumbing
    request = writer.calls[0]["messages"]
    assert [m.type for m in request] == ["system", "human"]
    assert request[0].content == WRITER_PROMPT
    notes = request[1].content
    assert QUESTION in notes and "25 days; the manager" in notes
    assert (
        notes.count("### ") == 3
        and '### read_file(path="people/leave.md", start_line=5, end_line=20)' in notes
    )


def test_the_written_answer_replaces_the_draft_which_stays_in_state():
    result = build_graph(model=researching_across_files(), writer_model=citing_writer()).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    finals = [m for m in result["messages"] if isinstance(m, AIMessage) and not m.tool_calls]
    assert len(finals) == 1 and finals[0].content.startswith("Four years gives 25 days")
    assert result["draft"] == "25 days; the manager and the Head of People approve."
    assert [m.type for m in result["messages"]] == [
        "human",
        "ai",
        "tool",
        "ai",
        "tool",
        "ai",
        "tool",
        "ai",
    ]


def test_usage_and_turns_record_both_stages():
    result = build_graph(model=researching_across_files(), writer_model=citing_writer()).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    assert result["usage"]["researcher"]["calls"] == 4 and result["usage"]["writer"]["calls"] == 1
    assert [t["node"] for t in result["turns"]] == ["agent"] * 4 + ["write_answer"]


def test_unverifiable_citations_are_flagged_under_the_answer():
    writer = ScriptedChatModel(
        ["25 days (people/leave.md:10), see also (people/leave.md:400) and (nowhere.md:1)."],
        model="writer",
    )
    result = build_graph(model=researching_across_files(), writer_model=writer).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    assert [(c["source"], c["valid"]) for c in result["citations"]] == [
        ("people/leave.md:10", True),
        ("people/leave.md:400", False),
        ("nowhere.md:1", False),
    ]
    assert result["messages"][-1].content.endswith(
        UNVERIFIED_NOTE.format(sources="people/leave.md:400, nowhere.md:1")
    )


def test_writer_failure_keeps_the_researchers_answer():
    writer = ScriptedChatModel([RuntimeError("writer crashed")], model="writer")
    result = build_graph(model=researching_across_files(), writer_model=writer).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    assert result["messages"][-1].content == "25 days; the manager and the Head of People approve."
    last_turn = result["turns"][-1]
    assert last_turn["node"] == "write_answer" and "model" not in last_turn
    assert "writer crashed" in last_turn["failures"][0][1]
    assert "writer" not in result["usage"]


def test_without_notes_there_is_nothing_to_write_from_and_the_writer_is_not_called():
    writer = ScriptedChatModel(["unused"], model="writer")
    result = build_graph(
        model=ScriptedChatModel(["I can only answer from the files."]), writer_model=writer
    ).invoke({"messages": [HumanMessage("Hello?")]})
    assert writer.calls == []
    assert result["messages"][-1].content == "I can only answer from the files."


def test_failed_tool_calls_are_not_notes():
    researcher = ScriptedChatModel(
        [
            [tool_call("read_file", {"path": "../../etc/passwd"})],
            [tool_call("search_files", {"query": "parental leave"})],
            "20 weeks.",
        ],
    )
    writer = ScriptedChatModel(["20 weeks (people/leave.md:33)."], model="writer")
    result = build_graph(model=researcher, writer_model=writer).invoke(
        {"messages": [HumanMessage("Parental leave?")]}
    )
    (refusal,) = [
        m for m in result["messages"] if isinstance(m, ToolMessage) and m.status == "error"
    ]
    assert "'..' may not appear in a path" in refusal.content
    notes = writer.calls[0]["messages"][-1].content
    assert "search_files" in notes and "read_file" not in notes


def test_model_is_used_for_both_stages_when_no_writer_is_given():
    both = ScriptedChatModel(
        [
            [tool_call("search_files", {"query": "warranty"})],
            "Two years.",
            "Two years (support/warranty.md:7).",
        ]
    )
    result = build_graph(model=both).invoke({"messages": [HumanMessage("Warranty?")]})
    assert result["messages"][-1].content == "Two years (support/warranty.md:7)."
    assert both.turns_left == 0


def test_a_follow_up_in_the_thread_writes_from_its_own_notes_only():
    researcher = ScriptedChatModel(
        [
            [tool_call("search_files", {"query": "on-call pay"})],
            "300 euros.",
            [tool_call("search_files", {"query": "warranty Kestrel Pro"})],
            "3 years.",
        ]
    )
    writer = ScriptedChatModel(
        ["300 euros (engineering/on-call.md:13).", "3 years (support/warranty.md:8)."],
        model="writer",
    )
    graph = build_graph(model=researcher, writer_model=writer, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"messages": [HumanMessage("On-call pay?")]}, config)
    result = graph.invoke({"messages": [HumanMessage("Pro warranty?")]}, config)
    second_notes = writer.calls[1]["messages"][-1].content
    assert "warranty Kestrel Pro" in second_notes and "on-call pay" not in second_notes
    finals = [
        m.content for m in result["messages"] if isinstance(m, AIMessage) and not m.tool_calls
    ]
    assert finals == ["300 euros (engineering/on-call.md:13).", "3 years (support/warranty.md:8)."]
    assert result["usage"]["writer"]["calls"] == 2


def test_the_runs_context_limits_the_researchers_steps():
    def search_forever(messages, tools):
        return [tool_call("search_files", {"query": f"leave {len(messages)}"})]

    writer = ScriptedChatModel(["From the notes: 25 days (people/leave.md:11)."], model="writer")
    graph = build_graph(model=ScriptedChatModel(search_forever), writer_model=writer)
    result = graph.invoke({"messages": [HumanMessage("Leave?")]}, context={"max_steps": 2})
    assert result["draft"].startswith("I stopped after 2 steps")
    assert sum(1 for t in result["turns"] if t["node"] == "agent") == 2
    assert result["messages"][-1].content.startswith(
        "From the notes"
    )  # written from what was gathered


def test_a_researcher_that_never_stops_ends_at_max_steps_not_a_recursion_error():
    def search_forever(messages, tools):
        return [tool_call("search_files", {"query": "leave"})]

    graph = build_graph(
        model=ScriptedChatModel(search_forever),
        writer_model=ScriptedChatModel(["Done."]),
        max_steps=40,
    )
    result = graph.invoke({"messages": [HumanMessage("Leave?")]})
    assert result["draft"].startswith("I stopped after 40 steps")


async def test_async_run_never_blocks_the_event_loop():
    """`langgraph dev` fails a run that does blocking I/O on the event loop; so does this test."""
    blockbuster = pytest.importorskip(
        "blockbuster", reason="comes with langgraph-cli[inmem] (test extra)"
    )
    graph = build_graph(model=researching_across_files(), writer_model=citing_writer())
    with blockbuster.blockbuster_ctx():
        result = await graph.ainvoke({"messages": [HumanMessage(QUESTION)]})
    assert all(c["valid"] for c in result["citations"]) and len(result["citations"]) == 3


async def test_async_writer_failure_keeps_the_draft_without_blocking():
    blockbuster = pytest.importorskip(
        "blockbuster", reason="comes with langgraph-cli[inmem] (test extra)"
    )
    graph = build_graph(
        model=researching_across_files(), writer_model=ScriptedChatModel([RuntimeError("down")])
    )
    with blockbuster.blockbuster_ctx():
        result = await graph.ainvoke({"messages": [HumanMessage(QUESTION)]})
    assert result["messages"][-1].content == result["draft"] and result["citations"] == []


# --- which folder -----------------------------------------------------------------------------


@pytest.fixture
def notes_dir(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "boat.md").write_text("# Boat\n\nThe boat is called Marlin.\n")
    return folder


def ask_about_the_boat(**kwargs):
    researcher = ScriptedChatModel(
        [[tool_call("search_files", {"query": "boat called"})], "Marlin."]
    )
    writer = ScriptedChatModel(["It is Marlin (boat.md:3)."], model="writer")
    return build_graph(model=researcher, writer_model=writer, **kwargs).invoke(
        {"messages": [HumanMessage("Boat name?")]}
    )


def test_root_argument_points_the_graph_at_another_folder(notes_dir):
    result = ask_about_the_boat(root=notes_dir)
    assert "boat.md:3 (Boat): The boat is called Marlin." in result["messages"][2].content
    assert result["citations"] == [
        {"source": "boat.md:3", "path": "boat.md", "line": 3, "valid": True}
    ]


def test_env_var_points_the_graph_at_another_folder(notes_dir, monkeypatch):
    monkeypatch.setenv(ROOT_ENV_VAR, str(notes_dir))
    assert ask_about_the_boat()["citations"][0]["valid"] is True
    assert "boat.md" in SPEC.registry().get("list_files").run({})


def test_a_bad_folder_setting_is_a_clear_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv(ROOT_ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=f"{ROOT_ENV_VAR}=.*is not a directory"):
        build_graph(model=ScriptedChatModel(["x"]))
    with pytest.raises(ConfigError, match=r"root=.*is not a directory"):
        build_graph(model=ScriptedChatModel(["x"]), root=tmp_path / "missing")


def test_searching_the_bundled_folder_writes_nothing_into_the_package(cache):
    before = sorted(str(p) for p in BUNDLED_DIR.rglob("*"))
    build_graph(model=researching_across_files(), writer_model=citing_writer()).invoke(
        {"messages": [HumanMessage(QUESTION)]}
    )
    assert sorted(str(p) for p in BUNDLED_DIR.rglob("*")) == before
    assert list(cache.rglob("*.sqlite3"))


# --- the bundled corpus -----------------------------------------------------------------------


def test_bundled_corpus_is_a_small_handbook_of_text_files_its_readme_indexes():
    files = sorted(
        p.relative_to(BUNDLED_DIR).as_posix() for p in BUNDLED_DIR.rglob("*") if p.is_file()
    )
    assert 8 <= len(files) <= 15
    lines = sum(len((BUNDLED_DIR / f).read_text(encoding="utf-8").splitlines()) for f in files)
    assert 200 <= lines <= 600
    readme = (BUNDLED_DIR / "README.md").read_text()
    assert {f for f in files if f != "README.md"} == set(
        re.findall(r"`([\w/-]+\.md)`", readme.split("## Keeping")[0])
    )


# --- over HTTP: Nemotron researches, NeMo 12B writes ------------------------------------------


@pytest.fixture
def emu():
    with NIMEmulator() as server:
        yield server


def http_graph(emu, **kw):
    settings = Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=0, timeout=5.0)
    return build_graph(settings=settings, **kw)


def assert_all_accepted(emu):
    statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert statuses and all(s == 200 for s, _ in statuses), statuses


def test_nemotron_researches_and_nemo_12b_writes_over_http(emu):
    emu.script(
        MISTRAL_NEMOTRON,
        [
            ToolCall("search_files", {"query": "parental leave"}),
            ToolCall("read_file", {"path": "people/leave.md", "start_line": 31}),
            "20 weeks.",
        ],
    )
    emu.script(
        MISTRAL_NEMO_12B, ["Primary caregivers get 20 weeks at full pay (people/leave.md:33)."]
    )
    result = http_graph(emu).invoke({"messages": [HumanMessage("How long is parental leave?")]})
    assert (
        result["messages"][-1].content
        == "Primary caregivers get 20 weeks at full pay (people/leave.md:33)."
    )
    assert result["citations"][0]["valid"] is True
    assert [r.body["model"] for r in emu.chat_requests] == [MISTRAL_NEMOTRON] * 3 + [
        MISTRAL_NEMO_12B
    ]
    writer_request = emu.chat_requests[-1].body
    assert "tools" not in writer_request
    assert (
        "33: - Primary caregiver: 20 weeks at full pay."
        in writer_request["messages"][-1]["content"]
    )
    assert set(result["usage"]) == {MISTRAL_NEMOTRON, MISTRAL_NEMO_12B}
    assert_all_accepted(emu)


def test_writer_endpoint_down_keeps_the_researchers_answer_over_http(emu):
    emu.script(
        MISTRAL_NEMOTRON, [ToolCall("search_files", {"query": "warranty"}), "Two years for the K2."]
    )
    emu.inject("server_error", model=MISTRAL_NEMO_12B, times=None)
    result = http_graph(emu).invoke({"messages": [HumanMessage("K2 warranty?")]})
    assert result["messages"][-1].content == "Two years for the K2."
    assert "HTTP 500" in result["turns"][-1]["failures"][0][1]


def test_example_runs_offline_over_http_with_every_request_accepted(emu):
    """Smoke test with the emulator's `auto` policy: whatever it answers, the run completes."""
    result = http_graph(emu).invoke({"messages": [HumanMessage(SPEC.example)]})
    assert isinstance(result["messages"][-1], AIMessage) and result["messages"][-1].content.strip()
    assert_all_accepted(emu)


def test_cli_runs_the_example_offline(capsys):
    assert main(["run", "research", SPEC.example, "--offline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["graph"] == "research" and result["answer"].strip()

"""Loading BFCL questions, and one question's trip through ChatNVIDIA and the emulator."""

import pytest

from nemotron_agents.errors import ConfigError
from nemotron_agents.eval import CATEGORIES, find_categories, load_questions
from nemotron_agents.eval.oracle import OraclePolicy, oracle_arguments

BUNDLED = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")


def test_all_loads_every_graded_category_of_the_folder_in_report_order(data):
    assert find_categories(data) == (list(BUNDLED), [])
    questions = load_questions(data, ["all"])
    counts = {c: sum(q.category == c for q in questions) for c in BUNDLED}
    assert counts == {
        "simple_python": 400,
        "multiple": 200,
        "parallel": 200,
        "parallel_multiple": 200,
        "irrelevance": 240,
    }
    assert [q.category for q in questions] == sorted(
        (q.category for q in questions), key=CATEGORIES.index
    )


def test_questions_carry_messages_functions_and_answers(data):
    (q,) = load_questions(data, ["simple_python"], limit=1)
    assert q.id == "simple_python_0" and q.expects == "calls"
    assert q.messages[0]["role"] == "user" and "triangle" in q.messages[0]["content"]
    assert q.ground_truth == (
        {"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}},
    )
    (irrelevant,) = load_questions(data, ["irrelevance"], limit=1)
    assert irrelevant.ground_truth is None and irrelevant.expects == "no_call"


def test_limit_and_repeated_categories(data):
    questions = load_questions(data, ["parallel", "multiple", "parallel"], limit=3)
    assert [q.id for q in questions] == [
        "parallel_0",
        "parallel_1",
        "parallel_2",
        "multiple_0",
        "multiple_1",
        "multiple_2",
    ]


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        (["simple"], "'simple' is unknown; valid: all, simple_python"),
        (["live_simple"], "BFCL_v4_live_simple.json not found; this folder has: simple_python"),
        (["multi_turn_base"], "is unknown"),
    ],
)
def test_bad_categories_are_named_with_the_valid_ones(data, categories, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_questions(data, categories)


def test_unsupported_categories_found_in_a_folder_are_told_apart(tmp_path):
    (tmp_path / "BFCL_v4_multi_turn_base.json").write_text("")
    assert find_categories(tmp_path) == ([], ["multi_turn_base"])
    with pytest.raises(ConfigError, match="not graded here"):
        load_questions(tmp_path, ["multi_turn_base"])
    with pytest.raises(ConfigError, match=r"No BFCL_v4_<category>.json files"):
        load_questions(tmp_path, ["all"])
    with pytest.raises(ConfigError, match="not found"):
        load_questions(tmp_path / "nope", ["all"])


def test_missing_answers_and_broken_lines_are_clear_errors(tmp_path, data):
    line = (data / "BFCL_v4_simple_python.json").read_text().splitlines()[0]
    (tmp_path / "BFCL_v4_simple_python.json").write_text(line + "\n")
    with pytest.raises(ConfigError, match=r"possible_answer/BFCL_v4_simple_python.json not found"):
        load_questions(tmp_path, ["simple_python"])
    (tmp_path / "possible_answer").mkdir()
    (tmp_path / "possible_answer" / "BFCL_v4_simple_python.json").write_text(
        '{"id": "other"}\n{oops\n'
    )
    with pytest.raises(ConfigError, match="line 2: not JSON"):
        load_questions(tmp_path, ["simple_python"])


def test_the_oracle_takes_the_first_accepted_value_and_leaves_out_optional_blanks():
    schema = {
        "type": "dict",
        "properties": {k: {"type": "string"} for k in ("a", "b", "c", "d", "nested")},
        "required": ["a", "c"],
    }
    schema["properties"]["nested"] = {
        "type": "dict",
        "properties": {"x": {}, "y": {}},
        "required": ["y"],
    }
    accepted = {
        "a": ["first", "second"],
        "b": ["", "given"],  # optional, "" first: left out
        "c": ["", "needed"],  # required, "" first: the first real value
        "d": ["kept", ""],
        "nested": [{"x": ["", 1], "y": ["", 2]}],
    }
    assert oracle_arguments(accepted, schema) == {
        "a": "first",
        "c": "needed",
        "d": "kept",
        "nested": {"y": 2},
    }


def test_dotted_names_go_on_the_wire_with_underscores_and_come_back_dotted(data, offline):
    questions = [
        q for q in load_questions(data, ["simple_python"], limit=2) if q.id == "simple_python_1"
    ]
    assert questions[0].functions[0]["name"] == "math.factorial"
    run = offline(questions, OraclePolicy(questions))
    (body,) = run.bodies
    assert [t["function"]["name"] for t in body["tools"]] == ["math_factorial"]
    (record,) = run.records
    assert record["calls"] == [{"name": "math.factorial", "args": {"number": 5}}]
    assert record["passed"] and record["latency_s"] > 0 and record["prompt_tokens"] > 0
    # one request, the question as is: no system prompt, no agent loop
    assert body["messages"] == [dict(questions[0].messages[0])]

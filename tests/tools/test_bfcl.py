"""BFCL v4: every definition imports with dialect="bfcl", every ground-truth call validates.

Data: tests/data/bfcl (Apache-2.0, see LICENSE and SOURCE.txt there): the question and
possible-answer files of simple_python, multiple, parallel and parallel_multiple: 1,000 records,
1,677 function definitions, 1,747 ground-truth calls.

A ground-truth call is built from the first accepted value of each parameter; a parameter whose
accepted values include "" (may be omitted) is left out. BFCL nests dict answers the same way
(``{"key": [accepted values]}``), so the rule applies inside them too.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from nemotron_agents.errors import ToolArgumentsError
from nemotron_agents.tools import Tool, from_json_schema
from nemotron_agents.tools.names import NAME_PATTERN

DATA = Path(__file__).parents[1] / "data" / "bfcl"
CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple")

#: Ground truth that contradicts its own schema, by record id: the fields that must fail, and why.
#: Each was inspected by hand; the test checks they still fail exactly so.
DATA_FAULTS: dict[str, tuple[set[str], str]] = {
    "simple_python_17": (
        {"formatted"},
        "'formatted' is required, yet its answer allows omitting it",
    ),
    "simple_python_200": (
        {"fuel_efficiency"},
        "'fuel_efficiency' is required, yet its answer allows omitting it",
    ),
    "parallel_88": (
        {"initial_velocity"},
        "'initial_velocity' is required, yet the first call's answer allows omitting it",
    ),
    "parallel_multiple_87": (
        {"initial_velocity"},
        "kinematics.distance: 'initial_velocity' is required, yet its answer allows omitting it",
    ),
    "parallel_multiple_119": (
        {"league_name"},
        "'league_name' is required, yet its answer allows omitting it",
    ),
    "parallel_multiple_21": (
        {"x", "y"},
        "x and y are arrays of numbers, the answer gives the string \"data['sales']\"",
    ),
    "parallel_multiple_94": (
        {f"elements[{i}]" for i in range(5)},
        "sort_list's elements are integers, the answer sorts fruit names",
    ),
}


@cache
def records(category: str) -> list[tuple[str, dict[str, Tool], list[dict[str, Any]]]]:
    """``(id, tools by source name, ground-truth calls)`` for each record of a category."""
    answers = {}
    for line in (DATA / "possible_answer" / f"BFCL_v4_{category}.json").read_text().splitlines():
        row = json.loads(line)
        answers[row["id"]] = row["ground_truth"]
    out = []
    for line in (DATA / f"BFCL_v4_{category}.json").read_text().splitlines():
        row = json.loads(line)
        tools = {
            fn["name"]: from_json_schema(
                fn["name"], fn["description"], fn["parameters"], dialect="bfcl"
            )
            for fn in row["function"]
        }
        out.append((row["id"], tools, answers[row["id"]]))
    return out


def first_accepted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: first_accepted(vs[0]) for k, vs in value.items() if "" not in vs}
    if isinstance(value, list):
        return [first_accepted(v) for v in value]
    return value


def calls(category: str):
    for record_id, tools, truth in records(category):
        for call in truth:
            ((name, params),) = call.items()
            yield record_id, tools[name], first_accepted(params)


def failing_fields(made: Tool, args: dict) -> set[str] | None:
    try:
        made.validate(args)
    except ToolArgumentsError as exc:
        return {e["field"] for e in exc.errors}
    return None


def test_every_definition_imports_as_a_valid_nim_tool():
    count = 0
    for category in CATEGORIES:
        for _, tools, _ in records(category):
            for source, made in tools.items():
                assert made.source_name == source
                assert NAME_PATTERN.match(made.name)
                jsonschema.Draft7Validator.check_schema(made.parameters)  # Mistral's own check
                assert made.parameters["type"] == "object"
                wire = json.dumps(made.parameters)
                assert not any(f'"type": "{t}"' in wire for t in ("dict", "float", "tuple", "any"))
                assert '"optional"' not in wire
                count += 1
    assert count == 1677


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_ground_truth_call_validates_except_listed_data_faults(category):
    failures: dict[str, set[str]] = {}
    validated = 0
    for record_id, made, args in calls(category):
        fields = failing_fields(made, args)
        if fields is None:
            validated += 1
            # the wire schema agrees with the argument model
            assert jsonschema.Draft7Validator(made.parameters).is_valid(args), record_id
        else:
            failures.setdefault(record_id, set()).update(fields)
    expected = {
        rid: fields for rid, (fields, _) in DATA_FAULTS.items() if rid.rsplit("_", 1)[0] == category
    }
    assert failures == expected
    assert (
        validated
        == {"simple_python": 398, "multiple": 200, "parallel": 539, "parallel_multiple": 603}[
            category
        ]
    )


def _wrong_value(node: dict[str, Any]) -> Any:
    if "enum" in node:
        return "surely-not-allowed"
    return {
        "string": {"not": "a string"},
        "integer": "not a number",
        "number": "not a number",
        "boolean": "maybe",
        "array": "not an array",
        "object": "not an object",
    }.get(node.get("type"))


@pytest.mark.parametrize("category", CATEGORIES)
def test_corrupted_calls_are_rejected(category):
    rejected = 0
    for record_id, made, args in calls(category):
        if record_id in DATA_FAULTS:
            continue
        props = made.parameters["properties"]
        # an unknown parameter
        assert failing_fields(made, {**args, "zz_not_a_parameter": 1}) == {"zz_not_a_parameter"}
        rejected += 1
        # a required parameter left out
        if required := made.parameters.get("required"):
            assert failing_fields(made, {k: v for k, v in args.items() if k != required[0]}) == {
                required[0]
            }
            rejected += 1
        # a value of the wrong type
        for key in args:
            if (wrong := _wrong_value(props[key])) is not None:
                assert failing_fields(made, {**args, key: wrong}) == {key}, (record_id, key)
                rejected += 1
                break
    assert rejected > 2 * sum(1 for _ in calls(category))

"""The grader's rules, one by one, on hand-made questions (BFCL's AST checker semantics)."""

import dataclasses

import pytest

from nemotron_agents.eval import Call, grade
from nemotron_agents.eval.grade import check_call, normalize, value_matches

AREA = {
    "name": "geometry.area",
    "description": "Area of a shape.",
    "parameters": {
        "type": "dict",
        "properties": {
            "shape": {"type": "string", "description": "Shape name."},
            "size": {"type": "float", "description": "Size."},
            "count": {"type": "integer", "description": "How many."},
            "unit": {"type": "string", "description": "Unit."},
        },
        "required": ["shape", "size"],
    },
}
TRUTH = {"geometry.area": {"shape": ["square"], "size": [2.0], "count": [3, ""], "unit": ["", "m"]}}


def verdict(question, *calls, malformed=()):
    got = grade(question, [Call(name, args) for name, args in calls], malformed=malformed)
    return got.passed, got.error


@pytest.fixture
def simple(question):
    return question([AREA], [TRUTH])


def test_the_expected_call_passes_and_optional_parameters_may_be_left_out(simple):
    assert verdict(simple, ("geometry.area", {"shape": "square", "size": 2.0, "count": 3})) == (
        True,
        None,
    )
    # "" among the accepted values: the parameter may be left out (count), or given (unit)
    assert verdict(simple, ("geometry.area", {"shape": "square", "size": 2.0, "unit": "m"})) == (
        True,
        None,
    )


@pytest.mark.parametrize(
    ("sent", "accepted", "same"),
    [
        ("April 1, 2024", "april 1 2024", True),
        ("New-York_City", "new york city", True),
        ("a.b/c*d^e", "ABCDE", True),
        ("San Francisco", "San Jose", False),
        ("5!", "5", False),  # only spaces and ,./-_*^ are ignored
    ],
)
def test_strings_are_compared_lower_cased_without_spaces_and_punctuation(sent, accepted, same):
    assert (normalize(sent) == normalize(accepted)) is same
    assert value_matches(sent, accepted) is same


def test_an_int_is_accepted_for_a_float_but_not_a_float_for_an_int(simple):
    assert verdict(simple, ("geometry.area", {"shape": "square", "size": 2, "count": 3})) == (
        True,
        None,
    )
    assert verdict(simple, ("geometry.area", {"shape": "square", "size": 2.0, "count": 3.0})) == (
        False,
        "wrong_value",
    )
    # booleans are not numbers, numbers are not strings
    assert not value_matches(True, 1)
    assert not value_matches(1, "1")
    assert value_matches(False, False) and not value_matches(0, False)


def test_missing_arguments(simple):
    # required by the schema
    assert verdict(simple, ("geometry.area", {"shape": "square"})) == (False, "missing_argument")
    # not required by the schema, but the answer has no "" for it
    strict = {"geometry.area": {**TRUTH["geometry.area"], "count": [3]}}
    q = dataclasses.replace(simple, ground_truth=(strict,))
    assert verdict(q, ("geometry.area", {"shape": "square", "size": 2.0})) == (
        False,
        "missing_argument",
    )


def test_a_required_parameter_the_answer_lets_go_is_flagged_as_a_data_fault(question):
    q = question([AREA], [{"geometry.area": {"shape": ["square"], "size": ["", 2.0]}}])
    got = grade(q, [Call("geometry.area", {"shape": "square"})])
    assert got.error == "missing_argument" and "data fault" in got.detail


def test_extra_arguments_outside_the_schema_or_the_answer(simple, question):
    assert verdict(
        simple, ("geometry.area", {"shape": "square", "size": 2.0, "colour": "red"})
    ) == (
        False,
        "extra_argument",
    )
    no_unit = question([AREA], [{"geometry.area": {"shape": ["square"], "size": [2.0]}}])
    assert verdict(no_unit, ("geometry.area", {"shape": "square", "size": 2.0, "unit": "m"})) == (
        False,
        "extra_argument",
    )


def test_wrong_function_and_wrong_value(simple):
    assert verdict(simple, ("geometry_area", {"shape": "square", "size": 2.0})) == (
        False,
        "wrong_function",
    )
    assert verdict(simple, ("geometry.area", {"shape": "circle", "size": 2.0})) == (
        False,
        "wrong_value",
    )


def test_nested_dicts_and_lists_are_compared_recursively():
    schema = {
        "type": "dict",
        "properties": {
            "origin": {
                "type": "dict",
                "properties": {"city": {"type": "string"}, "zip": {"type": "integer"}},
            },
            "stops": {"type": "array", "items": {"type": "dict"}},
        },
    }
    accepted = {"city": ["New York", "NYC"], "zip": [10001, ""]}
    assert value_matches({"city": "new-york"}, accepted, schema["properties"]["origin"])
    assert value_matches({"city": "NYC", "zip": 10001}, accepted, schema["properties"]["origin"])
    assert not value_matches({"city": "Boston"}, accepted)
    assert not value_matches({"city": "NYC", "state": "NY"}, accepted)  # unexpected key
    assert not value_matches({"zip": 10001}, accepted)  # city may not be left out
    # lists element by element, strings normalised inside, dicts inside lists, lists inside dicts
    assert value_matches(["Red", "green"], ["red", "Green"])
    assert not value_matches(["red"], ["red", "green"])
    assert not value_matches(["green", "red"], ["red", "green"])  # order matters inside a value
    stops = [{"name": ["Paris"], "days": [2, ""]}, {"name": ["Rome"], "legs": [[["a", "b"]]]}]
    assert value_matches([{"name": "paris"}, {"name": "Rome", "legs": [["A", "b"]]}], stops)
    assert not value_matches([{"name": "paris"}, {"name": "Rome", "legs": [["b", "a"]]}], stops)
    assert value_matches([[1, 2.5], [3, 4]], [[1.0, 2.5], [3.0, 4.0]])


def test_a_variable_name_is_compared_as_a_string_where_bfcl_answers_with_one(question):
    # BFCL answers some array parameters with a variable name ("data['sales']"): a string matches
    fn = {
        "name": "plot",
        "description": "d",
        "parameters": {
            "type": "dict",
            "properties": {"x": {"type": "array", "items": {"type": "float"}}},
            "required": ["x"],
        },
    }
    q = question([fn], [{"plot": {"x": ["data['sales']"]}}])
    assert verdict(q, ("plot", {"x": "data['sales']"})) == (True, None)
    assert verdict(q, ("plot", {"x": [1.0, 2.0]})) == (False, "wrong_value")


def test_parallel_calls_match_in_any_order(question):
    truth = [
        {"geometry.area": {"shape": ["square"], "size": [2.0]}},
        {"geometry.area": {"shape": ["circle"], "size": [1.0]}},
    ]
    q = question([AREA], truth, category="parallel")
    square = ("geometry.area", {"shape": "square", "size": 2.0})
    circle = ("geometry.area", {"shape": "circle", "size": 1.0})
    assert verdict(q, square, circle) == (True, None)
    assert verdict(q, circle, square) == (True, None)
    assert verdict(q, square, square) == (False, "wrong_value")  # one call cannot answer twice
    assert verdict(q, square) == (False, "wrong_count")
    assert verdict(q, square, circle, circle) == (False, "wrong_count")


def test_parallel_matching_finds_a_pairing_where_a_greedy_one_fails(question):
    # Expected call 0 accepts size 1 or 2, expected call 1 only size 1. Greedy (BFCL) pairs
    # expected 0 with the first actual call (size 1) and then finds nothing for expected 1.
    truth = [
        {"geometry.area": {"shape": ["square"], "size": [1.0, 2.0]}},
        {"geometry.area": {"shape": ["square"], "size": [1.0]}},
    ]
    q = question([AREA], truth, category="parallel")
    one = ("geometry.area", {"shape": "square", "size": 1.0})
    two = ("geometry.area", {"shape": "square", "size": 2.0})
    assert verdict(q, one, two) == (True, None)
    assert verdict(q, two, two) == (False, "wrong_value")


def test_a_miss_in_parallel_calls_is_explained_by_the_call_to_the_right_function(question):
    other = {**AREA, "name": "geometry.volume"}
    truth = [
        {"geometry.area": {"shape": ["square"], "size": [2.0]}},
        {"geometry.volume": {"shape": ["cube"], "size": [2.0]}},
    ]
    q = question([AREA, other], truth, category="parallel_multiple")
    got = grade(
        q,
        [
            Call("geometry.volume", {"shape": "cube", "size": 2.0}),
            Call("geometry.area", {"shape": "square"}),
        ],
    )
    assert (got.error, got.detail) == (
        "missing_argument",
        "geometry.area: required argument 'size' is missing",
    )


def test_no_call_malformed_call_and_irrelevance(simple, question):
    assert verdict(simple) == (False, "no_call")
    assert verdict(simple, malformed=["geometry.area"]) == (False, "malformed_call")
    irrelevant = question([AREA], None, category="irrelevance")
    assert verdict(irrelevant) == (True, None)
    assert verdict(irrelevant, ("geometry.area", {"shape": "square", "size": 2.0})) == (
        False,
        "call_on_irrelevance",
    )
    assert verdict(irrelevant, malformed=["geometry.area"]) == (False, "call_on_irrelevance")
    relevant = question([AREA], None, category="live_relevance")
    assert verdict(relevant, ("geometry.area", {})) == (True, None)
    assert verdict(relevant) == (False, "no_call")


def test_check_call_reports_in_bfcl_order(simple):
    # a required argument missing is reported before a wrong value
    got = check_call(
        Call("geometry.area", {"shape": "circle"}), "geometry.area", TRUTH["geometry.area"], AREA
    )
    assert got.error == "missing_argument"

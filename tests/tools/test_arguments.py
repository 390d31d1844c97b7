"""Argument checking: JSON strings, error entries, paths through lists and unions."""

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from nemotron_agents.errors import ToolArgumentsError
from nemotron_agents.tools import tool


@tool
def book(
    guests: Annotated[list[str], Field(description="Guest names.", min_length=1)],
    nights: Annotated[int | str, Field(description="Nights, or 'open'.")],
    rooms: Annotated[dict[str, int], Field(description="Room type -> count.")] = {},  # noqa: B006
    meal: Annotated[Literal["none", "half", "full"] | None, Field(description="Meal plan.")] = None,
) -> str:
    """Book a hotel."""
    return "ok"


def errors_of(args) -> dict[str, dict]:
    with pytest.raises(ToolArgumentsError) as info:
        book.validate(args)
    assert info.value.tool_name == "book"
    return {e["field"]: e for e in info.value.errors}


def test_json_string_arguments_are_accepted():
    assert book.validate('{"guests": ["Ann"], "nights": 2}') == {"guests": ["Ann"], "nights": 2}


def test_empty_arguments_mean_none_given():
    assert set(errors_of("")) == {"guests", "nights"}
    assert set(errors_of(None)) == {"guests", "nights"}


def test_invalid_json_says_so():
    errors = errors_of('{"guests": ["Ann"], "nights": 2')
    assert list(errors) == ["(arguments)"]
    assert errors["(arguments)"]["problem"].startswith("not valid JSON")
    assert "JSON object" in errors["(arguments)"]["expected"]


def test_arguments_must_be_an_object():
    errors = errors_of("[1, 2]")
    assert "must be an object, got list" in errors["(arguments)"]["problem"]


def test_every_error_entry_has_field_problem_expected():
    errors = errors_of({"guests": [], "nights": [3], "rooms": {"suite": "two"}, "meal": "all"})
    assert set(errors) == {"guests", "nights", "rooms.suite", "meal"}
    for err in errors.values():
        assert {"field", "problem", "expected"} <= set(err)
    assert errors["guests"]["expected"] == "array of string"
    assert "at least 1 item" in errors["guests"]["problem"]
    # a union's member tags ('int', 'str') do not leak into the path
    assert errors["nights"]["expected"] == "integer or string"
    assert errors["rooms.suite"]["expected"] == "integer"
    assert errors["meal"]["allowed"] == ["none", "half", "full"]
    assert errors["meal"]["expected"] == "string or null"


def test_list_items_get_indexed_paths():
    errors = errors_of({"guests": ["Ann", 7], "nights": 1})
    assert errors["guests[1]"]["problem"].startswith("Input should be a valid string")
    assert errors["guests[1]"]["problem"].endswith("got 7")


def test_message_for_the_model_lists_each_problem():
    with pytest.raises(ToolArgumentsError) as info:
        book.validate({"guests": ["Ann"], "nights": 1, "meal": "all", "pets": 2})
    text = str(info.value)
    assert text.startswith("Invalid arguments for tool 'book':")
    assert "- pets: unknown parameter; valid parameters: guests, nights, rooms, meal" in text
    assert "allowed values: 'none', 'half', 'full'" in text
    assert text.endswith("Fix these arguments and call the tool again.")


def test_lax_coercion_is_reported_in_the_result():
    # "2" is accepted for an int|str union as the string it is; "3" for dict[str, int] becomes 3
    assert book.validate({"guests": ["Ann"], "nights": "2", "rooms": {"double": "3"}}) == {
        "guests": ["Ann"],
        "nights": "2",
        "rooms": {"double": 3},
    }


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    size: int


@tool
def pack(box: Annotated[Strict | None, Field(description="The box.")] = None) -> None:
    """Pack a box."""


def test_unknown_nested_keys_name_the_valid_ones_through_optional():
    with pytest.raises(ToolArgumentsError) as info:
        pack.validate({"box": {"size": 1, "colour": "red"}})
    (err,) = info.value.errors
    assert err["field"] == "box.colour"
    assert err["problem"] == "unknown field; valid fields: size"

"""@tool: schema, descriptions and definition-time checks."""

from __future__ import annotations  # hints are strings here, as in most of the project

import asyncio
from enum import StrEnum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, field_validator

from nemotron_agents.errors import ToolArgumentsError, ToolDefinitionError
from nemotron_agents.tools import Tool, tool


class Unit(StrEnum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    """A postal address."""

    city: str = Field(description="City name.")
    zip_code: Annotated[str, Field(pattern=r"^\d{5}$", description="Five digits.")]


@tool(tags=["weather"], timeout=5, max_output_chars=100)
def forecast(
    city: str,
    days: Annotated[int, Field(ge=1, le=7)] = 1,
    unit: Unit = Unit.CELSIUS,
    detail: Literal["short", "long"] = "short",
    address: Address | None = None,
) -> dict:
    """Forecast the weather for a city.

    Longer text that is still part of the description.

    Args:
        city: The city to forecast.
        days: How many days ahead,
            counting today.
        unit (Unit): Temperature unit.
        detail: How much to say.
        address: Where exactly, if known.

    Returns:
        The forecast.
    """
    return {"city": city, "days": days, "unit": unit, "detail": detail, "address": address}


def test_bare_and_configured_decorators_make_tools():
    @tool
    def ping() -> str:
        """Answer pong."""
        return "pong"

    assert isinstance(ping, Tool) and ping.name == "ping"
    assert ping.parameters["properties"] == {}
    assert isinstance(forecast, Tool)
    assert forecast.tags == frozenset({"weather"})
    assert (forecast.timeout, forecast.max_output_chars, forecast.requires_approval) == (
        5.0,
        100,
        False,
    )


def test_description_is_the_text_before_the_sections():
    assert forecast.description == (
        "Forecast the weather for a city.\n\nLonger text that is still part of the description."
    )


def test_parameter_descriptions_come_from_args_and_field():
    props = forecast.parameters["properties"]
    assert props["city"]["description"] == "The city to forecast."
    assert props["days"]["description"] == "How many days ahead, counting today."
    assert props["unit"]["description"] == "Temperature unit."
    # Field(description=...) of a nested model survives inlining
    nested = props["address"]["anyOf"][0]
    assert nested["properties"]["zip_code"]["description"] == "Five digits."


def test_an_args_section_needs_no_blank_line_before_it():
    # langchain-core's parse_docstring=True refuses this ("Found invalid Google-Style docstring.")
    @tool
    def double(x: int) -> int:
        """Double a number.
        Args:
            x: The number.
        """
        return 2 * x

    assert double.description == "Double a number."
    assert double.parameters["properties"]["x"]["description"] == "The number."


def test_field_description_wins_over_docstring_and_annotated_text_works():
    @tool
    def f(
        a: Annotated[int, Field(description="from Field")], b: Annotated[str, "from Annotated"]
    ) -> None:
        """Do f.

        Args:
            a: from docstring
        """

    props = f.parameters["properties"]
    assert props["a"]["description"] == "from Field"
    assert props["b"]["description"] == "from Annotated"


def test_schema_has_constraints_enums_defaults_and_no_titles_or_refs():
    params = forecast.parameters
    assert params["required"] == ["city"]
    assert params["properties"]["days"] == {
        "type": "integer", "minimum": 1, "maximum": 7, "default": 1,
        "description": "How many days ahead, counting today.",
    }  # fmt: skip
    assert params["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert params["properties"]["detail"]["enum"] == ["short", "long"]
    text = repr(params)
    assert "'title'" not in text and "$ref" not in text and "$defs" not in text


def test_missing_descriptions_are_all_listed_in_one_error():
    def undocumented(a: int, b: str, c: Annotated[float, Field(description="ok")]) -> None:
        """Do something.

        Args:
            b:
        """

    with pytest.raises(ToolDefinitionError) as info:
        tool(undocumented)
    message = str(info.value)
    assert "parameters without a description: a, b" in message
    assert "Args:" in message and "Field(description=" in message


def test_every_problem_is_reported_at_once():
    def bad(a, b, *args: int, c: int, **kwargs: int):
        pass

    with pytest.raises(ToolDefinitionError) as info:
        tool(name="bad.name")(bad)
    message = str(info.value)
    assert "parameters without a type hint: a, b" in message
    assert "*args" in message and "**kwargs" in message
    assert "no description" in message
    assert "parameters without a description: c" in message
    assert "invalid tool name 'bad.name'" in message and "^[a-zA-Z0-9_-]{1,64}$" in message


def test_docstring_naming_a_missing_parameter_is_an_error():
    def renamed(city: str) -> None:
        """Look up a city.

        Args:
            town: The city.
        """

    with pytest.raises(ToolDefinitionError, match="does not have: town"):
        tool(renamed)


def test_types_json_schema_cannot_describe_are_named():
    def takes_callable(
        callback: Annotated[object, Field(description="x")],
        fn: Annotated[type, Field(description="y")],
    ) -> None:
        """Take odd things."""

    with pytest.raises(ToolDefinitionError, match="parameter 'fn'"):
        tool(takes_callable)


def test_call_stays_direct_and_func_is_the_function():
    result = forecast("Oslo", days=99)  # no validation: a plain call
    assert result["days"] == 99
    assert forecast.func.__name__ == "forecast"
    assert forecast.__wrapped__ is forecast.func


def test_validation_errors_name_fields_types_and_allowed_values():
    with pytest.raises(ToolArgumentsError) as info:
        forecast.validate({"days": 9, "unit": "kelvin", "detail": "medium", "bogus": 1})
    errors = {e["field"]: e for e in info.value.errors}
    assert errors["city"]["problem"] == "required but missing"
    assert errors["city"]["expected"] == "string"
    assert "less than or equal to 7" in errors["days"]["problem"]
    assert errors["unit"]["allowed"] == ["celsius", "fahrenheit"]
    assert errors["detail"]["allowed"] == ["short", "long"]
    assert errors["bogus"]["problem"].startswith("unknown parameter")
    assert "city, days, unit, detail, address" in errors["bogus"]["problem"]
    assert "allowed values: 'celsius', 'fahrenheit'" in str(info.value)


def test_unknown_parameter_suggests_the_close_one():
    with pytest.raises(ToolArgumentsError, match="did you mean 'city'"):
        forecast.validate({"cty": "Oslo"})


def test_nested_model_is_validated_with_paths_and_passed_as_a_model():
    with pytest.raises(ToolArgumentsError) as info:
        forecast.validate(
            {"city": "Oslo", "address": {"city": "Oslo", "zip_code": "12", "floor": 3}}
        )
    fields = {e["field"]: e for e in info.value.errors}
    assert "address.zip_code" in fields and "pattern" in fields["address.zip_code"]["problem"]
    out = forecast.run({"city": "Oslo", "address": {"city": "Oslo", "zip_code": "01234"}})
    assert out["address"] == Address(city="Oslo", zip_code="01234")
    assert out["unit"] is Unit.CELSIUS  # python values and defaults reach the function


def test_validate_returns_json_values_the_model_sent():
    assert forecast.validate({"city": "Oslo", "days": "3", "unit": "fahrenheit"}) == {
        "city": "Oslo",
        "days": 3,
        "unit": "fahrenheit",
    }


def test_async_tools_are_detected_and_awaited():
    @tool
    async def slow_add(a: int, b: int) -> int:
        """Add two integers.

        Args:
            a: First.
            b: Second.
        """
        await asyncio.sleep(0)
        return a + b

    assert slow_add.is_async and not forecast.is_async
    assert asyncio.run(slow_add.arun({"a": 1, "b": "2"})) == 3
    assert slow_add.run({"a": 2, "b": 2}) == 4
    assert asyncio.run(slow_add(1, 1)) == 2  # __call__ is the coroutine function itself


def test_parameters_named_like_pydantic_internals_work():
    @tool
    def odd(schema: str, json: int, dict: bool, model_config: str, copy: float, _from: str) -> list:
        """Echo odd names.

        Args:
            schema: s.
            json: j.
            dict: d.
            model_config: m.
            copy: c.
            _from: f.
        """
        return [schema, json, dict, model_config, copy, _from]

    args = {"schema": "s", "json": 1, "dict": True, "model_config": "m", "copy": 1.5, "_from": "x"}
    assert list(odd.parameters["properties"]) == list(args)
    assert odd.parameters["required"] == list(args)
    assert odd.validate(args) == args
    assert odd.run(args) == ["s", 1, True, "m", 1.5, "x"]


def test_description_option_and_name_option():
    @tool(name="lookup-city", description="Find a city.")
    def f(q: Annotated[str, Field(description="Query.")]) -> str:
        return q

    assert (f.name, f.description) == ("lookup-city", "Find a city.")


def test_bad_options_are_definition_errors():
    with pytest.raises(ToolDefinitionError, match="timeout must be a positive number"):

        @tool(timeout=0)
        def f() -> None:
            """Do f."""


class Booking(BaseModel):
    restaurant: str = Field(description="Restaurant name")
    party_size: int = Field(ge=1, le=20, description="How many people")
    note: str | None = None

    @field_validator("restaurant")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the restaurant name is blank")
        return value


def test_a_single_model_parameter_is_flattened_and_the_function_gets_an_instance():
    @tool
    def book(booking: Booking) -> str:
        """Book a table.

        Args:
            note: Anything the restaurant should know.
        """
        assert isinstance(booking, Booking)
        return f"{booking.restaurant} for {booking.party_size}"

    assert set(book.parameters["properties"]) == {"restaurant", "party_size", "note"}
    assert (
        book.parameters["properties"]["note"]["description"]
        == "Anything the restaurant should know."
    )
    assert book.parameters["required"] == ["restaurant", "party_size"]
    assert book.run({"restaurant": "Noma", "party_size": "2"}) == "Noma for 2"
    with pytest.raises(ToolArgumentsError) as info:
        book.run({"restaurant": " ", "party_size": 30, "table": 4})
    fields = {e["field"] for e in info.value.errors}
    assert {"restaurant", "party_size", "table"} <= fields  # the model's own validator too


async def test_a_flattened_async_tool_is_awaited_with_an_instance():
    @tool
    async def book(booking: Booking) -> str:
        """Book a table.

        Args:
            note: Anything the restaurant should know.
        """
        return type(booking).__name__

    assert await book.arun({"restaurant": "Noma", "party_size": 2}) == "Booking"


def test_flattened_fields_need_descriptions_too():
    with pytest.raises(ToolDefinitionError, match="fields of Booking without a description: note"):

        @tool
        def book(booking: Booking) -> str:
            """Book a table."""
            return ""


def test_langchain_args_schema_spelling_is_supported():
    class AddArgs(BaseModel):
        a: int = Field(description="First addend")
        b: int = Field(description="Second addend")

    @tool(args_schema=AddArgs)
    def add(a, b):
        """Add two integers."""
        return a + b

    assert add.parameters["properties"]["a"] == {"description": "First addend", "type": "integer"}
    assert add.run({"a": 1, "b": "2"}) == 3
    with pytest.raises(ToolDefinitionError, match="args_schema must be a pydantic BaseModel class"):
        tool(args_schema=dict)(lambda a: a)

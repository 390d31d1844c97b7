"""The calculator tools as the model sees them: schemas, argument checks, results and errors."""

import pytest

from nemotron_agents.errors import ToolArgumentsError, ToolExecutionError, ToolRetry
from nemotron_agents.tools import Tool, ToolRegistry
from nemotron_agents.tools.builtin import (
    CALCULATOR_TOOLS,
    calculate,
    convert_units,
    percentage,
)


def test_calculator_tools_are_the_three_tools():
    assert [t.name for t in CALCULATOR_TOOLS] == ["calculate", "percentage", "convert_units"]
    assert all(isinstance(t, Tool) for t in CALCULATOR_TOOLS)
    assert [calculate, percentage, convert_units] == CALCULATOR_TOOLS


def test_tools_register_without_clashes():
    registry = ToolRegistry(CALCULATOR_TOOLS)
    assert registry.get("convert_units") is convert_units


@pytest.mark.parametrize(
    ("tool", "params"),
    [
        (calculate, ["expression"]),
        (percentage, ["operation", "a", "b"]),
        (convert_units, ["value", "from_unit", "to_unit"]),
    ],
)
def test_schema_describes_every_parameter(tool, params):
    schema = tool.parameters
    assert schema["type"] == "object"
    assert list(schema["properties"]) == params
    assert schema["required"] == params
    assert schema.get("additionalProperties") is False
    for name in params:
        description = schema["properties"][name].get("description", "")
        assert len(description) >= 30, (tool.name, name, description)
    assert len(tool.description) >= 40


def test_schema_types():
    assert calculate.parameters["properties"]["expression"]["type"] == "string"
    props = percentage.parameters["properties"]
    assert props["operation"]["enum"] == ["percent_of", "percent_change"]
    assert props["a"]["type"] == props["b"]["type"] == "number"
    props = convert_units.parameters["properties"]
    assert props["value"]["type"] == "number"
    assert props["from_unit"]["type"] == props["to_unit"]["type"] == "string"


def test_descriptions_teach_the_model_the_syntax():
    text = calculate.parameters["properties"]["expression"]["description"]
    for word in ("**", "not ^", "sqrt", "factorial", "pi", "thousands separators"):
        assert word in text
    text = percentage.parameters["properties"]["operation"]["description"]
    assert "a=15, b=200 gives 30" in text and "a=50, b=75 gives 50" in text
    assert "KiB" in convert_units.description and "'tonne'" in convert_units.description


def test_openai_definition_is_complete():
    definition = percentage.to_openai()
    assert definition["type"] == "function"
    assert definition["function"]["name"] == "percentage"
    assert definition["function"]["parameters"]["properties"]["operation"]["enum"]


# --- validate ---------------------------------------------------------------------------------


def test_validate_accepts_and_coerces_good_arguments():
    assert calculate.validate({"expression": "1 + 1"}) == {"expression": "1 + 1"}
    assert percentage.validate('{"operation": "percent_of", "a": "15", "b": 200}') == {
        "operation": "percent_of",
        "a": 15.0,
        "b": 200.0,
    }
    assert convert_units.validate({"value": 3, "from_unit": "km", "to_unit": "mi"})["value"] == 3


def test_validate_lists_the_allowed_operations():
    with pytest.raises(ToolArgumentsError) as info:
        percentage.validate({"operation": "ratio", "a": 1, "b": 2})
    [error] = info.value.errors
    assert error["field"] == "operation"
    assert error["allowed"] == ["percent_of", "percent_change"]
    assert "'percent_of', 'percent_change'" in str(info.value)


def test_validate_reports_every_problem():
    with pytest.raises(ToolArgumentsError) as info:
        convert_units.validate({"value": "lots", "from_unit": "m"})
    fields = sorted(e["field"] for e in info.value.errors)
    assert fields == ["to_unit", "value"]


@pytest.mark.parametrize(
    ("tool", "args", "field"),
    [
        (calculate, {}, "expression"),
        (calculate, {"expression": ["1 + 1"]}, "expression"),
        (calculate, {"expression": "1", "precision": 3}, "precision"),
        (percentage, {"operation": "percent_of", "a": 1}, "b"),
        (convert_units, {"value": None, "from_unit": "m", "to_unit": "km"}, "value"),
    ],
)
def test_validate_refuses_bad_arguments(tool, args, field):
    with pytest.raises(ToolArgumentsError) as info:
        tool.validate(args)
    assert field in [e["field"] for e in info.value.errors]


# --- running ----------------------------------------------------------------------------------


def test_calculate_runs():
    assert calculate.run({"expression": "2 * (3 + 4)"}) == 14
    assert calculate.run({"expression": "2 ** 100"}) == 2**100
    assert calculate.run({"expression": "7 / 2"}) == 3.5


def test_calculate_hides_binary_float_noise():
    assert calculate.run({"expression": "0.1 + 0.2"}) == 0.3
    assert calculate.run({"expression": "1.1 * 3"}) == 3.3
    assert calculate.format_output(calculate.run({"expression": "0.1 + 0.2"})) == "0.3"


def test_percentage_runs_both_operations():
    assert percentage.run({"operation": "percent_of", "a": 15, "b": 200}) == 30.0
    assert percentage.run({"operation": "percent_change", "a": 50, "b": 75}) == 50.0
    assert percentage.run({"operation": "percent_change", "a": 200, "b": 150}) == -25.0
    assert percentage.run({"operation": "percent_of", "a": 7, "b": 100}) == 7.0


def test_convert_units_runs():
    assert convert_units.run({"value": 1, "from_unit": "mile", "to_unit": "km"}) == 1.609344
    assert convert_units.run({"value": 300, "from_unit": "K", "to_unit": "°C"}) == 26.85
    assert convert_units.run({"value": 100, "from_unit": "km/h", "to_unit": "mph"}) == (
        pytest.approx(62.1371192237334)
    )


async def test_tools_run_async():
    assert await calculate.arun({"expression": "factorial(5)"}) == 120
    assert await convert_units.arun({"value": 2, "from_unit": "GiB", "to_unit": "MiB"}) == 2048.0


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        (calculate, {"expression": "__import__('os')"}, "Function '__import__' is not allowed."),
        (calculate, {"expression": "9 ** 9 ** 9"}, "Exponent 387420489"),
        (calculate, {"expression": "1 / 0"}, "Division by zero in 1 / 0."),
        (calculate, {"expression": "2 ^ 8"}, "'^' is not exponentiation here"),
        (percentage, {"operation": "percent_change", "a": 0, "b": 5}, "Percent change from 0"),
        (convert_units, {"value": 1, "from_unit": "m", "to_unit": "kg"}, "Cannot convert length"),
        (convert_units, {"value": 1, "from_unit": "furlong", "to_unit": "m"}, "Unknown unit"),
        (convert_units, {"value": -300, "from_unit": "C", "to_unit": "K"}, "-300 C is below"),
        (
            convert_units,
            {"value": 1e308, "from_unit": "km", "to_unit": "nm"},
            "1e+308 km in nm is too large",
        ),
        (
            percentage,
            {"operation": "percent_of", "a": 1e308, "b": 1e308},
            "1e+308% of 1e+308 is too large",
        ),
        (
            percentage,
            {"operation": "percent_change", "a": 1e-300, "b": 1e300},
            "The change from 1e-300",
        ),
    ],
)
def test_refusals_reach_the_model_as_plain_messages(tool, args, message):
    with pytest.raises(ToolExecutionError) as info:
        tool.run(args)
    text = str(info.value)
    assert text.startswith(message)
    # ToolRetry: the model gets the calculator's own words, not an exception type or traceback.
    assert "CalculatorError" not in text and "UnitError" not in text and "failed:" not in text
    assert info.value.tool_name == tool.name


def test_direct_calls_raise_tool_retry_with_the_cause_attached():
    with pytest.raises(ToolRetry, match="Name 'x' is not allowed") as info:
        calculate("x + 1")
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(ToolRetry, match="Unknown operation 'ratio'"):
        percentage("ratio", 1, 2)


def test_direct_calls_return_plain_values():
    assert calculate("sqrt(2) ** 2") == 2.0  # tidied: 2.0000000000000004 without it
    assert percentage("percent_of", 10, 50) == 5.0
    assert convert_units(12, "in", "ft") == 1.0


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        (convert_units, {"value": 1e308, "from_unit": "km", "to_unit": "nm"}),
        (convert_units, {"value": 1e308, "from_unit": "C", "to_unit": "F"}),
        (percentage, {"operation": "percent_of", "a": 1e308, "b": 1e308}),
        (percentage, {"operation": "percent_change", "a": -1e308, "b": 1e308}),
    ],
)
def test_overflow_is_an_error_never_infinity(tool, args):
    with pytest.raises(ToolExecutionError, match="overflows a floating-point number"):
        tool.run(args)


def test_a_big_but_finite_percentage_still_works():
    # 1e308 * 10 overflows on the way, the answer 1e307 does not
    assert percentage.run({"operation": "percent_of", "a": 1e308, "b": 10}) == 1e307

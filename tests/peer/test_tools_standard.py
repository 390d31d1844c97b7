"""LangChain's standard tool suites against our tools converted with ``to_langchain(tool)``.

The suites check what any LangChain tool must do: a name, an input schema the example
arguments fit, and ``invoke`` / ``ainvoke`` with plain arguments or a ``ToolCall`` giving valid
``ToolMessage`` content. The tests after the suites make the schema check bite: LangChain's
input schema for a JSON-Schema tool accepts anything, so the suites found that gap only by
passing a check that could not fail.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool
from langchain_core.tools import tool as lc_tool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import BaseModel, Field, ValidationError

from nemotron_agents.tools import from_langchain, to_langchain, tool
from nemotron_agents.tools.builtin import calculate, convert_units, percentage


class Trip(BaseModel):
    """A trip."""

    origin: str = Field(description="Where the trip starts.")
    stops: list[str] = Field(default_factory=list, description="Cities on the way, in order.")
    nights: int = Field(ge=0, description="Nights away.")


@tool
def plan_trip(trip: Trip) -> str:
    """Describe a planned trip."""
    return f"{trip.origin} via {', '.join(trip.stops) or 'nowhere'} for {trip.nights} nights"


@tool
async def capital(country: str) -> str:
    """Look up a country's capital.

    Args:
        country: Country name in English.
    """
    await asyncio.sleep(0)
    return {"France": "Paris", "Italy": "Rome"}.get(country, "unknown")


class Dimensions(BaseModel):
    width: float = Field(gt=0, description="Width in metres.")
    height: float = Field(gt=0, description="Height in metres.")


@lc_tool(args_schema=Dimensions)
def area(width: float, height: float) -> float:
    """Area of a rectangle."""
    return width * height


#: A LangChain tool wrapped as ours and converted back.
area_round_trip = from_langchain(area)

# (tool, example arguments, what a call with them returns as ToolMessage content)
CASES = {
    "calculate": (calculate, {"expression": "2 * (3 + 4.5) / sqrt(16)"}, "3.75"),
    "percentage": (percentage, {"operation": "percent_of", "a": 15, "b": 240}, "36.0"),
    "convert_units": (convert_units, {"value": 5, "from_unit": "km", "to_unit": "m"}, "5000.0"),
    "plan_trip": (
        plan_trip,
        {"origin": "Lyon", "stops": ["Turin"], "nights": 3},
        "Lyon via Turin for 3 nights",
    ),
    "capital": (capital, {"country": "Italy"}, "Rome"),
    "area": (area_round_trip, {"width": 2, "height": 3.5}, "7.0"),
}


class _Case:
    case: str

    @property
    def tool_constructor(self) -> BaseTool:
        return to_langchain(CASES[self.case][0])

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return CASES[self.case][1]


class TestCalculateUnit(_Case, ToolsUnitTests):
    case = "calculate"


class TestCalculateIntegration(_Case, ToolsIntegrationTests):
    case = "calculate"


class TestPercentageUnit(_Case, ToolsUnitTests):
    case = "percentage"


class TestPercentageIntegration(_Case, ToolsIntegrationTests):
    case = "percentage"


class TestConvertUnitsUnit(_Case, ToolsUnitTests):
    case = "convert_units"


class TestConvertUnitsIntegration(_Case, ToolsIntegrationTests):
    case = "convert_units"


class TestModelParameterUnit(_Case, ToolsUnitTests):
    case = "plan_trip"


class TestModelParameterIntegration(_Case, ToolsIntegrationTests):
    case = "plan_trip"


class TestAsyncToolUnit(_Case, ToolsUnitTests):
    case = "capital"


class TestAsyncToolIntegration(_Case, ToolsIntegrationTests):
    case = "capital"


class TestRoundTripUnit(_Case, ToolsUnitTests):
    case = "area"


class TestRoundTripIntegration(_Case, ToolsIntegrationTests):
    case = "area"


# --- what the suites' checks do not pin down ---------------------------------------------------


@pytest.mark.parametrize("case", CASES)
async def test_a_tool_call_with_the_example_gives_the_result(case):
    made, example, expected = CASES[case]
    call = {"name": made.name, "args": example, "id": "abcdefghi", "type": "tool_call"}
    assert to_langchain(made).invoke(call).content == expected
    assert (await to_langchain(made).ainvoke(call)).content == expected


@pytest.mark.parametrize("case", CASES)
def test_the_input_schema_describes_the_wire_arguments(case):
    made = CASES[case][0]
    schema = to_langchain(made).get_input_schema().model_json_schema(by_alias=True)
    assert set(schema["properties"]) == set(made.parameters["properties"])
    assert set(schema.get("required", [])) == set(made.parameters.get("required", []))


@pytest.mark.parametrize(
    ("case", "bad"),
    [
        ("calculate", {"expression": "1 + 1", "precision": 2}),
        ("percentage", {"operation": "percent_off", "a": 15, "b": 240}),
        ("convert_units", {"value": "five", "from_unit": "km", "to_unit": "m"}),
        ("plan_trip", {"origin": "Lyon", "nights": -1}),
        ("area", {"width": 2}),
    ],
)
def test_the_input_schema_refuses_what_the_tool_refuses(case, bad):
    made = CASES[case][0]
    with pytest.raises(ValidationError):
        to_langchain(made).get_input_schema()(**bad)
    call = {"name": made.name, "args": bad, "id": "abcdefghi", "type": "tool_call"}
    message = to_langchain(made).invoke(call)
    assert message.status == "error"


@tool
def film(title: str, runtime: int) -> str:
    """Describe a film.

    Args:
        title: Film title.
        runtime: Length in minutes.
    """
    return f"{title}: {runtime} min"


def test_a_parameter_called_runtime_is_not_taken_for_langgraphs_injection():
    # ToolNode fills an input-schema field named `runtime` with its ToolRuntime object.
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([to_langchain(film)]))
    graph.add_edge(START, "tools")
    call = {"name": "film", "args": {"title": "Heat", "runtime": 170}, "id": "abcdefghi"}
    out = graph.compile().invoke({"messages": [AIMessage("", tool_calls=[call])]})
    assert out["messages"][-1].content == "Heat: 170 min"

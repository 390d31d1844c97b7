"""Tool <-> LangChain / OpenAI shapes: what ChatNVIDIA.bind_tools sends is Tool.to_openai()."""

import asyncio
from typing import Annotated, Literal

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import StructuredTool
from langchain_core.tools import tool as lc_tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from pydantic import BaseModel, Field

from nemotron_agents.errors import ToolArgumentsError
from nemotron_agents.tools import from_json_schema, from_langchain, to_langchain, tool


class Window(BaseModel):
    """A time window."""

    start: str = Field(description="ISO start.")
    end: str | None = Field(None, description="ISO end.")


@tool(max_output_chars=30)
def events(
    city: Annotated[str, Field(description="City.", min_length=2)],
    kind: Annotated[Literal["music", "sport"] | None, Field(description="Kind of event.")] = None,
    window: Annotated[Window | None, Field(description="When.")] = None,
    title: Annotated[str, Field(description="A property literally called title.")] = "",
) -> list[str]:
    """List events in a city."""
    return [f"{city} event {i}" for i in range(5)]


bfcl_tool = from_json_schema(
    "geo.route",
    "Plan a route.",
    {
        "type": "dict",
        "properties": {
            "_from": {"type": "string", "description": "Start."},
            "Content-Type": {"type": "string", "enum": ["json", "xml"]},
            "stops": {"type": "tuple", "items": {"type": "float"}},
            "opts": {"type": "dict", "properties": {"avoid": {"type": "string", "optional": True}}},
        },
        "required": ["_from"],
    },
    dialect="bfcl",
    func=lambda **kw: kw,
)


@lc_tool
def lc_multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


ALL = [events, bfcl_tool, from_langchain(lc_multiply)]


@pytest.mark.parametrize("made", ALL, ids=lambda t: t.name)
def test_to_openai_matches_convert_to_openai_tool(made):
    assert made.to_openai() == convert_to_openai_tool(to_langchain(made))
    assert made.to_openai()["function"]["name"] == made.name


def test_chatnvidia_bind_tools_sends_exactly_to_openai():
    model = ChatNVIDIA(
        base_url="http://127.0.0.1:9/v1", model="mistralai/mistral-nemotron", api_key="offline"
    )
    bound = model.bind_tools([to_langchain(t) for t in ALL])
    assert bound.kwargs["tools"] == [t.to_openai() for t in ALL]


def test_wire_schema_keeps_original_keys_and_has_no_titles():
    props = bfcl_tool.to_openai()["function"]["parameters"]["properties"]
    assert list(props) == ["_from", "Content-Type", "stops", "opts"]
    params = events.to_openai()["function"]["parameters"]
    assert "title" in params["properties"]  # the property, not a schema title
    assert "'title': '" not in repr(params)


def test_langchain_tool_runs_through_the_tool_and_formats_output():
    lc = to_langchain(events)
    assert isinstance(lc, StructuredTool)
    assert lc is to_langchain(events)  # built once
    text = lc.invoke({"city": "Oslo"})
    assert text.startswith('["Oslo event 0"') and "truncated: showed 30 of" in text
    assert asyncio.run(lc.ainvoke({"city": "Oslo"})) == text
    assert (
        to_langchain(bfcl_tool).invoke({"_from": "A", "Content-Type": "xml"})
        == '{"_from": "A", "Content-Type": "xml"}'
    )


def test_errors_for_the_model_become_error_tool_messages():
    call = {
        "name": "events",
        "args": {"city": "O", "kind": "opera"},
        "id": "abc123XYZ",
        "type": "tool_call",
    }
    message = to_langchain(events).invoke(call)
    assert isinstance(message, ToolMessage) and message.status == "error"
    assert message.content.startswith("Invalid arguments for tool 'events':")
    assert "allowed values: 'music', 'sport'" in message.content


async def test_tool_node_runs_converted_tools():
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([to_langchain(events), to_langchain(bfcl_tool)]))
    graph.add_edge(START, "tools")
    calls = [
        {"name": "geo_route", "args": {"_from": "A", "stops": [1, 2]}, "id": "call00001"},
        {"name": "geo_route", "args": {"from": "A"}, "id": "call00002"},
    ]
    out = await graph.compile().ainvoke({"messages": [AIMessage("", tool_calls=calls)]})
    ok, bad = out["messages"][1:]
    assert ok.status == "success" and ok.content == '{"_from": "A", "stops": [1.0, 2.0]}'
    assert bad.status == "error" and "- from: unknown parameter" in bad.content
    assert "valid parameters: _from, Content-Type, stops, opts" in bad.content


def test_from_langchain_validates_with_its_schema_and_runs_it():
    wrapped = from_langchain(lc_multiply, tags=["math"], timeout=3)
    assert (wrapped.name, wrapped.description, wrapped.tags) == (
        "lc_multiply",
        "Multiply two integers.",
        {"math"},
    )
    assert wrapped.validate({"a": "2", "b": 3}) == {"a": 2, "b": 3}
    assert wrapped.run({"a": 2, "b": 3}) == 6
    assert asyncio.run(wrapped.arun({"a": 2, "b": 4})) == 8
    with pytest.raises(ToolArgumentsError) as info:
        wrapped.validate({"a": 2, "c": 3})
    assert {e["field"] for e in info.value.errors} == {"b", "c"}


def test_from_langchain_with_a_json_schema_and_a_dotted_name():
    lc = StructuredTool(
        name="math.power",
        description="Raise to a power.",
        args_schema={"type": "object",
                     "properties": {"base": {"type": "number"}, "exp": {"type": "integer"}},
                     "required": ["base", "exp"]},
        func=lambda base, exp: base**exp,
    )  # fmt: skip
    wrapped = from_langchain(lc)
    assert (wrapped.name, wrapped.source_name) == ("math_power", "math.power")
    assert wrapped.run({"base": 2, "exp": 10}) == 1024
    with pytest.raises(ToolArgumentsError, match="exp: Input should be a valid integer"):
        wrapped.validate({"base": 2, "exp": "ten"})

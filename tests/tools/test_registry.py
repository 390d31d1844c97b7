"""ToolRegistry: registration, lookup, selection."""

from typing import Annotated

import pytest
from langchain_core.tools import tool as lc_tool
from pydantic import Field

from nemotron_agents.errors import (
    ConfigError,
    ToolArgumentsError,
    ToolDefinitionError,
    UnknownToolError,
)
from nemotron_agents.tools import Tool, ToolRegistry, from_json_schema, tool

Number = Annotated[int, Field(description="A number.")]


@tool(tags=["math"])
def add(a: Number, b: Number) -> int:
    """Add two integers."""
    return a + b


@tool(tags=["math", "slow"])
def factorial(n: Number) -> int:
    """Compute n!."""
    return 1 if n < 2 else n * factorial(n - 1)


def shout(text: Annotated[str, Field(description="Text.")]) -> str:
    """Upper-case the text."""
    return text.upper()


@lc_tool
def lc_echo(text: str) -> str:
    """Echo the text back."""
    return text


dotted = from_json_schema(
    "math.factorial", "BFCL's factorial.", {"type": "dict", "properties": {}}, dialect="bfcl"
)


def make() -> ToolRegistry:
    return ToolRegistry([add, factorial, shout, lc_echo, dotted])


def test_register_accepts_tools_langchain_tools_and_functions():
    registry = make()
    assert registry.names() == ["add", "factorial", "shout", "lc_echo", "math_factorial"]
    assert all(isinstance(t, Tool) for t in registry)
    assert registry.get("add") is add
    assert registry.get("shout").run({"text": "hi"}) == "HI"
    assert registry.get("lc_echo").run({"text": "hi"}) == "hi"
    assert len(registry) == 5


def test_get_by_wire_or_source_name_and_map_back():
    registry = make()
    assert registry.get("math.factorial") is registry.get("math_factorial") is dotted
    assert registry.source_name("math_factorial") == "math.factorial"
    assert "math.factorial" in registry and "math_factorial" in registry and add in registry
    assert "nope" not in registry


def test_unknown_tool_lists_the_valid_names():
    with pytest.raises(UnknownToolError) as info:
        make().get("multiply")
    assert info.value.available == sorted(
        ["add", "factorial", "shout", "lc_echo", "math_factorial"]
    )
    assert str(info.value) == (
        "Unknown tool 'multiply'. Available tools: add, factorial, lc_echo, math_factorial, shout."
    )


def test_duplicates_and_collisions_are_rejected():
    registry = make()
    with pytest.raises(ToolDefinitionError, match="'add' is already registered"):
        registry.register(add)
    clash = from_json_schema("math_factorial", "Same wire name.", None)
    with pytest.raises(ToolDefinitionError) as info:
        registry.register(clash)
    assert (
        "'math.factorial' and 'math_factorial' both map to the wire name 'math_factorial'"
        in str(info.value)
    )
    assert len(registry) == 5  # nothing half-registered
    with pytest.raises(
        ToolDefinitionError, match="pass a Tool, a LangChain BaseTool or a typed function"
    ):
        registry.register(42)


def test_select_by_names_and_tags():
    registry = make()
    assert registry.select(names=["math.factorial", "add"]).names() == ["add", "math_factorial"]
    assert registry.select(tags=["math"]).names() == ["add", "factorial"]
    assert registry.select(tags="slow").names() == ["factorial"]
    assert registry.select(names=["add", "shout"], tags=["math"]).names() == ["add"]
    assert len(registry) == 5  # selection leaves the original alone


def test_select_rejects_unknown_names_and_tags_listing_valid_ones():
    registry = make()
    with pytest.raises(
        ConfigError, match=r"Unknown tool name\(s\): mul\. Valid names: add, factorial"
    ):
        registry.select(names=["add", "mul"])
    with pytest.raises(ConfigError, match=r"Unknown tag\(s\): fast\. Valid tags: math, slow"):
        registry.select(tags=["fast"])


def test_validate_and_exports():
    registry = make()
    assert registry.validate("add", '{"a": 1, "b": "2"}') == {"a": 1, "b": 2}
    with pytest.raises(ToolArgumentsError):
        registry.validate("add", {"a": 1})
    with pytest.raises(UnknownToolError):
        registry.validate("sub", {})
    assert [t["function"]["name"] for t in registry.to_openai()] == registry.names()
    assert [t.name for t in registry.to_langchain()] == registry.names()

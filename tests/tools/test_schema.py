"""from_json_schema / from_openai_tool, standard JSON Schema and BFCL's dialect."""

import asyncio

import jsonschema
import pytest

from nemotron_agents.errors import ToolArgumentsError, ToolDefinitionError, ToolExecutionError
from nemotron_agents.tools import Tool, from_json_schema, from_openai_tool


def bfcl(parameters: dict, name: str = "probe.tool") -> Tool:
    made = from_json_schema(name, "A probe.", parameters, dialect="bfcl")
    jsonschema.Draft7Validator.check_schema(made.parameters)  # what Mistral's validator demands
    return made


def fields_in_error(made: Tool, args: dict) -> set[str]:
    with pytest.raises(ToolArgumentsError) as info:
        made.validate(args)
    return {e["field"] for e in info.value.errors}


def test_bfcl_types_become_standard_on_the_wire_and_in_validation():
    made = bfcl({
        "type": "dict",
        "properties": {
            "opts": {"type": "dict", "properties": {"depth": {"type": "integer"}},
                     "description": "Options."},
            "ratio": {"type": "float"},
            "point": {"type": "tuple", "items": {"type": "float"}},
            "data": {"type": "any", "description": "Anything."},
        },
        "required": ["ratio"],
    })  # fmt: skip
    props = made.parameters["properties"]
    assert made.parameters["type"] == "object"
    assert props["opts"]["type"] == "object" and props["ratio"]["type"] == "number"
    assert props["point"] == {"type": "array", "items": {"type": "number"}}
    assert props["data"] == {"description": "Anything."}
    args = {"ratio": 1, "point": [1, 2.5], "data": {"x": [1]}, "opts": {"depth": 2}}
    assert made.validate(args) == args
    assert fields_in_error(made, {"ratio": "high", "point": "1,2", "opts": {"depth": "deep"}}) == {
        "ratio", "point", "opts.depth",
    }  # fmt: skip


def test_optional_flags_and_lists_and_missing_required():
    made = bfcl({
        "type": "dict",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "string", "optional": True},
            "c": {"type": "string", "optional": "True"},  # an explicit `required` wins
            "d": {"type": "string"},
        },
        "required": ["a", "c"],
        "optional": ["d"],
    })  # fmt: skip
    assert made.parameters["required"] == ["a", "c"]
    assert "optional" not in repr(made.parameters)
    assert made.validate({"a": "x", "c": "y"}) == {"a": "x", "c": "y"}
    assert fields_in_error(made, {"b": "x", "d": "y"}) == {"a", "c"}
    no_required = bfcl({"type": "dict", "properties": {"q": {"type": "string"}}})
    assert no_required.validate({}) == {}
    assert "required" not in no_required.parameters


def test_defaults_that_break_their_own_type_do_not_break_the_model():
    made = bfcl({
        "type": "dict",
        "properties": {
            "year": {"type": "integer", "default": "dontcare"},
            "mode": {"type": "string", "enum": ["fast", "slow"], "default": "None"},
            "limit": {"type": "float", "default": None},
        },
    })  # fmt: skip
    assert made.validate({}) == {}  # defaults are not applied
    assert made.validate({"year": 2020, "mode": "fast", "limit": None}) == {
        "year": 2020,
        "mode": "fast",
        "limit": None,
    }
    with pytest.raises(ToolArgumentsError) as info:
        made.validate({"mode": "medium"})
    assert info.value.errors[0]["allowed"] == ["fast", "slow"]


def test_dict_without_properties_is_free_form():
    made = bfcl({
        "type": "dict",
        "properties": {"filters": {"type": "dict", "description": "Any filters."}},
        "required": ["filters"],
    })  # fmt: skip
    assert made.parameters["properties"]["filters"] == {
        "type": "object",
        "description": "Any filters.",
    }
    assert made.validate({"filters": {"x": 1, "y": [2]}}) == {"filters": {"x": 1, "y": [2]}}
    assert fields_in_error(made, {"filters": "x=1"}) == {"filters"}


def test_nested_objects_reject_unknown_keys_and_name_the_valid_ones():
    made = bfcl({
        "type": "dict",
        "properties": {"budget": {"type": "dict", "properties": {
            "min": {"type": "float"}, "max": {"type": "float"}}}},
    })  # fmt: skip
    with pytest.raises(ToolArgumentsError) as info:
        made.validate({"budget": {"min": 1, "maximum": 2}})
    (err,) = info.value.errors
    assert err["field"] == "budget.maximum"
    assert err["problem"] == "unknown field; valid fields: min, max"


@pytest.mark.parametrize(
    "key",
    [
        "_from",
        "_class",
        "Content-Type",
        "default",
        "schema",
        "json",
        "dict",
        "model_config",
        "copy",
        "from",
    ],
)
def test_property_names_pydantic_treats_specially_keep_their_spelling(key):
    received = {}

    def record(**kwargs):
        received.update(kwargs)
        return "done"

    made = from_json_schema(
        "special",
        "Echo.",
        {
            "type": "dict",
            "properties": {key: {"type": "string"}, "n": {"type": "integer"}},
            "required": [key],
        },
        dialect="bfcl",
        func=record,
    )
    assert list(made.parameters["properties"]) == [key, "n"]
    assert made.parameters["required"] == [key]
    assert made.validate({key: "v"}) == {key: "v"}
    assert made.run({key: "v", "n": 2}) == "done"
    assert received == {key: "v", "n": 2}
    assert fields_in_error(made, {"n": 1}) == {key}


def test_dotted_names_get_a_wire_name_and_keep_the_source():
    made = bfcl({"type": "dict", "properties": {}}, name="math.factorial")
    assert (made.name, made.source_name) == ("math_factorial", "math.factorial")


def test_without_func_the_tool_validates_but_cannot_run():
    made = bfcl({"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]})
    with pytest.raises(ToolArgumentsError):
        asyncio.run(made.arun({}))  # arguments are checked first
    with pytest.raises(ToolExecutionError, match="has no implementation"):
        asyncio.run(made.arun({"n": 1}))
    with pytest.raises(ToolExecutionError, match="has no implementation"):
        made.run({"n": 1})


def test_async_func_gets_json_values_by_original_key():
    async def handler(**kwargs):
        return kwargs

    made = from_json_schema(
        "nested",
        "Nested.",
        {
            "type": "dict",
            "properties": {"area": {"type": "dict", "properties": {"w": {"type": "integer"}}}},
        },
        dialect="bfcl",
        func=handler,
        timeout=1,
        tags=["geo"],
    )
    assert made.is_async and made.tags == frozenset({"geo"}) and made.timeout == 1
    assert asyncio.run(made.arun({"area": {"w": "3"}})) == {"area": {"w": 3}}  # a dict, not a model


def test_standard_schema_with_refs_unions_nullable_and_constraints():
    spec = {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search.",
            "parameters": {
                "type": "object",
                "title": "SearchArgs",
                "$defs": {"Range": {"title": "Range", "type": "object", "properties": {
                    "lo": {"type": "integer", "minimum": 0}, "hi": {"type": "integer"}},
                    "required": ["lo"]}},
                "properties": {
                    "q": {"type": "string", "minLength": 2, "title": "Q"},
                    "range": {"$ref": "#/$defs/Range"},
                    "page": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    "sort": {"type": ["string", "null"], "enum": ["new", "top", None]},
                    "title": {"type": "string", "nullable": True},
                },
                "required": ["q"],
            },
        },
    }  # fmt: skip
    made = from_openai_tool(spec)
    params = made.parameters
    assert "$defs" not in params and "$ref" not in repr(params)
    # a property called "title" stays; schema titles go
    assert list(params["properties"]) == ["q", "range", "page", "sort", "title"]
    assert "title" not in params["properties"]["q"] and "title" not in params["properties"]["range"]
    args = {"q": "ab", "range": {"lo": 1}, "page": None, "sort": "top", "title": None}
    assert made.validate(args) == args
    assert fields_in_error(made, {"q": "a", "range": {"lo": -1}, "sort": "old"}) == {
        "q",
        "range.lo",
        "sort",
    }
    assert from_openai_tool(spec["function"]).parameters == params  # bare inner form


def test_definition_errors_name_the_problem():
    with pytest.raises(ToolDefinitionError, match="valid dialects: jsonschema, bfcl"):
        from_json_schema("x", "", {}, dialect="openapi")
    with pytest.raises(
        ToolDefinitionError,
        match=r"at 'a'.*unsupported type 'dict'; valid types: array, boolean, integer",
    ):
        from_json_schema("x", "", {"type": "object", "properties": {"a": {"type": "dict"}}})
    with pytest.raises(ToolDefinitionError, match="valid options: tags, timeout"):
        from_json_schema("x", "", {}, retries=3)
    with pytest.raises(ToolDefinitionError, match="must describe an object"):
        from_json_schema("x", "", {"type": "string"})


def test_no_parameters_means_no_arguments():
    made = from_json_schema("now", "Tell the time.", None)
    assert made.parameters == {"type": "object", "properties": {}}
    assert made.validate("") == {}
    with pytest.raises(ToolArgumentsError, match="valid parameters: \\(none\\)"):
        made.validate({"tz": "UTC"})

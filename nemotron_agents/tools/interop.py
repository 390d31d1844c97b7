"""Between :class:`~nemotron_agents.tools.Tool` and LangChain's ``BaseTool``, both ways."""

from __future__ import annotations

import copy
import weakref
from typing import Any, Unpack

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import TypeBaseModel
from pydantic import BaseModel, Field

from nemotron_agents.errors import ToolCallError, ToolDefinitionError
from nemotron_agents.tools.base import Tool, ToolOptions
from nemotron_agents.tools.names import wire_name
from nemotron_agents.tools.schema import schema_model

__all__ = ["from_langchain", "to_langchain"]

#: Each tool's LangChain twin, built on first use (kept only while the tool lives).
_CONVERTED: weakref.WeakKeyDictionary[Tool, StructuredTool] = weakref.WeakKeyDictionary()

#: LangGraph's ``ToolNode`` injects its ``ToolRuntime`` into an input-schema field of this name.
_INJECTED_BY_NAME = "runtime"


class _ConvertedTool(StructuredTool):
    """A ``StructuredTool`` whose input schema is the argument model of the :class:`Tool`.

    With a JSON Schema ``args_schema`` LangChain's input schema is "any string or dict", which
    tells callers nothing and accepts everything; the argument model describes the arguments
    and refuses bad ones. Validation at run time stays with :meth:`Tool.validate`.
    """

    args_model: type[BaseModel] | None = Field(default=None, exclude=True)

    def get_input_schema(self, config: RunnableConfig | None = None) -> TypeBaseModel:
        model = self.args_model
        if model is None or _INJECTED_BY_NAME in model.model_fields:
            # ToolNode would overwrite the model's `runtime` argument with its own object
            return super().get_input_schema(config)
        return model


def to_langchain(tool: Tool) -> StructuredTool:
    """Return a ``StructuredTool`` that sends ``tool``'s schema and runs through it (built once
    per tool).

    The JSON Schema itself is the ``args_schema`` (not the pydantic model) so that
    ``convert_to_openai_tool`` sends exactly :attr:`Tool.parameters`, aliases included, and the
    arguments reach :meth:`Tool.validate` untouched. Errors for the model are raised as
    ``ToolException`` and ``handle_tool_error=True`` turns them into an error ``ToolMessage``.
    """

    if (made := _CONVERTED.get(tool)) is not None:
        return made

    def run(**kwargs: Any) -> str:
        try:
            return tool.format_output(tool.run(kwargs))
        except ToolCallError as exc:
            raise ToolException(str(exc)) from exc

    async def arun(**kwargs: Any) -> str:
        try:
            return tool.format_output(await tool.arun(kwargs))
        except ToolCallError as exc:
            raise ToolException(str(exc)) from exc

    made = _CONVERTED[tool] = _ConvertedTool(
        name=tool.name,
        description=tool.description,
        args_schema=copy.deepcopy(tool.parameters),
        func=run,
        coroutine=arun,
        handle_tool_error=True,
        args_model=tool.args_model,
        tags=sorted(tool.tags) or None,
        metadata={
            "source_name": tool.source_name,
            "requires_approval": tool.requires_approval,
            "timeout": tool.timeout,
            "max_output_chars": tool.max_output_chars,
        },
    )
    return made


def from_langchain(base_tool: BaseTool, **options: Unpack[ToolOptions]) -> Tool:
    """Wrap a LangChain tool; its ``tool_call_schema`` checks the arguments.

    Args:
        base_tool: Any LangChain ``BaseTool``.
        **options: ``tags``, ``timeout``, ``requires_approval``, ``max_output_chars``.

    Returns:
        A tool named for NIM (see :func:`~nemotron_agents.tools.wire_name`) that runs
        ``base_tool``.
    """
    if not isinstance(base_tool, BaseTool):
        raise ToolDefinitionError(f"Expected a LangChain BaseTool, got {type(base_tool).__name__}.")
    parameters = convert_to_openai_tool(base_tool)["function"]["parameters"]
    schema = base_tool.tool_call_schema
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        model = schema
    else:  # a JSON Schema, or a pydantic v1 model (no v2 validation): a model of its JSON Schema
        model = schema_model(base_tool.name, parameters)[0]

    def invoke(**kwargs: Any) -> Any:
        return base_tool.invoke(kwargs)

    async def ainvoke(**kwargs: Any) -> Any:
        return await base_tool.ainvoke(kwargs)

    options.setdefault("tags", base_tool.tags or ())
    return Tool(
        name=wire_name(base_tool.name),
        source_name=base_tool.name,
        description=base_tool.description,
        args_model=model,
        parameters=parameters,
        func=invoke,
        coroutine=ainvoke,
        **options,
    )

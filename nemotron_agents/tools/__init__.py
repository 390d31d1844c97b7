"""Tools: typed functions and external schemas the model can call, checked before they run.

* :func:`tool` makes a :class:`Tool` of a typed, documented function.
* :func:`from_json_schema` / :func:`from_openai_tool` make one of an external definition
  (OpenAI tool JSON, or BFCL's dialect with ``dialect="bfcl"``).
* :class:`ToolRegistry` holds the tools an agent offers, by name.
* :func:`to_langchain` / :func:`from_langchain` convert to and from LangChain's ``BaseTool``.
* :func:`wire_name` maps any name to one NIM accepts (``math.factorial`` → ``math_factorial``).
"""

from nemotron_agents.tools._execution import MAX_TOOL_THREADS
from nemotron_agents.tools._output import DEFAULT_MAX_OUTPUT_CHARS
from nemotron_agents.tools.base import Tool
from nemotron_agents.tools.decorator import tool
from nemotron_agents.tools.interop import from_langchain, to_langchain
from nemotron_agents.tools.names import wire_name
from nemotron_agents.tools.registry import ToolRegistry
from nemotron_agents.tools.schema import from_json_schema, from_openai_tool

__all__ = [
    "DEFAULT_MAX_OUTPUT_CHARS",
    "MAX_TOOL_THREADS",
    "Tool",
    "ToolRegistry",
    "from_json_schema",
    "from_langchain",
    "from_openai_tool",
    "to_langchain",
    "tool",
    "wire_name",
]

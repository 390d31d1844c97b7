"""LangChain's standard chat-model suites against ScriptedChatModel.

``ScriptedChatModel`` is public: tests outside this project drive graphs with it, so it must
behave as any LangChain chat model does (init from the standard parameters, bind_tools with
tool_choice, with_structured_output, streaming that merges back, usage, a per-call model).
The integration suite needs no network: the script below stands in for the model, answering
the suite's prompts as a tool-calling model would.

Skipped by the suites' own configuration, by design: ``test_serdes`` (a script is Python code
and turns may be exceptions, so the model is not LangChain-serializable), ``test_init_from_env``
(it reads no environment), JSON mode (it has none; ``BaseChatModel`` would answer a json_mode
request by function calling), and image, audio, PDF and Anthropic-style inputs (Nemotron on
NIM takes text only, and so do the agents the scripted model stands in for).
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from nemotron_agents.testing import ScriptedChatModel, tool_call


def _value(prop: dict[str, Any], text: str) -> Any:
    """A value for one parameter, taken from the user's text as a model would."""
    kinds = [prop.get("type")] + [p.get("type") for p in prop.get("anyOf", [])]
    if "integer" in kinds or "number" in kinds:
        found = re.search(r"-?\d+(?:\.\d+)?", text)
        number = float(found.group()) if found else 0.0
        return int(number) if "integer" in kinds else number
    quoted = re.search(r"'([^']+)'", text)
    return quoted.group(1) if quoted else text


def _answer(messages: list[BaseMessage], tools: list[dict[str, Any]]) -> Any:
    """Call a tool when tools are offered to a user's question, else answer in text.

    The tool is the one the text names, else the first offered (a script sees the tools but
    not ``tool_choice``; the suite's forced and named choices are all satisfied this way).
    """
    last = messages[-1]
    text = last.content if isinstance(last.content, str) else str(last.content)
    if isinstance(last, ToolMessage):
        return f"The tool returned {text}."
    if tools and isinstance(last, HumanMessage):
        functions = [t["function"] for t in tools]
        function = next((f for f in functions if f["name"] in text), functions[0])
        props = function.get("parameters", {}).get("properties", {})
        return [tool_call(function["name"], {k: _value(p, text) for k, p in props.items()})]
    return f"You said: {text}"


class TestScriptedChatModelUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ScriptedChatModel]:
        return ScriptedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"script": _answer}


class TestScriptedChatModelIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ScriptedChatModel]:
        return ScriptedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"script": _answer, "model": "scripted-nemotron"}

    @property
    def model_override_value(self) -> str:
        return "scripted-fallback"

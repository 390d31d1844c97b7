"""A chat model whose decisions a test writes as plain Python.

:class:`ScriptedChatModel` is a real LangChain ``BaseChatModel``: it binds tools (and records the
schemas it received), streams text and tool-call chunks the way ``ChatNVIDIA`` does, and reports
usage. Its answers come from either

* a function ``script(messages, tools) -> AIMessage | str | list[ToolCall]``, or
* a list of turns, consumed one per call, where a turn is an ``AIMessage``, a ``str`` (text
  answer), a list of tool calls (see :func:`tool_call`), a function as above, or an exception
  instance, which is raised (to script a 429 or a timeout).

A real model sends tool-call arguments as JSON text. A scripted call whose arguments JSON cannot
encode (nested deeper than Python's encoder goes, or holding a set, bytes or another object)
therefore comes back as an ``invalid_tool_call`` whose ``error`` says why, with a shortened
rendering as its ``args``: the same shape as a real model's unparseable arguments, so an agent
under test answers it with an error ``ToolMessage`` instead of the test model crashing. (When
streamed, the call arrives as text that does not parse, and the reason is lost, as with a real
model.)

Written here rather than with langchain-core's ``GenericFakeChatModel`` because, checked against
langchain-core 1.8: its ``bind_tools`` raises ``NotImplementedError``, so no agent can bind tools
to it; its turns come from an iterator of messages, which never sees the request (and a 429 or
a timeout needs a hand-written generator that raises); a turn of tool calls cannot be streamed
("No generation chunks were returned"); it reports no usage; and running out of turns raises a
bare ``StopIteration``, where :class:`ScriptExhaustedError` says how many turns were scripted
and what the last one was.

Example:
    >>> from nemotron_agents.testing import ScriptedChatModel, tool_call
    >>> model = ScriptedChatModel(turns=[[tool_call("add", {"a": 1, "b": 2})], "It is 3."])
"""

from __future__ import annotations

import json
import reprlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCall
from langchain_core.messages.tool import invalid_tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, PrivateAttr

from nemotron_agents.models import MessageMemo

__all__ = ["ScriptExhaustedError", "ScriptFunction", "ScriptedChatModel", "Turn", "tool_call"]

ScriptFunction = Callable[
    [list[BaseMessage], list[dict[str, Any]]], AIMessage | str | list[ToolCall]
]
Turn = AIMessage | str | list[ToolCall] | ScriptFunction | BaseException


class ScriptExhaustedError(AssertionError):
    """The model was called more often than the test scripted turns for."""


def tool_call(name: str, args: dict[str, Any] | None = None, *, id: str | None = None) -> ToolCall:
    """A tool call for a scripted turn; the id defaults to a fresh 9-character one, as Mistral's."""
    return ToolCall(
        name=name, args=dict(args or {}), id=id or uuid.uuid4().hex[:9], type="tool_call"
    )


def _approx_tokens(text: str) -> int:
    # Same rule of thumb as the NIM emulator: about four characters per token.
    return max(1, (len(text) + 3) // 4) if text else 0


# A bounded rendering of any value, however deep or large (for args JSON cannot encode).
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 6, 200, 200


def _json(value: Any) -> str:
    try:
        return json.dumps(value, default=str)
    except (RecursionError, ValueError):
        return _SHORT.repr(value)


def _message_text(message: BaseMessage) -> str:
    text = message.content if isinstance(message.content, str) else _json(message.content)
    calls = getattr(message, "tool_calls", None)
    return text + (_json(calls) if calls else "")


def _unsendable(args: Any) -> str | None:
    """Why ``args`` cannot be sent as JSON, or ``None`` when it can."""
    try:
        json.dumps(args)
    except RecursionError:
        return "arguments are nested too deeply to encode as JSON (Python's encoder gave up)"
    except (TypeError, ValueError) as exc:
        return f"arguments cannot be encoded as JSON: {exc}"
    return None


def _as_sent(message: AIMessage) -> AIMessage:
    """Move calls whose arguments could not travel as JSON to ``invalid_tool_calls``."""
    calls, bad = [], list(message.invalid_tool_calls)
    for call in message.tool_calls:
        problem = _unsendable(call["args"])
        if problem is None:
            calls.append(call)
        else:
            shown = _SHORT.repr(call["args"])
            bad.append(
                invalid_tool_call(name=call["name"], args=shown, id=call["id"], error=problem)
            )
    if len(calls) == len(message.tool_calls):
        return message
    return message.model_copy(update={"tool_calls": calls, "invalid_tool_calls": bad})


class ScriptedChatModel(BaseChatModel):
    """Offline chat model driven by a script; see the module docstring.

    Attributes:
        script: Function deciding every answer (exclusive with ``turns``).
        turns: Answers consumed in order, one per call.
        model: Model id reported in ``response_metadata`` (the agent records usage under it);
            a per-call ``model=`` keyword overrides it for that call.
        stream_style: ``"incremental"`` streams each call's id and name first and its arguments
            in fragments (OpenAI style); ``"whole"`` sends every call complete in one chunk.
        calls: Every call received: ``{"messages", "tools", "kwargs"}``, oldest first.
        bound_tools: The tool schemas (OpenAI format) of the last ``bind_tools`` call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: Any = None
    turns: list[Any] = Field(default_factory=list)
    model: str = "scripted"
    stream_style: Literal["incremental", "whole"] = "incremental"

    _index: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _bound_tools: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _counts: MessageMemo[int] = PrivateAttr(
        default_factory=lambda: MessageMemo(lambda m: _approx_tokens(_message_text(m)))
    )

    def __init__(self, script: Any = None, **kwargs: Any) -> None:
        if isinstance(script, (list, tuple)):
            kwargs["turns"] = list(script)
            script = None
        super().__init__(script=script, **kwargs)
        if self.script is None and not self.turns:
            raise ValueError(
                "ScriptedChatModel needs a script function or a non-empty list of turns"
            )
        if self.script is not None and self.turns:
            raise ValueError("pass either a script function or turns, not both")

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self._calls

    @property
    def bound_tools(self) -> list[dict[str, Any]]:
        return self._bound_tools

    @property
    def turns_left(self) -> int:
        """Scripted turns not yet used (0 for a script function)."""
        return max(0, len(self.turns) - self._index)

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        schemas = [convert_to_openai_tool(t) for t in tools]
        self._bound_tools = schemas
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=schemas, **kwargs)

    # -- answering -----------------------------------------------------------------------------

    def _next_answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        tools = list(kwargs.get("tools") or [])
        with self._lock:
            self._calls.append({"messages": list(messages), "tools": tools, "kwargs": dict(kwargs)})
            if self.script is not None:
                turn: Any = self.script
            else:
                if self._index >= len(self.turns):
                    raise ScriptExhaustedError(
                        f"ScriptedChatModel {self.model!r} was called {self._index + 1} times but "
                        f"only {len(self.turns)} turns were scripted; last message: "
                        f"{messages[-1].content if messages else None!r}"
                    )
                turn = self.turns[self._index]
                self._index += 1
        if isinstance(turn, BaseException):
            raise turn
        if callable(turn) and not isinstance(turn, AIMessage):
            turn = turn(list(messages), tools)
        # A per-call ``model=`` (``invoke(..., model=...)``) is the model that answered, as a
        # provider reports it; LangChain's standard suites check that it is not misattributed.
        return self._to_message(turn, messages, model=kwargs.get("model") or self.model)

    def _prompt_tokens(self, messages: list[BaseMessage]) -> int:
        """Approximate prompt tokens, each message counted once per conversation (a loop's
        history only grows: recounting it per call made long scripted runs O(n²))."""
        with self._lock:
            return sum(self._counts.values(messages))

    def _to_message(self, turn: Any, messages: list[BaseMessage], *, model: str) -> AIMessage:
        if isinstance(turn, BaseException):
            raise turn
        if isinstance(turn, str):
            message = AIMessage(content=turn)
        elif isinstance(turn, list):
            message = AIMessage(content="", tool_calls=[dict(c) for c in turn])
        elif isinstance(turn, AIMessage):
            message = turn.model_copy()
        else:
            raise TypeError(
                "a scripted turn must be an AIMessage, a str, a list of tool calls, a function "
                f"or an exception, got {type(turn).__name__}"
            )
        message = _as_sent(message)
        if message.usage_metadata is None:
            prompt = self._prompt_tokens(messages)
            completion = _approx_tokens(_message_text(message))
            message.usage_metadata = {
                "input_tokens": prompt,
                "output_tokens": completion,
                "total_tokens": prompt + completion,
            }
        message.response_metadata = {**message.response_metadata, "model_name": model}
        return message

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._next_answer(messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._next_answer(messages, kwargs)
        for chunk in self._chunks(message):
            if run_manager and isinstance(chunk.content, str) and chunk.content:
                run_manager.on_llm_new_token(
                    chunk.content, chunk=ChatGenerationChunk(message=chunk)
                )
            yield ChatGenerationChunk(message=chunk)

    def _chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        text = message.content if isinstance(message.content, str) else ""
        for start in range(0, len(text), 8):
            yield AIMessageChunk(content=text[start : start + 8], id=message.id)
        for index, call in enumerate(message.tool_calls):
            args = json.dumps(call["args"])
            if self.stream_style == "whole":
                yield AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        tool_call_chunk(name=call["name"], args=args, id=call["id"], index=index)
                    ],
                )
                continue
            yield AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(name=call["name"], args="", id=call["id"], index=index)
                ],
            )
            for start in range(0, len(args), 10):
                yield AIMessageChunk(
                    content="",
                    tool_call_chunks=[tool_call_chunk(args=args[start : start + 10], index=index)],
                )
        for index, bad in enumerate(message.invalid_tool_calls, start=len(message.tool_calls)):
            yield AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(
                        name=bad.get("name"), args=bad.get("args"), id=bad.get("id"), index=index
                    )
                ],
            )
        yield AIMessageChunk(
            content="",
            usage_metadata=message.usage_metadata,
            response_metadata=message.response_metadata,
            chunk_position="last",
        )

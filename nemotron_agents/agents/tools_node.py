"""The ``tools`` node: run every call of the last model turn, concurrently, never crashing the run.

Written here rather than with LangGraph's ``ToolNode`` because every failure must become a
``ToolMessage`` for the model (ToolNode re-raises tool exceptions by default and cannot see
``invalid_tool_calls``), arguments must go through the registry's own validation, and the
structured-output tool and approvals are handled in the same step.

Per call, the model gets exactly one ``ToolMessage``:

* malformed arguments JSON (``invalid_tool_calls``) -> error naming the parse problem;
* unknown tool -> error listing the available tools;
* invalid arguments -> error naming each bad field and the allowed values;
* exception or timeout in the tool -> error naming it; oversized output -> truncated with a marker;
* a tool with ``requires_approval`` runs only after a human approves it (``interrupt``); a
  rejection is reported to the model as an error result.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableLambda
from langgraph.errors import GraphBubbleUp
from pydantic import BaseModel, ValidationError

from nemotron_agents.agents.approval import review_calls
from nemotron_agents.agents.state import AgentState
from nemotron_agents.errors import ToolArgumentsError, ToolCallError, UnknownToolError

__all__ = ["make_tools_node", "ResponseTool", "MALFORMED_CALL"]

MALFORMED_CALL = (
    "Error: the call to tool '{name}' could not be run because its arguments are not valid "
    "JSON ({error}). Arguments received: {args}. Call the tool again with a JSON object of "
    "arguments."
)


@dataclass(frozen=True)
class ResponseTool:
    """The tool through which the model gives a ``response_format`` answer."""

    name: str
    schema: type[BaseModel]

    def validate(self, args: Any) -> BaseModel:
        try:
            return self.schema.model_validate(args)
        except ValidationError as exc:
            errors = [
                {
                    "field": ".".join(str(p) for p in err["loc"]) or "(arguments)",
                    "problem": err["msg"],
                }
                for err in exc.errors()
            ]
            raise ToolArgumentsError(self.name, errors) from None


@dataclass
class _Job:
    call: dict[str, Any]
    tool: Any = None
    error: str | None = None


def _last_ai(state: AgentState) -> AIMessage | None:
    for message in reversed(state.get("messages") or []):
        if isinstance(message, AIMessage):
            return message
    return None


def _error_message(call: dict[str, Any], text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call["id"], name=call.get("name") or "unknown", status="error")


def make_tools_node(registry: Any, *, response_tool: ResponseTool | None = None) -> RunnableLambda:
    """Build the node that runs the tool calls of the last ``AIMessage``.

    Args:
        registry: The :class:`~nemotron_agents.tools.ToolRegistry` the model may call.
        response_tool: The structured-output tool, when ``response_format`` is set.
    """

    def plan(state: AgentState) -> tuple[list[_Job], list[ToolMessage], dict[str, Any]]:
        message = _last_ai(state)
        jobs: list[_Job] = []
        done: list[ToolMessage] = []
        update: dict[str, Any] = {}
        if message is None:
            return jobs, done, update
        for bad in message.invalid_tool_calls:
            done.append(
                _error_message(
                    bad,
                    MALFORMED_CALL.format(name=bad.get("name"), error=bad.get("error") or "parse error", args=bad.get("args")),
                )
            )
        for call in message.tool_calls:
            if response_tool and call["name"] == response_tool.name:
                try:
                    update["structured_response"] = response_tool.validate(call["args"])
                    done.append(ToolMessage(content="Final answer recorded.", tool_call_id=call["id"], name=call["name"]))
                except ToolCallError as exc:
                    done.append(_error_message(call, str(exc)))
                continue
            try:
                tool = registry.get(call["name"])
            except UnknownToolError:
                names = list(registry.names()) + ([response_tool.name] if response_tool else [])
                done.append(_error_message(call, str(UnknownToolError(call["name"], names))))
                continue
            jobs.append(_Job(call=call, tool=tool))
        _ask_approval(jobs)
        return jobs, done, update

    def finish(
        state: AgentState, jobs: list[_Job], results: list[Any], done: list[ToolMessage], update: dict[str, Any]
    ) -> dict[str, Any]:
        out = list(done)
        for job, result in zip(jobs, results):
            if job.error is not None:
                out.append(_error_message(job.call, job.error))
            elif isinstance(result, BaseException):
                text = str(result) if isinstance(result, ToolCallError) else (
                    f"Tool '{job.call['name']}' failed: {type(result).__name__}: {result}"
                )
                out.append(_error_message(job.call, text))
            else:
                out.append(
                    ToolMessage(
                        content=job.tool.format_output(result),
                        tool_call_id=job.call["id"],
                        name=job.call["name"],
                    )
                )
        message = _last_ai(state)
        order = [c["id"] for c in [*message.tool_calls, *message.invalid_tool_calls]] if message else []
        out.sort(key=lambda m: order.index(m.tool_call_id) if m.tool_call_id in order else len(order))
        return {**update, "messages": out}  # results in the order of the calls

    def run_one(job: _Job) -> Any:
        if job.error is not None:
            return None
        try:
            return job.tool.run(job.call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            return exc

    async def arun_one(job: _Job) -> Any:
        if job.error is not None:
            return None
        try:
            return await job.tool.arun(job.call["args"])
        except GraphBubbleUp:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the model
            return exc

    def run_tools(state: AgentState) -> dict[str, Any]:
        jobs, done, update = plan(state)
        if len(jobs) <= 1:
            results = [run_one(j) for j in jobs]
        else:
            with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
                results = list(pool.map(run_one, jobs))
        return finish(state, jobs, results, done, update)

    async def arun_tools(state: AgentState) -> dict[str, Any]:
        jobs, done, update = plan(state)
        results = await asyncio.gather(*(arun_one(j) for j in jobs))
        return finish(state, jobs, list(results), done, update)

    return RunnableLambda(run_tools, afunc=arun_tools, name="tools")


def _ask_approval(jobs: list[_Job]) -> None:
    """Ask a human about every call that needs approval (one interrupt); apply the answers."""
    pending = [j for j in jobs if getattr(j.tool, "requires_approval", False)]
    for job, review in zip(pending, review_calls([(j.call, j.tool) for j in pending])):
        job.call, job.error = review.call, review.error

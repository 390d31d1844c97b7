"""What a run reports: its final state gathered from the stream, the ``--json`` result, and, when
it stops at an approval, the pending request and how to decide it."""

from __future__ import annotations

import argparse
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from rich.console import Console
from rich.markup import escape

from nemotron_agents.agents.state import merge_usage
from nemotron_agents.cli._approval import Pending
from nemotron_agents.cli._common import DECISION_OPTIONS, EXIT_APPROVAL, print_json
from nemotron_agents.cli._output import show_action, show_usage
from nemotron_agents.cli._threads import resume_hint
from nemotron_agents.graphs.spec import CompiledGraph

__all__ = ["accumulate", "graph_fields", "report_pending", "run_result"]


def report_pending(
    out: Console,
    err: Console,
    args: argparse.Namespace,
    thread_id: str,
    pending: Pending,
    final: dict[str, Any],
) -> int:
    """Print the pending request (JSON or text) and how to decide it; the exit code says why."""
    hint = resume_hint(args, thread_id) if args.db else None
    if args.json:
        result = run_result(args, final, thread_id)
        result.update(
            status="waiting_for_approval",
            interrupts=[{"id": i, "value": v} for i, v in pending],
            resume=hint,
        )
        print_json(result)
    else:
        show_usage(out, final.get("usage", {}))
        out.print(escape(f"Waiting for approval in thread {thread_id}:"), highlight=False)
        for _, request in pending:
            for action in request["action_requests"]:
                show_action(out, action)
    if hint:
        err.print(
            f"Decide with: {escape(hint)} and one of: {escape(DECISION_OPTIONS)}", highlight=False
        )
    else:
        err.print(
            "Without --db the thread is not kept: run again with --db FILE to decide with resume.",
            highlight=False,
        )
    return EXIT_APPROVAL


def accumulate(final: dict[str, Any], change: dict[str, Any]) -> None:
    """Add one step of the graph's own to ``final``: messages, token usage, turns, structure."""
    final.setdefault("messages", []).extend(
        m for m in change.get("messages", []) if isinstance(m, BaseMessage)
    )
    final["usage"] = merge_usage(final.get("usage"), change.get("usage"))
    final.setdefault("turns", []).extend(change.get("turns") or [])
    if change.get("structured_response") is not None:
        final["structured_response"] = change["structured_response"]


def graph_fields(graph: CompiledGraph, config: RunnableConfig) -> dict[str, Any]:
    """The graph's own output fields (e.g. the router's ``cost``), from the thread's final state."""
    common = {"messages", "structured_response", "usage", "turns"}
    fields = set(graph.get_output_jsonschema().get("properties", {})) - common
    values = graph.get_state(config).values
    return {name: values[name] for name in sorted(fields) if name in values}


def run_result(args: argparse.Namespace, final: dict[str, Any], thread_id: str) -> dict[str, Any]:
    """The ``--json`` result: the answer, every tool call and result, token usage and turns."""
    messages = final.get("messages", [])
    answer = next(
        (m.content for m in reversed(messages) if isinstance(m, AIMessage) and not m.tool_calls),
        None,
    )
    structured: Any = final.get("structured_response")  # a pydantic model, or a checkpoint's dict
    return {
        "graph": args.graph,
        "offline": bool(args.offline),
        "thread_id": thread_id,
        "answer": answer,
        "structured_response": structured.model_dump()
        if hasattr(structured, "model_dump")
        else structured,
        "tool_calls": [
            {"name": c["name"], "args": c["args"]}
            for m in messages
            if isinstance(m, AIMessage)
            for c in m.tool_calls
        ],
        "tool_results": [
            {"name": m.name, "status": m.status, "content": m.content}
            for m in messages
            if isinstance(m, ToolMessage)
        ],
        "usage": final.get("usage", {}),
        "turns": final.get("turns", []),
    }

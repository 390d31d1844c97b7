"""How the command line shows a run: steps, approvals, token counts.

Everything that came from a model, a tool or a user is escaped before rich reads it as markup:
``[people/leave.md:10]`` is a citation, not a style, and ``[/x]`` must not crash the print.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from rich.console import Console
from rich.markup import escape

from nemotron_agents.agents.approval import ActionRequest

__all__ = ["OutConsole", "plural", "show_step", "show_usage", "show_action"]


class OutConsole(Console):
    """A console whose closed pipe raises :class:`BrokenPipeError` for the caller to handle
    (rich's default exits with status 1, which this command line uses for a failed model call)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 message``, ``2 messages`` (``many`` for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def show_step(out: Console, node: str, change: dict[str, Any], *, indent: str = "") -> None:
    """Print one node's update: model turns, tool calls and results, failures, the answer."""
    turns = change.get("turns") or []
    for message in change.get("messages", []):
        if isinstance(message, AIMessage):
            who = escape(str(message.response_metadata.get("answered_by", "")))
            fell_back = " (fallback)" if message.response_metadata.get("fallback") else ""
            for turn in turns:
                for model, error in turn.get("failures", []):
                    out.print(f"{indent}[red]  ! {escape(f'{model}: {error}')}[/]", highlight=False)
            for call in message.tool_calls:
                args = json.dumps(call["args"], ensure_ascii=False)
                out.print(
                    f"{indent}[cyan]→ {escape(call['name'])}[/]({escape(args)})  "
                    f"[dim]{who}{fell_back}[/]",
                    highlight=False,
                )
            for bad in message.invalid_tool_calls:
                what = f"{bad.get('name')}: {bad.get('args')!r}"
                out.print(f"{indent}[red]→ malformed call to {escape(what)}[/]", highlight=False)
            if isinstance(message.content, str) and message.content.strip():
                label = "Answer" if not message.tool_calls else "Model"
                out.print(
                    f"{indent}[bold green]{label}:[/] {escape(message.content.strip())}  "
                    f"[dim]{who}{fell_back}[/]",
                    highlight=False,
                )
        elif isinstance(message, ToolMessage):
            colour = "red" if message.status == "error" else "magenta"
            text = escape(f"{message.name}: {_text(message.content)}")
            out.print(f"{indent}[{colour}]← {text}[/]", highlight=False)
    if node == "summarize":
        out.print(f"{indent}[dim]  (older messages summarised)[/]", highlight=False)


def show_usage(out: Console, usage: dict[str, dict[str, int]]) -> None:
    """One line of token counts per model."""
    for model, counts in usage.items():
        calls = plural(counts.get("calls", 0), "call")
        out.print(
            f"[dim]tokens {escape(model)}: {counts.get('input_tokens', 0)} in, "
            f"{counts.get('output_tokens', 0)} out, {calls}[/]",
            highlight=False,
        )


def show_action(out: Console, action: ActionRequest) -> None:
    """A tool call waiting for approval: name, id, arguments, what the tool does."""
    out.print(
        f"[bold yellow]? {escape(action['name'])}[/] (call {escape(action['id'])})", highlight=False
    )
    out.print(
        f"  arguments: {escape(json.dumps(action['args'], ensure_ascii=False))}", highlight=False
    )
    if action.get("description"):
        out.print(f"  [dim]{escape(action['description'])}[/]", highlight=False)

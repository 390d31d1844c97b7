"""How the command line shows a run: steps, approvals, token counts.

Everything that came from a model, a tool or a user is escaped before rich reads it as markup:
``[people/leave.md:10]`` is a citation, not a style, and ``[/x]`` must not crash the print.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from rich.console import Console
from rich.markup import escape

from nemotron_agents.agents.approval import ActionRequest

__all__ = ["OutConsole", "RunView", "plural", "show_action", "show_step", "show_usage"]


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


def show_step(
    out: Console, node: str, change: dict[str, Any], *, indent: str = "", streamed: bool = False
) -> None:
    """Print one node's update: model turns, tool calls and results, failures, the answer
    (``streamed``: the model's text was printed as it arrived; print who answered only)."""
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
            if streamed and isinstance(message.content, str) and message.content.strip():
                out.print(f"{indent}  [dim]{who}{fell_back}[/]", highlight=False)
            elif isinstance(message.content, str) and message.content.strip():
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


class RunView:
    """A run as it streams: every node's step, subgraph steps indented under their parent node;
    with ``tokens``, the model's text as it arrives and a spinner while a model call is pending.

    Feed it LangGraph's ``stream(..., stream_mode=["updates", "messages"], subgraphs=True)``
    items: :meth:`step` for ``updates``, :meth:`token` for ``messages``. Use it as a context
    manager so the spinner stops however the stream ends.
    """

    def __init__(self, out: Console, *, tokens: bool) -> None:
        self.out = out
        self._status = out.status("waiting for the model…", spinner="dots") if tokens else None
        self._streaming: tuple[str, ...] | None = None  # the namespace whose text is printing
        self._headers: set[tuple[str, ...]] = set()
        # what each subgraph printed, by namespace: its parent node's update repeats some of it
        self._inner: dict[tuple[str, ...], set[tuple[str, str]]] = {}

    def __enter__(self) -> RunView:
        self._spin(True)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._spin(False)
        self._end_line()

    def token(self, namespace: tuple[str, ...], chunk: Any) -> None:
        """Print a piece of a model's text (tool-call pieces and other messages are skipped)."""
        if not isinstance(chunk, AIMessageChunk) or not isinstance(chunk.content, str):
            return
        if not chunk.content:
            return
        if self._streaming != namespace:
            self._end_line()
            self._spin(False)
            self._header(namespace)
            self.out.print(f"{_indent(namespace)}[bold green]>[/] ", end="", highlight=False)
            self._streaming = namespace
        self.out.print(escape(chunk.content), end="", highlight=False)

    def step(self, namespace: tuple[str, ...], node: str, change: dict[str, Any]) -> None:
        """Print one node's update, indented by how deep its graph is nested."""
        streamed = self._streaming == namespace
        self._end_line()
        self._spin(False)
        self._header(namespace)
        messages = change.get("messages", [])
        if namespace:
            self._inner.setdefault(namespace, set()).update(map(_key, messages))
        inside = set()  # what this node's own subgraphs showed already
        for inner in [n for n in self._inner if _child_of(n, namespace, node)]:
            inside |= self._inner.pop(inner)
        fresh = [m for m in messages if _key(m) not in inside]
        indent = _indent(namespace)
        show_step(self.out, node, {**change, "messages": fresh}, indent=indent, streamed=streamed)
        self._spin(True)

    def _header(self, namespace: tuple[str, ...]) -> None:
        for depth in range(1, len(namespace) + 1):  # each enclosing node once, outermost first
            if namespace[:depth] not in self._headers:
                self._headers.add(namespace[:depth])
                node = namespace[depth - 1].split(":", 1)[0]
                pad = "  " * (depth - 1)
                self.out.print(f"{pad}[bold]▸ {escape(node)}[/]", highlight=False)

    def _end_line(self) -> None:
        if self._streaming is not None:
            self.out.print()
            self._streaming = None

    def _spin(self, on: bool) -> None:
        if self._status is not None:
            (self._status.start if on else self._status.stop)()


def _key(message: Any) -> tuple[str, str]:
    calls = json.dumps(getattr(message, "tool_calls", None), sort_keys=True, default=str)
    return message.type, f"{_text(message.content)}\0{calls}"


def _child_of(inner: tuple[str, ...], namespace: tuple[str, ...], node: str) -> bool:
    """Whether ``inner`` is (inside) a subgraph run by ``node`` of the graph at ``namespace``."""
    depth = len(namespace)
    return inner[:depth] == namespace and len(inner) > depth and inner[depth].split(":")[0] == node


def _indent(namespace: tuple[str, ...]) -> str:
    return "  " * len(namespace)

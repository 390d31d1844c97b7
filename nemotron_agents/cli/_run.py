"""``nemotron-agents run`` and ``resume``: a graph run on a prompt, or a saved thread continued,
streamed step by step (or one ``--json`` result), stopping at the approvals a person decides."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias, cast

from langchain_core.runnables import RunnableConfig
from langgraph.types import StreamMode
from rich.console import Console

from nemotron_agents.cli._approval import ask_decisions, pending_approvals, resume_with
from nemotron_agents.cli._common import OFFLINE_NOTICE, print_json
from nemotron_agents.cli._endpoint import endpoint
from nemotron_agents.cli._mcp import mcp_options
from nemotron_agents.cli._output import RunView, show_usage
from nemotron_agents.cli._result import accumulate, graph_fields, report_pending, run_result
from nemotron_agents.cli._threads import first_command
from nemotron_agents.errors import ConfigError, ModelCallError
from nemotron_agents.graphs import get_spec
from nemotron_agents.persistence import open_checkpointer, writer_lock

__all__ = ["RunFailed", "run_or_resume"]


class RunFailed(Exception):
    """A model call failed during a run; carries what the resume hint needs."""

    def __init__(self, error: ModelCallError, args: argparse.Namespace, thread_id: str) -> None:
        super().__init__(str(error))
        self.error, self.args_, self.thread_id = error, args, thread_id


#: What ``graph.stream(..., stream_mode=[...], subgraphs=True)`` yields: (namespace, mode, data).
_StreamParts: TypeAlias = Iterator[tuple[tuple[str, ...], StreamMode, Any]]


def run_or_resume(out: Console, err: Console, args: argparse.Namespace) -> int:
    """``run`` or ``resume``: stream the graph in the thread until it ends or waits for a decision
    nobody here can give; returns the exit code.

    Raises:
        RunFailed: A model call failed; ``main`` reports it (with ``--db``, how to resume).
    """
    spec = get_spec(args.graph)
    resuming = args.command == "resume"
    if resuming and not (args.thread_id and args.db):
        raise ConfigError("resume needs --thread-id and the --db the run was saved in")
    prompt = _prompt(args.prompt) if args.command == "run" else None
    thread_id = args.thread_id or uuid.uuid4().hex
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    interactive = not args.json and sys.stdin is not None and sys.stdin.isatty()
    with (
        endpoint(args, err) as settings,
        open_checkpointer(args.db, create=not resuming) as saver,
        writer_lock(args.db, thread_id),  # held until the run ends: one writer per thread
    ):
        if args.offline and not args.json:
            out.print(f"[yellow]{OFFLINE_NOTICE}[/]", highlight=False)
        options: dict[str, Any] = {"settings": settings, "checkpointer": saver}
        if getattr(args, "max_steps", None) is not None:
            options["max_steps"] = args.max_steps
        options.update(mcp_options(args, spec))
        graph = spec.build(**options)
        state = graph.get_state(config)
        pending = pending_approvals(state)
        command = first_command(args, prompt, state, pending, saver, thread_id)
        if not args.offline:
            settings.require_endpoint()
        final: dict[str, Any] = {}
        while True:
            if pending and command is None:  # a human must decide before anything runs
                answers = ask_decisions(out, pending, spec) if interactive else None
                if answers is None:
                    return report_pending(out, err, args, thread_id, pending, final)
                command = resume_with(answers, pending)
            # tokens and the spinner only for a person watching: not --json, not a pipe or file
            tokens = not args.json and out.is_terminal
            modes: list[StreamMode] = ["updates", "messages"] if tokens else ["updates"]
            try:
                with RunView(out, tokens=tokens) as view:
                    parts = graph.stream(command, config, stream_mode=modes, subgraphs=True)
                    # LangGraph types a v1 part as `dict | Any`; with a list of modes and
                    # subgraphs=True each one is (namespace, mode, data).
                    for namespace, mode, data in cast(_StreamParts, parts):
                        if mode == "messages":
                            view.token(namespace, data[0])
                            continue
                        for node, change in data.items():
                            if not isinstance(change, dict):
                                continue  # "__interrupt__": read from the saved state below
                            if not args.json:
                                view.step(namespace, node, change)
                            if not namespace:  # the graph's own steps; subgraphs' are inside
                                accumulate(final, change)
            except ModelCallError as exc:
                raise RunFailed(exc, args, thread_id) from exc
            pending, command = pending_approvals(graph.get_state(config)), None
            if not pending:
                break
        own = graph_fields(graph, config) if args.json else {}  # while the checkpointer is open
    if args.json:
        result = {**run_result(args, final, thread_id), **own, "status": "done"}
        print_json(result)
    else:
        show_usage(out, final.get("usage", {}))
    return 0


def _prompt(text: str) -> str:
    """The prompt argument as sent: ``-`` is standard input, ``@FILE`` a file, ``@@…`` a literal
    ``@…``; a blank prompt is refused (it would only waste a model call).

    Raises:
        ConfigError: The file cannot be read, or the prompt is blank.
    """
    where = "the prompt"
    if text == "-":
        text, where = sys.stdin.read(), "the prompt read from standard input"
    elif text.startswith("@@"):
        text = text[1:]
    elif text.startswith("@"):
        path = Path(text[1:]).expanduser()
        where = f"prompt file {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                f"No prompt file {path} (a prompt starting with @ names a file; "
                "write @@ for a literal @)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read prompt file {path}: {exc}") from None
    if not text.strip():
        raise ConfigError(f"{where[0].upper()}{where[1:]} is empty: give the question to ask")
    return text

"""Saved threads: the ``threads`` command, what a run in a thread starts from (refusing what the
thread's state does not allow), and the ``resume`` command that continues a thread."""

from __future__ import annotations

import argparse
import shlex

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command, StateSnapshot
from rich.console import Console
from rich.markup import escape

from nemotron_agents.agents.state import InputState
from nemotron_agents.cli._approval import (
    Pending,
    answers_from_options,
    decision_options,
    resume_with,
)
from nemotron_agents.cli._common import DECISION_OPTIONS
from nemotron_agents.cli._output import plural
from nemotron_agents.errors import ConfigError
from nemotron_agents.persistence import list_threads, open_checkpointer, shown

__all__ = ["first_command", "resume_hint", "show_threads"]


def show_threads(out: Console, db: str) -> int:
    """``threads --db DB``: each saved thread, its message count and first question."""
    with open_checkpointer(db, create=False) as saver:
        ids = list_threads(saver)
        for thread_id in ids:
            saved = saver.get_tuple({"configurable": {"thread_id": thread_id}})
            if saved is None:  # listed a moment ago: deleted since
                continue
            messages = saved.checkpoint["channel_values"].get("messages", [])
            first = next((m.content for m in messages if isinstance(m, HumanMessage)), "")
            line = f"{thread_id}  {plural(len(messages), 'message')}  {str(first)[:60]!r}"
            out.print(escape(line), highlight=False)
    if not ids:
        out.print(escape(f"No threads in {shown(db)}."), highlight=False)
    return 0


def first_command(
    args: argparse.Namespace,
    prompt: str | None,
    state: StateSnapshot,
    pending: Pending,
    saver: BaseCheckpointSaver[str],
    thread_id: str,
) -> InputState | Command[str] | None:
    """What the run starts from: the question (run), the decision given as options (resume), or
    ``None`` (resume a failed or crashed run, or ask about the pending approval first).

    Raises:
        ConfigError: resume of an unknown or finished thread, a decision for a thread that waits
            for none, or a new question in a thread whose last run is unfinished.
    """
    if args.command == "run":
        if _unfinished(state):
            why = "waiting for approval" if pending else "stopped before it finished"
            raise ConfigError(
                f"Thread {thread_id!r} has an unfinished run ({why}). "
                f"Continue it with: {resume_hint(args, thread_id)}"
            )
        return {"messages": [HumanMessage(prompt)]}
    if not state.values:
        known = ", ".join(list_threads(saver)[:10]) or "none"
        raise ConfigError(f"No thread {thread_id!r} in {shown(args.db)}. Saved threads: {known}")
    if not _unfinished(state):
        raise ConfigError(
            f"Thread {thread_id!r} already finished; ask a new question with run --thread-id"
        )
    decision = decision_options(args)
    if decision is None:
        return None
    if not pending:
        raise ConfigError(
            f"Thread {thread_id!r} is not waiting for approval; "
            f"resume it without {DECISION_OPTIONS}"
        )
    return resume_with(answers_from_options(pending, decision, thread_id), pending)


def _unfinished(state: StateSnapshot) -> bool:
    """Whether a thread's last run stopped before its end.

    ``next`` alone misses a run killed after a step's results were saved but before the
    checkpoint closing the step was (LangGraph saves checkpoints in the background): then ``next``
    is empty but the step's task, with its saved results, is still listed.
    """
    return bool(state.next or state.tasks)


def resume_hint(args: argparse.Namespace, thread_id: str) -> str:
    """The ``resume`` command for this thread, shell-quoted to work as pasted (never the key)."""
    words = ["nemotron-agents", "resume", args.graph, "--thread-id", thread_id]
    words += ["--db", shown(args.db)]
    for option in ("model", "fallback_model", "base_url"):
        if getattr(args, option, None):
            words += [f"--{option.replace('_', '-')}", getattr(args, option)]
    if args.offline:
        words.append("--offline")
    if getattr(args, "mcp", None):  # the run's MCP tools again
        words += ["--mcp", args.mcp]
    return shlex.join(words)

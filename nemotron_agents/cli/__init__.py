"""Command line: ``nemotron-agents run | resume | threads | list | tools | emulator | mcp serve``.

``run`` streams each step of a graph (model turn, tool calls with arguments, tool results, final
answer, tokens per model), with the steps of subgraphs indented under their parent node; on a
terminal the answer's tokens print as they arrive, with a spinner while a model call is pending.
``--json`` prints one machine-readable result instead (errors too: ``{"error", "kind", "exit"}``).
The prompt is one argument, ``-`` (standard input) or ``@FILE``. ``--offline``
answers from the bundled NIM emulator, so it runs with no key and no network. With ``--db`` (a
SQLite file or a ``postgresql://`` URL) threads are checkpointed: ``run --thread-id ID`` asks a
follow-up question in a thread, and ``resume`` continues a run that stopped (a failed model call,
a crash, or a tool call waiting for approval). A thread has one writer at a time.

When a run stops at an approval, a terminal asks (approve / edit / reject with a reason); with
``--json`` or without a terminal the pending request is printed and the exit code is 3, and
``resume`` takes the decision as options (``--approve``, ``--reject``, ``--edit``, ``--decision``).

Exit codes: 0 done; 1 a model call failed (resumable with ``--db``); 2 bad usage, setting or
answer; 3 waiting for approval; 75 another process is writing the thread; 130 interrupted; 141
stdout closed by its reader (``| head``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape

from nemotron_agents.cli._catalog import list_graphs, list_mcp_tools, list_tools
from nemotron_agents.cli._common import (
    EXIT_APPROVAL,
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_PIPE,
    EXIT_USAGE,
    OFFLINE_NOTICE,
    print_json,
)
from nemotron_agents.cli._emulator import add_emulator_parser, serve_emulator
from nemotron_agents.cli._mcp import add_mcp_option, close_mcp, mcp_config
from nemotron_agents.cli._mcp_serve import add_mcp_parser, mcp_serve
from nemotron_agents.cli._output import OutConsole
from nemotron_agents.cli._run import RunFailed, run_or_resume
from nemotron_agents.cli._threads import resume_hint, show_threads
from nemotron_agents.errors import (
    ApprovalAnswerError,
    ConfigError,
    MissingCredentialsError,
    ThreadBusyError,
)
from nemotron_agents.eval.command import add_eval_parser, positive_int, run_eval_command
from nemotron_agents.graphs import GRAPHS

__all__ = [
    "EXIT_APPROVAL",
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "OFFLINE_NOTICE",
    "build_parser",
    "main",
]

DESCRIPTION = (
    "Tool-calling LangGraph agents on Mistral-Nemotron: run a graph on a prompt and watch its "
    "steps, resume saved threads, list graphs and tools, serve the local NIM emulator."
)


class _UsageError(Exception):
    """A usage error found by argparse; carries the (sub)parser whose usage applies."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser, self.message = parser, message


class _Parser(argparse.ArgumentParser):
    """Raises usage errors instead of exiting, so ``--json`` can report them as JSON.
    Subparsers are made of the same class (argparse's default)."""

    def error(self, message: str) -> Any:
        raise _UsageError(self, message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="nemotron-agents", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a graph on a prompt and show every step")
    run.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")
    run.add_argument(
        "prompt", help="the user's message; - reads it from standard input, @FILE from a file"
    )
    _add_run_options(run)
    run.add_argument(
        "--max-steps", type=positive_int, default=None, help="most model calls for this question"
    )
    add_mcp_option(run)

    resume = sub.add_parser(
        "resume", help="continue a saved thread: failed, crashed or waiting for approval"
    )
    resume.add_argument("graph", help=f"graph name: {', '.join(sorted(GRAPHS))}")
    _add_run_options(resume)
    add_mcp_option(resume)  # the MCP tools a paused run may wait to call
    decide = resume.add_argument_group("deciding a pending approval (calls left out are rejected)")
    one = decide.add_mutually_exclusive_group()
    one.add_argument("--approve", action="store_true", help="approve every pending call")
    one.add_argument(
        "--reject",
        nargs="?",
        const="",
        metavar="REASON",
        help="reject every pending call; the model reads the reason",
    )
    one.add_argument(
        "--edit",
        metavar="JSON",
        help="run the one pending call with these arguments, e.g. '{\"amount\": 10}'",
    )
    one.add_argument(
        "--decision",
        action="append",
        metavar="CALL_ID=DECISION",
        help="decide one call (repeatable): approve, reject, reject:REASON or edit:JSON",
    )

    threads = sub.add_parser("threads", help="list the threads saved in a --db file or database")
    threads.add_argument(
        "--db", required=True, help="SQLite file or postgresql:// URL written by run --db"
    )

    sub.add_parser("list", help="list the example graphs")

    tools = sub.add_parser("tools", help="list a graph's tools and their parameters")
    tools.add_argument(
        "graph", nargs="?", help=f"graph name: {', '.join(sorted(GRAPHS))} (or --mcp)"
    )
    add_mcp_option(tools)

    add_emulator_parser(sub)
    add_mcp_parser(sub)

    add_eval_parser(sub)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print one JSON result instead of the steps"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="answer from the local NIM emulator (no key, no network)",
    )
    parser.add_argument("--model", help="primary model id (NEMOTRON_MODEL)")
    parser.add_argument("--fallback-model", help="fallback model id (NEMO_MODEL)")
    parser.add_argument(
        "--base-url", help="self-hosted NIM URL, e.g. http://localhost:8000/v1 (NVIDIA_BASE_URL)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="SQLite file or postgresql:// URL keeping threads, to continue or resume them",
    )
    parser.add_argument(
        "--thread-id",
        default=None,
        help="thread to run in: a new one, or a saved one to continue (resume: required)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nemotron-agents`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    json_errors = "--json" in argv
    args = _parse(build_parser(), argv, json_errors)
    out = OutConsole(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    failed = _failure(err, json_errors)
    try:
        if args.command == "list":
            return list_graphs(out)
        if args.command == "tools":
            if mcp_config(args) or args.graph is None:
                return list_mcp_tools(out, args)
            return list_tools(out, args.graph)
        if args.command == "mcp":
            return mcp_serve(args)
        if args.command == "threads":
            return show_threads(out, args.db)
        if args.command == "emulator":
            return serve_emulator(args)
        if args.command == "eval":
            return run_eval_command(args)
        return run_or_resume(out, err, args)
    except MissingCredentialsError as exc:
        tip = "Or try it without a key: add --offline to answer from the local NIM emulator."
        return failed("missing_credentials", "Error", str(exc), EXIT_USAGE, tip)
    except ConfigError as exc:
        return failed("config", "Error", str(exc), EXIT_USAGE)
    except ApprovalAnswerError as exc:
        return failed("approval_answer", "Error", str(exc), EXIT_USAGE)
    except ThreadBusyError as exc:
        return failed("busy", "Busy", str(exc), EXIT_BUSY)
    except RunFailed as stop:
        if stop.args_.db:
            hint = resume_hint(stop.args_, stop.thread_id)
            return failed(
                "model_call_failed",
                "Model call failed",
                str(stop.error),
                EXIT_FAILED,
                f"The thread is saved. Resume it with: {hint}",
                resume=hint,
            )
        tip = "Add --db FILE to keep the thread, so a failed run can be resumed."
        return failed("model_call_failed", "Model call failed", str(stop.error), EXIT_FAILED, tip)
    except KeyboardInterrupt:
        return failed("interrupted", "Interrupted", "stopped by the user", 130)
    except BrokenPipeError:
        return _pipe_closed()
    finally:
        close_mcp(args)


def _parse(
    parser: argparse.ArgumentParser, argv: list[str], json_errors: bool
) -> argparse.Namespace:
    """The parsed arguments. A usage error exits with status 2, as argparse does, after showing
    the usage of the command it belongs to, or (``--json``) one JSON object on stdout."""
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # argparse would blame the top-level parser: blame the command's own
            command = next(
                a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
            ).choices[args.command]
            command.error(f"unrecognized arguments: {' '.join(extra)}")
    except _UsageError as exc:
        if not json_errors:
            exc.parser.print_usage(sys.stderr)
            exc.parser.exit(EXIT_USAGE, f"{exc.parser.prog}: error: {exc.message}\n")
        message = f"{exc.parser.prog}: {exc.message}"
        print_json({"error": message, "kind": "usage", "exit": EXIT_USAGE})
        exc.parser.exit(EXIT_USAGE, f"{exc.parser.prog}: error: {exc.message}\n")
    return args


class _Failed(Protocol):
    def __call__(
        self, kind: str, title: str, message: str, code: int, tip: str = "", **more: Any
    ) -> int: ...


def _failure(err: Console, json_errors: bool) -> _Failed:
    """``failed(kind, title, message, code, tip, **more)``: report an error and return its exit
    code: as text on stderr and, under ``--json``, as one object on stdout for the program
    reading it."""

    def failed(kind: str, title: str, message: str, code: int, tip: str = "", **more: Any) -> int:
        if json_errors:
            print_json({"error": message, "kind": kind, "exit": code, **more})
        err.print(f"[bold red]{title}:[/] {escape(message)}", highlight=False)
        if tip:
            err.print(escape(tip), highlight=False)
        return code

    return failed


def _pipe_closed() -> int:
    """The reader of stdout went away (``| head``): stop quietly, as Unix tools do."""
    with contextlib.suppress(OSError, ValueError):  # no real stdout (tests): nothing to silence
        # Python flushes stdout again at exit and would complain about the pipe: point it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_PIPE

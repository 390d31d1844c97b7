"""``nemotron-agents eval bfcl``: how well a model calls tools, at what latency and token cost.

The command line adds the parser with :func:`add_eval_parser` and hands the parsed arguments to
:func:`run_eval_command`. Live runs need an endpoint (a key or a base URL); ``--offline oracle``
answers from the NIM emulator with the ground truth (a plumbing check that should score about
100%), ``--offline auto`` with the emulator's rule-based policy.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from nemotron_agents.errors import ConfigError, MissingCredentialsError
from nemotron_agents.eval.bfcl import CATEGORIES, Question, find_categories, load_questions
from nemotron_agents.eval.report import (
    TABLE_HEADER,
    plots_available,
    summarize,
    table_rows,
    write_report,
)
from nemotron_agents.eval.runner import ANSWERS_FILE, evaluate
from nemotron_agents.models.factory import build_chat_model, rate_limiter
from nemotron_agents.settings import Settings

__all__ = ["add_eval_parser", "run_eval_command"]

EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
_SHOWN_MISSES = 20
_NOTICES = {
    "oracle": "Offline (oracle): the NIM emulator answers each question with its ground truth. "
    "This checks the toolkit and the data, not a model: expect about 100%.",
    "auto": "Offline (auto): the NIM emulator's rule-based policy answers, not a model.",
}


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_eval_parser(sub: Any) -> None:
    """Add ``eval bfcl`` to the CLI's subcommands (``sub`` from ``add_subparsers``)."""
    parser = sub.add_parser("eval", help="measure how well models call tools (BFCL)")
    suites = parser.add_subparsers(dest="suite", required=True)
    bfcl = suites.add_parser(
        "bfcl",
        help="Berkeley Function Calling Leaderboard questions, graded like BFCL's AST checker",
        description=__doc__.splitlines()[0],
    )
    bfcl.add_argument(
        "--data",
        required=True,
        metavar="DIR",
        help="BFCL v4 data folder: BFCL_v4_<category>.json and possible_answer/",
    )
    bfcl.add_argument(
        "--category",
        action="append",
        required=True,
        metavar="NAME",
        help=f"repeat for several, or 'all': {', '.join(CATEGORIES)}",
    )
    bfcl.add_argument(
        "--model",
        action="append",
        metavar="ID",
        help="model id; repeat to compare models (default: NEMOTRON_MODEL)",
    )
    bfcl.add_argument(
        "--limit", type=positive_int, metavar="N", help="first N questions per category"
    )
    bfcl.add_argument(
        "--concurrency",
        type=positive_int,
        default=4,
        metavar="K",
        help="requests in flight (default 4); the rate limit still applies",
    )
    bfcl.add_argument(
        "--out", metavar="DIR", help="write report.md, answers.jsonl and plots; run again to resume"
    )
    bfcl.add_argument("--json", action="store_true", help="print one JSON summary")
    bfcl.add_argument(
        "--offline",
        choices=("oracle", "auto"),
        help="answer from the local NIM emulator: the ground truth or its auto policy",
    )


@contextlib.contextmanager
def _endpoint(offline: str | None, questions: Sequence[Question]) -> Iterator[Settings]:
    if not offline:
        settings = Settings.from_env()
        settings.require_endpoint()
        yield settings
        return
    if importlib.util.find_spec("mistral_common") is None:
        raise ConfigError(
            "--offline needs the emulator's mistral-common: pip install 'nemotron-agents[eval]'"
        )
    from nemotron_agents.eval.oracle import OraclePolicy
    from nemotron_agents.testing.emulator import NIMEmulator

    policy: Any = OraclePolicy(questions) if offline == "oracle" else "auto"
    with NIMEmulator(policy=policy) as emulator:
        yield Settings.from_env(base_url=emulator.base_url, api_key="offline")


def run_eval_command(args: argparse.Namespace) -> int:
    """Run ``eval bfcl`` with parsed arguments; returns the exit code.

    Raises:
        ConfigError: Bad data folder, category or settings (the CLI prints it, exit 2).
    """
    out = Console(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    questions = load_questions(args.data, args.category, limit=args.limit)
    if "all" in args.category and (others := find_categories(args.data)[1]):
        err.print(
            f"[dim]Not graded here (multi-turn or not Python): {', '.join(others)}[/]",
            highlight=False,
        )
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None and not plots_available():
        err.print("[yellow]No plots: no matplotlib (pip install 'nemotron-agents[eval]').[/]")
    if args.offline and not args.json:
        out.print(f"[yellow]{_NOTICES[args.offline]}[/]", highlight=False)
    answers = out_dir / ANSWERS_FILE if out_dir is not None else None
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=out,
        disable=args.json or not out.is_terminal,
    )
    try:
        with _endpoint(args.offline, questions) as settings, progress:
            models = args.model or [settings.model]
            task = progress.add_task("asking", total=len(models) * len(questions))

            def started(resumed: int, todo: int) -> None:
                progress.update(task, completed=resumed)
                if resumed and not args.json:
                    out.print(
                        f"Resuming: {resumed} answers already graded in {answers}.", highlight=False
                    )

            rpm = settings.effective_requests_per_minute
            records = evaluate(
                questions,
                models,
                chat_for=lambda model: build_chat_model(model, settings, rate_limiter=None),
                concurrency=args.concurrency,
                max_retries=settings.max_retries,
                before_request=rate_limiter(rpm).aacquire if rpm else None,
                answers_path=answers,
                on_start=started,
                on_record=lambda record: progress.advance(task),
            )
    except MissingCredentialsError as exc:
        err.print(f"[bold red]Error:[/] {exc}", highlight=False)
        err.print("Or try it without a key: --offline oracle (a plumbing check) or --offline auto.")
        return EXIT_USAGE
    except KeyboardInterrupt:
        if answers is not None:
            err.print(
                f"Interrupted. Graded answers are kept in {answers}: run the same command to go on."
            )
        else:
            err.print("Interrupted. Add --out DIR to keep graded answers and resume.")
        return EXIT_INTERRUPTED
    summary = {
        **summarize(records),
        "models": models,
        "categories": list(dict.fromkeys(q.category for q in questions)),
        "offline": args.offline,
    }
    if out_dir is not None:
        write_report(out_dir, summary)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _show(out, summary, out_dir)
    if records and all(r["error"] == "request_error" for r in records):
        err.print(
            f"[bold red]Every request failed[/], e.g.: {records[0]['detail']}", highlight=False
        )
        return EXIT_FAILED
    return 0


def _show(out: Console, summary: dict[str, Any], out_dir: Path | None) -> None:
    if out.is_terminal:
        table = Table(*TABLE_HEADER)
        for row in table_rows(summary):
            table.add_row(*(cell.replace("**", "") for cell in row))
        out.print(table)
    else:  # piped: the markdown table, whole lines whatever the width
        for row in [TABLE_HEADER, ["---"] * len(TABLE_HEADER), *table_rows(summary)]:
            out.print("| " + " | ".join(row) + " |", highlight=False, markup=False)
    accuracy = summary["accuracy"]
    if accuracy is not None:
        out.print(f"Accuracy: {100 * accuracy:.1f}% ({summary['passed']}/{summary['questions']})")
    misses = summary["misses"]
    for miss in misses[:_SHOWN_MISSES]:
        out.print(
            f"  miss {miss['id']} ({miss['model']}): {miss['error']}: {miss['detail']}",
            highlight=False,
        )
    if len(misses) > _SHOWN_MISSES:
        where = out_dir / ANSWERS_FILE if out_dir is not None else "--json"
        out.print(f"  … {len(misses) - _SHOWN_MISSES} more misses: see {where}", highlight=False)
    if out_dir is not None:
        out.print(f"Report: {out_dir / 'report.md'}", highlight=False)

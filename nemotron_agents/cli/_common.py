"""What every command shares: its exit codes, the offline notice, and JSON on stdout."""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "DECISION_OPTIONS",
    "EXIT_APPROVAL",
    "EXIT_BUSY",
    "EXIT_FAILED",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "OFFLINE_NOTICE",
    "print_json",
]

OFFLINE_NOTICE = (
    "Offline mode: answers come from the local NIM emulator (rule-based), not from a model."
)
EXIT_FAILED = 1  # a model call failed; with --db the thread can be resumed
EXIT_USAGE = 2  # bad arguments, settings or approval answer
EXIT_APPROVAL = 3  # the run waits for a human decision (printed); answer it with resume
EXIT_BUSY = 75  # EX_TEMPFAIL: another process is writing the thread; try again later
EXIT_PIPE = 141  # 128 + SIGPIPE: stdout's reader went away, as a shell reports for Unix tools
DECISION_OPTIONS = (
    '--approve | --reject "REASON" | --edit JSON | '
    "--decision CALL_ID=approve|reject[:REASON]|edit:JSON"
)


def print_json(value: Any) -> None:
    """``value`` as indented JSON on stdout, flushed at once for the program reading it."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=_jsonable), flush=True)


def _jsonable(value: Any) -> Any:
    """What ``json`` cannot write by itself: pydantic models, messages, sets, anything else."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)

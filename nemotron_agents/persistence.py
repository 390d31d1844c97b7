"""Checkpointers from a ``--db`` value, so CLI threads survive a failed run and can be resumed.

* ``None``: in memory (the thread lives as long as the process).
* a file path, or ``sqlite:///path``: LangGraph's ``SqliteSaver`` (created if missing).

Graph state holds messages, token usage and model turns: never keys or settings, so a checkpoint
file can be shared without leaking credentials.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.errors import ConfigError

__all__ = ["open_checkpointer", "list_threads"]


def _sqlite_path(db: str) -> Path:
    if "://" in db and not db.startswith("sqlite:///"):
        scheme = db.split("://", 1)[0]
        raise ConfigError(
            f"Unsupported --db scheme {scheme!r}: give a file path or sqlite:///path (SQLite)."
        )
    return Path(db.removeprefix("sqlite:///")).expanduser()


@contextlib.contextmanager
def open_checkpointer(db: str | None) -> Iterator[Any]:
    """A checkpointer for ``db`` (see the module docstring), closed on exit.

    Raises:
        ConfigError: Unsupported scheme, or a path whose folder does not exist.
    """
    if db is None:
        yield InMemorySaver()
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(db)
    if not path.parent.exists():
        raise ConfigError(f"--db {db}: folder {path.parent} does not exist")
    # check_same_thread=False: LangGraph may write checkpoints from its worker threads.
    connection = sqlite3.connect(path, check_same_thread=False)
    try:
        yield SqliteSaver(connection)
    finally:
        connection.close()


def list_threads(checkpointer: Any) -> list[str]:
    """Ids of the threads a checkpointer holds, most recently written first."""
    seen: dict[str, None] = {}
    for item in checkpointer.list(None):
        seen.setdefault(item.config["configurable"]["thread_id"], None)
    return list(seen)

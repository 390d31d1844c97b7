"""Checkpointers from a ``--db`` value, so CLI threads survive a failed or interrupted run.

* ``None``: in memory (the thread lives as long as the process).
* a file path, or ``sqlite:///path``: LangGraph's ``SqliteSaver``. ``run`` creates the file;
  commands that only read or continue threads (``open_checkpointer(..., create=False)``) refuse a
  missing file instead of creating an empty one.
* ``postgresql://…`` (or ``postgres://…``): LangGraph's ``PostgresSaver``, from the ``postgres``
  extra (``pip install 'nemotron-agents[postgres]'``); its tables are created on first use.
  Keep the password out of the URL (libpq reads ``PGPASSWORD`` and ``~/.pgpass``): messages show
  URLs with the password hidden (:func:`shown`).

One thread has one writer: :func:`writer_lock` refuses a second process that would write the same
thread at the same time (both would branch from the same checkpoint, and the thread would keep
only one of the two runs). The lock belongs to the process's open file or database session, so
the kernel or the server releases it when the process ends, even on ``kill -9``.

Graph state holds messages, token usage and model turns: never keys or settings, so a checkpoint
store can be shared without leaking credentials.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver

from nemotron_agents.errors import ConfigError, ThreadBusyError

__all__ = [
    "POSTGRES_EXTRA",
    "is_postgres",
    "list_threads",
    "open_checkpointer",
    "shown",
    "writer_lock",
]

POSTGRES_EXTRA = "pip install 'nemotron-agents[postgres]'"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# SQLite locks bytes at 1 GiB (+512); writer locks live far above, one byte per thread.
_LOCK_BASE = 1 << 40


def is_postgres(db: str | None) -> TypeGuard[str]:
    """Whether ``db`` names a PostgreSQL database rather than a SQLite file."""
    return db is not None and db.startswith(_POSTGRES_SCHEMES)


def shown(db: str | None) -> str:
    """``db`` as messages may show it: a PostgreSQL URL's password replaced by ``***``."""
    if not is_postgres(db):
        return str(db)
    parts = urlsplit(db)
    netloc = parts.netloc
    if parts.password is not None:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _sqlite_path(db: str) -> Path:
    if "://" in db and not db.startswith("sqlite:///"):
        scheme = db.split("://", 1)[0]
        raise ConfigError(
            f"Unsupported --db scheme {scheme!r}: give a file path or sqlite:///path (SQLite), "
            "or a postgresql:// URL (PostgreSQL)."
        )
    return Path(db.removeprefix("sqlite:///")).expanduser()


@contextlib.contextmanager
def open_checkpointer(db: str | None, *, create: bool = True) -> Iterator[BaseCheckpointSaver[str]]:
    """A checkpointer for ``db`` (see the module docstring), closed on exit.

    Args:
        db: ``None``, a SQLite path or ``sqlite:///`` URL, or a ``postgresql://`` URL.
        create: Create a missing SQLite file; ``False`` refuses it (nothing can be there).

    Raises:
        ConfigError: Unsupported scheme; a SQLite folder (or, without ``create``, file) that does
            not exist or a file that is not a SQLite database; a PostgreSQL server that cannot be
            reached; the ``postgres`` extra not installed.
    """
    if db is None:
        yield InMemorySaver()
    elif is_postgres(db):
        with _open_postgres(db) as saver:
            yield saver
    else:
        with _open_sqlite(db, create=create) as saver:
            yield saver


@contextlib.contextmanager
def _open_sqlite(db: str, *, create: bool) -> Iterator[BaseCheckpointSaver[str]]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = _sqlite_path(db)
    if path.is_dir():
        raise ConfigError(f"--db {db} is a folder: give a file, e.g. {path / 'threads.sqlite'}")
    if not path.parent.exists():
        raise ConfigError(f"--db {db}: folder {path.parent} does not exist")
    if not create and not path.is_file():
        raise ConfigError(
            f"--db {db}: no such file. Threads are saved by `run --db FILE`; check the path."
        )
    # mode=rw never creates the file; check_same_thread=False: LangGraph writes from worker threads.
    uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        saver = SqliteSaver(connection)
        try:
            saver.setup()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"--db {db}: not a SQLite database ({exc})") from None
        yield saver
    finally:
        connection.close()


def _postgres_modules() -> tuple[Any, Any, Any]:
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError:
        raise ConfigError(
            f"--db postgresql://… needs the postgres extra: {POSTGRES_EXTRA}"
        ) from None
    return psycopg, PostgresSaver, dict_row


def _connect_postgres(db: str, **options: Any) -> Any:
    psycopg, _, _ = _postgres_modules()
    try:
        return psycopg.connect(db, autocommit=True, connect_timeout=10, **options)
    except psycopg.Error as exc:
        password = urlsplit(db).password
        text = str(exc).replace(password, "***") if password else str(exc)
        raise ConfigError(
            f"--db {shown(db)}: cannot connect to PostgreSQL: {text.strip()}"
        ) from None


@contextlib.contextmanager
def _open_postgres(db: str) -> Iterator[BaseCheckpointSaver[str]]:
    _, PostgresSaver, dict_row = _postgres_modules()
    # PostgresSaver.from_conn_string's options; opened here to turn failures into ConfigError.
    with _connect_postgres(db, prepare_threshold=0, row_factory=dict_row) as connection:
        saver = PostgresSaver(connection)
        saver.setup()  # creates or migrates its tables; idempotent
        yield saver


def _lock_key(thread_id: str) -> int:
    digest = hashlib.sha256(f"nemotron-agents thread {thread_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def writer_lock(db: str | None, thread_id: str) -> Iterator[None]:
    """Hold the right to write ``thread_id`` in ``db`` for the duration of the block.

    SQLite: a one-byte lock on the database file itself (Linux open-file-description lock; a
    POSIX record lock elsewhere). PostgreSQL: a session advisory lock on a connection of its own.
    Both go when the process does, however it ends. In-memory threads need none.

    Raises:
        ThreadBusyError: Another process holds the thread.
    """
    if db is None:
        yield
    elif is_postgres(db):
        with _connect_postgres(db) as connection:
            if not connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (_lock_key(thread_id),)
            ).fetchone()[0]:
                raise _busy(thread_id)
            yield  # closing the session releases the lock
    else:
        with _file_lock(
            _sqlite_path(db), _LOCK_BASE + _lock_key(thread_id) % _LOCK_BASE, thread_id
        ):
            yield


@contextlib.contextmanager
def _file_lock(path: Path, offset: int, thread_id: str) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no record locks through fcntl; run without one
        yield
        return
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            if hasattr(fcntl, "F_OFD_SETLK"):
                # Linux: the lock belongs to this open file, not to the process, so SQLite closing
                # its own descriptor of the database cannot drop it (as it would a POSIX lock),
                # and two opens in one process exclude each other. Layout: Linux's struct flock.
                flock = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, flock)
            else:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):  # held by another open file
                raise _busy(thread_id) from None
            raise ConfigError(f"--db {path}: cannot lock the file ({exc})") from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _busy(thread_id: str) -> ThreadBusyError:
    return ThreadBusyError(
        f"Thread {thread_id!r} is being written by another process (a run or resume still going). "
        "A thread has one writer at a time: wait for it to finish, or use another --thread-id.",
        thread_id=thread_id,
    )


def list_threads(checkpointer: BaseCheckpointSaver[Any]) -> list[str]:
    """Ids of the threads a checkpointer holds, most recently written first."""
    seen: dict[str, None] = {}
    for item in checkpointer.list(None):
        seen.setdefault(item.config["configurable"]["thread_id"], None)
    return list(seen)

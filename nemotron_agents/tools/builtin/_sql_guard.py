"""A SQLite connection that can only read, enforced by SQLite itself.

Three layers. The first two each stop writes to the database on their own; the authorizer
also stops what a read-only file still allows; the limits stop runaway reads.

* the file is opened read-only (``file:...?mode=ro``) with ``PRAGMA query_only``;
* an authorizer allows only reading: ``SELECT``, reading columns, recursive CTEs and calls of
  the built-in functions in :data:`SAFE_FUNCTIONS`. Everything else is denied when the statement
  is prepared: writes, DDL, transactions, ``ATTACH`` (which, with ``VACUUM INTO``, would create
  files even on a read-only connection), every ``PRAGMA`` (``journal_mode`` may change on a
  read-only connection), ``load_extension``, ``randomblob``/``zeroblob``;
* limits: strings and blobs of at most 100 kB (so no single function call, such as ``instr``
  on huge strings, runs long between checks), no attached databases, and a progress handler
  that interrupts any statement running past its deadline (a recursive CTE without end).

A denial records why, so the caller can tell the model what was refused and what is allowed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Literal

__all__ = [
    "SAFE_FUNCTIONS",
    "GuardedConnection",
    "QueryDenied",
    "QueryTimeout",
]

#: Built-in SQLite functions a query may call: scalar, aggregate, window, date, math and JSON
#: functions that compute from their arguments only (no files, no extensions, no huge buffers).
SAFE_FUNCTIONS = frozenset(
    [
        "abs",
        "char",
        "coalesce",
        "concat",
        "concat_ws",
        "format",
        "glob",
        "hex",
        "ifnull",
        "iif",
        "instr",
        "length",
        "like",
        "likelihood",
        "likely",
        "lower",
        "ltrim",
        "max",
        "min",
        "nullif",
        "octet_length",
        "printf",
        "quote",
        "replace",
        "round",
        "rtrim",
        "sign",
        "soundex",
        "substr",
        "substring",
        "trim",
        "typeof",
        "unhex",
        "unicode",
        "unlikely",
        "upper",
        "random",
        "avg",
        "count",
        "group_concat",
        "string_agg",
        "sum",
        "total",
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
        "date",
        "time",
        "datetime",
        "julianday",
        "unixepoch",
        "strftime",
        "timediff",
        "current_date",
        "current_time",
        "current_timestamp",
        "acos",
        "acosh",
        "asin",
        "asinh",
        "atan",
        "atan2",
        "atanh",
        "ceil",
        "ceiling",
        "cos",
        "cosh",
        "degrees",
        "exp",
        "floor",
        "ln",
        "log",
        "log10",
        "log2",
        "mod",
        "pi",
        "pow",
        "power",
        "radians",
        "sin",
        "sinh",
        "sqrt",
        "tan",
        "tanh",
        "trunc",
        "json",
        "json_array",
        "json_array_length",
        "json_extract",
        "json_insert",
        "json_object",
        "json_patch",
        "json_remove",
        "json_replace",
        "json_set",
        "json_type",
        "json_valid",
        "json_quote",
        "json_group_array",
        "json_group_object",
        "->",
        "->>",
        "sqlite_version",
    ]
)

# Authorizer action code -> name, for messages (error codes share the numbers, so list them).
_ACTIONS = {
    getattr(sqlite3, name): name.removeprefix("SQLITE_")
    for name in [
        "SQLITE_CREATE_INDEX",
        "SQLITE_CREATE_TABLE",
        "SQLITE_CREATE_TEMP_INDEX",
        "SQLITE_CREATE_TEMP_TABLE",
        "SQLITE_CREATE_TEMP_TRIGGER",
        "SQLITE_CREATE_TEMP_VIEW",
        "SQLITE_CREATE_TRIGGER",
        "SQLITE_CREATE_VIEW",
        "SQLITE_DELETE",
        "SQLITE_DROP_INDEX",
        "SQLITE_DROP_TABLE",
        "SQLITE_DROP_TEMP_INDEX",
        "SQLITE_DROP_TEMP_TABLE",
        "SQLITE_DROP_TEMP_TRIGGER",
        "SQLITE_DROP_TEMP_VIEW",
        "SQLITE_DROP_TRIGGER",
        "SQLITE_DROP_VIEW",
        "SQLITE_INSERT",
        "SQLITE_PRAGMA",
        "SQLITE_READ",
        "SQLITE_SELECT",
        "SQLITE_TRANSACTION",
        "SQLITE_UPDATE",
        "SQLITE_ATTACH",
        "SQLITE_DETACH",
        "SQLITE_ALTER_TABLE",
        "SQLITE_REINDEX",
        "SQLITE_ANALYZE",
        "SQLITE_CREATE_VTABLE",
        "SQLITE_DROP_VTABLE",
        "SQLITE_FUNCTION",
        "SQLITE_SAVEPOINT",
        "SQLITE_RECURSIVE",
    ]
}
_SCHEMA_TABLES = {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}
_ALWAYS_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_MAX_VALUE_BYTES = 100_000
_MAX_SQL_CHARS = 100_000
_PROGRESS_EVERY = 1_000  # VM instructions between deadline checks


class QueryDenied(Exception):
    """The authorizer refused part of a statement; the message says what and why."""


class QueryTimeout(Exception):
    """A statement ran past its time limit and was interrupted."""


class GuardedConnection:
    """A read-only connection to one SQLite file; use as a context manager.

    Args:
        path: The database file; it must exist (it is never created).
        timeout_s: Seconds any one statement may run, fetching included.
        allowed_pragmas: Names of read-only pragmas to allow (``table_info``...), for the
            caller's own introspection; model-written SQL gets none.

    Raises:
        sqlite3.OperationalError: The file cannot be opened.
    """

    def __init__(
        self, path: str | Path, *, timeout_s: float, allowed_pragmas: frozenset[str] = frozenset()
    ) -> None:
        self.timeout_s = timeout_s
        self._allowed_pragmas = allowed_pragmas
        self._denied: list[str] = []
        self._deadline = float("inf")
        self._timed_out = False
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        try:
            self.conn.execute("PRAGMA query_only = ON")  # before the authorizer forbids pragmas
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, _MAX_VALUE_BYTES)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, _MAX_SQL_CHARS)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
            self.conn.set_authorizer(self._authorize)
            self.conn.set_progress_handler(self._progress, _PROGRESS_EVERY)
        except BaseException:
            self.conn.close()
            raise

    def __enter__(self) -> GuardedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """Prepare and start one statement, with the deadline starting now.

        Raises:
            QueryDenied: The authorizer refused part of it.
            QueryTimeout: It ran past the time limit.
            sqlite3.Error: Anything else SQLite reports (syntax, unknown table, several
                statements as ``ProgrammingError``).
        """
        self._denied.clear()
        self._timed_out = False
        self._deadline = time.monotonic() + self.timeout_s
        with self.translate_errors():
            return self.conn.execute(sql, params)

    def translate_errors(self) -> _Translate:
        """Context manager turning SQLite's interruption and denial errors into ours; wrap
        fetches from a cursor :meth:`execute` returned in it."""
        return _Translate(self)

    def _progress(self) -> int:
        if time.monotonic() > self._deadline:
            self._timed_out = True
            return 1  # non-zero interrupts the statement
        return 0

    def _authorize(
        self, action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None
    ) -> int:
        if action in _ALWAYS_ALLOWED:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in SAFE_FUNCTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg1 in self._allowed_pragmas:
            return sqlite3.SQLITE_OK
        self._denied.append(_describe_denial(action, arg1, arg2))
        return sqlite3.SQLITE_DENY


class _Translate:
    def __init__(self, guard: GuardedConnection) -> None:
        self.guard = guard

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> Literal[False]:
        if not isinstance(exc, sqlite3.Error):
            return False
        if self.guard._timed_out:
            raise QueryTimeout(
                f"the query was stopped after its time limit of {self.guard.timeout_s:g} s"
            ) from None
        if self.guard._denied:
            reasons = list(dict.fromkeys(self.guard._denied))  # ANALYZE is denied once per table
            raise QueryDenied(
                "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
            ) from None
        return False


def _describe_denial(action: int, arg1: str | None, arg2: str | None) -> str:
    name = _ACTIONS.get(action, f"action {action}")
    if action == sqlite3.SQLITE_FUNCTION:
        return f"the function {arg2}() is not allowed"
    if action == sqlite3.SQLITE_PRAGMA:
        value = f" with the value {arg2!r}" if arg2 is not None else ""
        return f"PRAGMA {arg1}{value} is not allowed"
    if action == sqlite3.SQLITE_ATTACH:
        return "ATTACH (and VACUUM INTO) is not allowed: only the one database may be read"
    if action == sqlite3.SQLITE_UPDATE and arg1 in _SCHEMA_TABLES:
        # SQLite asks for this while setting up table-valued functions such as json_each().
        return "table-valued functions (json_each, json_tree, pragma_*) are not available"
    if action in (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_DELETE) and arg1 in _SCHEMA_TABLES:
        return "changing the schema (CREATE, DROP) is not allowed"
    if action == sqlite3.SQLITE_TRANSACTION:
        return f"transactions ({arg1}) are not allowed"
    if action == sqlite3.SQLITE_SAVEPOINT:
        return "savepoints are not allowed"
    if action == sqlite3.SQLITE_ALTER_TABLE:
        return f"ALTER TABLE {arg2} is not allowed"
    target = f" on {arg1}" if arg1 else ""
    return f"{name.replace('_', ' ')}{target} is not allowed"

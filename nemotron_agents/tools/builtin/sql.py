"""Read-only SQL tools over one SQLite file: ``list_tables``, ``describe_table``, ``run_query``.

Safety does not depend on reading the model's SQL: every statement runs on a
:class:`~.sql_guard.GuardedConnection` (read-only file, an authorizer that allows only reads and
safe functions, a time limit). This module adds what a model needs: one statement per call,
results as a compact text table cut at a row limit with a "N more rows" marker, and refusals
raised as :class:`~nemotron_agents.errors.ToolRetry` naming what was wrong and what is allowed.
"""

# No ``from __future__ import annotations``: the decorator reads the tools' hints at runtime.
import difflib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from nemotron_agents.errors import ConfigError, ToolRetry
from nemotron_agents.tools import Tool, tool
from nemotron_agents.tools.builtin._sql_guard import GuardedConnection, QueryDenied, QueryTimeout

__all__ = ["DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT_S", "format_table", "sql_tools"]

DEFAULT_MAX_ROWS = 50
DEFAULT_TIMEOUT_S = 5.0
#: After the rows shown, count at most this many more (a query may yield rows without end).
MAX_COUNTED_ROWS = 100_000
_MAX_CELL_CHARS = 200
_SAMPLE_ROWS = 3
_MAX_LISTED_VALUES = 8  # describe_table lists a text column's values when it has this few
_INTROSPECTION = frozenset({"table_info", "foreign_key_list", "index_list", "index_info"})

DbPath = str | os.PathLike[str]

ALLOWED = (
    "Allowed: one read-only SELECT (or WITH ... SELECT) statement in SQLite's dialect, reading "
    "the database's tables with built-in scalar, aggregate, window, date, math and JSON "
    "functions. list_tables and describe_table show the schema."
)


def sql_tools(
    db_path: DbPath | Callable[[], DbPath],
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Tool]:
    """The tools ``list_tables``, ``describe_table`` and ``run_query`` over one SQLite file.

    Args:
        db_path: The database file (it must exist; it is opened read-only and never changed), or
            a function returning it, called on first use (so listing the tools builds nothing).
        max_rows: Most result rows ``run_query`` shows; the rest are counted in a marker.
        timeout_s: Seconds any one statement may run before it is interrupted.

    Returns:
        The three tools, in that order.

    Raises:
        ConfigError: ``max_rows`` or ``timeout_s`` is not positive, or ``db_path`` is not a file.
    """
    if max_rows < 1:
        raise ConfigError(f"max_rows must be at least 1, got {max_rows}")
    if not timeout_s > 0:
        raise ConfigError(f"timeout_s must be positive, got {timeout_s}")
    resolved: list[Path] = []

    def path() -> Path:
        if not resolved:
            resolved.append(_existing_file(db_path() if callable(db_path) else db_path))
        return resolved[0]

    if not callable(db_path):
        path()

    def connect(**kw: Any) -> GuardedConnection:
        return GuardedConnection(path(), timeout_s=timeout_s, **kw)

    @tool
    def list_tables() -> str:
        """List the database's tables with their row counts and column names.

        Call it first to see what data there is, then describe_table for a table's details.
        """
        with connect(allowed_pragmas=_INTROSPECTION) as db:
            lines = []
            for table in _tables(db):
                count = _count(db, table)
                columns = ", ".join(c[1] for c in _pragma(db, "table_info", table))
                lines.append(f"{table} ({count} rows): {columns}")
        return "\n".join(lines) if lines else "The database has no tables."

    @tool
    def describe_table(
        table: Annotated[str, Field(description="Name of a table, as list_tables gives it.")],
    ) -> str:
        """Describe one table: its columns, keys, row count and sample rows.

        Text columns with only a few distinct values list them (e.g. a status column)."""
        with connect(allowed_pragmas=_INTROSPECTION) as db:
            return _describe(db, _known_table(db, table))

    @tool(max_output_chars=20_000, description=_run_query_description(max_rows, timeout_s))
    def run_query(
        sql: Annotated[
            str,
            Field(
                description=(
                    "One SQLite SELECT statement (WITH ... SELECT allowed), e.g. "
                    '"SELECT category, count(*) FROM products GROUP BY category". '
                    "Read-only: no INSERT/UPDATE/DELETE, DDL, PRAGMA or ATTACH."
                )
            ),
        ],
    ) -> str:
        """Run one read-only SQL query (the description is made by _run_query_description)."""
        if not sql.strip():
            raise ToolRetry(f"The query is empty. {ALLOWED}")
        with connect() as db:
            try:
                cursor = db.execute(sql)
                with db.translate_errors():
                    if cursor.description is None:
                        raise ToolRetry(
                            f"The statement returned no result (not a query). {ALLOWED}"
                        )
                    columns = [d[0] for d in cursor.description]
                    rows = cursor.fetchmany(max_rows)
                    more, exact = _count_rest(db, cursor)
            except QueryDenied as exc:
                raise ToolRetry(f"Refused: {exc}. {ALLOWED}") from None
            except QueryTimeout as exc:
                raise ToolRetry(
                    f"Stopped: {exc}. Make the query cheaper: filter with WHERE, aggregate, "
                    "add LIMIT, and give recursive CTEs an end condition."
                ) from None
            except sqlite3.ProgrammingError as exc:
                if "one statement" in str(exc):
                    raise ToolRetry(
                        "Refused: several statements in one call. Send one statement per call. "
                        + ALLOWED
                    ) from None
                raise ToolRetry(f"SQLite error: {exc}. {ALLOWED}") from None
            except sqlite3.Error as exc:
                raise ToolRetry(
                    f"SQLite error: {exc}. Tables: {', '.join(_tables(db))}; describe_table "
                    "shows a table's columns."
                ) from None
        return format_table(columns, rows, more=more, more_exact=exact)

    return [list_tables, describe_table, run_query]


def _run_query_description(max_rows: int, timeout_s: float) -> str:
    return (
        "Run one read-only SQL query and return the result as a text table.\n\n"
        "Look at the schema first (list_tables, describe_table) so names are right. At most "
        f"{max_rows} rows are shown, so aggregate in SQL (COUNT, SUM, AVG, GROUP BY) rather than "
        f"fetching many rows; a query running over {timeout_s:g} s is stopped."
    )


def format_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    more: int = 0,
    more_exact: bool = True,
) -> str:
    """Rows as a compact text table: a header, one ``|``-separated line per row, a footer.

    Args:
        columns: Column names.
        rows: The rows shown.
        more: Rows the query produced beyond those shown.
        more_exact: Whether ``more`` is the exact count or a lower bound (counting stopped).

    Returns:
        The table; the footer gives the row count, or ``[N more rows not shown ...]``.
    """
    lines = [_lines(columns, rows)]
    if more:
        count = f"{more}" if more_exact else f"at least {more}"
        lines.append(
            f"[{len(rows)} rows shown; {count} more rows not shown: aggregate, filter or page "
            "with LIMIT/OFFSET to see them]"
        )
    else:
        lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)


def _lines(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return "\n".join(" | ".join(_cell(v) for v in row) for row in [columns, *rows])


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<blob, {len(value)} bytes>"
    text = f"{value:.12g}" if isinstance(value, float) else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > _MAX_CELL_CHARS:
        text = text[:_MAX_CELL_CHARS] + f"…[{len(text) - _MAX_CELL_CHARS} more chars]"
    return text


def _count_rest(db: GuardedConnection, cursor: sqlite3.Cursor) -> tuple[int, bool]:
    """Rows left in ``cursor``, up to MAX_COUNTED_ROWS; ``(count, exact)``."""
    more = 0
    try:
        with db.translate_errors():
            while more < MAX_COUNTED_ROWS:
                chunk = cursor.fetchmany(min(1000, MAX_COUNTED_ROWS - more))
                if not chunk:
                    return more, True
                more += len(chunk)
            return more, cursor.fetchone() is None
    except QueryTimeout:
        return more, False  # the rows shown are right; only the count is unfinished


def _existing_file(path: DbPath) -> Path:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise ConfigError(f"SQL tools need an existing SQLite database file, got {str(path)!r}")
    return resolved


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(db: GuardedConnection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def _known_table(db: GuardedConnection, table: str) -> str:
    tables = _tables(db)
    by_lower = {t.lower(): t for t in tables}
    name = table.strip().strip('"`[]')
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    hint = f" Did you mean {by_lower[close[0]]!r}?" if close else ""
    raise ToolRetry(f"No table named {table!r}.{hint} Tables: {', '.join(tables)}.")


def _pragma(db: GuardedConnection, pragma: str, name: str) -> list[tuple[Any, ...]]:
    return db.execute(f"PRAGMA {pragma}({_quote(name)})").fetchall()


def _count(db: GuardedConnection, table: str) -> int | str:
    try:
        with db.translate_errors():
            # names come from the schema and are quoted; the connection is read-only
            count: int = db.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
            return count
    except QueryTimeout:
        return "too many to count"


def _describe(db: GuardedConnection, table: str) -> str:
    columns = _pragma(db, "table_info", table)  # cid, name, type, notnull, default, pk
    # id, seq, table, from, to, ...; "to" is None when the key references the primary key.
    foreign = {
        fk[3]: f"{fk[2]}({fk[4]})" if fk[4] else fk[2]
        for fk in _pragma(db, "foreign_key_list", table)
    }
    unique = set()
    for index in _pragma(db, "index_list", table):  # seq, name, unique, origin, partial
        info = _pragma(db, "index_info", index[1]) if index[2] else []
        if len(info) == 1:
            unique.add(info[0][2])
    lines = [f"Table {table}: {_count(db, table)} rows", "Columns:"]
    for _cid, name, kind, notnull, default, pk in columns:
        parts = [name, kind or "(no type)"]
        parts += ["PRIMARY KEY"] if pk else []
        parts += ["NOT NULL"] if notnull else []
        parts += ["UNIQUE"] if name in unique else []
        parts += [f"DEFAULT {default}"] if default is not None else []
        parts += [f"REFERENCES {foreign[name]}"] if name in foreign else []
        values = _few_values(db, table, name) if "TEXT" in (kind or "").upper() and not pk else None
        if values is not None:
            parts.append(f"-- values: {', '.join(values)}")
        lines.append("- " + " ".join(parts))
    with db.translate_errors():
        cursor = db.execute(f"SELECT * FROM {_quote(table)} LIMIT {_SAMPLE_ROWS}")  # noqa: S608
        sample = cursor.fetchall()
    lines.append(f"Sample rows (first {len(sample)}):")
    lines.append(_lines([d[0] for d in cursor.description], sample))
    return "\n".join(lines)


def _few_values(db: GuardedConnection, table: str, column: str) -> list[str] | None:
    """The distinct values of a column when there are only a few (an enum-like column)."""
    try:
        with db.translate_errors():
            rows = db.execute(
                f"SELECT DISTINCT {_quote(column)} FROM {_quote(table)} "  # noqa: S608
                f"WHERE {_quote(column)} IS NOT NULL ORDER BY 1 LIMIT {_MAX_LISTED_VALUES + 1}"
            ).fetchall()
    except QueryTimeout:
        return None
    if not rows or len(rows) > _MAX_LISTED_VALUES:
        return None
    return [repr(r[0]) for r in rows]

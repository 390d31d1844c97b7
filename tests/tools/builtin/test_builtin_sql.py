"""Read-only SQL tools: right answers, and every write or runaway refused with the file unchanged.

Expected results are computed here with a separate sqlite3 connection, never copied from output.
"""

import hashlib
import sqlite3

import pytest

from nemotron_agents.errors import ConfigError, ToolRetry
from nemotron_agents.graphs.shop_db import build_shop_db
from nemotron_agents.tools.builtin._sql_guard import GuardedConnection, QueryDenied
from nemotron_agents.tools.builtin.sql import MAX_COUNTED_ROWS, format_table, sql_tools

ALLOWED_HINT = "Allowed: one read-only SELECT"


@pytest.fixture
def db(tmp_path):
    return build_shop_db(tmp_path / "data" / "shop.db")


@pytest.fixture
def tools(db):
    return {t.name: t for t in sql_tools(db, max_rows=10, timeout_s=2.0)}


@pytest.fixture
def unchanged(db):
    """Asserts, after the test, that the database file and its directory are as before."""
    before = hashlib.sha256(db.read_bytes()).hexdigest(), sorted(db.parent.iterdir())
    yield
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(db.parent.iterdir())) == before


def expected(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def parse(text):
    """(header, rows, footer) of a result table, cells as strings."""
    lines = text.splitlines()
    header, *rows, footer = lines
    return header.split(" | "), [r.split(" | ") for r in rows], footer


def as_text(rows):
    return [[format_table(["x"], [[v]]).splitlines()[1] for v in row] for row in rows]


# --- normal use -------------------------------------------------------------------------------


def test_list_tables_gives_every_table_with_its_row_count_and_columns(db, tools, unchanged):
    text = tools["list_tables"].run({})
    counts = {
        t: expected(db, f"SELECT count(*) FROM {t}")[0][0]
        for (t,) in expected(db, "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert len(counts) == 5
    for table, count in counts.items():
        columns = ", ".join(c[1] for c in expected(db, f"PRAGMA table_info({table})"))
        assert f"{table} ({count} rows): {columns}" in text.splitlines()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT category, count(*), min(price_cents) FROM products GROUP BY category ORDER BY 1",
        # revenue per category in 2025, delivered orders only: joins, filters, aggregates
        "SELECT p.category, sum(i.quantity * i.unit_price_cents) AS revenue "
        "FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN products p ON p.id = i.product_id "
        "WHERE o.placed LIKE '2025-%' AND o.status = 'delivered' GROUP BY 1 ORDER BY 2 DESC",
        "WITH monthly AS (SELECT strftime('%Y-%m', placed) AS month, count(*) AS n FROM orders "
        "GROUP BY 1) SELECT month, n, rank() OVER (ORDER BY n DESC, month) FROM monthly LIMIT 5",
        "SELECT round(avg(amount_cents) / 100.0, 2), count(*) FROM refunds",
    ],
)
def test_queries_return_the_right_rows(db, tools, unchanged, sql):
    header, rows, footer = parse(tools["run_query"].run({"sql": sql}))
    truth = expected(db, sql)
    assert 0 < len(truth) <= 10
    assert rows == as_text(truth)
    assert footer == f"({len(truth)} row{'' if len(truth) == 1 else 's'})"
    assert len(header) == len(truth[0])


def test_row_limit_shows_the_first_rows_and_counts_the_rest(db, tools):
    header, rows, footer = parse(
        tools["run_query"].run({"sql": "SELECT id, placed FROM orders ORDER BY id"})
    )
    truth = expected(db, "SELECT id, placed FROM orders ORDER BY id")
    assert header == ["id", "placed"]
    assert rows == as_text(truth[:10])
    assert footer.startswith(f"[10 rows shown; {len(truth) - 10} more rows not shown")
    assert "LIMIT/OFFSET" in footer


def test_a_query_without_end_shows_its_rows_and_a_bounded_count(tools):
    sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"
    _, rows, footer = parse(tools["run_query"].run({"sql": sql}))
    assert rows == [[str(i)] for i in range(1, 11)]
    assert f"at least {MAX_COUNTED_ROWS} more rows" in footer


def test_cells_are_kept_on_one_line_and_typed_values_are_readable(tools):
    text = tools["run_query"].run(
        {"sql": "SELECT 'a|b' AS s, NULL AS n, 2.5 AS f, x'00ff' AS b, 'x\ny' AS nl"}
    )
    assert text.splitlines() == [
        "s | n | f | b | nl",
        "a\\|b | NULL | 2.5 | <blob, 2 bytes> | x\\ny",
        "(1 row)",
    ]


def test_describe_table_shows_columns_keys_values_count_and_samples(db, tools, unchanged):
    text = tools["describe_table"].run({"table": "Orders"})  # names match case-insensitively
    lines = text.splitlines()
    count = expected(db, "SELECT count(*) FROM orders")[0][0]
    assert lines[0] == f"Table orders: {count} rows"
    assert "- id INTEGER PRIMARY KEY" in lines
    assert "- customer_id INTEGER REFERENCES customers" in lines
    statuses = ", ".join(
        repr(s) for (s,) in expected(db, "SELECT DISTINCT status FROM orders ORDER BY 1")
    )
    assert f"- status TEXT -- values: {statuses}" in lines
    assert not any(
        line.startswith("- placed") and "values" in line for line in lines
    )  # many values
    sample_at = lines.index("Sample rows (first 3):")
    assert lines[sample_at + 1] == "id | customer_id | placed | status"
    first = expected(db, "SELECT * FROM orders LIMIT 3")
    assert [line.split(" | ") for line in lines[sample_at + 2 :]] == as_text(first)


def test_describe_table_marks_unique_columns(tools):
    assert "- email TEXT UNIQUE" in tools["describe_table"].run({"table": "customers"}).splitlines()


def test_unknown_table_suggests_the_closest_and_lists_all(tools):
    with pytest.raises(
        ToolRetry,
        match=r"No table named 'order'\. Did you mean 'orders'\? "
        r"Tables: customers, order_items, orders, products, refunds\.",
    ):
        tools["describe_table"](table="order")


def test_sql_error_names_the_problem_and_the_tables(tools):
    with pytest.raises(
        ToolRetry, match=r"no such column: total.*Tables: customers, .*describe_table"
    ):
        tools["run_query"](sql="SELECT total FROM orders")


def test_empty_query_is_refused(tools):
    with pytest.raises(ToolRetry, match=f"The query is empty. {ALLOWED_HINT}"):
        tools["run_query"](sql="   ")
    with pytest.raises(ToolRetry, match="returned no result"):
        tools["run_query"](sql="-- just a comment")


# --- attacks: refused or stopped, file unchanged ---------------------------------------------


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        (
            "INSERT INTO customers VALUES (99, 'Eve', 'eve@example.com', 'Paris', '2026-01-01')",
            "INSERT on customers is not allowed",
        ),
        (
            "REPLACE INTO products VALUES (1, 'Free', 'Books', 0)",
            "INSERT on products is not allowed",
        ),
        ("UPDATE orders SET status = 'cancelled'", "UPDATE on orders is not allowed"),
        ("DELETE FROM refunds", "DELETE on refunds is not allowed"),
        (
            "WITH gone AS (SELECT id FROM orders) DELETE FROM orders WHERE id IN gone",
            "DELETE on orders is not allowed",
        ),
        ("DROP TABLE orders", "changing the schema (CREATE, DROP) is not allowed"),
        ("CREATE TABLE notes (x)", "changing the schema (CREATE, DROP) is not allowed"),
        ("CREATE TEMP TABLE scratch (x)", "changing the schema (CREATE, DROP) is not allowed"),
        ("ALTER TABLE orders ADD COLUMN note TEXT", "ALTER TABLE orders is not allowed"),
        ("ATTACH DATABASE '{dir}/other.db' AS other", "ATTACH (and VACUUM INTO) is not allowed"),
        ("VACUUM INTO '{dir}/copy.db'", "ATTACH (and VACUUM INTO) is not allowed"),
        (
            "PRAGMA journal_mode=DELETE",
            "PRAGMA journal_mode with the value 'DELETE' is not allowed",
        ),
        ("PRAGMA journal_mode=WAL", "PRAGMA journal_mode with the value 'WAL' is not allowed"),
        ("PRAGMA user_version=5", "PRAGMA user_version with the value '5' is not allowed"),
        ("PRAGMA writable_schema=ON", "PRAGMA writable_schema with the value 'ON' is not allowed"),
        ("SELECT load_extension('{dir}/evil.so')", "the function load_extension() is not allowed"),
        ("SELECT randomblob(1000000000)", "the function randomblob() is not allowed"),
        ("SELECT * FROM pragma_table_info('orders')", "table-valued functions"),
        ("BEGIN IMMEDIATE", "transactions (BEGIN) are not allowed"),
        ("SAVEPOINT s", "savepoints are not allowed"),
        ("ANALYZE", "ANALYZE on "),
    ],
)
def test_writes_and_escapes_are_refused(db, tools, unchanged, sql, refusal):
    with pytest.raises(ToolRetry) as info:
        tools["run_query"](sql=sql.format(dir=db.parent))
    message = str(info.value)
    assert message.startswith("Refused: ") and refusal in message
    assert ALLOWED_HINT in message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; DROP TABLE orders",
        "SELECT count(*) FROM orders; DELETE FROM orders;",
        "SELECT 1;;",
    ],
)
def test_several_statements_are_refused(db, tools, unchanged, sql):
    with pytest.raises(
        ToolRetry, match=r"Refused: several statements in one call. Send one statement per call."
    ):
        tools["run_query"](sql=sql)
    assert expected(db, "SELECT count(*) FROM orders")[0][0] > 0


def test_a_trailing_semicolon_or_comment_is_one_statement(tools):
    assert tools["run_query"].run({"sql": "SELECT 7; -- done"}).splitlines()[1] == "7"


def test_a_runaway_query_is_stopped_at_the_time_limit(db, unchanged):
    run_query = sql_tools(db, timeout_s=0.2)[2]
    sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(
        ToolRetry,
        match=r"Stopped: the query was stopped after its time limit of 0\.2 s\. .*end condition",
    ):
        run_query(sql=sql)
    # The connection is not left broken: the next query works.
    assert run_query.run({"sql": "SELECT count(*) FROM customers"}).splitlines()[1] == "40"


def test_read_only_file_holds_even_when_the_authorizer_lets_a_pragma_through(db, unchanged):
    """The second layer: a pragma the authorizer allowed still cannot write the file."""
    with GuardedConnection(db, timeout_s=1, allowed_pragmas=frozenset({"user_version"})) as guard:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            guard.execute("PRAGMA user_version = 5")
        with pytest.raises(QueryDenied, match="INSERT on orders"):
            guard.execute("INSERT INTO orders VALUES (1000, 1, '2026-01-01', 'pending')")
    assert expected(db, "PRAGMA user_version") == [(0,)]


def test_long_values_are_refused_by_sqlite_limits(tools):
    with pytest.raises(ToolRetry, match="string or blob too big"):
        tools["run_query"](sql="SELECT group_concat(printf('%.2000c', 'x')) FROM order_items")


# --- configuration ----------------------------------------------------------------------------


def test_bad_settings_are_clear_errors(tmp_path, db):
    with pytest.raises(ConfigError, match=r"existing SQLite database file.*missing.db"):
        sql_tools(tmp_path / "missing.db")
    with pytest.raises(ConfigError, match="max_rows must be at least 1, got 0"):
        sql_tools(db, max_rows=0)
    with pytest.raises(ConfigError, match="timeout_s must be positive, got 0"):
        sql_tools(db, timeout_s=0)


def test_a_path_function_is_called_on_first_use_only(db):
    calls = []

    def where():
        calls.append(1)
        return db

    list_tables, _, run_query = sql_tools(where)
    assert calls == []
    assert "orders (" in list_tables.run({})
    assert run_query.run({"sql": "SELECT 1"}).splitlines()[1] == "1"
    assert calls == [1]


def test_row_limit_and_time_limit_are_in_the_description(db):
    run_query = sql_tools(db, max_rows=7, timeout_s=1.5)[2]
    assert "At most 7 rows" in run_query.description and "over 1.5 s" in run_query.description

"""The SQL analyst graph: schema first, then queries; a hostile query comes back as an error."""

import hashlib
import json
import sqlite3

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

from nemotron_agents.cli import main
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs import sql_analyst
from nemotron_agents.graphs.shop_db import SHOP_DB_ENV, build_shop_db
from nemotron_agents.graphs.sql_analyst import SPEC, build_graph
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator, ScriptedChatModel, tool_call

REVENUE_2025 = (
    "SELECT p.category, sum(i.quantity * i.unit_price_cents) AS revenue_cents "
    "FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id "
    "WHERE o.placed BETWEEN '2025-01-01' AND '2025-12-31' AND o.status IN ('shipped', 'delivered') "
    "GROUP BY p.category ORDER BY revenue_cents DESC"
)


@pytest.fixture
def db(tmp_path):
    return build_shop_db(tmp_path / "shop.db")


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tool_messages(result):
    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


def test_schema_first_then_query_then_answer(db):
    model = ScriptedChatModel(
        [
            [tool_call("list_tables")],
            [
                tool_call("describe_table", {"table": "orders"}),
                tool_call("describe_table", {"table": "order_items"}),
            ],
            [tool_call("run_query", {"sql": REVENUE_2025})],
            lambda messages, tools: (
                f"Top category: {messages[-1].content.splitlines()[1].split(' | ')[0]}"
            ),
        ]
    )
    graph = build_graph(model=model, db_path=db, settings=Settings())
    result = graph.invoke({"messages": [HumanMessage(SPEC.example)]})

    listing, orders, items, query = tool_messages(result)
    assert all(m.status != "error" for m in (listing, orders, items, query))
    assert "orders (300 rows)" in listing.content
    assert (
        orders.content.startswith("Table orders: 300 rows")
        and "REFERENCES customers" in orders.content
    )
    assert items.content.startswith("Table order_items:")
    with sqlite3.connect(db) as conn:
        truth = conn.execute(REVENUE_2025).fetchall()
    assert query.content.splitlines()[1:-1] == [f"{c} | {r}" for c, r in truth]
    assert result["messages"][-1].content == f"Top category: {truth[0][0]}"
    # The model was told to look at the schema first, and was offered exactly the three tools.
    system = model.calls[0]["messages"][0]
    assert isinstance(system, SystemMessage) and "list_tables" in system.content
    assert "Look at the schema first" in system.content
    assert sorted(t["function"]["name"] for t in model.bound_tools) == [
        "describe_table",
        "list_tables",
        "run_query",
    ]


def test_a_hostile_query_goes_back_to_the_model_and_changes_nothing(db):
    before = digest(db)

    def after_refusal(messages, tools):
        delete, several = messages[-2:]  # both refusals, in the order of the calls
        assert isinstance(delete, ToolMessage) and delete.status == "error"
        assert "DELETE on orders is not allowed" in delete.content
        assert "several statements" in several.content
        return [tool_call("run_query", {"sql": "SELECT count(*) FROM orders"})]

    model = ScriptedChatModel(
        [
            [
                tool_call("run_query", {"sql": "DELETE FROM orders"}),
                tool_call("run_query", {"sql": "SELECT 1; DROP TABLE refunds"}),
            ],
            after_refusal,
            lambda messages, tools: f"There are {messages[-1].content.splitlines()[1]} orders.",
        ]
    )
    result = build_graph(model=model, db_path=db, settings=Settings()).invoke(
        {"messages": [HumanMessage("Delete every order")]}
    )

    delete, several, _count = tool_messages(result)
    assert delete.status == several.status == "error"
    assert "Refused: several statements" in several.content
    assert result["messages"][-1].content == "There are 300 orders."
    assert digest(db) == before


def test_database_from_the_environment_or_the_argument(tmp_path, monkeypatch):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT)")

    def listing(**kw):
        model = ScriptedChatModel([[tool_call("list_tables")], "ok"])
        result = build_graph(model=model, settings=Settings(), **kw).invoke(
            {"messages": [HumanMessage("tables?")]}
        )
        return tool_messages(result)[0].content

    monkeypatch.setenv(SHOP_DB_ENV, str(other))
    assert listing() == "widgets (0 rows): id, name"
    monkeypatch.delenv(SHOP_DB_ENV)
    assert listing(db_path=build_shop_db(tmp_path / "shop.db")).startswith("customers (40 rows)")


def test_a_missing_database_fails_when_the_graph_is_built(tmp_path, monkeypatch):
    monkeypatch.setenv(SHOP_DB_ENV, str(tmp_path / "nope.db"))
    with pytest.raises(ConfigError, match=f"{SHOP_DB_ENV}=.*nope.db.*not an existing file"):
        build_graph(model=ScriptedChatModel(["unused"]), settings=Settings())
    with pytest.raises(ConfigError, match="existing SQLite database file"):
        build_graph(
            model=ScriptedChatModel(["unused"]), settings=Settings(), db_path=tmp_path / "nope.db"
        )


def test_listing_the_tools_builds_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(SHOP_DB_ENV, raising=False)
    assert SPEC.registry().names() == ["list_tables", "describe_table", "run_query"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore:.*deprecated.*")
def test_offline_smoke_over_http_every_request_accepted(db):
    with NIMEmulator() as emu:
        settings = Settings(base_url=emu.base_url, api_key="nvapi-test", max_retries=1, timeout=5)
        graph = build_graph(settings=settings, db_path=db)
        result = graph.invoke({"messages": [HumanMessage("List the tables in the database")]})
        statuses = [(r.status, r.error) for r in emu.chat_requests]
    assert statuses and all(s == 200 for s, _ in statuses), statuses
    assert result["messages"][-1].content.strip()


def test_cli_runs_the_example_offline(db, monkeypatch, capsys):
    monkeypatch.setenv(SHOP_DB_ENV, str(db))
    before = digest(db)
    assert main(["run", "sql_analyst", SPEC.example, "--offline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["graph"] == "sql_analyst" and result["offline"] is True
    assert result["answer"].strip()
    assert digest(db) == before


def test_module_exposes_the_graph_lazily():
    assert sql_analyst.SPEC is SPEC
    with pytest.raises(AttributeError, match="has no attribute 'grahp'"):
        sql_analyst.grahp  # noqa: B018 (the attribute access is what raises)

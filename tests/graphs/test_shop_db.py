"""The bundled shop database: built from its script, found through the environment or the cache."""

from __future__ import annotations

import hashlib
import runpy
import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest

from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs.shop_db import SHOP_DB_ENV, SHOP_SQL, build_shop_db, shop_db_path

SCHEMA = {
    "customers": [
        ("id", "INTEGER", 1),
        ("name", "TEXT", 0),
        ("email", "TEXT", 0),
        ("city", "TEXT", 0),
        ("joined", "TEXT", 0),
    ],
    "products": [
        ("id", "INTEGER", 1),
        ("name", "TEXT", 0),
        ("category", "TEXT", 0),
        ("price_cents", "INTEGER", 0),
    ],
    "orders": [
        ("id", "INTEGER", 1),
        ("customer_id", "INTEGER", 0),
        ("placed", "TEXT", 0),
        ("status", "TEXT", 0),
    ],
    "order_items": [
        ("order_id", "INTEGER", 0),
        ("product_id", "INTEGER", 0),
        ("quantity", "INTEGER", 0),
        ("unit_price_cents", "INTEGER", 0),
    ],
    "refunds": [
        ("id", "INTEGER", 1),
        ("order_id", "INTEGER", 0),
        ("amount_cents", "INTEGER", 0),
        ("reason", "TEXT", 0),
        ("created", "TEXT", 0),
    ],
}


def _tables(path: Path) -> dict[str, list[tuple[str, str, int]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            n: [(c[1], c[2], c[5]) for c in conn.execute(f"PRAGMA table_info({n})")] for n in names
        }


def test_build_creates_the_schema_and_data(tmp_path):
    path = build_shop_db(tmp_path / "sub" / "shop.db")
    assert path == tmp_path / "sub" / "shop.db"
    assert _tables(path) == SCHEMA
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SCHEMA}
        assert counts["customers"] >= 30 and counts["products"] >= 25
        assert counts["orders"] >= 250 and counts["order_items"] >= 600 and counts["refunds"] > 0
        categories = conn.execute("SELECT count(DISTINCT category) FROM products").fetchone()[0]
        assert categories == 5
        # Referential integrity of the generated data, and refunds only for refundable orders.
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        bad = conn.execute(
            "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id "
            "WHERE o.status NOT IN ('returned', 'cancelled')"
        ).fetchone()[0]
        assert bad == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["shop.db"]  # no temp file left


def test_committed_script_is_what_the_generator_writes():
    module = runpy.run_path(str(SHOP_SQL.parent / "make_shop_sql.py"))
    assert module["generate"]() == SHOP_SQL.read_text(encoding="utf-8")


def test_default_path_is_built_once_in_the_cache(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    path = shop_db_path(env)
    digest = hashlib.sha256(SHOP_SQL.read_bytes()).hexdigest()[:16]
    assert path == tmp_path / "nemotron-agents" / f"shop-{digest}.db"
    assert _tables(path) == SCHEMA
    stamp = path.stat().st_mtime_ns, path.stat().st_ino
    assert shop_db_path(env) == path
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == stamp  # reused, not rebuilt


def test_concurrent_first_uses_all_get_a_complete_database(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    barrier = threading.Barrier(4)
    results: list[Path] = []

    def use() -> None:
        barrier.wait()
        results.append(shop_db_path(env))

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    assert _tables(results[0]) == SCHEMA
    assert [p.name for p in results[0].parent.iterdir()] == [results[0].name]


def test_environment_variable_names_the_file(tmp_path):
    own = build_shop_db(tmp_path / "mine.db")
    assert shop_db_path({SHOP_DB_ENV: str(own), "XDG_CACHE_HOME": str(tmp_path / "c")}) == own
    assert not (tmp_path / "c").exists()


def test_environment_variable_naming_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=f"{SHOP_DB_ENV}=.*not an existing file"):
        shop_db_path({SHOP_DB_ENV: str(tmp_path / "nope.db")})


def test_unwritable_cache_falls_back_to_the_temp_dir(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    path = shop_db_path({"XDG_CACHE_HOME": str(blocked)})
    assert path.parent.parent == tmp_path / "tmp" and path.name.startswith("shop-")
    assert _tables(path) == SCHEMA
    assert shop_db_path({"XDG_CACHE_HOME": str(blocked)}) == path

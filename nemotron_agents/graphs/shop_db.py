"""The bundled shop database: a SQLite file built from ``data/shop.sql``, shared by the graphs.

Schema (money in integer cents, dates ISO-8601 text)::

    customers(id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE, city TEXT, joined TEXT)
    products(id INTEGER PRIMARY KEY, name TEXT, category TEXT, price_cents INTEGER)
    orders(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers, placed TEXT,
           status TEXT CHECK (status IN ('pending','shipped','delivered','cancelled','returned')))
    order_items(order_id INTEGER REFERENCES orders, product_id INTEGER REFERENCES products,
                quantity INTEGER, unit_price_cents INTEGER)
    refunds(id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders, amount_cents INTEGER,
            reason TEXT, created TEXT)

:func:`shop_db_path` gives the file to open: the one named by ``NEMOTRON_SHOP_DB``, or a copy built
on first use in the user's cache directory, named after a hash of the script so an edited script
gets a fresh file and an old one is never reused.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path

from nemotron_agents.errors import ConfigError
from nemotron_agents.settings import Settings

__all__ = ["SHOP_DB_ENV", "SHOP_SQL", "build_shop_db", "shop_db_path"]

#: The SQL script (schema and data) the database is built from; the source of truth.
SHOP_SQL = Path(__file__).parent / "data" / "shop.sql"
#: Environment variable naming an existing shop database file to use instead of the built copy.
SHOP_DB_ENV = "NEMOTRON_SHOP_DB"


def build_shop_db(path: str | os.PathLike[str]) -> Path:
    """Create the shop database at ``path`` from :data:`SHOP_SQL`, replacing any file there.

    The file is written under a temporary name in the same directory and renamed into place,
    so a reader never sees a half-built database and concurrent builders do not collide.

    Args:
        path: Where the SQLite file goes; its directory is created if missing.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    script = SHOP_SQL.read_text(encoding="utf-8")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(script)
        finally:
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def shop_db_path(settings_or_none: Settings | Mapping[str, str] | None = None) -> Path:
    """The shop database file to open, built on first use.

    Args:
        settings_or_none: Where to read ``NEMOTRON_SHOP_DB`` from: a mapping of environment
            variables (tests pass a dict), or ``None`` / a :class:`Settings` for the process
            environment (the database is not a model setting, so ``Settings`` carries no field
            for it).

    Returns:
        The file named by ``NEMOTRON_SHOP_DB`` if set, else
        ``$XDG_CACHE_HOME/nemotron-agents/shop-<hash>.db`` (``~/.cache`` when unset), or the
        same name under the temp directory when the cache cannot be written.

    Raises:
        ConfigError: ``NEMOTRON_SHOP_DB`` names a file that does not exist.
    """
    env = settings_or_none if isinstance(settings_or_none, Mapping) else os.environ
    named = (env.get(SHOP_DB_ENV) or "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"{SHOP_DB_ENV}={named!r} is not an existing file; point it at a SQLite "
                "database with the shop schema, or unset it to use the bundled one"
            )
        return path
    cache_home = (env.get("XDG_CACHE_HOME") or "").strip()
    cache = Path(cache_home) if cache_home else Path.home() / ".cache"
    name = f"shop-{hashlib.sha256(SHOP_SQL.read_bytes()).hexdigest()[:16]}.db"
    path = cache / "nemotron-agents" / name
    if path.is_file():
        return path
    try:
        return build_shop_db(path)
    except OSError:  # no writable cache (read-only home in a container): use the temp dir
        fallback = Path(tempfile.gettempdir()) / f"nemotron-agents-{_user()}" / name
        return fallback if fallback.is_file() else build_shop_db(fallback)


def _user() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid else os.environ.get("USERNAME", "user")

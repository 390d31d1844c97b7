"""The support desk's working copy of the shop database, and the only code that writes to it.

Refunds are a side effect, so the desk never writes to the analysts' read-only shop database: it
keeps its own copy, named by ``db_path=`` or ``NEMOTRON_SUPPORT_DB`` (built there from the shop
script when the file does not exist yet), else built on first use in the user's cache directory.
Nothing is opened before the first tool call, so building the graph touches no file.

Every refund is checked and written in one ``BEGIN IMMEDIATE`` transaction (two concurrent calls
cannot both spend the same refundable amount) together with the call's key in
``support_refund_calls``: a call that runs again after a crash finds its key and returns the refund
it already made instead of writing a second one.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from nemotron_agents.errors import ConfigError, ToolRetry
from nemotron_agents.graphs.shop_db import SHOP_DB_ENV, SHOP_SQL, build_shop_db

__all__ = ["SUPPORT_DB_ENV", "SupportDB", "money", "support_db_path"]

#: Environment variable naming the support desk's working copy of the shop database.
SUPPORT_DB_ENV = "NEMOTRON_SUPPORT_DB"

# Kept apart from the shop schema (which the analysts' queries rely on): one row per refund call.
_SUPPORT_SCHEMA = """
CREATE TABLE IF NOT EXISTS support_refund_calls (
  call_key TEXT PRIMARY KEY,
  refund_id INTEGER NOT NULL REFERENCES refunds(id)
)
"""

_ORDER = """
SELECT o.id, o.customer_id, o.placed, o.status,
       (SELECT COALESCE(SUM(quantity * unit_price_cents), 0)
        FROM order_items WHERE order_id = o.id),
       (SELECT COALESCE(SUM(amount_cents), 0) FROM refunds WHERE order_id = o.id)
FROM orders o WHERE o.id = ?
"""


def money(cents: int) -> str:
    """Cents as the text the model reads, e.g. ``"123.40"``."""
    return f"{Decimal(cents) / 100:.2f}"


def support_db_path(
    db_path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
) -> Path:
    """Where the working copy lives (not created here).

    Args:
        db_path: An explicit file; wins over the environment.
        env: Environment variables to read (``os.environ`` when ``None``).

    Returns:
        ``db_path``, else ``$NEMOTRON_SUPPORT_DB``, else
        ``$XDG_CACHE_HOME/nemotron-agents/support-<hash of the shop script>.db``.

    Raises:
        ConfigError: The file is the analysts' shop database (``NEMOTRON_SHOP_DB``).
    """
    env = os.environ if env is None else env
    named = db_path if db_path is not None else (env.get(SUPPORT_DB_ENV) or "").strip()
    if named:
        path = Path(named).expanduser()
    else:
        cache_home = (env.get("XDG_CACHE_HOME") or "").strip()
        cache = Path(cache_home) if cache_home else Path.home() / ".cache"
        digest = hashlib.sha256(SHOP_SQL.read_bytes()).hexdigest()[:16]
        path = cache / "nemotron-agents" / f"support-{digest}.db"
    shop = (env.get(SHOP_DB_ENV) or "").strip()
    if shop and path.resolve() == Path(shop).expanduser().resolve():
        raise ConfigError(
            f"The support desk writes refunds, so it needs its own copy of the shop database, not "
            f"{SHOP_DB_ENV}={shop!r}: set {SUPPORT_DB_ENV} to another file (built if missing) "
            "or leave it unset for a copy in the cache directory"
        )
    return path


class SupportDB:
    """The working copy: customers, orders and refunds, opened per call.

    Reads go through read-only connections; :meth:`issue_refund` is the one writer.

    Args:
        path: The file (see :func:`support_db_path`); resolved and built on first use.
        env: Environment variables to read (``os.environ`` when ``None``).
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None
    ) -> None:
        self._given = path
        self._env = env
        self._path: Path | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The file, built from the shop script (plus the desk's own table) on first use.

        Raises:
            ConfigError: The file cannot be created or written; the message names the setting.
        """
        with self._lock:
            if self._path is None:
                path = support_db_path(self._given, env=self._env).resolve()
                try:
                    if not path.is_file():
                        _build_once(path)
                    with closing(sqlite3.connect(path)) as connection, connection:
                        connection.execute(_SUPPORT_SCHEMA)
                except (OSError, sqlite3.Error) as exc:
                    # Unlike the read-only shop copy, refunds must not land in a temp directory.
                    raise ConfigError(
                        f"Cannot prepare the support desk's working database at {path} ({exc}); "
                        f"set {SUPPORT_DB_ENV} to a writable file"
                    ) from exc
                self._path = path
            return self._path

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)) as connection:
            yield connection

    # --- reads ----------------------------------------------------------------------------

    def customer_by_email(self, email: str) -> dict[str, Any] | None:
        """The customer with this email (case and surrounding spaces ignored), or ``None``."""
        with self._reading() as db:
            row = db.execute(
                "SELECT id, name, email, city, joined FROM customers WHERE lower(email) = lower(?)",
                (email.strip(),),
            ).fetchone()
        return (
            None
            if row is None
            else dict(zip(("customer_id", "name", "email", "city", "joined"), row, strict=False))
        )

    def orders(self, customer_id: int) -> list[dict[str, Any]]:
        """The customer's orders, oldest first: id, date, status, total and refunded amounts."""
        with self._reading() as db:
            rows = [db.execute(_ORDER, (i,)).fetchone() for i in self._ids(db, customer_id)]
        return [_order_summary(row) for row in rows]

    def order(self, order_id: int, *, customer_id: int) -> dict[str, Any]:
        """One of the customer's orders with its items and refunds.

        Raises:
            ToolRetry: The order is not the customer's (or does not exist); the message lists
                the customer's orders.
        """
        with self._reading() as db:
            row = self._own_order(db, order_id, customer_id)
            items = db.execute(
                "SELECT p.name, p.category, i.quantity, i.unit_price_cents FROM order_items i "
                "JOIN products p ON p.id = i.product_id WHERE i.order_id = ? ORDER BY p.name",
                (order_id,),
            ).fetchall()
            refunds = db.execute(
                "SELECT id, amount_cents, reason, created FROM refunds WHERE order_id = ? "
                "ORDER BY id",
                (order_id,),
            ).fetchall()
        return {
            **_order_summary(row),
            "items": [
                {
                    "product": name,
                    "category": category,
                    "quantity": quantity,
                    "unit_price": money(price),
                }
                for name, category, quantity, price in items
            ],
            "refunds": [
                {"refund_id": rid, "amount": money(cents), "reason": reason, "created": created}
                for rid, cents, reason, created in refunds
            ],
        }

    # --- the one write --------------------------------------------------------------------

    def issue_refund(
        self, *, order_id: int, amount_cents: int, reason: str, customer_id: int, call_key: str
    ) -> dict[str, Any]:
        """Refund part or all of one of the customer's orders, once per ``call_key``.

        Args:
            order_id: The order.
            amount_cents: Amount to refund, in cents.
            reason: Why, as the customer put it.
            customer_id: The customer the conversation is with; the order must be theirs.
            call_key: Identifies the call: a second call with the same key writes nothing and
                returns the first one's refund.

        Returns:
            The refund (``already_recorded`` tells whether this key had written it before) and
            what remains refundable on the order.

        Raises:
            ToolRetry: The refund is refused; the message says why and what is allowed.
        """
        # isolation_level=None: transactions are ours (BEGIN IMMEDIATE takes the write lock first).
        with closing(sqlite3.connect(self.path, isolation_level=None, timeout=30)) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = self._refund_in_transaction(
                    db, order_id, amount_cents, reason, customer_id, call_key
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return result

    def _refund_in_transaction(
        self,
        db: sqlite3.Connection,
        order_id: int,
        amount_cents: int,
        reason: str,
        customer_id: int,
        call_key: str,
    ) -> dict[str, Any]:
        done = db.execute(
            "SELECT r.id, r.amount_cents, r.reason, r.created FROM support_refund_calls c "
            "JOIN refunds r ON r.id = c.refund_id WHERE c.call_key = ?",
            (call_key,),
        ).fetchone()
        row = self._own_order(db, order_id, customer_id)
        if done is not None:
            return _refund_answer(done, _order_summary(row), already=True)
        _, _, _, status, total, refunded = row
        if amount_cents <= 0:
            raise ToolRetry(
                f"Refund refused: the amount must be positive, got {money(amount_cents)}."
            )
        if status == "cancelled":
            raise ToolRetry(
                f"Refund refused: order {order_id} was cancelled, so there is no payment to refund "
                f"(already refunded: {money(refunded)})."
            )
        left = total - refunded
        if amount_cents > left:
            raise ToolRetry(
                f"Refund refused: {money(amount_cents)} is more than order {order_id} allows. "
                f"It totals {money(total)} and {money(refunded)} has been refunded already, so "
                f"at most {money(left)} can be refunded"
                + (" (nothing: it is fully refunded)." if left <= 0 else ".")
            )
        created = datetime.now(UTC).date().isoformat()
        cursor = db.execute(
            "INSERT INTO refunds (order_id, amount_cents, reason, created) VALUES (?, ?, ?, ?)",
            (order_id, amount_cents, reason, created),
        )
        db.execute(
            "INSERT INTO support_refund_calls (call_key, refund_id) VALUES (?, ?)",
            (call_key, cursor.lastrowid),
        )
        refund = (cursor.lastrowid, amount_cents, reason, created)
        return _refund_answer(
            refund, _order_summary(db.execute(_ORDER, (order_id,)).fetchone()), already=False
        )

    # --- shared -----------------------------------------------------------------------------

    @staticmethod
    def _ids(db: sqlite3.Connection, customer_id: int) -> list[int]:
        return [
            r[0]
            for r in db.execute(
                "SELECT id FROM orders WHERE customer_id = ? ORDER BY placed, id", (customer_id,)
            )
        ]

    def _own_order(
        self, db: sqlite3.Connection, order_id: int, customer_id: int
    ) -> tuple[Any, ...]:
        row: tuple[Any, ...] | None = db.execute(_ORDER, (order_id,)).fetchone()
        if row is None or row[1] != customer_id:
            # Same answer whether the order exists or not: nothing leaks about other customers.
            ids = self._ids(db, customer_id)
            listed = ", ".join(map(str, ids)) if ids else "none"
            raise ToolRetry(
                f"Order {order_id} is not an order of the current customer (id {customer_id}); "
                f"only their own orders can be looked at or refunded. Their orders: {listed}."
            )
        return row


def _build_once(path: Path) -> None:
    """Build the copy at ``path`` unless another process got there first (never replace one:
    it may hold refunds already)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    built = build_shop_db(name)
    try:
        os.link(built, path)  # fails if the file exists, unlike a rename
    except FileExistsError:
        pass  # another process built it first
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(built, path)
    finally:
        built.unlink(missing_ok=True)


def _order_summary(row: tuple[Any, ...]) -> dict[str, Any]:
    order_id, _, placed, status, total, refunded = row
    return {
        "order_id": order_id,
        "placed": placed,
        "status": status,
        "total": money(total),
        "refunded": money(refunded),
        "refundable": money(0 if status == "cancelled" else max(0, total - refunded)),
    }


def _refund_answer(
    refund: tuple[Any, ...], order: dict[str, Any], *, already: bool
) -> dict[str, Any]:
    refund_id, cents, reason, created = refund
    answer = {
        "refund_id": refund_id,
        "order_id": order["order_id"],
        "amount": money(cents),
        "reason": reason,
        "created": created,
        "already_recorded": already,
        "order_refunded": order["refunded"],
        "order_refundable": order["refundable"],
    }
    if already:
        answer["note"] = (
            "An identical refund call at this desk visit already made this refund; "
            "nothing new was refunded."
        )
    return answer

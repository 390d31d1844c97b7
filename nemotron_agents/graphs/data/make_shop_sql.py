"""Write ``shop.sql``, the bundled shop database, from a fixed seed.

The committed ``shop.sql`` is the source of truth; this script is how it was made, kept so the
data can be regenerated or extended reviewably. Same seed, same file::

    python nemotron_agents/graphs/data/make_shop_sql.py > nemotron_agents/graphs/data/shop.sql

The data is fictional: 40 customers, 30 products in 5 categories, 300 orders placed from
2025-01-01 to 2026-06-30 with their items, and refunds for returned and some cancelled orders.
Older orders are mostly delivered, recent ones pending or shipped, so status questions have
time-dependent answers; a few items sold below list price, so revenue depends on
``unit_price_cents``, not ``products.price_cents``.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from datetime import date, timedelta

SEED = 20250101
N_ORDERS = 300
FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 6, 30)

SCHEMA = """\
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT,
  email TEXT UNIQUE,
  city TEXT,
  joined TEXT
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  name TEXT,
  category TEXT,
  price_cents INTEGER
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers,
  placed TEXT,
  status TEXT CHECK (status IN ('pending','shipped','delivered','cancelled','returned'))
);
CREATE TABLE order_items (
  order_id INTEGER REFERENCES orders,
  product_id INTEGER REFERENCES products,
  quantity INTEGER,
  unit_price_cents INTEGER
);
CREATE TABLE refunds (
  id INTEGER PRIMARY KEY,
  order_id INTEGER REFERENCES orders,
  amount_cents INTEGER,
  reason TEXT,
  created TEXT
);
"""

FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Nikolai",
    "Olivia",
    "Pablo",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Amir",
    "Beatrice",
    "Carlos",
    "Daria",
    "Emil",
    "Fatima",
    "Gustav",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Marco",
    "Nora",
]
LAST_NAMES = [
    "Lovelace",
    "Costa",
    "Martin",
    "Ivanov",
    "Rossi",
    "Haddad",
    "Hopper",
    "Lefevre",
    "Garcia",
    "Berg",
    "Tanaka",
    "Murphy",
    "Patel",
    "Petrov",
    "Brown",
    "Ruiz",
    "Taylor",
    "Santos",
    "Khan",
    "Walsh",
    "Farouk",
    "Novak",
    "Li",
    "Lopez",
    "Demir",
    "Fischer",
    "Rahimi",
    "Conti",
    "Mendes",
    "Volkova",
    "Larsen",
    "Bakr",
    "Lind",
    "Sato",
    "Orlov",
    "Weber",
    "Mensah",
    "Vogel",
    "Bianchi",
    "Dahl",
]
CITIES = ["Lyon", "Berlin", "Madrid", "Milan", "Dublin", "Porto", "Vienna", "Krakow"]

PRODUCTS = {
    "Electronics": [
        ("Wireless Mouse", 2499),
        ("Mechanical Keyboard", 8999),
        ("USB-C Hub", 3999),
        ("Noise-Cancelling Headphones", 19999),
        ("27-inch Monitor", 27999),
        ("Webcam HD", 5999),
    ],
    "Books": [
        ("The Pragmatic Programmer", 3999),
        ("Designing Data-Intensive Applications", 4599),
        ("Clean Code", 3499),
        ("Deep Learning", 7499),
        ("SQL Cookbook", 2999),
        ("Structure and Interpretation of Computer Programs", 5499),
    ],
    "Home": [
        ("Coffee Grinder", 4999),
        ("French Press", 2799),
        ("Desk Lamp", 3499),
        ("Ceramic Mug Set", 1999),
        ("Cast Iron Skillet", 3999),
        ("Throw Blanket", 2999),
    ],
    "Garden": [
        ("Pruning Shears", 1899),
        ("Watering Can", 1499),
        ("Raised Garden Bed", 12999),
        ("Seed Starter Kit", 2299),
        ("Garden Hose 25m", 3499),
        ("Compost Bin", 7999),
    ],
    "Sports": [
        ("Yoga Mat", 2999),
        ("Running Shoes", 11999),
        ("Water Bottle", 1299),
        ("Resistance Bands", 1999),
        ("Cycling Helmet", 6999),
        ("Tennis Racket", 8999),
    ],
}

REFUND_REASONS = {
    "returned": ["damaged on arrival", "wrong item sent", "not as described", "changed mind"],
    "cancelled": ["cancelled before shipping", "payment issue"],
}


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _status(rng: random.Random, placed: date) -> str:
    age = (LAST_DAY - placed).days
    if age < 14:
        return rng.choice(["pending", "pending", "shipped"])
    if age < 30:
        return rng.choice(["shipped", "shipped", "delivered", "pending"])
    return rng.choices(["delivered", "cancelled", "returned"], weights=[88, 6, 6])[0]


def _sql(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _insert(table: str, rows: Sequence[tuple[object, ...]]) -> str:
    values = ",\n".join("(" + ", ".join(_sql(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES\n{values};\n"


def generate(seed: int = SEED) -> str:
    """The whole SQL script (schema and data) for ``seed``."""
    rng = random.Random(seed)  # noqa: S311 (seeded sample data)
    customers = []
    for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=False), start=1):
        joined = _day(rng, date(2023, 1, 1), date(2025, 12, 31))
        email = f"{first}.{last}@example.com".lower()
        customers.append((i, f"{first} {last}", email, rng.choice(CITIES), joined.isoformat()))

    products: list[tuple[int, str, str, int]] = []
    for category, listed in PRODUCTS.items():
        for name, price in listed:
            products.append((len(products) + 1, name, category, price))

    # A few customers buy a lot, some never: weights make "top customer" questions meaningful.
    weights = [rng.choice([0, 1, 2, 3, 6]) for _ in customers]
    orders: list[tuple[int, int, str, str]] = []
    items: list[tuple[int, int, int, int]] = []  # order_items rows
    refunds: list[tuple[int, int, int, str, str]] = []
    placed_days = sorted(_day(rng, FIRST_DAY, LAST_DAY) for _ in range(N_ORDERS))
    for order_id, placed in enumerate(placed_days, start=1):
        # Nobody orders before joining.
        eligible = [
            (c, w) for c, w in zip(customers, weights, strict=False) if c[4] <= placed.isoformat()
        ]
        customer = rng.choices([c for c, _ in eligible], weights=[w for _, w in eligible])[0]
        status = _status(rng, placed)
        orders.append((order_id, customer[0], placed.isoformat(), status))
        total = 0
        for product in rng.sample(products, rng.choice([1, 1, 2, 2, 3, 3, 4, 5])):
            quantity = rng.choices([1, 2, 3, 4], weights=[70, 20, 7, 3])[0]
            price = product[3]
            if rng.random() < 0.1:  # promotional price, 10-25% off
                price = round(price * (1 - rng.choice([0.10, 0.15, 0.20, 0.25])))
            items.append((order_id, product[0], quantity, price))
            total += quantity * price
        refund_chance = {"returned": 1.0, "cancelled": 0.5}.get(status, 0.0)
        if rng.random() < refund_chance:
            partial = status == "returned" and rng.random() < 0.3
            amount = round(total * 0.5) if partial else total
            created = min(placed + timedelta(days=rng.randint(3, 40)), LAST_DAY)
            reason = rng.choice(REFUND_REASONS[status])
            refunds.append((len(refunds) + 1, order_id, amount, reason, created.isoformat()))

    return (
        "-- The nemotron-agents example shop (fictional data), written by make_shop_sql.py.\n"
        f"-- Seed {seed}. Money is in integer cents; dates are ISO-8601 text (YYYY-MM-DD).\n"
        "BEGIN TRANSACTION;\n"
        + SCHEMA
        + _insert("customers", customers)
        + _insert("products", products)
        + _insert("orders", orders)
        + _insert("order_items", items)
        + _insert("refunds", refunds)
        + "COMMIT;\n"
    )


if __name__ == "__main__":
    sys.stdout.write(generate())

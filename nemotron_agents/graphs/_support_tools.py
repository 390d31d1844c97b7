"""The support desks' tools, made afresh for every visit to a desk.

Each visit gets a :class:`Session`: the working database, the customer the conversation is with
(recorded in the graph's state by the triage desk) and a key for the visit. The tools close over
it rather than read a context variable, because they run in worker threads. So a tool knows whose
orders it may show or refund without trusting the model's arguments: an order of another
customer is refused by the tool itself, whatever the model (or a prompt injection) asks for.

A ``transfer_to_<desk>`` tool only says that the conversation moves: the desk's agent stops on its
result (``build_agent(return_direct=...)``) and the graph's node turns it into
``Command(goto=<desk>)``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field

from nemotron_agents.errors import ToolRetry
from nemotron_agents.graphs._support_db import SupportDB, money
from nemotron_agents.tools import Tool, ToolRegistry, tool

__all__ = ["DESKS", "FIND_CUSTOMER", "Session", "all_tools", "desk_tools", "transfer_name"]

#: Desk name -> what it does (the handoff tool's description).
DESKS: dict[str, str] = {
    "triage": (
        "the triage desk: to identify the customer, or for a question neither orders nor "
        "refunds handles"
    ),
    "orders": "the orders desk: order status, contents, totals and delivery questions",
    "refunds": "the refunds desk: refund requests and the refunds of an order",
}
FIND_CUSTOMER = "find_customer"


def transfer_name(desk: str) -> str:
    """The name of the tool that hands the conversation to ``desk``."""
    return f"transfer_to_{desk}"


@dataclass
class Session:
    """What the tools of one desk visit share.

    Attributes:
        db: The support desk's working database.
        customer_id: The customer the conversation is with, once identified.
        handoffs_left: Transfers still allowed in this turn (a guard against desks passing the
            customer back and forth).
        visit_key: Names this visit to the desk the same way when it is resumed (thread and
            LangGraph task), so a refund call run again after a crash is recognised.
        lock: Guards the fields above against tool calls running at once.
    """

    db: SupportDB
    customer_id: int | None = None
    handoffs_left: int = 4
    visit_key: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def customer(self) -> int:
        """The current customer's id.

        Raises:
            ToolRetry: No customer is identified yet.
        """
        if self.customer_id is None:
            raise ToolRetry(
                "No customer is identified in this conversation yet. Hand the conversation to the "
                f"triage desk ({transfer_name('triage')}) so it can identify the customer by email."
            )
        return self.customer_id


def desk_tools(desk: str, session: Session) -> ToolRegistry:
    """The tools of ``desk`` for one visit: its own plus a transfer to every other desk.

    Raises:
        KeyError: ``desk`` is not one of :data:`DESKS`.
    """
    own = {
        "triage": lambda: [_find_customer(session)],
        "orders": lambda: [_list_orders(session), _order_details(session)],
        "refunds": lambda: [_list_orders(session), _refund_status(session), _issue_refund(session)],
    }[desk]()
    return ToolRegistry([*own, *(_transfer(other, session) for other in DESKS if other != desk)])


def all_tools() -> ToolRegistry:
    """Every tool of every desk, once each (for listings; opens no database)."""
    session = Session(db=SupportDB())
    seen: dict[str, Tool] = {}
    for desk in DESKS:
        for item in desk_tools(desk, session):
            seen.setdefault(item.name, item)
    return ToolRegistry(seen.values())


# --- triage ---------------------------------------------------------------------------------


def _find_customer(session: Session) -> Tool:
    @tool
    def find_customer(email: str) -> dict[str, Any]:
        """Identify the customer by the email address of their account.

        Args:
            email: The customer's email address, as they gave it.
        """
        customer = session.db.customer_by_email(email)
        with session.lock:
            found = customer and customer["customer_id"]
            # Once identified, any other email gets the same answer, existing or not.
            if session.customer_id not in (None, found):
                raise ToolRetry(
                    f"This conversation is already with customer {session.customer_id}; it "
                    "cannot switch to another customer's account. Someone else must start a "
                    "conversation of their own."
                )
            if customer is None:
                raise ToolRetry(
                    f"No customer has the email {email.strip()!r}. Ask the customer to check it."
                )
            session.customer_id = customer["customer_id"]
        return customer

    return find_customer


def _transfer(desk: str, session: Session) -> Tool:
    def transfer(reason: str) -> str:
        with session.lock:
            if session.handoffs_left <= 0:
                raise ToolRetry("No more transfers in this turn: answer the customer yourself.")
            if desk != "triage" and session.customer_id is None:
                raise ToolRetry(
                    "Identify the customer first (ask for their email and call "
                    f"{FIND_CUSTOMER}), then transfer."
                )
            session.handoffs_left -= 1
        return f"Transferred to the {desk} desk."

    transfer.__doc__ = f"""Hand the conversation to {DESKS[desk]}.

        Args:
            reason: One sentence for the next desk: what the customer needs.
        """
    return tool(name=transfer_name(desk))(transfer)


# --- orders ---------------------------------------------------------------------------------


def _list_orders(session: Session) -> Tool:
    @tool
    def list_orders(customer_id: int) -> list[dict[str, Any]]:
        """List a customer's orders, oldest first, with status, total and refunded amounts.

        Args:
            customer_id: The customer's id, as find_customer gave it (only the current customer's).
        """
        current = session.customer()
        if customer_id != current:
            raise ToolRetry(
                "Only the current customer's orders can be listed: call list_orders with "
                f"customer_id={current}."
            )
        return session.db.orders(current)

    return list_orders


def _order_details(session: Session) -> Tool:
    @tool
    def order_details(order_id: int) -> dict[str, Any]:
        """Show one of the customer's orders: status, items with prices, total and refunds.

        Args:
            order_id: The order's id (see list_orders).
        """
        return session.db.order(order_id, customer_id=session.customer())

    return order_details


# --- refunds --------------------------------------------------------------------------------


def _refund_status(session: Session) -> Tool:
    @tool
    def refund_status(order_id: int) -> dict[str, Any]:
        """Show what an order cost, what has been refunded and what still can be.

        Args:
            order_id: The order's id (see list_orders).
        """
        order = session.db.order(order_id, customer_id=session.customer())
        keys = ("order_id", "status", "total", "refunded", "refundable", "refunds")
        return {key: order[key] for key in keys}

    return refund_status


def _issue_refund(session: Session) -> Tool:
    @tool(requires_approval=True)
    def issue_refund(
        order_id: int,
        amount: float,
        reason: Annotated[str, Field(max_length=300)],
    ) -> dict[str, Any]:
        """Refund part or all of one of the customer's orders (at most its total minus earlier
        refunds; never a cancelled order). A person approves each refund first.

        Args:
            order_id: The order's id (see list_orders).
            amount: How much to refund, a positive amount with at most two decimals, e.g. 12.50.
            reason: Why, in the customer's words (e.g. 'arrived damaged').
        """
        customer = session.customer()
        cents = _cents(amount)
        if not reason.strip():
            raise ToolRetry(
                "Give the reason for the refund, in the customer's words (e.g. 'arrived damaged')."
            )
        key = hashlib.sha256(
            json.dumps([session.visit_key, order_id, cents, reason]).encode()
        ).hexdigest()
        return session.db.issue_refund(
            order_id=order_id,
            amount_cents=cents,
            reason=reason.strip(),
            customer_id=customer,
            call_key=key,
        )

    return issue_refund


def _cents(amount: float) -> int:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ToolRetry(f"The amount must be a number, e.g. 12.50; got {amount!r}.") from None
    if not value.is_finite() or value <= 0:
        raise ToolRetry(f"Refund refused: the amount must be positive, got {amount}.")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ToolRetry(
            f"The amount has at most two decimals (cents), got {amount}; e.g. {money(int(cents))}."
        )
    return int(cents)

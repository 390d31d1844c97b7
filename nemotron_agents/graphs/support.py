"""Support desk: a triage agent hands the conversation to the orders or refunds desk.

LangGraph handoffs: each desk is a tool-calling agent (:func:`~nemotron_agents.agents.build_agent`)
wrapped in a node that returns ``Command(goto=<next desk>, update=...)`` when the agent called a
``transfer_to_<desk>`` tool, and ends the turn when it answered. The customer's next message goes
to the desk that spoke last. Customers, orders and refunds live in the bundled shop database.

```
START ─(the desk that spoke last; triage at first)─► triage | orders | refunds

    triage ◄──────► orders        each desk: a tool-calling agent; a transfer_to_<desk> call ends
       ▲               ▲          it and its node returns Command(goto=<desk>); an answer ends
       └──► refunds ◄──┘          the turn (END). issue_refund waits for a person's approval.
```

* ``triage`` identifies the customer (``find_customer`` by email) and records ``customer_id`` in
  the state; every later tool serves that customer only, whatever ids the model passes.
* ``orders`` answers about the customer's orders; ``refunds`` refunds them. ``issue_refund``
  interrupts the run until a person approves, edits or rejects it (run with a checkpointer) and
  refuses, by itself, amounts over what is left to refund, cancelled orders, other customers'
  orders and non-positive amounts.
* Refunds are written to the desk's own working copy of the shop database (``db_path=`` or
  ``NEMOTRON_SUPPORT_DB``; by default a copy in the cache directory), keyed by the desk visit and
  the call's arguments: a refund call run again after a crash finds its refund and writes nothing.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Command
from typing_extensions import TypedDict

from nemotron_agents.agents import AgentState, InputState, OutputState, build_agent
from nemotron_agents.agents.context import AgentContext, recursion_backstop
from nemotron_agents.agents.state import ModelTurn, add_turns, merge_messages, merge_usage
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs._model_calls import text_of
from nemotron_agents.graphs._support_db import SupportDB
from nemotron_agents.graphs._support_tools import (
    DESKS,
    FIND_CUSTOMER,
    Session,
    all_tools,
    desk_tools,
    transfer_name,
)
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.settings import Settings

__all__ = [
    "DESCRIPTION",
    "MAX_HANDOFFS",
    "PROMPTS",
    "SPEC",
    "SupportInput",
    "SupportOutput",
    "SupportState",
    "build_graph",
    "make_graph",
]

DESCRIPTION = (
    "Support desk: triage hands off to orders and refunds desks; refunds need a person's approval."
)

#: Most transfers between desks while answering one customer message.
MAX_HANDOFFS = 4

Desk = Literal["triage", "orders", "refunds"]

_UNKNOWN = "No customer is identified yet."
_KNOWN = "The current customer has id {customer_id}; you can only see and act on their orders."

PROMPTS: dict[str, str] = {
    "triage": (
        "You are the triage desk of an online shop's customer support. First identify the "
        "customer: ask for the email address of their account and call `find_customer`. Then hand "
        "the conversation over: `transfer_to_orders` for questions about orders (status, items, "
        "totals, delivery), `transfer_to_refunds` for refunds. Answer anything else briefly "
        "yourself. Never promise a refund. {customer}"
    ),
    "orders": (
        "You are the orders desk of an online shop's customer support. Answer questions about the "
        "customer's orders with `list_orders` and `order_details`, in a few sentences. For a "
        "refund call `transfer_to_refunds`; for anything else, `transfer_to_triage`. {customer}"
    ),
    "refunds": (
        "You are the refunds desk of an online shop's customer support. Check the order with "
        "`refund_status`, then call `issue_refund` with the amount and the customer's reason; a "
        "person approves every refund. If a refund is refused or rejected, tell the customer why "
        "and do not retry it unchanged. For order questions call `transfer_to_orders`; for "
        "anything else, `transfer_to_triage`. {customer}"
    ),
}


class SupportInput(InputState):
    """What a caller sends: the customer's new message(s)."""


class SupportOutput(TypedDict, total=False):
    """What a caller gets back.

    Attributes:
        messages: The conversation, every desk's turns included.
        customer_id: The customer the conversation is with, once triage identified them.
        active_desk: The desk that spoke last; the next message goes there.
        usage: Tokens per model id, over the thread.
        turns: One entry per model call, over the thread.
    """

    messages: Annotated[list[AnyMessage], merge_messages]
    customer_id: int | None
    active_desk: Desk
    usage: Annotated[dict[str, dict[str, int]], merge_usage]
    turns: Annotated[list[ModelTurn], add_turns]


class SupportState(SupportOutput, total=False):
    """The whole state.

    Attributes:
        handoffs: Transfers made while answering the current customer message.
    """

    handoffs: int


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 10,
    db_path: str | os.PathLike[str] | None = None,
) -> CompiledStateGraph[SupportState, AgentContext, SupportInput, SupportOutput]:
    """The support desk graph: ``triage``, ``orders`` and ``refunds`` with handoffs between them.

    Args:
        model: Chat model of every desk; Mistral-Nemotron from settings when ``None``.
        fallback_model: Fallback model; Mistral-NeMo 12B when ``None`` (see ``build_agent``).
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer; needed to approve refunds (the run pauses) and
            to resume threads.
        max_steps: Most model calls per desk visit.
        db_path: The desk's working copy of the shop database; ``NEMOTRON_SUPPORT_DB``, else a
            copy in the cache directory, when ``None``. Built from the shop script on first use.
    """
    if max_steps < 1:
        raise ConfigError(f"max_steps must be at least 1, got {max_steps}")
    settings = settings or Settings.from_env()
    db = SupportDB(db_path)
    graph = StateGraph(
        SupportState,
        context_schema=AgentContext,
        input_schema=SupportInput,
        output_schema=SupportOutput,
    )
    for desk in DESKS:
        node = _desk_node(
            desk,
            db=db,
            model=model,
            fallback_model=fallback_model,
            settings=settings,
            max_steps=max_steps,
        )
        # destinations= lets the drawing show the handoffs, which only the Command knows of.
        graph.add_node(desk, node, destinations=(*(d for d in DESKS if d != desk), END))
    # A new customer message goes to the desk that answered the last one.
    graph.add_conditional_edges(
        START, lambda state: state.get("active_desk") or "triage", list(DESKS)
    )
    compiled = graph.compile(checkpointer=checkpointer, name="support")
    return compiled.with_config(recursion_limit=recursion_backstop(max_steps))


def _desk_node(
    desk: str,
    *,
    db: SupportDB,
    model: BaseChatModel | None,
    fallback_model: BaseChatModel | Literal[False] | None,
    settings: Settings,
    max_steps: int,
) -> RunnableLambda[SupportState, Command[str]]:
    """The node of one desk: its agent, run on the conversation, then a handoff or the end."""
    handoff_tools = {transfer_name(other): other for other in DESKS if other != desk}

    def visit(
        state: SupportState, config: RunnableConfig
    ) -> tuple[CompiledStateGraph[AgentState, AgentContext, InputState, OutputState], int]:
        customer_id = state.get("customer_id")
        # A turn starts with the customer's message; transfers are counted per turn.
        made = (
            0
            if isinstance(state["messages"][-1], HumanMessage)
            else int(state.get("handoffs") or 0)
        )
        configurable = config.get("configurable", {})
        # The same on resume (same thread, same task), so a repeated refund call is recognised.
        where = [str(configurable.get(key, "")) for key in ("thread_id", "checkpoint_ns")]
        session = Session(
            db=db,
            customer_id=customer_id,
            handoffs_left=MAX_HANDOFFS - made,
            visit_key="|".join(where),
        )
        customer = _UNKNOWN if customer_id is None else _KNOWN.format(customer_id=customer_id)
        agent = build_agent(
            tools=desk_tools(desk, session),
            system_prompt=PROMPTS[desk].format(customer=customer),
            return_direct=list(handoff_tools),
            name=desk,
            model=model,
            fallback_model=fallback_model,
            settings=settings,
            max_steps=max_steps,
        )
        return agent, made

    def conclude(state: SupportState, result: dict[str, Any], made: int) -> Command[str]:
        seen = {m.id for m in state["messages"]}
        new = [m for m in result["messages"] if m.id not in seen]
        target = _handoff(new, handoff_tools)
        update: dict[str, Any] = {
            "messages": new,
            "usage": result.get("usage") or {},
            "turns": result.get("turns") or [],
            "active_desk": target or desk,
            "handoffs": made + int(target is not None),
        }
        if state.get("customer_id") is None and (found := _found_customer(new)) is not None:
            update["customer_id"] = found
        return Command(goto=target or END, update=update)

    def run(state: SupportState, config: RunnableConfig) -> Command[str]:
        agent, made = visit(state, config)
        return conclude(state, agent.invoke({"messages": state["messages"]}, config), made)

    async def arun(state: SupportState, config: RunnableConfig) -> Command[str]:
        agent, made = visit(state, config)
        return conclude(state, await agent.ainvoke({"messages": state["messages"]}, config), made)

    return RunnableLambda(run, afunc=arun, name=desk)


def _handoff(new: list[BaseMessage], handoff_tools: dict[str, str]) -> str | None:
    """The desk the agent transferred to (its first successful transfer), or ``None``."""
    for message in new:
        if (
            isinstance(message, ToolMessage)
            and message.status != "error"
            and message.name in handoff_tools
        ):
            return handoff_tools[message.name]
    return None


def _found_customer(new: list[BaseMessage]) -> int | None:
    """The customer the first successful ``find_customer`` call identified, or ``None``."""
    for message in new:
        if (
            isinstance(message, ToolMessage)
            and message.name == FIND_CUSTOMER
            and message.status != "error"
        ):
            return int(json.loads(text_of(message))["customer_id"])
    return None


SPEC = GraphSpec(
    name="support",
    description=DESCRIPTION,
    tools=all_tools,
    build=build_graph,
    example="Hi, I'm ada.lovelace@example.com. What is the status of my order 289?",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

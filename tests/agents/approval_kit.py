"""What the approval tests share: a gated ``refund`` tool, an ungated ``lookup``, and a graph
stopped at the approval of a model turn (``pause``)."""

from typing import Annotated

from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import Field

from nemotron_agents.agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import ToolRegistry, tool

#: ``(order_id, amount)`` of every refund that really ran.
REFUNDS: list[tuple[str, float]] = []


@tool(requires_approval=True)
def refund(order_id: str, amount: Annotated[float, Field(gt=0, le=100)]) -> str:
    """Refunds part of an order (side effect).

    Args:
        order_id: The order.
        amount: Euros to refund, at most 100.
    """
    REFUNDS.append((order_id, amount))
    return f"refunded {amount} on {order_id}"


@tool
def lookup(order_id: str) -> str:
    """Looks an order up (no side effect).

    Args:
        order_id: The order.
    """
    return f"{order_id}: paid 80"


#: Two refunds that need approval, with a lookup between them that needs none.
CALLS = [
    tool_call("refund", {"order_id": "A1", "amount": 50}, id="RefA00001"),
    tool_call("lookup", {"order_id": "A1"}, id="Look00001"),
    tool_call("refund", {"order_id": "B2", "amount": 20}, id="RefB00001"),
]


def pause(turn, *later_turns, **build_options):
    """Build an agent whose model answers ``turn`` (then ``later_turns``, else "done"), ask it
    something, and return ``(graph, config, first_result, model)`` with the run stopped at the
    approval of ``turn``'s gated calls."""
    REFUNDS.clear()
    model = ScriptedChatModel([turn, *(later_turns or ["done"])])
    graph = build_agent(
        model=model,
        tools=ToolRegistry([refund, lookup]),
        checkpointer=InMemorySaver(),
        fallback_model=False,
        **build_options,
    )
    config = {"configurable": {"thread_id": "t"}}
    first = graph.invoke({"messages": [HumanMessage("refund please")]}, config)
    return graph, config, first, model


def results(state):
    """The tool results of a state, by call id."""
    return {m.tool_call_id: m for m in state["messages"] if isinstance(m, ToolMessage)}

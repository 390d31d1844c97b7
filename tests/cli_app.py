"""A graph of our own, registered the way a user would, for driving the CLI in tests.

``refunds`` has an approval-gated ``issue_refund`` tool and a ``wait_for_gate`` tool that blocks
until a file appears (so a test can hold a run in the middle of a tool call). Its scripted model
reads the last message:

* ``"refund A1 50"``, ``"refund A1 50 and B2 20"`` -> one ``issue_refund`` call per order;
* ``"wait"`` -> ``wait_for_gate``;
* anything else -> an answer listing every question asked in the thread so far;
* a tool result -> ``"Done: <results>"``.

In-process tests add ``SPEC`` to ``GRAPHS`` with ``monkeypatch``; child processes run this file:
``python cli_app.py run refunds "refund A1 50" --db ...``, which registers the graph and calls
``nemotron_agents.cli.main``. Side effects go to files named by environment variables:
``REFUND_LOG`` (one line per refund) and ``GATE_DIR`` (``started`` written when the wait begins,
``open`` awaited).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import Field

from nemotron_agents.agents import build_agent
from nemotron_agents.graphs import GraphSpec
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import ToolRegistry, tool


@tool(requires_approval=True)
def issue_refund(order_id: str, amount: Annotated[float, Field(gt=0, le=100)]) -> str:
    """Refund part of an order to the customer's card.

    Args:
        order_id: The order to refund.
        amount: Euros to refund, at most 100.
    """
    with open(os.environ["REFUND_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{order_id} {amount:g}\n")
    return f"refunded {amount:g} on {order_id}"


@tool
def wait_for_gate(note: str) -> str:
    """Wait until the test opens the gate.

    Args:
        note: Anything.
    """
    gate = Path(os.environ["GATE_DIR"])
    (gate / f"started-{os.getpid()}").write_text(note)
    while not (gate / "open").exists():  # bounded by the test, which always opens or kills
        time.sleep(0.05)
    return f"gate passed by {os.getpid()}"


TOOLS = ToolRegistry([issue_refund, wait_for_gate])


def script(messages: list[Any], tools: list[dict[str, Any]]) -> Any:
    last = messages[-1]
    if isinstance(last, ToolMessage):
        results = [m.content for m in messages[messages.index(_last_ai(messages)) + 1 :]]
        return "Done: " + " | ".join(results)
    text = str(last.content)
    if text.startswith("refund"):
        calls = []
        for clause in text.removeprefix("refund ").split(" and "):
            order_id, amount = clause.split()
            calls.append(tool_call("issue_refund", {"order_id": order_id, "amount": float(amount)}))
        return calls
    if text == "wait":
        return [tool_call("wait_for_gate", {"note": "waiting"})]
    asked = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    return f"Questions so far: {' / '.join(asked)}"


def _last_ai(messages: list[Any]) -> AIMessage:
    return next(m for m in reversed(messages) if isinstance(m, AIMessage))


def build(
    *, model=None, fallback_model=None, settings=None, checkpointer=None, max_steps: int = 10
) -> Any:
    """The refunds graph; the model is always the scripted one (settings are ignored)."""
    return build_agent(
        model=ScriptedChatModel(script=script, model="scripted"),
        tools=TOOLS,
        fallback_model=False,
        checkpointer=checkpointer,
        max_steps=max_steps,
        name="refunds",
    )


SPEC = GraphSpec(
    name="refunds",
    description="Refunds that need approval (tests).",
    tools=TOOLS,
    build=build,
    example="refund A1 50",
)


if __name__ == "__main__":
    from nemotron_agents.cli import main
    from nemotron_agents.graphs import GRAPHS

    GRAPHS["refunds"] = SPEC  # how a user adds a graph of their own to the command line
    sys.exit(main(sys.argv[1:]))

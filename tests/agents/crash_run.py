"""One agent turn that charges a card and writes a slow report, saved in SQLite.

Run by ``test_tool_durability.py`` in a child process, which kills it with SIGKILL while the
report is being written and then resumes the thread in a new process:

    python crash_run.py DB LEDGER start|resume invoke|ainvoke

``start`` asks the question (the report sleeps until the process is killed); ``resume``
continues the saved thread with ``invoke(None, config)`` and prints the outcome as JSON.
"""

import asyncio
import json
import sqlite3
import sys
import time

from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents.agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call
from nemotron_agents.tools import tool

DB, LEDGER, PHASE, RUN = sys.argv[1:5]
THREAD = {"configurable": {"thread_id": "order-1"}}


@tool
def charge_card(amount: int) -> str:
    """Charge the customer's card; every charge is one line of the ledger file.

    Args:
        amount: Amount in cents.
    """
    with open(LEDGER, "a", encoding="utf-8") as ledger:
        ledger.write(f"charge {amount}\n")
    return f"charged {amount}"


@tool
def slow_report(seconds: int) -> str:
    """Write a report, slowly.

    Args:
        seconds: How long the report takes.
    """
    time.sleep(seconds if PHASE == "start" else 0)  # the first process dies during this sleep
    return "report ready"


TURNS = [
    [
        tool_call("charge_card", {"amount": 500}, id="Charge001"),
        tool_call("slow_report", {"seconds": 30}, id="Report001"),
    ],
    "Charged 500 and the report is ready.",
]


def main() -> None:
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    model = ScriptedChatModel(TURNS if PHASE == "start" else TURNS[1:])
    inputs = (
        {"messages": [HumanMessage("Charge 500 and write the report.")]}
        if PHASE == "start"
        else None
    )
    if RUN == "invoke":
        connection = sqlite3.connect(DB, check_same_thread=False)
        graph = build_agent(
            model=model,
            tools=[charge_card, slow_report],
            checkpointer=SqliteSaver(connection),
            fallback_model=False,
        )
        result = graph.invoke(inputs, THREAD)
    else:

        async def run() -> dict:
            async with AsyncSqliteSaver.from_conn_string(DB) as saver:
                graph = build_agent(
                    model=model,
                    tools=[charge_card, slow_report],
                    checkpointer=saver,
                    fallback_model=False,
                )
                return await graph.ainvoke(inputs, THREAD)

        result = asyncio.run(run())
    tools = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    print(
        json.dumps(
            {
                "tools": [[m.tool_call_id, m.content] for m in tools],
                "answer": result["messages"][-1].content,
            }
        )
    )


if __name__ == "__main__":
    main()

"""A refund approved and written, then the process dies before the run saves the result.

Run by ``test_support.py`` in a child process, which kills it with SIGKILL once the refund row is
in the database (this process then sleeps inside the refund call) and resumes the thread in a
new process:

    python support_crash_run.py THREADS_DB SUPPORT_DB ORDER_ID start|resume

``resume`` continues the saved thread (approving again if the run asks) and prints the
``issue_refund`` result and the final answer as JSON.
"""

import json
import sqlite3
import sys
import time

from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from nemotron_agents.graphs._support_db import SupportDB
from nemotron_agents.graphs.support import build_graph
from nemotron_agents.testing import ScriptedChatModel, tool_call

THREADS, SUPPORT, ORDER, PHASE = sys.argv[1:5]
CONFIG = {"configurable": {"thread_id": "refund-1"}}
TURNS = [
    [tool_call("find_customer", {"email": "ada.lovelace@example.com"})],
    [tool_call("transfer_to_refunds", {"reason": "damaged"})],
    [
        tool_call(
            "issue_refund",
            {"order_id": int(ORDER), "amount": 7, "reason": "arrived damaged"},
            id="refund001",
        )
    ],
    "Refunded 7.00.",
]


def main() -> None:
    if PHASE == "start":
        write = SupportDB.issue_refund

        def write_then_hang(self, **kwargs):
            result = write(self, **kwargs)  # committed
            time.sleep(600)  # killed here, before the tools node returns
            return result

        SupportDB.issue_refund = write_then_hang
    model = ScriptedChatModel(TURNS if PHASE == "start" else TURNS[-1:])
    saver = SqliteSaver(sqlite3.connect(THREADS, check_same_thread=False))
    graph = build_graph(model=model, fallback_model=False, db_path=SUPPORT, checkpointer=saver)
    if PHASE == "start":
        graph.invoke(
            {
                "messages": [
                    HumanMessage("I'm ada.lovelace@example.com; refund 7.00, it arrived damaged")
                ]
            },
            CONFIG,
        )
        graph.invoke(Command(resume=True), CONFIG)
        raise SystemExit("the refund call should never return in the first process")
    asked_again = bool(graph.get_state(CONFIG).interrupts)
    result = graph.invoke(Command(resume=True) if asked_again else None, CONFIG)
    (refund,) = [
        m for m in result["messages"] if isinstance(m, ToolMessage) and m.name == "issue_refund"
    ]
    print(
        json.dumps(
            {
                "refund": json.loads(refund.content),
                "asked_again": asked_again,
                "answer": result["messages"][-1].content,
            }
        )
    )


if __name__ == "__main__":
    main()

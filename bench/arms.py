"""The three loops under test, built the same way: one scripted model, one tool, N tool calls.

Every arm gets a fresh model and counter per run (built outside the timed region), so the model's
own cost is constant per call and equal for every arm; a run that does not execute exactly N
tool calls is an error, never a number.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, ToolMessage

from nemotron_agents import build_agent
from nemotron_agents.testing import ScriptedChatModel, tool_call

__all__ = ["ARMS", "SUMMARY", "BenchError", "Run", "make_run"]

ARMS = ("build_agent", "create_agent", "create_react_agent")


class BenchError(RuntimeError):
    """An arm did not do the work it was timed for."""


@dataclass
class Run:
    """One prepared run: the graph, its input and config, and what it must have done."""

    arm: str
    graph: Any
    inputs: dict[str, Any]
    config: dict[str, Any]
    expected_calls: int
    executed: list[int] = field(default_factory=lambda: [0])

    def check(self) -> None:
        if self.executed[0] != self.expected_calls:
            raise BenchError(
                f"{self.arm} ran {self.executed[0]} tool calls, expected {self.expected_calls}"
            )


def scripted_model(n: int) -> ScriptedChatModel:
    """A model that asks for one ``add`` call per turn until ``n`` were asked, then answers."""
    asked = [0]

    def script(messages: list[Any], tools: Any) -> Any:
        if asked[0] < n and (asked[0] == 0 or isinstance(messages[-1], ToolMessage)):
            asked[0] += 1
            return [tool_call("add", {"a": asked[0], "b": 1})]
        return "done"

    return ScriptedChatModel(script)


def counting_add(executed: list[int]) -> Callable[..., int]:
    def add(a: int, b: int) -> int:
        """Add two integers.

        Args:
            a: First addend.
            b: Second addend.
        """
        executed[0] += 1
        return a + b

    return add


#: What the bench's summariser model writes, whatever it is asked.
SUMMARY = "Summary: the user asked for additions; all went well."


def make_run(
    arm: str,
    n: int,
    *,
    checkpointer: Any = None,
    thread: str = "bench",
    summarise_at: int | None = None,
) -> Run:
    """Build ``arm`` for an ``n``-call run (untimed).

    ``summarise_at``: a history budget in tokens, past which older messages become a summary
    (``max_history_tokens`` for ours, LangChain's ``SummarizationMiddleware`` for
    ``create_agent``; ``create_react_agent`` has none).
    """
    if summarise_at is not None and arm == "create_react_agent":
        raise ValueError(
            "create_react_agent has no summariser; arms with one: build_agent, create_agent"
        )
    executed = [0]
    add = counting_add(executed)
    model = scripted_model(n)
    # The peers need LangGraph's recursion limit raised for long runs; ours sets its own from
    # max_steps (a config value here would override it).
    # (A summarising middleware adds a superstep to every turn.)
    per_turn = 3 if summarise_at is not None else 2
    config: dict[str, Any] = {} if arm == "build_agent" else {"recursion_limit": per_turn * n + 20}
    if checkpointer is not None:
        config["configurable"] = {"thread_id": thread}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if arm == "build_agent":
            graph = build_agent(
                model=model,
                tools=[add],
                fallback_model=False,
                max_steps=n + 5,
                checkpointer=checkpointer,
                max_history_tokens=summarise_at,
                summarizer=ScriptedChatModel(lambda m, t: SUMMARY) if summarise_at else None,
            )
        elif arm == "create_agent":
            from langchain.agents import create_agent

            middleware: list[Any] = []
            if summarise_at is not None:
                from langchain.agents.middleware import SummarizationMiddleware

                middleware.append(
                    SummarizationMiddleware(
                        ScriptedChatModel(lambda m, t: SUMMARY),
                        trigger=("tokens", summarise_at),
                        keep=("messages", 20),
                    )
                )
            graph = create_agent(model, [add], checkpointer=checkpointer, middleware=middleware)
        elif arm == "create_react_agent":
            from langgraph.prebuilt import create_react_agent

            graph = create_react_agent(model, [add], checkpointer=checkpointer)
        else:
            raise ValueError(f"unknown arm {arm!r}; arms: {ARMS}")
    inputs = {"messages": [HumanMessage(f"add {n} times")]}
    return Run(
        arm=arm, graph=graph, inputs=inputs, config=config, expected_calls=n, executed=executed
    )

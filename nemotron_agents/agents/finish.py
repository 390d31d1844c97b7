"""The ``finish`` node: end a run that used up its step budget with an answer, not an exception.

LangChain's ``ModelCallLimitMiddleware(run_limit=N, exit_behavior="end")`` also ends a run with
an ``AIMessage``; written here all the same because (checked against langchain 1.5) its text is
only "Model call limits exceeded: run limit (N/N)", with nothing of what the run found and no
mark a caller can test for, and its run count is kept in an untracked channel, not in the
checkpoint, so each resume after an approval counts from zero again (with ``run_limit=2`` and an
approval on every turn, a run made five model calls). Here the steps are counted in the saved
state from the user's last message, a run's context may set its own ``max_steps``, and the
answer names the limit, how to raise it and the last tool result, with
``response_metadata={"stopped": "max_steps", "max_steps": N}``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import Runnable

from nemotron_agents.agents._node import node
from nemotron_agents.agents.context import run_context
from nemotron_agents.agents.state import AgentState

__all__ = ["STOPPED_TEMPLATE", "make_finish_node"]

STOPPED_TEMPLATE = (
    "I stopped after {steps} {step_word} without reaching a final answer (the limit is max_steps="
    "{steps}). {last}Ask again with more detail, or raise max_steps."
)


def make_finish_node(*, max_steps: int) -> Runnable[AgentState, dict[str, Any]]:
    """Build the node that writes the "stopped after N steps" answer.

    Args:
        max_steps: The build-time limit; a run's context may set another.
    """

    def finish(state: AgentState) -> dict[str, Any]:
        limit = run_context().get("max_steps", max_steps)
        last = ""
        for message in reversed(state.get("messages") or []):
            if isinstance(message, ToolMessage):
                text = message.content if isinstance(message.content, str) else str(message.content)
                last = f"The last tool result ({message.name}) was: {text[:300]}. "
                break
        answer = AIMessage(
            content=STOPPED_TEMPLATE.format(
                steps=limit, step_word="step" if limit == 1 else "steps", last=last
            ),
            response_metadata={"stopped": "max_steps", "max_steps": limit},
        )
        return {"messages": [answer]}

    return node(finish, name="finish")

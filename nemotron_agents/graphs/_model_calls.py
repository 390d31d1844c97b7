"""One model call from a graph's own node (outside ``build_agent``), done the agent's way.

The request goes through Mistral hygiene (:func:`~nemotron_agents.models.hygiene.prepare_messages`)
and a :class:`~nemotron_agents.models.fallback.ModelChain` (retries, ``Retry-After``, fallback);
the answer comes back with the state updates every graph records: ``usage`` per model and one
``turns`` entry, as ``agents/_model_node.py`` writes them. Shared by the report and router graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

from nemotron_agents.agents import pick_chain
from nemotron_agents.agents.context import AgentContext
from nemotron_agents.errors import ModelCallError, ModelUnavailableError
from nemotron_agents.models.fallback import CallOutcome, ModelChain
from nemotron_agents.models.hygiene import prepare_messages

__all__ = ["Chain", "acall_model", "call_model", "failed_turn", "recorded", "text_of"]

#: A chain, or a selector picking one from the run's context (``agents/_run_models.py``).
Chain = ModelChain | Callable[[AgentContext], ModelChain]


def call_model(
    chain: Chain, messages: Sequence[BaseMessage], config: RunnableConfig | None
) -> CallOutcome:
    """Ask the chain's models in order (sync).

    Raises:
        ModelCallError: No model answered (see :class:`ModelChain`).
    """
    return pick_chain(chain).invoke(prepare_messages(list(messages)), config=config)


async def acall_model(
    chain: Chain, messages: Sequence[BaseMessage], config: RunnableConfig | None
) -> CallOutcome:
    """Ask the chain's models in order (async).

    Raises:
        ModelCallError: No model answered (see :class:`ModelChain`).
    """
    return await pick_chain(chain).ainvoke(prepare_messages(list(messages)), config=config)


def recorded(outcome: CallOutcome, node: str) -> dict[str, Any]:
    """The ``usage`` and ``turns`` updates for an answered call."""
    return {"usage": outcome.usage(), "turns": [outcome.turn(node)]}


def failed_turn(node: str, error: ModelCallError) -> dict[str, Any]:
    """A ``turns`` entry for a call no model answered: every failed attempt, no ``model``."""
    if isinstance(error, ModelUnavailableError) and error.attempts:
        failures = [[model, str(exc)] for model, exc in error.attempts]
    else:
        failures = [[error.model or "unknown", str(error)]]
    return {"node": node, "fallback": False, "failures": failures}


def text_of(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of parts."""
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in content)

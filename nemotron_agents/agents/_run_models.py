"""Which models answer a run: the ones built with the agent, or others named by the run's context.

Built once per distinct (model, fallback model, temperature) and cached, so a context that names
the build-time defaults costs nothing and Studio's per-run form does not rebuild clients per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from nemotron_agents.agents.context import AgentContext, run_context
from nemotron_agents.models.fallback import ModelChain
from nemotron_agents.settings import Settings

__all__ = ["ChainSelector", "pick_chain"]

_ModelField = Literal["model", "fallback_model", "temperature"]
_MODEL_FIELDS: tuple[_ModelField, ...] = ("model", "fallback_model", "temperature")


class ChainSelector:
    """Picks the :class:`ModelChain` for a run's context.

    Raises ``MissingCredentialsError`` when the models come from settings that name no
    endpoint (building needs no key; running does).

    Args:
        default: The chain built with the agent.
        settings: The agent's settings; ``None`` when the agent was given explicit model objects,
            in which case every run uses ``default``.
        make_chain: Builds a chain from settings (binding tools, retry options).
    """

    def __init__(
        self,
        default: ModelChain,
        *,
        settings: Settings | None,
        make_chain: Callable[[Settings], ModelChain],
    ) -> None:
        self.default = default
        self._settings = settings
        self._make_chain = make_chain
        self._cache: dict[tuple[Any, ...], ModelChain] = {}

    def __call__(self, context: AgentContext) -> ModelChain:
        if self._settings is None:
            return self.default
        # Models built from settings with neither a key nor a base URL could only fail, after
        # every retry and the fallback; say what to set at once instead.
        self._settings.require_endpoint()
        update: dict[str, Any] = {k: context[k] for k in _MODEL_FIELDS if k in context}
        if all(getattr(self._settings, k) == v for k, v in update.items()):
            return self.default
        key = tuple(sorted(update.items()))
        if key not in self._cache:
            self._cache[key] = self._make_chain(self._settings.model_copy(update=update))
        return self._cache[key]


def pick_chain(chain: ModelChain | Callable[[AgentContext], ModelChain]) -> ModelChain:
    """The chain itself, or the one a selector picks for the current run's context."""
    return chain if isinstance(chain, ModelChain) else chain(run_context())

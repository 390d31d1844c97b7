"""The run-time context an agent accepts: per-run model ids, temperature and step limit.

Passed as ``graph.invoke(inputs, context={...})`` (LangGraph's context schema), so one compiled
graph serves runs with different models; LangGraph Studio draws it as the assistant's
configuration form. Every field is optional: what is left out comes from the build arguments and
:class:`~nemotron_agents.settings.Settings`.

Model ids apply when the agent builds its models from settings (``build_agent(model=None)``); an
agent given explicit model objects keeps them and only honours ``max_steps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from nemotron_agents.errors import ConfigError

__all__ = ["MAX_CONTEXT_STEPS", "AgentContext", "read_context", "recursion_backstop", "run_context"]

#: Highest ``max_steps`` a run's context may ask for (LangGraph's recursion backstop follows it).
MAX_CONTEXT_STEPS = 200


class AgentContext(TypedDict, total=False):
    """Per-run options; each one is optional.

    Attributes:
        model: Primary model id for this run (default: ``NEMOTRON_MODEL``).
        fallback_model: Fallback and summariser model id (default: ``NEMO_MODEL``).
        temperature: Sampling temperature, 0 to 2 (default: the settings' or the server's).
        max_steps: Most model calls for this question, 1 to 200 (default: the graph's).
    """

    model: Annotated[
        str, Field(min_length=1, description="Primary model id, e.g. mistralai/mistral-nemotron")
    ]
    fallback_model: Annotated[
        str,
        Field(
            min_length=1,
            description=(
                "Fallback and summariser model id, e.g. nv-mistralai/mistral-nemo-12b-instruct"
            ),
        ),
    ]
    temperature: Annotated[float, Field(ge=0, le=2, description="Sampling temperature, 0 to 2")]
    max_steps: Annotated[
        int, Field(ge=1, le=MAX_CONTEXT_STEPS, description="Most model calls for one question")
    ]


def recursion_backstop(max_steps: int) -> int:
    """LangGraph's recursion limit for a graph whose own step limit is ``max_steps``: only a
    backstop above it (a run's context may raise the limit up to :data:`MAX_CONTEXT_STEPS`; a
    model turn with tool calls takes two or three supersteps)."""
    return max(max_steps, MAX_CONTEXT_STEPS) * 3 + 10


_ADAPTER = TypeAdapter(AgentContext)


def read_context(raw: Any) -> AgentContext:
    """Validate a run's context; ``None`` and an empty mapping mean "use the defaults".

    Raises:
        ConfigError: A field is unknown, of the wrong type or out of range; the message names
            each one and lists the allowed fields.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"The run's context must be a mapping of {sorted(AgentContext.__annotations__)}, got "
            f"{type(raw).__name__}"
        )
    # Studio sends every field of the form, empty ones as None: treat those as not given.
    given = {key: value for key, value in raw.items() if value is not None and value != ""}
    unknown = sorted(set(given) - set(AgentContext.__annotations__))
    if unknown:
        raise ConfigError(
            f"Unknown context field(s) {unknown}; allowed: {sorted(AgentContext.__annotations__)}"
        )
    try:
        return _ADAPTER.validate_python(given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"Invalid run context: {problems}") from None


def run_context() -> AgentContext:
    """The validated context of the run being executed (``{}`` when none was given).

    Raises:
        ConfigError: The context is invalid (see :func:`read_context`).
    """
    from langgraph.runtime import get_runtime

    try:
        raw = get_runtime().context
    except RuntimeError:  # called outside a graph run, e.g. a node tested on its own
        return {}
    return read_context(raw)

"""``build_agent``: the tool-calling state machine, compiled.

```
START ─► [summarize] ─► agent ─(each call of the turn: Send)─► tools ×N ─► agent ─► … ─► END
             ▲            │  ▲                                   ▲
             │            │  └── [approval] (a call needs a human: interrupt, then Send) ─┘
             │            ├─(final answer, a structured answer or a return_direct tool) ─► END
             │            ├─(step limit) ─► finish ─► END
             └────────────┴─(history over budget)
```

Each call runs as a ``tools`` task of its own (see :mod:`~nemotron_agents.agents.tools_node`),
so a finished call is saved even if its turn is not. After the calls, the agent node decides
where the run goes (answered, step limit, summary) before it asks the model again.

Structured output (``response_format``) works as LangChain's ``ToolStrategy`` does: the answer's
shape is one more tool (made here, bound with ``tool_choice="any"``), its call is checked by
``ResponseTool`` in :mod:`~nemotron_agents.agents.tools_node`, and the object lands in
``structured_response``. Written here rather than with ``create_agent(response_format=
ToolStrategy(schema, handle_errors=True))`` because, checked against langchain 1.5: invalid
arguments go back as pydantic's whole report (a documentation link per error) under "Error: …
Please fix your mistakes.", where here the model gets one line per field, as for any tool; a
model that keeps sending invalid arguments is asked again with no bound but the recursion limit
(9,999 supersteps in ``create_agent``), where here the run ends at ``max_steps`` with the finish
answer; and an answer in prose ends the run with no ``structured_response`` when the agent has
other tools (with none, the model is asked again with nothing said), where here the model is
told to call the tool (``STRUCTURED_NUDGE`` in ``_model_node``) and asked again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Send
from pydantic import BaseModel

from nemotron_agents.agents._model_node import make_model_node, steps_so_far
from nemotron_agents.agents._run_models import ChainSelector
from nemotron_agents.agents.context import AgentContext, recursion_backstop, run_context
from nemotron_agents.agents.finish import make_finish_node
from nemotron_agents.agents.state import AgentState, InputState, OutputState
from nemotron_agents.agents.summarize import (
    MIN_HISTORY_TOKENS,
    HistoryBudget,
    make_summarize_node,
    window_budget,
)
from nemotron_agents.agents.tools_node import ResponseTool, ToolStep
from nemotron_agents.errors import ConfigError
from nemotron_agents.models.factory import fallback_model as default_fallback
from nemotron_agents.models.factory import primary_model
from nemotron_agents.models.fallback import ChatRunnable, ModelChain
from nemotron_agents.settings import Settings
from nemotron_agents.tools import DEFAULT_MAX_OUTPUT_CHARS, MAX_TOOL_THREADS, Tool, ToolRegistry
from nemotron_agents.tools.names import NAME_PATTERN

__all__ = ["build_agent"]


def _is_nvidia(model: object) -> bool:
    return type(model).__name__ == "ChatNVIDIA"


def _response_tool(response_format: object) -> tuple[ResponseTool, dict[str, Any]]:
    if not (isinstance(response_format, type) and issubclass(response_format, BaseModel)):
        raise ConfigError(
            f"response_format must be a pydantic BaseModel class, got {response_format!r}"
        )
    name = (
        response_format.__name__ if NAME_PATTERN.match(response_format.__name__) else "final_answer"
    )
    schema = convert_to_openai_tool(response_format)
    schema["function"]["name"] = name
    if not schema["function"].get("description"):
        schema["function"]["description"] = f"Give the final answer as a {name} object."
    return ResponseTool(name=name, schema=response_format), schema


def _bind(
    model: BaseChatModel, schemas: list[dict[str, Any]], *, required: bool, role: str
) -> ChatRunnable:
    if not schemas:
        return model
    try:
        return model.bind_tools(schemas, **({"tool_choice": "any"} if required else {}))
    except NotImplementedError:
        raise ConfigError(
            f"The {role} model {type(model).__name__} cannot bind tools (bind_tools is not "
            "implemented); use ChatNVIDIA, ScriptedChatModel or another tool-calling chat model."
        ) from None


def build_agent(
    *,
    model: BaseChatModel | None = None,
    tools: ToolRegistry | Sequence[Tool | BaseTool | Callable[..., Any]] = (),
    fallback_model: BaseChatModel | Literal[False] | None = None,
    summarizer: BaseChatModel | None = None,
    system_prompt: str | None = None,
    max_steps: int = 25,
    max_history_tokens: int | None = None,
    response_format: type[BaseModel] | None = None,
    checkpointer: Checkpointer | None = None,
    settings: Settings | None = None,
    max_retries: int | None = None,
    initial_delay: float = 1.0,
    max_delay: float = 30.0,
    return_direct: Collection[str] = (),
    max_output_chars: int | None = DEFAULT_MAX_OUTPUT_CHARS,
    name: str = "agent",
) -> CompiledStateGraph[AgentState, AgentContext, InputState, OutputState]:
    """Build and compile the tool-calling agent graph.

    Building makes no network call and needs no API key.

    Args:
        model: Any tool-calling chat model; ``None`` means Mistral-Nemotron from ``settings``.
        tools: A :class:`ToolRegistry`, or tools / LangChain tools / typed functions to put in one.
        fallback_model: Model that answers when ``model`` keeps failing with retryable errors.
            ``None`` means Mistral-NeMo 12B when ``model`` is ``None`` or a ``ChatNVIDIA``, else no
            fallback; ``False`` turns fallback off.
        summarizer: Model that writes history summaries. ``None`` means Mistral-NeMo 12B when the
            primary is NVIDIA's, else the primary model.
        system_prompt: Sent first in every model request; not stored in the state.
        max_steps: Most model calls in one run; then the run ends with a "stopped after N steps"
            answer (never a ``GraphRecursionError``).
        max_history_tokens: When the history passes this many (approximate) tokens, older
            messages are replaced by a summary (and a single message bigger than half of it is
            cut, with a marker). ``None`` means the primary model's window: its context
            (``Settings.context_window``) less ``max_tokens`` and the system prompt and tool
            schemas, with a margin; a number can only lower that, so a thread never dies on
            "maximum context length".
        response_format: A pydantic model; the model gives its final answer through a tool of
            that shape and the validated object lands in ``structured_response``.
        checkpointer: LangGraph checkpointer, to resume threads (after an interrupt, an approval
            or a failed endpoint).
        settings: Endpoint, models and sampling; ``Settings.from_env()`` when omitted.
        max_retries: Retries per model for retryable failures; ``settings.max_retries`` if None.
        initial_delay: First backoff delay in seconds (doubles per retry).
        max_delay: Longest backoff; a longer ``Retry-After`` moves to the fallback at once.
        return_direct: Names of tools whose successful result ends the run with no further
            model call (LangChain's ``return_direct``), e.g. handoff tools: the caller routes on
            the result. A call that failed goes back to the model as usual.
        max_output_chars: Longest result text the model gets from a tool that sets no
            ``max_output_chars`` of its own (longer text is cut, with a marker saying how much);
            ``None`` keeps all.
        name: Name of the compiled graph.

    Returns:
        A compiled LangGraph graph with nodes ``agent``, ``tools``, ``finish``, ``summarize``
        and, when a tool requires approval, ``approval``.

    Raises:
        ConfigError: An argument is out of range or a model cannot bind tools.
    """
    if max_steps < 1:
        raise ConfigError(f"max_steps must be at least 1, got {max_steps}")
    if max_history_tokens is not None and max_history_tokens < MIN_HISTORY_TOKENS:
        raise ConfigError(
            f"max_history_tokens must be at least {MIN_HISTORY_TOKENS} (or None), got "
            f"{max_history_tokens}"
        )
    if max_output_chars is not None and not _positive_int(max_output_chars):
        raise ConfigError(
            f"max_output_chars must be a positive whole number (or None), got {max_output_chars!r}"
        )
    settings = settings or Settings.from_env()
    registry = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)
    direct = frozenset(return_direct)
    if unknown := sorted(direct - set(registry.names())):
        raise ConfigError(
            f"return_direct names unknown tools {unknown}; the tools are {registry.names()}"
        )

    schemas = list(registry.to_openai())
    response_tool = None
    if response_format is not None:
        response_tool, schema = _response_tool(response_format)
        if response_tool.name in registry:
            raise ConfigError(
                f"response_format's tool name {response_tool.name!r} clashes with a registered tool"
            )
        schemas.append(schema)
    required = response_format is not None
    retries = settings.max_retries if max_retries is None else max_retries

    def chain_of(models: list[ChatRunnable]) -> ModelChain:
        return ModelChain(
            models, max_retries=retries, initial_delay=initial_delay, max_delay=max_delay
        )

    def agent_chain(run_settings: Settings) -> ModelChain:
        primary = model if model is not None else primary_model(run_settings)
        fallback: BaseChatModel | None
        if fallback_model is None and (model is None or _is_nvidia(model)):
            fallback = default_fallback(run_settings)
        else:
            fallback = fallback_model or None
        bound = [_bind(primary, schemas, required=required, role="primary")]
        if fallback is not None:
            bound.append(_bind(fallback, schemas, required=required, role="fallback"))
        return chain_of(bound)

    def summary_chain(run_settings: Settings) -> ModelChain:
        if summarizer is not None:
            return chain_of([summarizer])
        if model is None or _is_nvidia(model):
            return chain_of([default_fallback(run_settings)])
        return chain_of([model])

    # A run's context may name other models, but only where the agent builds them from settings.
    chains = ChainSelector(
        agent_chain(settings), settings=settings if model is None else None, make_chain=agent_chain
    )
    summaries = ChainSelector(
        summary_chain(settings),
        settings=settings if model is None and summarizer is None else None,
        make_chain=summary_chain,
    )
    # Never die on "maximum context length": the history always stays inside the window.
    fixed = (len(system_prompt or "") + len(json.dumps(schemas))) // 4
    budget = window_budget(
        context_window=settings.context_window, max_tokens=settings.max_tokens, fixed_tokens=fixed
    )
    if max_history_tokens is not None:
        budget = min(budget, max_history_tokens)
    over_budget = HistoryBudget(budget)

    def steps_limit() -> int:
        return run_context().get("max_steps", max_steps)

    step = ToolStep(registry, response_tool=response_tool, max_output_chars=max_output_chars)

    def route_after_model(new: list[BaseMessage], steps: int) -> str | list[Send]:
        last = new[-1]
        if isinstance(last, HumanMessage):  # structured-output nudge
            return "finish" if steps >= steps_limit() else "agent"
        if isinstance(last, AIMessage) and (last.tool_calls or last.invalid_tool_calls):
            return step.route(last)
        return END  # a final answer

    def after_tools(state: AgentState) -> str | None:
        """Where the run goes once every call of a turn has its result; ``None``: the model.

        Decided in the agent node rather than on an edge from ``tools``: that edge would run once
        per call, each seeing only its own result, and could disagree with itself.
        """
        if response_tool is not None and _answered_by(state, {response_tool.name}):
            return END
        if direct and _answered_by(state, direct):
            return END
        if steps_so_far(state) >= steps_limit():
            return "finish"
        if over_budget(state):
            return "summarize"
        return None

    graph = StateGraph(
        AgentState, context_schema=AgentContext, input_schema=InputState, output_schema=OutputState
    )
    agent = make_model_node(
        chains,
        system_prompt=system_prompt,
        response_tool=response_tool.name if response_tool is not None else None,
        after_tools=after_tools,
        route=route_after_model,
    )
    # The agent node routes with a Command; destinations only draw its edges.
    destinations = (*step.destinations, "agent", "finish", "summarize", END)
    graph.add_node("agent", agent, destinations=destinations)
    step.add_to(graph, then="agent")
    graph.add_node("finish", make_finish_node(max_steps=max_steps))
    graph.add_node("summarize", make_summarize_node(summaries, max_history_tokens=budget))
    graph.add_conditional_edges(
        START, lambda s: "summarize" if over_budget(s) else "agent", ["summarize", "agent"]
    )
    graph.add_edge("summarize", "agent")
    graph.add_edge("finish", END)
    compiled = graph.compile(checkpointer=checkpointer, name=name)
    # Our own step limit ends runs; LangGraph's recursion limit is only a backstop above it
    # (a turn with tool calls takes two supersteps, three with approval). Its sync runner runs a
    # step's tasks in `max_concurrency` threads (cores + 4 by default): room for every call of a
    # turn at once.
    return compiled.with_config(
        recursion_limit=recursion_backstop(max_steps),
        max_concurrency=MAX_TOOL_THREADS,
    )


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _answered_by(state: AgentState, tool_names: Collection[str]) -> bool:
    """Whether one of ``tool_names`` succeeded among the results of the last model turn."""
    for message in reversed(state["messages"]):
        if isinstance(message, AIMessage):
            return False
        if (
            isinstance(message, ToolMessage)
            and message.name in tool_names
            and message.status != "error"
        ):
            return True
    return False

"""Cost-aware router: Mistral-NeMo 12B answers what needs no tool, Mistral-Nemotron does tool work.

```
START ─► classify ──(chat)──► nemo_answer ──(answered)──────────► tally ─► END
             │                     └──(escalate)──► nemotron_agent ─┘
             └──(tools)────────────────────────────► nemotron_agent
```

**The routing decision is a classifier call on Mistral-NeMo 12B with structured output**: a
forced call of a ``route`` tool whose arguments (``{"route": "chat" | "tools", "reason"}``) are
validated with pydantic. Its prompt lists the registry's tools with their descriptions, so the
route follows whatever tools the graph carries. Why a model and not rules over those
descriptions: keyword rules miss paraphrases ("how far is a marathon in miles?" names no tool
word) and misfire on mentions ("tell me the history of the percent sign"), while the call costs
little (one short request to the cheap model, a few hundred input tokens and about twenty output
tokens) and is counted in the cost report as routing overhead. A classifier that fails or answers
nonsense routes to Mistral-Nemotron, which can do everything.

**A wrong route still works.** ``nemo_answer`` has one tool, ``escalate``: when the question
needs exact calculation after all, Mistral-NeMo 12B calls it instead of guessing, and Mistral-
Nemotron (``nemotron_agent``, a :func:`build_agent` subgraph with the calculator tools) takes
the turn; so does a cheap call that fails. A question routed to Mistral-Nemotron that needed no
tool is simply answered there, at a higher price.

``tally`` writes ``cost``: tokens and estimated US dollars per model, the routing overhead, and
what the same turns would have cost on Mistral-Nemotron alone (prices are settings:
``NEMOTRON_PRICE_IN``/``_OUT``, ``NEMO_PRICE_IN``/``_OUT``; see ``graphs/_cost.py``). Like
``usage``, it covers the whole thread. ``route`` says how the last turn was routed and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from nemotron_agents.agents import ChainSelector, build_agent
from nemotron_agents.agents.context import AgentContext, recursion_backstop, run_context
from nemotron_agents.agents.state import AgentState, InputState, OutputState, merge_usage
from nemotron_agents.errors import ModelCallError
from nemotron_agents.graphs._cost import CostReport, Price, estimate_cost
from nemotron_agents.graphs._model_calls import (
    Chain,
    acall_model,
    call_model,
    failed_turn,
    recorded,
    text_of,
)
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.models.factory import fallback_model as nemo_12b
from nemotron_agents.models.fallback import CallOutcome, ModelChain, model_id
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin import CALCULATOR_TOOLS

__all__ = [
    "DESCRIPTION",
    "SPEC",
    "TOOLS",
    "Escalate",
    "RouteDecision",
    "RouteRecord",
    "RouterOutput",
    "RouterState",
    "after_cheap_answer",
    "after_classify",
    "build_graph",
    "make_cheap_answer_node",
    "make_classify_node",
    "make_graph",
    "make_tally_node",
]

TOOLS = ToolRegistry(CALCULATOR_TOOLS)
DESCRIPTION = (
    "Cost-aware routing: Mistral-NeMo 12B answers plain questions, Mistral-Nemotron does tool "
    "work; tokens and cost per model."
)

CLASSIFIER_PROMPT = (
    "You route a user's message to one of two assistants. The tools assistant can call these "
    "tools:\n{tools}\nChoose route 'tools' when a correct answer needs one of these tools (an "
    "exact calculation, a percentage, a unit conversion or anything else they do), and 'chat' "
    "when the message can be answered from general knowledge. Give your choice by calling the "
    "`route` tool."
)

CHEAP_PROMPT = (
    "You are a helpful assistant. Answer briefly and accurately. You cannot compute exact "
    "results yourself: when a correct answer needs one of these tools, call `escalate` instead "
    "of answering, and the assistant that has them will answer.\n{tools}"
)

ESCALATE_DESCRIPTION = (
    "Hand the question to the assistant that has these tools: {names}. Call it instead of "
    "answering whenever a correct answer needs one of them."
)

AGENT_PROMPT = (
    "You are a careful assistant with exact tools. Never do arithmetic in your head: use the "
    "tools for every calculation, percentage and unit conversion, then answer in one or two "
    "sentences with the result and its unit."
)


class RouteDecision(BaseModel):
    """Route the user's message: 'tools' when answering it needs one of the tools, else 'chat'."""

    route: Literal["chat", "tools"] = Field(
        description="'tools' if a correct answer needs one of the listed tools, 'chat' if not."
    )
    reason: str = Field(default="", max_length=300, description="A few words on why.")


class Escalate(BaseModel):
    """Hand the question to the assistant with tools instead of answering it."""

    reason: str = Field(description="What the answer needs that you cannot compute exactly.")


class RouteRecord(TypedDict, total=False):
    """How the last turn was routed.

    Attributes:
        decision: The classifier's route, ``"chat"`` or ``"tools"``.
        reason: Why (the classifier's words, or why it could not decide).
        escalated: True when the cheap model handed the turn to Mistral-Nemotron.
        escalation: Why it did.
        answered_by: Model id of the final answer.
    """

    decision: str
    reason: str
    escalated: bool
    escalation: str
    answered_by: str


class RouterOutput(OutputState, total=False):
    """What a caller gets back: the agent's fields, the route and the cost report."""

    route: RouteRecord
    cost: CostReport


class RouterState(AgentState, RouterOutput, total=False):
    """Full state; ``overhead`` is the part of ``usage`` spent on routing (same shape)."""

    overhead: Annotated[dict[str, dict[str, int]], merge_usage]


def _tool_list(registry: ToolRegistry) -> str:
    lines = []
    for schema in registry.to_openai():
        fn = schema["function"]
        lines.append(f"- {fn['name']}: {fn['description'].splitlines()[0]}")
    return "\n".join(lines)


def _tool_schema(
    model: type[BaseModel], name: str, description: str | None = None
) -> dict[str, Any]:
    schema = convert_to_openai_tool(model)
    schema["function"]["name"] = name
    if description:
        schema["function"]["description"] = description
    return schema


# -- classify ----------------------------------------------------------------------------------


def _routing_question(messages: list[BaseMessage]) -> str:
    """The last user message, with the previous answer for context ("and in miles?")."""
    last = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=None)
    if last is None:
        return ""
    question = text_of(messages[last])
    before = next(
        (
            text_of(m)
            for m in reversed(messages[:last])
            if isinstance(m, AIMessage) and not m.tool_calls and text_of(m)
        ),
        None,
    )
    return (
        f"Previous answer: {before[:500]}\n\nMessage to route: {question}" if before else question
    )


def _decision(message: AIMessage) -> RouteDecision | None:
    for call in message.tool_calls:
        if call["name"] == "route":
            try:
                return RouteDecision.model_validate(call["args"])
            except ValidationError:
                return None
    return None


def make_classify_node(chain: Chain, *, prompt: str) -> RunnableLambda[RouterState, dict[str, Any]]:
    """The ``classify`` node: one forced ``route`` call on the cheap model.

    Args:
        chain: The cheap model bound to the ``route`` tool (or a selector picking it per run).
        prompt: The system prompt, with the tools listed.
    """

    def request(state: RouterState) -> list[BaseMessage]:
        return [SystemMessage(prompt), HumanMessage(_routing_question(list(state["messages"])))]

    def decided(outcome: CallOutcome) -> dict[str, Any]:
        decision = _decision(outcome.message) or RouteDecision(
            route="tools", reason="the classifier gave no valid route, so Mistral-Nemotron answers"
        )
        route = RouteRecord(decision=decision.route, reason=decision.reason, escalated=False)
        return {"route": route, "overhead": outcome.usage(), **recorded(outcome, "classify")}

    def failed(error: ModelCallError) -> dict[str, Any]:
        route = RouteRecord(
            decision="tools",
            reason=f"the classifier failed ({error}), so Mistral-Nemotron answers",
            escalated=False,
        )
        return {"route": route, "turns": [failed_turn("classify", error)]}

    def classify(state: RouterState, config: RunnableConfig) -> dict[str, Any]:
        try:
            return decided(call_model(chain, request(state), config))
        except ModelCallError as exc:
            return failed(exc)

    async def aclassify(state: RouterState, config: RunnableConfig) -> dict[str, Any]:
        try:
            return decided(await acall_model(chain, request(state), config))
        except ModelCallError as exc:
            return failed(exc)

    return RunnableLambda(classify, afunc=aclassify, name="classify")


# -- nemo_answer -------------------------------------------------------------------------------


def make_cheap_answer_node(
    chain: Chain, *, prompt: str
) -> RunnableLambda[RouterState, dict[str, Any]]:
    """The ``nemo_answer`` node: the cheap model answers, or escalates by calling ``escalate``.

    Args:
        chain: The cheap model bound to the ``escalate`` tool (or a selector picking it per run).
        prompt: The system prompt, with the tools it lacks listed.
    """

    def request(state: RouterState) -> list[BaseMessage]:
        return [SystemMessage(prompt), *state["messages"]]

    def escalated(state: RouterState, why: str) -> RouteRecord:
        route = RouteRecord(**(state.get("route") or RouteRecord()))  # a copy: state stays
        route["escalated"] = True
        route["escalation"] = why
        return route

    def answered(state: RouterState, outcome: CallOutcome) -> dict[str, Any]:
        message = outcome.message
        if message.tool_calls or message.invalid_tool_calls:
            # Any call (escalate, or a tool it does not have) means the answer needs tools.
            call = next(iter(message.tool_calls), None)
            args = call.get("args", {}) if call is not None else {}
            why = str(args.get("reason") or "it asked for a tool")
            return {
                "route": escalated(state, why),
                "overhead": outcome.usage(),
                **recorded(outcome, "nemo_answer"),
            }
        message.response_metadata = {
            **message.response_metadata,
            "answered_by": outcome.model,
            "fallback": outcome.fallback,
        }
        return {"messages": [message], **recorded(outcome, "nemo_answer")}

    def failed(state: RouterState, error: ModelCallError) -> dict[str, Any]:
        why = f"Mistral-NeMo 12B could not answer ({error})"
        return {"route": escalated(state, why), "turns": [failed_turn("nemo_answer", error)]}

    def answer(state: RouterState, config: RunnableConfig) -> dict[str, Any]:
        try:
            return answered(state, call_model(chain, request(state), config))
        except ModelCallError as exc:
            return failed(state, exc)

    async def aanswer(state: RouterState, config: RunnableConfig) -> dict[str, Any]:
        try:
            return answered(state, await acall_model(chain, request(state), config))
        except ModelCallError as exc:
            return failed(state, exc)

    return RunnableLambda(answer, afunc=aanswer, name="nemo_answer")


# -- routing edges -----------------------------------------------------------------------------


def after_classify(state: RouterState) -> str:
    """``chat`` goes to the cheap model, anything else to Mistral-Nemotron."""
    return (
        "nemo_answer" if (state.get("route") or {}).get("decision") == "chat" else "nemotron_agent"
    )


def after_cheap_answer(state: RouterState) -> str:
    """An escalated turn goes on to Mistral-Nemotron; an answered one is tallied."""
    return "nemotron_agent" if (state.get("route") or {}).get("escalated") else "tally"


# -- tally -------------------------------------------------------------------------------------


def make_tally_node(
    *, settings: Settings, primary_id: str | None, cheap_id: str | None
) -> RunnableLambda[RouterState, dict[str, Any]]:
    """The ``tally`` node: the cost report and who answered.

    Args:
        settings: Prices, and the model ids when the graph builds its models from settings.
        primary_id: Id of the given Mistral-Nemotron-role model (``None``: from settings/context).
        cheap_id: Id of the given cheap-role model (``None``: from settings/context).
    """

    def prices() -> tuple[dict[str, Price], Price]:
        context = run_context()
        nemotron: Price = (settings.nemotron_price_in, settings.nemotron_price_out)
        nemo: Price = (settings.nemo_price_in, settings.nemo_price_out)
        cheap = cheap_id or context.get("fallback_model", settings.fallback_model)
        primary = primary_id or context.get("model", settings.model)
        table = {cheap: nemo, primary: nemotron}  # one model in both roles: Nemotron's price
        return table, nemotron

    def tally(state: RouterState) -> dict[str, Any]:
        table, nemotron = prices()
        cost = estimate_cost(
            state.get("usage") or {},
            prices=table,
            nemotron=nemotron,
            overhead=state.get("overhead"),
        )
        last = next(
            (m for m in reversed(state.get("messages") or []) if isinstance(m, AIMessage)), None
        )
        route = RouteRecord(**(state.get("route") or {}))
        if last is not None and last.response_metadata.get("answered_by"):
            route["answered_by"] = last.response_metadata["answered_by"]
        return {"cost": cost, "route": route}

    return RunnableLambda(tally, name="tally")


# -- the graph ---------------------------------------------------------------------------------


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    cheap_model: BaseChatModel | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 10,
) -> CompiledStateGraph[RouterState, AgentContext, InputState, RouterOutput]:
    """The router graph.

    Args:
        model: Mistral-Nemotron role (tool work), and the cheap role too unless ``cheap_model``
            is given; from settings when ``None``.
        fallback_model: Fallback of the tool agent; Mistral-NeMo 12B when ``None`` (see
            ``build_agent``).
        cheap_model: Classifier and cheap answerer; ``None`` means ``model`` when that is given,
            else Mistral-NeMo 12B from settings (a run's context may name another id as
            ``fallback_model``).
        settings: Endpoint, models, retries, sampling and prices; from the environment if ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most model calls of the tool agent per question.
    """
    settings = settings or Settings.from_env()
    given = cheap_model or model  # the cheap role's model, when one was passed
    tools = _tool_list(TOOLS)
    route_tool = _tool_schema(RouteDecision, "route")
    escalate_tool = _tool_schema(
        Escalate, "escalate", ESCALATE_DESCRIPTION.format(names=", ".join(TOOLS.names()))
    )

    def classifier_chain(cheap: BaseChatModel, run_settings: Settings) -> ModelChain:
        forced = cheap.bind_tools([route_tool], tool_choice="any")  # a route, never prose
        return ModelChain([forced], max_retries=run_settings.max_retries)

    def answer_chain(cheap: BaseChatModel, run_settings: Settings) -> ModelChain:
        return ModelChain([cheap.bind_tools([escalate_tool])], max_retries=run_settings.max_retries)

    def chain(make: Callable[[BaseChatModel, Settings], ModelChain]) -> Chain:
        if given is not None:
            return make(given, settings)
        # From settings: a run's context may name another cheap model (its fallback_model).
        return ChainSelector(
            make(nemo_12b(settings), settings),
            settings=settings,
            make_chain=lambda s: make(nemo_12b(s), s),
        )

    agent = build_agent(
        model=model,
        tools=TOOLS,
        fallback_model=fallback_model,
        system_prompt=AGENT_PROMPT,
        max_steps=max_steps,
        settings=settings,
        name="nemotron_agent",
    )

    graph = StateGraph(
        RouterState,
        context_schema=AgentContext,
        input_schema=InputState,
        output_schema=RouterOutput,
    )
    graph.add_node(
        "classify",
        make_classify_node(chain(classifier_chain), prompt=CLASSIFIER_PROMPT.format(tools=tools)),
    )
    graph.add_node(
        "nemo_answer",
        make_cheap_answer_node(chain(answer_chain), prompt=CHEAP_PROMPT.format(tools=tools)),
    )
    graph.add_node("nemotron_agent", agent)  # a subgraph: Studio draws it and streams its steps
    graph.add_node(
        "tally",
        make_tally_node(
            settings=settings,
            primary_id=model_id(model) if model is not None else None,
            cheap_id=model_id(given) if given is not None else None,
        ),
    )
    graph.add_edge(START, "classify")
    graph.add_conditional_edges("classify", after_classify, ["nemo_answer", "nemotron_agent"])
    graph.add_conditional_edges("nemo_answer", after_cheap_answer, ["nemotron_agent", "tally"])
    graph.add_edge("nemotron_agent", "tally")
    graph.add_edge("tally", END)
    compiled = graph.compile(checkpointer=checkpointer, name="router")
    # The agent's step limit ends its loop; this is only LangGraph's backstop above it.
    return compiled.with_config(recursion_limit=recursion_backstop(max_steps))


SPEC = GraphSpec(
    name="router",
    description=DESCRIPTION,
    tools=TOOLS,
    build=build_graph,
    example="Convert 5 miles to km, then add 10%.",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

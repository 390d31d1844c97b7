"""Supervisor: one request, several specialists, one answer.

```
START ─► plan ──Send per assignment──► calculator ─┐
                                      research ────┼─► compose ─► END
                                      sql_analyst ─┘
```

``plan`` (Mistral-Nemotron, structured output) splits the request into assignments, each for one
specialist; a ``Send`` per assignment runs the specialists (the other example graphs, as
subgraphs) in parallel; ``compose`` (Mistral-Nemotron) answers the request from what they found.
A request that needs no specialist is answered by ``compose`` alone; a specialist that fails is
reported to ``compose`` as a failure, so one broken part never loses the others.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Required

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Send
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from nemotron_agents.agents import AgentContext, InputState, ModelTurn, build_agent
from nemotron_agents.agents.state import add_turns, merge_messages, merge_usage
from nemotron_agents.errors import ModelCallError
from nemotron_agents.graphs import calculator, research, sql_analyst
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry

__all__ = ["SPEC", "SPECIALISTS", "Assignment", "Delegation", "build_graph", "make_graph"]

#: The graphs the plan may name (the schema the model sees lists them as an enum).
Specialist = Literal["calculator", "research", "sql_analyst"]

#: The specialists the supervisor may call, by graph name (their node names here).
SPECIALISTS: dict[Specialist, GraphSpec] = {
    "calculator": calculator.SPEC,
    "research": research.SPEC,
    "sql_analyst": sql_analyst.SPEC,
}


class Assignment(BaseModel):
    """One part of the request, for one specialist."""

    specialist: Specialist = Field(description="Which specialist handles this part")
    task: str = Field(description="The part of the request, restated so it stands on its own")


class Delegation(BaseModel):
    """How the request is split among the specialists (empty when none is needed)."""

    assignments: list[Assignment] = Field(
        default_factory=list,
        max_length=6,
        description="One entry per independent part of the request",
    )


class Finding(TypedDict):
    """What one specialist returned for its assignment."""

    index: int
    specialist: str
    task: str
    answer: str
    ok: bool


class SupervisorInput(InputState):
    """What a caller sends: new messages."""


class SupervisorState(TypedDict, total=False):
    """The request, the assignments and what came back.

    Attributes:
        messages: The conversation; ``compose`` adds the answer.
        assignments: The plan of the current request.
        findings: One :class:`Finding` per assignment, in completion order (sorted when composed).
        usage: Tokens per model id, over every agent of the run.
        turns: One entry per model call, over every agent of the run.
    """

    messages: Required[Annotated[list[AnyMessage], merge_messages]]
    assignments: list[dict[str, Any]]
    findings: Annotated[list[Finding], _findings]
    usage: Annotated[dict[str, dict[str, int]], merge_usage]
    turns: Annotated[list[ModelTurn], add_turns]


class _Models(TypedDict):
    """The models and settings the supervisor shares with every agent it builds."""

    model: BaseChatModel | None
    fallback_model: BaseChatModel | Literal[False] | None
    settings: Settings


class _Task(TypedDict):
    index: int
    specialist: str
    task: str


def _findings(left: list[Finding] | None, right: list[Finding] | None) -> list[Finding]:
    # ``None`` resets (a new request); otherwise findings of parallel specialists accumulate.
    return [] if right is None else [*(left or []), *right]


PLAN_PROMPT = (
    "You are the supervisor of a team of specialists:\n{team}\n"
    "Split the user's request into independent parts, one assignment per part, each for the "
    "specialist that can do it, with the part restated so it stands on its own. Parts that no "
    "specialist can do (greetings, opinions) need no assignment. Answer with the `Delegation` tool."
)
COMPOSE_PROMPT = (
    "You answer the user's request from the specialists' findings below. Use their results "
    "exactly (never redo their work); say plainly which parts failed and why. Be brief."
)


def _last_request(messages: list[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return str(message.content)
    return ""


def _final_text(out: dict[str, Any]) -> str:
    last = (out.get("messages") or [None])[-1]
    return str(last.content) if isinstance(last, AIMessage) else ""


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 10,
) -> CompiledStateGraph[SupervisorState, AgentContext, SupervisorInput, SupervisorState]:
    """The supervisor graph.

    Args:
        model: Chat model for the supervisor and every specialist; Mistral-Nemotron when ``None``.
        fallback_model: Fallback model; Mistral-NeMo 12B when ``None`` (see ``build_agent``).
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer (specialists inherit it as subgraphs).
        max_steps: Most model calls per specialist assignment.
    """
    settings = settings or Settings.from_env()
    common = _Models(model=model, fallback_model=fallback_model, settings=settings)
    team = "\n".join(f"- {name}: {spec.description}" for name, spec in SPECIALISTS.items())
    planner = build_agent(
        **common,
        response_format=Delegation,
        system_prompt=PLAN_PROMPT.format(team=team),
        max_steps=3,
        name="plan",
    )
    composer = build_agent(**common, system_prompt=COMPOSE_PROMPT, max_steps=2, name="compose")
    agents = {name: spec.build(**common, max_steps=max_steps) for name, spec in SPECIALISTS.items()}

    def planned(state: SupervisorState, out: dict[str, Any]) -> dict[str, Any]:
        plan = out.get("structured_response")
        assignments = (
            [a.model_dump() for a in plan.assignments] if isinstance(plan, Delegation) else []
        )
        return {
            "assignments": assignments,
            "findings": None,
            "usage": out.get("usage"),
            "turns": out.get("turns", []),
        }

    def plan(state: SupervisorState, config: RunnableConfig) -> dict[str, Any]:
        return planned(
            state,
            planner.invoke({"messages": [HumanMessage(_last_request(state["messages"]))]}, config),
        )

    async def aplan(state: SupervisorState, config: RunnableConfig) -> dict[str, Any]:
        request: InputState = {"messages": [HumanMessage(_last_request(state["messages"]))]}
        return planned(state, await planner.ainvoke(request, config))

    def dispatch(state: SupervisorState) -> list[Send] | str:
        sends = [
            Send(a["specialist"], _Task(index=i, specialist=a["specialist"], task=a["task"]))
            for i, a in enumerate(state.get("assignments") or [])
        ]
        return sends or "compose"

    def specialist_node(name: Specialist) -> RunnableLambda[_Task, dict[str, Any]]:
        agent = agents[name]

        def found(
            task: _Task, out: dict[str, Any] | None, error: ModelCallError | None
        ) -> dict[str, Any]:
            answer = _final_text(out or {}) if error is None else f"failed: {error}"
            finding = Finding(
                index=task["index"],
                specialist=name,
                task=task["task"],
                answer=answer,
                ok=error is None,
            )
            update: dict[str, Any] = {"findings": [finding]}
            if out:
                update.update(usage=out.get("usage"), turns=out.get("turns", []))
            return update

        def run(task: _Task, config: RunnableConfig) -> dict[str, Any]:
            try:
                return found(
                    task, agent.invoke({"messages": [HumanMessage(task["task"])]}, config), None
                )
            except ModelCallError as exc:
                return found(task, None, exc)

        async def arun(task: _Task, config: RunnableConfig) -> dict[str, Any]:
            try:
                return found(
                    task,
                    await agent.ainvoke({"messages": [HumanMessage(task["task"])]}, config),
                    None,
                )
            except ModelCallError as exc:
                return found(task, None, exc)

        return RunnableLambda(run, afunc=arun, name=name)

    def compose_request(state: SupervisorState) -> InputState:
        findings = sorted(state.get("findings") or [], key=lambda f: f["index"])
        lines = [f"Request: {_last_request(state['messages'])}", "", "Findings:"]
        lines += [
            f"{f['index'] + 1}. [{f['specialist']}] {f['task']} -> {f['answer']}" for f in findings
        ]
        if not findings:
            lines.append("(no specialist was needed)")
        return {"messages": [HumanMessage("\n".join(lines))]}

    def composed(out: dict[str, Any]) -> dict[str, Any]:
        answer = AIMessage(
            _final_text(out), response_metadata=out["messages"][-1].response_metadata
        )
        return {"messages": [answer], "usage": out.get("usage"), "turns": out.get("turns", [])}

    def compose(state: SupervisorState, config: RunnableConfig) -> dict[str, Any]:
        return composed(composer.invoke(compose_request(state), config))

    async def acompose(state: SupervisorState, config: RunnableConfig) -> dict[str, Any]:
        return composed(await composer.ainvoke(compose_request(state), config))

    graph = StateGraph(
        SupervisorState,
        context_schema=AgentContext,
        input_schema=SupervisorInput,
        output_schema=SupervisorState,
    )
    graph.add_node("plan", RunnableLambda(plan, afunc=aplan, name="plan"))
    for name in agents:
        graph.add_node(name, specialist_node(name))
        graph.add_edge(name, "compose")
    graph.add_node("compose", RunnableLambda(compose, afunc=acompose, name="compose"))
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", dispatch, [*agents, "compose"])
    graph.add_edge("compose", END)
    return graph.compile(checkpointer=checkpointer, name="supervisor")


def _tools() -> ToolRegistry:
    return ToolRegistry([tool for spec in SPECIALISTS.values() for tool in spec.registry()])


SPEC = GraphSpec(
    name="supervisor",
    description=(
        "Splits a request among specialist agents (calculator, research, SQL) "
        "and composes their answers."
    ),
    tools=_tools,
    build=build_graph,
    example="What is 18% of 1250, and convert 5 miles to km?",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

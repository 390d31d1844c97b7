"""Report writer: Mistral-Nemotron plans the report, Mistral-NeMo 12B writes every section at once.

```
START ─► plan ──(a Plan: one Send per section)──► write_section × N ─► assemble ─► END
           └───(no plan: the planner's own answer)──────────────────────────────► END
```

The idea shown is LangGraph's ``Send`` fan-out. ``plan`` is a :func:`build_agent` subgraph with
``response_format=Plan`` (Mistral-Nemotron; a plan that breaks the schema goes back to it as an
error to fix). The conditional edge after it sends one ``write_section`` task per section; the
tasks run in the same step, so the cheap model writes all sections in parallel. ``assemble``
joins them in plan order, whatever order they finished in.

A section whose model calls all fail (retries, then Mistral-Nemotron as the writer's fallback) is
not lost and does not stop the run: the report says "Section 3 could not be written: <error>",
``state["sections"]`` holds the error, and the sections that were written are kept.

The planner has no tools: it only splits a topic, which needs none (``nemotron-agents tools
report`` says so). State: ``structured_response`` is the :class:`Plan`; ``sections`` the written
sections (each with ``text`` or ``error``); the report itself is the last message.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Send
from pydantic import BaseModel, Field
from typing_extensions import TypedDict, Unpack

from nemotron_agents.agents import ChainSelector, build_agent
from nemotron_agents.agents.context import AgentContext, recursion_backstop
from nemotron_agents.agents.state import AgentState, InputState, OutputState
from nemotron_agents.errors import ModelCallError
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
from nemotron_agents.models.factory import primary_model
from nemotron_agents.models.fallback import CallOutcome, ModelChain
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry

__all__ = [
    "DESCRIPTION",
    "FAILED_SECTION",
    "PLANNER_PROMPT",
    "SPEC",
    "WRITER_PROMPT",
    "Plan",
    "ReportOutput",
    "ReportState",
    "Section",
    "WriterTask",
    "WrittenSection",
    "assemble",
    "build_graph",
    "fan_out",
    "make_graph",
    "make_writer_node",
    "merge_sections",
]

DESCRIPTION = (
    "A structured report: Mistral-Nemotron plans the sections, Mistral-NeMo 12B writes them "
    "in parallel."
)

#: What a section whose model calls all failed says in the report.
FAILED_SECTION = "Section {number} could not be written: {error}"

PLANNER_PROMPT = (
    "You plan reports. Split the user's topic into 2 to 8 sections in reading order, each with a "
    "short heading and one or two sentences on what it must cover, so that together they answer "
    "the request without overlapping. Give the plan by calling the `Plan` tool; do not write the "
    "report yourself."
)

WRITER_PROMPT = (
    "You write one section of a report. Write only its body: two to four short paragraphs of "
    "plain prose, no heading and no preamble. Cover what the plan asks for this section and "
    "leave the other sections' subjects to them."
)


class Section(BaseModel):
    """One section of the report."""

    heading: str = Field(
        min_length=1, max_length=120, description="The section's heading, a few words."
    )
    covers: str = Field(
        min_length=1,
        max_length=600,
        description="What the section must cover, in one or two sentences.",
    )


class Plan(BaseModel):
    """The report's plan: a title and 2 to 8 sections in reading order."""

    title: str = Field(min_length=1, max_length=200, description="Title of the report.")
    sections: list[Section] = Field(
        min_length=2, max_length=8, description="The sections, 2 to 8, in reading order."
    )


class WrittenSection(TypedDict, total=False):
    """One section as its writer left it.

    Attributes:
        plan: Id of the plan it belongs to (the planner's answer in ``messages``).
        number: Its place in the plan, from 1.
        heading: Its heading.
        text: What the writer wrote (absent when it failed).
        model: The model that wrote it.
        error: Why it could not be written (absent when it was).
    """

    plan: str
    number: int
    heading: str
    text: str
    model: str
    error: str


def merge_sections(
    left: list[WrittenSection] | None, right: list[WrittenSection] | None
) -> list[WrittenSection]:
    """Add written sections; sections of an older plan make way for those of a newer one.

    Keeps a thread's next report from mixing in the last report's sections.
    """
    incoming = list(right or [])
    plans = {section.get("plan") for section in incoming}
    kept = [section for section in (left or []) if not incoming or section.get("plan") in plans]
    return kept + incoming


class ReportOutput(OutputState, total=False):
    """What a caller gets back: the agent's fields plus the written sections."""

    sections: Annotated[list[WrittenSection], merge_sections]


class ReportState(AgentState, ReportOutput, total=False):
    """Full state: the planner agent's fields (``structured_response`` is the :class:`Plan`) and
    ``sections``, one per section of the current plan, each with ``text`` or ``error``."""


class WriterTask(TypedDict):
    """What one ``write_section`` task is sent (the ``Send`` payload)."""

    plan: str
    number: int
    heading: str
    covers: str
    title: str
    topic: str
    outline: list[str]


# -- planning ----------------------------------------------------------------------------------


def _plan_message(messages: list[BaseMessage]) -> ToolMessage | None:
    """The tool result that recorded the current plan, if the planner's run ended with one."""
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage) and last.name == Plan.__name__ and last.status != "error":
        return last
    return None


def _current_plan(state: ReportState) -> tuple[str, Plan] | None:
    message = _plan_message(list(state.get("messages") or []))
    plan = state.get("structured_response")
    if message is None or plan is None:
        return None
    # A checkpoint may hand the plan back as a dict.
    return str(message.id), plan if isinstance(plan, Plan) else Plan.model_validate(plan)


def _topic(messages: list[BaseMessage]) -> str:
    return next((text_of(m) for m in reversed(messages) if isinstance(m, HumanMessage)), "")


def fan_out(state: ReportState) -> list[Send] | str:
    """One ``write_section`` task per planned section; straight to the end without a plan."""
    current = _current_plan(state)
    if current is None:
        return END  # the planner gave up (step limit): its own answer says why
    plan_id, plan = current
    outline = [section.heading for section in plan.sections]
    topic = _topic(list(state["messages"]))
    return [
        Send(
            "write_section",
            WriterTask(
                plan=plan_id,
                number=number,
                heading=section.heading,
                covers=section.covers,
                title=plan.title,
                topic=topic,
                outline=outline,
            ),
        )
        for number, section in enumerate(plan.sections, start=1)
    ]


# -- writing -----------------------------------------------------------------------------------


def _writer_request(task: WriterTask) -> list[BaseMessage]:
    outline = "; ".join(f"{n}. {heading}" for n, heading in enumerate(task["outline"], start=1))
    ask = (
        f"Report: {task['title']}\nRequest: {task['topic']}\nOutline: {outline}\n\n"
        f'Write section {task["number"]}, "{task["heading"]}". Cover: {task["covers"]}'
    )
    return [SystemMessage(WRITER_PROMPT), HumanMessage(ask)]


class _Result(TypedDict, total=False):
    """What a writer left of one section: ``text`` and ``model``, or the ``error``."""

    text: str
    model: str
    error: str


def _section(task: WriterTask, **result: Unpack[_Result]) -> WrittenSection:
    return WrittenSection(
        plan=task["plan"], number=task["number"], heading=task["heading"], **result
    )


def _written(task: WriterTask, outcome: CallOutcome) -> dict[str, Any]:
    text = text_of(outcome.message).strip()
    return {
        "sections": [_section(task, text=text, model=outcome.model)],
        **recorded(outcome, "write_section"),
    }


def _failed(task: WriterTask, error: ModelCallError) -> dict[str, Any]:
    return {
        "sections": [_section(task, error=str(error))],
        "turns": [failed_turn("write_section", error)],
    }


def make_writer_node(chain: Chain) -> RunnableLambda[WriterTask, dict[str, Any]]:
    """The ``write_section`` node: one section, one model call; a failure is recorded, not raised.

    Args:
        chain: The writer's :class:`ModelChain`, or a selector picking one per run.
    """

    def write(task: WriterTask, config: RunnableConfig) -> dict[str, Any]:
        try:
            return _written(task, call_model(chain, _writer_request(task), config))
        except ModelCallError as exc:
            return _failed(task, exc)

    async def awrite(task: WriterTask, config: RunnableConfig) -> dict[str, Any]:
        try:
            return _written(task, await acall_model(chain, _writer_request(task), config))
        except ModelCallError as exc:
            return _failed(task, exc)

    return RunnableLambda(write, afunc=awrite, name="write_section")


# -- assembling --------------------------------------------------------------------------------


def assemble(state: ReportState) -> dict[str, Any]:
    """Join the current plan's sections in plan order into the report (the last message)."""
    current = _current_plan(state)
    if current is None:  # unreachable through the graph's edges; kept for direct calls
        return {}
    plan_id, plan = current
    written = {s["number"]: s for s in state.get("sections") or [] if s.get("plan") == plan_id}
    parts = [f"# {plan.title}"]
    failed = []
    for number, planned in enumerate(plan.sections, start=1):
        section = written.get(number)
        if section is not None and "text" in section:
            body = section["text"]
        else:
            error = (section or {}).get("error", "no result was recorded")
            body = FAILED_SECTION.format(number=number, error=error)
            failed.append(number)
        parts.append(f"## {number}. {planned.heading}\n\n{body}")
    report = AIMessage(
        content="\n\n".join(parts),
        response_metadata={"report": {"sections": len(plan.sections), "failed": failed}},
    )
    return {"messages": [report]}


# -- the graph ---------------------------------------------------------------------------------


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    writer_model: BaseChatModel | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 4,
) -> CompiledStateGraph[ReportState, AgentContext, InputState, ReportOutput]:
    """The report graph.

    Args:
        model: Planner model (and writer, unless ``writer_model`` is given); Mistral-Nemotron
            from settings when ``None``.
        fallback_model: The planner's fallback; Mistral-NeMo 12B when ``None`` (see
            ``build_agent``).
        writer_model: Section writer. ``None`` means ``model`` when that is given, else
            Mistral-NeMo 12B from settings with Mistral-Nemotron as its fallback (a run's
            context may name other ids: ``fallback_model`` writes, ``model`` backs it up).
        settings: Endpoint, models, retries and sampling; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most planner model calls per report (a rejected plan costs one more).
    """
    settings = settings or Settings.from_env()
    planner = build_agent(
        model=model,
        fallback_model=fallback_model,
        system_prompt=PLANNER_PROMPT,
        response_format=Plan,
        max_steps=max_steps,
        settings=settings,
        name="plan",
    )

    def writer_chain(run_settings: Settings) -> ModelChain:
        return ModelChain(
            [nemo_12b(run_settings), primary_model(run_settings)],
            max_retries=run_settings.max_retries,
        )

    given = writer_model or model
    if given is not None:
        writers: Chain = ModelChain([given], max_retries=settings.max_retries)
    else:
        writers = ChainSelector(writer_chain(settings), settings=settings, make_chain=writer_chain)

    graph = StateGraph(
        ReportState,
        context_schema=AgentContext,
        input_schema=InputState,
        output_schema=ReportOutput,
    )
    # The compiled agent as a subgraph: Studio draws its nodes and streams its steps.
    graph.add_node("plan", planner)
    graph.add_node("write_section", make_writer_node(writers))
    graph.add_node("assemble", assemble)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", fan_out, ["write_section", END])
    graph.add_edge("write_section", "assemble")
    graph.add_edge("assemble", END)
    compiled = graph.compile(checkpointer=checkpointer, name="report")
    # The planner's step limit ends its loop; this is only LangGraph's backstop above it.
    return compiled.with_config(recursion_limit=recursion_backstop(max_steps))


SPEC = GraphSpec(
    name="report",
    description=DESCRIPTION,
    tools=ToolRegistry(),
    build=build_graph,
    example="Write a short report on how heat pumps work and when they pay off.",
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

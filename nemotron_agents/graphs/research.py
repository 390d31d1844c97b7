"""Research agent: answers questions over a folder of documents, citing ``path:line``.

Two stages, drawn as such in Studio:

```
START ─► research (subgraph: agent ⇄ tools, Mistral-Nemotron)
      ─► write_answer (Mistral-NeMo 12B) ─► END
```

``research`` is :func:`~nemotron_agents.agents.build_agent` with the read-only file tools
(``list_files``, ``search_files`` on a SQLite FTS5 index, ``read_file``): it searches, reads and
gathers notes across files. ``write_answer`` gives those notes (the tool results) to the cheaper
model, which writes the final answer citing ``path:line``; each citation is checked against the
folder. If the writer fails, the researcher's own answer stands. The idea this graph shows: a
compiled agent used as a *subgraph node*, followed by a second model in a plain node.

The folder is the bundled handbook of Tidewell Instruments (a fictional company) unless
``NEMOTRON_RESEARCH_DIR`` or ``build_graph(root=...)`` names another.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

# pydantic (and so LangGraph Studio's forms) needs typing_extensions' TypedDict below 3.12.
from typing_extensions import TypedDict

from nemotron_agents.agents import ChainSelector, build_agent
from nemotron_agents.agents.context import AgentContext, recursion_backstop
from nemotron_agents.agents.state import (
    InputState,
    ModelTurn,
    add_turns,
    merge_messages,
    merge_usage,
)
from nemotron_agents.errors import ConfigError
from nemotron_agents.graphs._research_writer import Citation, make_write_node
from nemotron_agents.graphs.spec import CompiledGraph, GraphSpec, lazy_graph
from nemotron_agents.models.factory import fallback_model as nemo_12b
from nemotron_agents.models.fallback import ModelChain
from nemotron_agents.settings import Settings
from nemotron_agents.tools import ToolRegistry
from nemotron_agents.tools.builtin.files import file_tools
from nemotron_agents.tools.builtin.folder import Folder

__all__ = [
    "BUNDLED_DIR",
    "DESCRIPTION",
    "ROOT_ENV_VAR",
    "SPEC",
    "SYSTEM_PROMPT",
    "ResearchState",
    "build_graph",
    "make_graph",
    "research_root",
    "research_tools",
]

#: Environment variable naming the folder to research instead of the bundled handbook.
ROOT_ENV_VAR = "NEMOTRON_RESEARCH_DIR"
#: The bundled corpus: the handbook of Tidewell Instruments, a fictional company.
BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "research"

DESCRIPTION = (
    "Answers questions over a folder of documents (full-text search, reading), citing file:line."
)

SYSTEM_PROMPT = (
    "You research questions in a folder of documents with three read-only tools: search_files "
    "(full-text search; each hit is path:line), read_file (numbered lines) and list_files. "
    "Search with the key words of the question, then read around the best hits to get the exact "
    "facts. A question may need facts from several files (a rule in one, a name in another): "
    "search again for each part. Use only what the files say, never memory. When you have the "
    "facts, answer briefly and cite each one as path:line; if the files do not say, answer so."
)


class ResearchState(TypedDict, total=False):
    """State of the research graph.

    Attributes:
        messages: The conversation; the written answer replaces the researcher's final message.
        usage: Tokens per model id, both stages, accumulated over the thread.
        turns: One record per model call, both stages (``node`` is ``agent`` or ``write_answer``).
        draft: The researcher's own answer to the last question.
        citations: Every ``path:line`` the final answer cites, each checked against the folder.
    """

    messages: Annotated[list[AnyMessage], merge_messages]
    usage: Annotated[dict[str, dict[str, int]], merge_usage]
    turns: Annotated[list[ModelTurn], add_turns]
    draft: str
    citations: list[Citation]


def research_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder to research: ``root``, else ``$NEMOTRON_RESEARCH_DIR``, else the bundled one.

    Raises:
        ConfigError: The folder named does not exist or is not a directory.
    """
    if root is not None:
        source, value = "root", os.fspath(root)
    elif os.environ.get(ROOT_ENV_VAR, "").strip():
        source, value = ROOT_ENV_VAR, os.environ[ROOT_ENV_VAR].strip()
    else:
        return BUNDLED_DIR
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"{source}={value!r} is not a directory: name a folder of text files "
            f"(or leave {ROOT_ENV_VAR} unset to use the bundled handbook)."
        )
    return path


def research_tools(
    root: str | os.PathLike[str] | None = None, *, cache_dir: str | os.PathLike[str] | None = None
) -> ToolRegistry:
    """The research agent's file tools over :func:`research_root`; building them reads nothing."""
    return ToolRegistry(file_tools(research_root(root), cache_dir=cache_dir))


def build_graph(
    *,
    model: BaseChatModel | None = None,
    fallback_model: BaseChatModel | Literal[False] | None = None,
    writer_model: BaseChatModel | None = None,
    settings: Settings | None = None,
    checkpointer: Checkpointer | None = None,
    max_steps: int = 12,
    root: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> CompiledStateGraph[ResearchState, AgentContext, InputState, ResearchState]:
    """The research graph: ``research`` (agent subgraph) then ``write_answer``.

    Args:
        model: The researcher's model; Mistral-Nemotron from settings when ``None``. Also the
            writer when ``writer_model`` is not given.
        fallback_model: The researcher's fallback; Mistral-NeMo 12B when ``None`` (see
            ``build_agent``).
        writer_model: Model that writes the final answer; Mistral-NeMo 12B from settings when
            neither it nor ``model`` is given.
        settings: Endpoint and sampling settings; read from the environment when ``None``.
        checkpointer: LangGraph checkpointer for resumable threads.
        max_steps: Most researcher model calls per question.
        root: Folder to research (see :func:`research_root`).
        cache_dir: Where the search index lives; the user's cache directory when ``None``.

    Raises:
        ConfigError: The folder does not exist, or an argument is out of range.
    """
    settings = settings or Settings.from_env()
    folder_root = research_root(root)
    researcher = build_agent(
        model=model,
        tools=research_tools(folder_root, cache_dir=cache_dir),
        fallback_model=fallback_model,
        system_prompt=SYSTEM_PROMPT,
        max_steps=max_steps,
        settings=settings,
        name="research",
    )
    writer = writer_model if writer_model is not None else model

    def writer_chain(run_settings: Settings) -> ModelChain:
        return ModelChain(
            [writer if writer is not None else nemo_12b(run_settings)],
            max_retries=run_settings.max_retries,
        )

    # A run's context may name another writer model, but only when it is built from settings.
    writers = ChainSelector(
        writer_chain(settings),
        settings=settings if writer is None else None,
        make_chain=writer_chain,
    )

    graph = StateGraph(
        ResearchState,
        context_schema=AgentContext,
        input_schema=InputState,
        output_schema=ResearchState,
    )
    graph.add_node("research", researcher)
    graph.add_node("write_answer", make_write_node(writers, folder=Folder(folder_root)))
    graph.add_edge(START, "research")
    graph.add_edge("research", "write_answer")
    graph.add_edge("write_answer", END)
    compiled = graph.compile(checkpointer=checkpointer, name="research")
    # The subgraph runs under this graph's recursion limit: size it for the agent's steps.
    return compiled.with_config(recursion_limit=recursion_backstop(max_steps))


SPEC = GraphSpec(
    name="research",
    description=DESCRIPTION,
    tools=research_tools,
    build=build_graph,
    example=(
        "Search the handbook: how many vacation days does someone with four years at Tidewell get, "
        "and who must approve a 12-day leave request?"
    ),
)


async def make_graph() -> CompiledGraph:
    """The graph ``langgraph.json`` serves (LangGraph Studio, ``langgraph dev``)."""
    return await SPEC.acompiled()


def __getattr__(name: str) -> CompiledGraph:
    return lazy_graph(SPEC, name, __name__)  # ``graph``, built on first access

"""The research graph's ``write_answer`` step: the final answer, written from the gathered notes.

The notes are the results of the file tools the researcher called in this run (searches, reads),
with the calls that produced them. The writer model sees only the question, the notes and the
researcher's draft, and must cite each fact as ``path:line``. Every citation in the answer is
then checked against the folder; ones that do not point at an existing line are listed under
the answer rather than passed off as sources. When the researcher gathered no notes there is
nothing to write from, and when the writer fails, the researcher's own answer stands.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig, RunnableLambda
from typing_extensions import TypedDict

from nemotron_agents.errors import ModelCallError
from nemotron_agents.graphs._model_calls import (
    Chain,
    acall_model,
    call_model,
    failed_turn,
    recorded,
    text_of,
)
from nemotron_agents.models.fallback import CallOutcome
from nemotron_agents.tools.builtin.folder import FileAccessError, Folder

__all__ = [
    "MAX_NOTES_CHARS",
    "UNVERIFIED_NOTE",
    "WRITER_PROMPT",
    "Citation",
    "check_citations",
    "gather_notes",
    "make_write_node",
]

#: Most characters of notes sent to the writer.
MAX_NOTES_CHARS = 24_000

WRITER_PROMPT = (
    "You write the final answer to a question from research notes: results of searching and "
    "reading the files of a document folder. Use only facts the notes contain. After each fact, "
    "cite where it is as (path:line), with the path and line number exactly as the notes show "
    "them (a search hit starts with path:line; a read_file result names the path in its first "
    "line and puts the line number before each line). If the notes do not answer part of the "
    "question, say so. Answer in a few sentences or a short list, without preamble."
)

#: Added under an answer whose citations do not all point at existing lines.
UNVERIFIED_NOTE = (
    "\n\n(Could not verify these citations: {sources}. They do not point at a line in the folder.)"
)

# path:line or path:line-line, the path ending in an extension: people/leave.md:12, a.txt:3-5
_CITATION_RE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.[A-Za-z0-9]+):(\d+)(?:[-–](\d+))?")


class _Conversation(TypedDict, total=False):
    """The part of the research graph's state the writer reads."""

    messages: list[AnyMessage]


class Citation(TypedDict):
    """A ``path:line`` the final answer cites.

    Attributes:
        source: The citation as written, e.g. ``people/leave.md:12``.
        path: The file, relative to the folder.
        line: The first line cited.
        valid: Whether the file exists in the folder and has that line (and range).
    """

    source: str
    path: str
    line: int
    valid: bool


def _this_run(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages after the last user message (the current question's run)."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], HumanMessage):
            return list(messages[index:])
    return list(messages)


def gather_notes(messages: Sequence[BaseMessage]) -> list[str]:
    """The successful tool results of the current run, each headed by the call that made it.

    Repeated calls (same tool, same arguments) are kept once; error results are left out.
    """
    run = _this_run(messages)
    calls: dict[str | None, Mapping[str, Any]] = {
        c["id"]: c for m in run if isinstance(m, AIMessage) for c in m.tool_calls
    }
    notes: list[str] = []
    seen: set[str] = set()
    for message in run:
        if not isinstance(message, ToolMessage) or message.status == "error":
            continue
        call = calls.get(message.tool_call_id, {"name": message.name or "tool", "args": {}})
        args = ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in call["args"].items()
        )
        head = f"{call['name']}({args})"
        if head not in seen:
            seen.add(head)
            notes.append(f"### {head}\n{text_of(message)}")
    return notes


def _render(question: str, notes: list[str], draft: str) -> str:
    text = "\n\n".join(notes)
    if len(text) > MAX_NOTES_CHARS:
        text = (
            text[:MAX_NOTES_CHARS]
            + f"\n…[notes cut: showed {MAX_NOTES_CHARS:,} of {len(text):,} characters]"
        )
    return (
        f"Question: {question}\n\nResearch notes:\n\n{text}\n\n"
        f"The researcher's draft answer (it may be incomplete; trust the notes):\n{draft}"
    )


def check_citations(answer: str, folder: Folder) -> list[Citation]:
    """Every ``path:line`` in ``answer``, each checked against the files of ``folder``."""
    line_counts: dict[str, int | None] = {}
    found: list[Citation] = []
    for match in _CITATION_RE.finditer(answer):
        path, first = match.group(1), int(match.group(2))
        last = int(match.group(3) or first)
        if path not in line_counts:
            try:
                line_counts[path] = len(folder.read_text(path)[1].splitlines())
            except FileAccessError:
                line_counts[path] = None
        count = line_counts[path]
        valid = count is not None and 1 <= first <= last <= count
        found.append(Citation(source=match.group(0), path=path, line=first, valid=valid))
    return found


def make_write_node(
    chain: Chain, *, folder: Folder
) -> RunnableLambda[_Conversation, dict[str, Any]]:
    """Build the ``write_answer`` node.

    Args:
        chain: The writer model (unbound, no tools) with its retries, or a function picking it
            from the run's context (see ``agents/_run_models.py``).
        folder: The folder the notes came from, to check the answer's citations.

    Returns:
        A runnable with sync and async paths (the async one reads files in a worker thread,
        off the event loop). Its update replaces the researcher's final message with the written
        answer (same message id), and sets ``draft`` (the researcher's answer), ``citations``,
        ``usage`` and ``turns``.
    """

    def plan(state: _Conversation) -> tuple[AIMessage | None, list[BaseMessage] | None]:
        run = _this_run(state.get("messages") or [])
        draft = (
            run[-1] if run and isinstance(run[-1], AIMessage) and not run[-1].tool_calls else None
        )
        notes = gather_notes(run)
        if draft is None or not notes:
            return draft, None
        question = text_of(run[0]) if isinstance(run[0], HumanMessage) else ""
        request = [
            SystemMessage(content=WRITER_PROMPT),
            HumanMessage(content=_render(question, notes, text_of(draft))),
        ]
        return draft, request

    def keep_draft(draft: AIMessage | None, **extra: Any) -> dict[str, Any]:
        if draft is None:
            return extra
        return {
            "draft": text_of(draft),
            "citations": check_citations(text_of(draft), folder),
            **extra,
        }

    def written(draft: AIMessage, outcome: CallOutcome) -> dict[str, Any]:
        answer = text_of(outcome.message).strip()
        citations = check_citations(answer, folder)
        if bad := list(dict.fromkeys(c["source"] for c in citations if not c["valid"])):
            answer += UNVERIFIED_NOTE.format(sources=", ".join(bad))
        final = AIMessage(
            content=answer,
            id=draft.id,  # replaces the draft in the conversation; the draft stays in ``draft``
            response_metadata={
                "answered_by": outcome.model,
                "fallback": outcome.fallback,
                "node": "write_answer",
            },
            usage_metadata=outcome.message.usage_metadata,
        )
        return {
            "messages": [final],
            "draft": text_of(draft),
            "citations": citations,
            **recorded(outcome, "write_answer"),
        }

    def write(state: _Conversation, config: RunnableConfig) -> dict[str, Any]:
        draft, request = plan(state)
        if draft is None or request is None:
            return keep_draft(draft)
        try:
            outcome = call_model(chain, request, config)
        except ModelCallError as exc:  # the researcher's answer stands
            return keep_draft(draft, turns=[failed_turn("write_answer", exc)])
        return written(draft, outcome)

    async def awrite(state: _Conversation, config: RunnableConfig) -> dict[str, Any]:
        draft, request = plan(state)
        # Checking citations reads files: in a worker thread, never on the event loop.
        if draft is None or request is None:
            return await asyncio.to_thread(keep_draft, draft)
        try:
            outcome = await acall_model(chain, request, config)
        except ModelCallError as exc:
            return await asyncio.to_thread(
                keep_draft, draft, turns=[failed_turn("write_answer", exc)]
            )
        return await asyncio.to_thread(written, draft, outcome)

    return RunnableLambda(write, afunc=awrite, name="write_answer")

"""BFCL v4 questions: load them from a data folder, ask a chat model, read back its calls.

A data folder has BFCL's layout: ``BFCL_v4_<category>.json`` (JSON Lines of ``{"id",
"question": [[{role, content}, ...]], "function": [...]}``) and
``possible_answer/BFCL_v4_<category>.json`` (``{"id", "ground_truth": [{name: {param:
[accepted values]}}]}``). Irrelevance categories have no answers: the right answer is no call;
``live_relevance`` has none either: any call is right.

Each question's functions become a :class:`~nemotron_agents.tools.ToolRegistry` (BFCL dialect;
``math.factorial`` goes on the wire as ``math_factorial`` and is mapped back for grading), and the
question goes to the model as one request: its messages as they are, through Mistral hygiene,
with the tools bound. No agent loop, no tool runs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, convert_to_messages

from nemotron_agents.errors import ConfigError, NemotronAgentsError
from nemotron_agents.eval.grade import Call
from nemotron_agents.models.failures import classify
from nemotron_agents.models.hygiene import prepare_messages
from nemotron_agents.tools import ToolRegistry, from_json_schema

__all__ = ["CATEGORIES", "Answer", "Question", "ask", "find_categories", "load_questions"]

#: The categories graded here: BFCL's single-turn, Python-typed ones, in report order.
CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
_PREFIX, _SUFFIX = "BFCL_v4_", ".json"
_TEXT_KEPT = 500  # characters of the model's text kept with each answer


@dataclass(frozen=True)
class Question:
    """One BFCL question.

    Attributes:
        id: BFCL's id, e.g. ``simple_python_17``.
        category: Its category, e.g. ``simple_python``.
        messages: The conversation, as ``{role, content}`` dicts.
        functions: BFCL function definitions offered.
        ground_truth: ``[{source name: {param: [accepted values]}}]``, one per expected call;
            ``None`` for (ir)relevance categories.
    """

    id: str
    category: str
    messages: tuple[Mapping[str, Any], ...]
    functions: tuple[Mapping[str, Any], ...]
    ground_truth: tuple[Mapping[str, Any], ...] | None = None

    @property
    def expects(self) -> str:
        """``"calls"`` (the ground truth), ``"no_call"`` (irrelevance) or ``"any_call"``."""
        if self.category.endswith("irrelevance"):
            return "no_call"
        return "any_call" if self.category == "live_relevance" else "calls"

    def function(self, name: str) -> Mapping[str, Any] | None:
        """The definition of the function with this source name, if offered."""
        return next((f for f in self.functions if f.get("name") == name), None)

    @cached_property
    def registry(self) -> ToolRegistry:
        """The question's functions as tools (BFCL dialect, wire names).

        Raises:
            ToolDefinitionError: A definition cannot be read.
        """
        return ToolRegistry(
            from_json_schema(f["name"], f.get("description"), f.get("parameters"), dialect="bfcl")
            for f in self.functions
        )


@dataclass
class Answer:
    """What the model answered to one question.

    Attributes:
        calls: Well-formed calls, by source name.
        malformed: Names of calls whose arguments were not a JSON object.
        text: The start of the model's text, if any.
        latency_s: Seconds of the request that answered (no rate-limit or retry waits).
        prompt_tokens: Prompt tokens the endpoint reported.
        completion_tokens: Completion tokens the endpoint reported.
        error: Why no answer came (after retries), or ``None``.
    """

    calls: list[Call] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    text: str = ""
    latency_s: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None


def _category_of(path: Path) -> str:
    return path.name[len(_PREFIX) : -len(_SUFFIX)]


def find_categories(data: Path | str) -> tuple[list[str], list[str]]:
    """The categories in a data folder: ``(graded here, in report order; others found)``.

    Raises:
        ConfigError: The folder does not exist.
    """
    folder = Path(data)
    if not folder.is_dir():
        raise ConfigError(f"BFCL data folder {str(folder)!r} not found (--data DIR).")
    found = {_category_of(p) for p in folder.glob(f"{_PREFIX}*{_SUFFIX}")}
    return [c for c in CATEGORIES if c in found], sorted(found - set(CATEGORIES))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}, line {number}: not JSON ({exc.msg})") from None
    return rows


def load_questions(
    data: Path | str, categories: Sequence[str], *, limit: int | None = None
) -> list[Question]:
    """Read the questions (and their answers) of ``categories``.

    Args:
        data: The data folder.
        categories: Category names, or ``["all"]`` for every category of :data:`CATEGORIES`
            the folder has.
        limit: Keep the first ``limit`` questions of each category.

    Raises:
        ConfigError: A category is unknown, unsupported or missing, or a question has no answer.
    """
    folder = Path(data)
    present, others = find_categories(folder)
    wanted = present if "all" in categories else list(dict.fromkeys(categories))
    if not wanted:
        raise ConfigError(
            f"No BFCL_v4_<category>.json files of {', '.join(CATEGORIES)} in {folder}."
        )
    questions: list[Question] = []
    for category in wanted:
        if category not in CATEGORIES:
            why = (
                "is not graded here (not single-turn Python)"
                if category in others
                else "is unknown"
            )
            raise ConfigError(f"Category {category!r} {why}; valid: all, {', '.join(CATEGORIES)}.")
        if category not in present:
            raise ConfigError(
                f"{folder / f'{_PREFIX}{category}{_SUFFIX}'} not found; this folder has: "
                f"{', '.join(present) or 'none'}."
            )
        questions += _load_category(folder, category, limit)
    return questions


def _load_category(folder: Path, category: str, limit: int | None) -> list[Question]:
    rows = _read_jsonl(folder / f"{_PREFIX}{category}{_SUFFIX}")[:limit]
    answers: dict[str, Any] | None = None  # (ir)relevance questions have none
    if not category.endswith("relevance"):
        answer_file = folder / "possible_answer" / f"{_PREFIX}{category}{_SUFFIX}"
        if not answer_file.is_file():
            raise ConfigError(f"{answer_file} not found: {category} needs its possible answers.")
        answers = {row["id"]: row["ground_truth"] for row in _read_jsonl(answer_file)}
    out = []
    for row in rows:
        truth = None
        if answers is not None:
            if row["id"] not in answers:
                raise ConfigError(f"Question {row['id']} has no possible answer in {folder}.")
            truth = tuple(answers[row["id"]])
        out.append(
            Question(
                id=row["id"],
                category=category,
                messages=tuple(m for turn in row["question"] for m in turn),
                functions=tuple(row["function"]),
                ground_truth=truth,
            )
        )
    return out


def _read(message: AIMessage, registry: ToolRegistry) -> Answer:
    def source(name: str | None) -> str:
        return registry.source_name(name) if name and name in registry else str(name)

    calls = [Call(source(c["name"]), c.get("args") or {}) for c in message.tool_calls]
    usage: Mapping[str, Any] = message.usage_metadata or {}
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    return Answer(
        calls=calls,
        malformed=[source(c.get("name")) for c in message.invalid_tool_calls],
        text=text[:_TEXT_KEPT],
        prompt_tokens=int(usage.get("input_tokens", 0)),
        completion_tokens=int(usage.get("output_tokens", 0)),
    )


async def ask(
    chat: BaseChatModel,
    question: Question,
    *,
    max_retries: int = 2,
    before_request: Callable[[], Awaitable[Any]] | None = None,
) -> Answer:
    """Send one question to ``chat`` with its tools bound and read the calls back.

    A retryable failure (429, 5xx, timeout, dropped connection) is retried up to
    ``max_retries`` times, after the server's ``Retry-After`` or an exponential backoff.

    Args:
        chat: A LangChain chat model with ``bind_tools`` (a ``ChatNVIDIA``).
        question: The question.
        max_retries: Extra attempts after a retryable failure.
        before_request: Awaited before each attempt, outside the timing (a rate limiter).

    Returns:
        The answer; a request that failed for good gives ``Answer(error=...)``.
    """
    try:
        registry = question.registry
    except NemotronAgentsError as exc:
        return Answer(error=f"cannot offer the question's functions: {exc}")
    bound = chat.bind_tools(registry.to_langchain())
    messages = prepare_messages(convert_to_messages([dict(m) for m in question.messages]))
    attempt = 0
    while True:
        if before_request is not None:
            await before_request()
        started = time.perf_counter()
        try:
            message = await bound.ainvoke(messages)
        except Exception as exc:  # noqa: BLE001 - every failure is classified
            error = classify(exc, model=chat)
            if not error.retryable or attempt >= max_retries:
                return Answer(error=str(error))
            attempt += 1
            await asyncio.sleep(
                error.retry_after if error.retry_after is not None else 2.0**attempt
            )
            continue
        answer = _read(message, registry)
        answer.latency_s = time.perf_counter() - started
        return answer

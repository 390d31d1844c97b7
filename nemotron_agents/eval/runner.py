"""Run questions against models concurrently, grade each answer, and resume an interrupted run.

Every graded answer is appended to ``answers.jsonl`` as soon as it is graded, so an interrupted
run (Ctrl-C, a crash) keeps what it did. On a stop, the requests already sent get a few seconds
to finish and are kept too (Ctrl-C again drops them); queued ones are not sent. Run again with
the same output folder and the answers already there are skipped; only request errors are asked
again. A later line for the same (model, category, id) replaces an earlier one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Required, TextIO, TypedDict, Unpack

from langchain_core.language_models import BaseChatModel

from nemotron_agents.eval.bfcl import Answer, Question, ask
from nemotron_agents.eval.grade import Grade, grade

__all__ = [
    "ANSWERS_FILE",
    "Record",
    "RunOptions",
    "evaluate",
    "make_record",
    "read_answers",
    "record_key",
    "run_questions",
]

#: One graded answer, as a line of ``answers.jsonl``.
Record = dict[str, Any]
ANSWERS_FILE = "answers.jsonl"
#: Seconds the requests in flight get to finish when a run is stopped.
STOP_GRACE_S = 10.0


def record_key(record: Record) -> tuple[str, str, str]:
    """``(model, category, id)``: what identifies a graded answer."""
    return record["model"], record["category"], record["id"]


def make_record(model: str, question: Question, answer: Answer) -> Record:
    """Grade ``answer`` and return the record kept for it."""
    if answer.error is not None:
        verdict = Grade(False, "request_error", answer.error)
    else:
        verdict = grade(question, answer.calls, malformed=answer.malformed)
    return {
        "model": model,
        "category": question.category,
        "id": question.id,
        "passed": verdict.passed,
        "error": verdict.error,
        "detail": verdict.detail,
        "calls": [{"name": c.name, "args": dict(c.args)} for c in answer.calls],
        "malformed": answer.malformed,
        "text": answer.text,
        "latency_s": answer.latency_s,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }


def read_answers(path: Path | str) -> dict[tuple[str, str, str], Record]:
    """The records of an ``answers.jsonl`` by key (later lines win; a torn last line is
    ignored). An absent file gives none."""
    path = Path(path)
    found: dict[tuple[str, str, str], Record] = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
            found[record_key(record)] = record
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a line cut short by an interruption
    return found


async def run_questions(
    questions: Sequence[Question],
    models: Sequence[str],
    *,
    chat_for: Callable[[str], BaseChatModel],
    concurrency: int = 4,
    max_retries: int = 2,
    before_request: Callable[[], Awaitable[Any]] | None = None,
    answers_path: Path | str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    stop_grace: float = STOP_GRACE_S,
) -> list[Record]:
    """Ask every question of every model, at most ``concurrency`` requests at a time.

    Args:
        questions: The questions.
        models: Model ids; each answers every question.
        chat_for: Builds the chat model of a model id (called once per id).
        concurrency: Most requests in flight.
        max_retries: Retries of a retryable failure per question.
        before_request: Awaited before each request (the settings' rate limiter).
        answers_path: JSONL file to resume from and append to; ``None`` keeps nothing.
        on_start: Called with the number of answers resumed and of questions to ask.
        on_record: Called with each new record as it is graded (progress); an exception it
            raises stops the run, keeping what was graded.
        stop_grace: Seconds the requests in flight get to finish when the run is stopped.

    Returns:
        One record per (model, question), in the order asked; resumed ones included.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    done = read_answers(answers_path) if answers_path is not None else {}
    plan = [(m, q) for m in models for q in questions]
    todo = [
        (m, q)
        for m, q in plan
        if (old := done.get((m, q.category, q.id))) is None or old["error"] == "request_error"
    ]
    if on_start is not None:
        on_start(len(plan) - len(todo), len(todo))
    chats = {m: chat_for(m) for m in dict.fromkeys(m for m, _ in todo)}
    gate = asyncio.Semaphore(concurrency)
    in_flight: set[Any] = set()  # tasks past the rate limit: their request was sent

    async def one(model: str, question: Question) -> Record:
        me = asyncio.current_task()

        async def admitted() -> None:
            if before_request is not None:
                await before_request()
            in_flight.add(me)

        async with gate:
            try:
                answer = await ask(
                    chats[model], question, max_retries=max_retries, before_request=admitted
                )
            finally:
                in_flight.discard(me)
        return make_record(model, question, answer)

    sink = _open(answers_path)

    def keep(record: Record) -> None:
        done[record_key(record)] = record
        if sink is not None:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            sink.flush()

    tasks = [asyncio.ensure_future(one(m, q)) for m, q in todo]
    kept: set[asyncio.Future[Record]] = set()
    try:
        pending = set(tasks)
        while pending:
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                kept.add(task)
                keep(task.result())
                if on_record is not None:
                    on_record(task.result())
    finally:
        try:
            await _stop(tasks, in_flight, stop_grace)
            for task in tasks:  # answers that came in while stopping
                if task not in kept and not task.cancelled() and task.exception() is None:
                    keep(task.result())
        finally:
            if sink is not None:
                sink.close()
    return [done[(m, q.category, q.id)] for m, q in plan]


async def _stop(tasks: Sequence[asyncio.Future[Record]], in_flight: set[Any], grace: float) -> None:
    """Drop the queued requests, give those in flight ``grace`` seconds, then drop them too.

    Letting sent requests finish keeps their answers, and closes their connections cleanly
    rather than resetting them mid-answer.
    """
    for task in tasks:
        if task not in in_flight:
            task.cancel()
    if in_flight:
        await asyncio.wait(set(in_flight), timeout=grace)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _open(path: Path | str | None) -> TextIO | None:
    if path is None:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torn = False
    if path.is_file() and path.stat().st_size:
        with path.open("rb") as existing:
            existing.seek(-1, 2)
            torn = existing.read(1) != b"\n"
    sink = path.open("a", encoding="utf-8")
    if torn:  # a line cut by a hard kill must not swallow the next one
        sink.write("\n")
    return sink


class RunOptions(TypedDict, total=False):
    """The keyword options of :func:`run_questions`, as :func:`evaluate` passes them on."""

    chat_for: Required[Callable[[str], BaseChatModel]]
    concurrency: int
    max_retries: int
    before_request: Callable[[], Awaitable[Any]] | None
    answers_path: Path | str | None
    on_start: Callable[[int, int], None] | None
    on_record: Callable[[Record], None] | None
    stop_grace: float


def evaluate(
    questions: Sequence[Question], models: Iterable[str], **options: Unpack[RunOptions]
) -> list[Record]:
    """:func:`run_questions` from synchronous code (its own event loop)."""
    return asyncio.run(run_questions(questions, list(models), **options))

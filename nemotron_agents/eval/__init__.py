"""Evaluate tool calling on BFCL: accuracy, latency and tokens per model and category.

* :func:`load_questions` reads BFCL v4 questions and possible answers (:mod:`.bfcl`);
* :func:`grade` grades an answer like BFCL's AST checker (:mod:`.grade`);
* :func:`evaluate` asks models concurrently and resumes from ``answers.jsonl`` (:mod:`.runner`);
* :func:`summarize` and :func:`write_report` give the numbers, ``report.md`` and plots
  (:mod:`.report`);
* :class:`OraclePolicy` answers with the ground truth from the NIM emulator (:mod:`.oracle`).

``nemotron-agents eval bfcl`` (:mod:`.command`) puts them together.
"""

from nemotron_agents.eval.bfcl import (
    CATEGORIES,
    Answer,
    Question,
    ask,
    find_categories,
    load_questions,
)
from nemotron_agents.eval.grade import ERROR_KINDS, Call, Grade, grade
from nemotron_agents.eval.oracle import OraclePolicy
from nemotron_agents.eval.report import summarize, to_markdown, write_report
from nemotron_agents.eval.runner import evaluate, read_answers, run_questions

__all__ = [
    "CATEGORIES",
    "ERROR_KINDS",
    "Answer",
    "Call",
    "Grade",
    "OraclePolicy",
    "Question",
    "ask",
    "evaluate",
    "find_categories",
    "grade",
    "load_questions",
    "read_answers",
    "run_questions",
    "summarize",
    "to_markdown",
    "write_report",
]

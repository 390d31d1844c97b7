"""Fixtures of the eval tests: offline runs through the emulator, hand-made questions.

The bundled BFCL copy is ``tests/data/bfcl`` (Apache-2.0, see its LICENSE and SOURCE.txt).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nemotron_agents.eval import Question, evaluate
from nemotron_agents.models.factory import build_chat_model
from nemotron_agents.settings import Settings
from nemotron_agents.testing import NIMEmulator

NEMOTRON = "mistralai/mistral-nemotron"


@dataclass
class OfflineRun:
    """Records of one offline run and the request bodies the emulator received."""

    records: list[dict[str, Any]]
    bodies: list[dict[str, Any]]

    def by_id(self, model: str = NEMOTRON) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records if r["model"] == model}


def run_offline(
    questions: list[Question],
    policy: Any,
    *,
    models: tuple[str, ...] = (NEMOTRON,),
    faults: tuple[tuple[str, dict[str, Any]], ...] = (),
    **options: Any,
) -> OfflineRun:
    """Ask ``questions`` of an emulator answering with ``policy`` (faults injected first)."""
    with NIMEmulator(
        policy=policy, max_recorded_requests=None
    ) as emulator:  # the tests read every body
        for kind, params in faults:
            emulator.inject(kind, **params)
        settings = Settings(base_url=emulator.base_url, api_key="offline")
        options.setdefault("concurrency", 4)
        records = evaluate(
            questions, models, chat_for=lambda m: build_chat_model(m, settings), **options
        )
        bodies = [r.body for r in emulator.chat_requests]
    return OfflineRun(records, bodies)


def make_question(
    functions: list[dict[str, Any]],
    ground_truth: list[dict[str, Any]] | None,
    *,
    category: str = "simple_python",
    text: str = "question",
) -> Question:
    """A hand-made question (for grader tests)."""
    return Question(
        id=f"{category}_t",
        category=category,
        messages=({"role": "user", "content": text},),
        functions=tuple(functions),
        ground_truth=None if ground_truth is None else tuple(ground_truth),
    )


@pytest.fixture(scope="session")
def data() -> Path:
    """The bundled BFCL copy."""
    return Path(__file__).parents[1] / "data" / "bfcl"


@pytest.fixture(scope="session")
def offline():
    """:func:`run_offline`."""
    return run_offline


@pytest.fixture
def question():
    """:func:`make_question`."""
    return make_question

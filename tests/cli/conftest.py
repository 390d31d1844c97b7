"""Fixtures for driving the command line: no endpoint by default, the refunds graph of cli_app."""

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/cli_app.py

import cli_app

from nemotron_agents.graphs import GRAPHS


class Terminal(io.StringIO):
    """Typed answers on a stdin that says it is a terminal."""

    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def no_endpoint(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)


@pytest.fixture
def refunds(monkeypatch, tmp_path):
    """The refunds graph registered, a dummy key, no terminal; the refund log's path."""
    monkeypatch.setitem(GRAPHS, "refunds", cli_app.SPEC)
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.setenv("REFUND_LOG", str(tmp_path / "refunds.log"))
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    return tmp_path / "refunds.log"


@pytest.fixture
def typed(monkeypatch):
    """``typed("a\\n")``: stdin becomes a terminal on which these answers were typed."""

    def type_in(text):
        monkeypatch.setattr(sys, "stdin", Terminal(text))

    return type_in

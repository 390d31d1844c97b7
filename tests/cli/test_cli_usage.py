"""Usage errors are caught early, with exit code 2 and a message naming what was wrong."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nemotron_agents.cli import EXIT_USAGE, main


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_a_blank_prompt_is_a_usage_error_and_nothing_is_asked(prompt, capsys):
    assert main(["run", "calculator", prompt, "--offline"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "The prompt is empty" in captured.err
    assert captured.out == ""  # not even the offline banner: nothing ran


@pytest.mark.parametrize("steps", ["0", "-3", "two"])
def test_max_steps_below_one_is_refused_by_the_parser(steps, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "calculator", "1+1", "--offline", "--max-steps", steps])
    assert stop.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert "--max-steps" in captured.err and "usage: nemotron-agents run" in captured.err
    assert captured.out == ""


def test_resume_of_a_finished_thread_says_so_before_asking_for_a_key(tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    assert (
        main(["run", "calculator", "What is 2+3?", "--offline", "--db", db, "--thread-id", "t"])
        == 0
    )
    capsys.readouterr()
    assert main(["resume", "calculator", "--thread-id", "t", "--db", db]) == EXIT_USAGE  # no key
    err = capsys.readouterr().err
    assert "already finished" in err and "NVIDIA_API_KEY" not in err


def test_the_prompt_can_come_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("What is 15% of 240?\n"))
    assert main(["run", "calculator", "-", "--offline", "--json"]) == 0
    assert "36" in capsys.readouterr().out


def test_the_prompt_can_come_from_a_file_bigger_than_one_argument(tmp_path):
    question = "y" * 200_000  # more than the kernel takes as one argument (128 KiB)
    (tmp_path / "prompt.txt").write_text(question, encoding="utf-8")
    app = Path(__file__).resolve().parent.parent / "cli_app.py"
    proc = subprocess.run(
        [sys.executable, str(app), "run", "refunds", f"@{tmp_path / 'prompt.txt'}", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "NVIDIA_API_KEY": "nvapi-test", "REFUND_LOG": str(tmp_path / "log")},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answer"] == f"Questions so far: {question}"


def test_a_missing_prompt_file_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    assert main(["run", "calculator", f"@{missing}", "--offline"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"No prompt file {missing}" in err and "@@" in err


def test_a_literal_at_sign_is_written_twice(refunds, capsys):
    assert main(["run", "refunds", "@@alice hi"]) == 0
    assert "Questions so far: @alice hi" in capsys.readouterr().out

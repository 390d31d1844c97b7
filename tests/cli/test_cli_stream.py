"""What a person watching sees: subgraph steps under their parent, tokens and a spinner on a TTY."""

import os
import pty
import subprocess
import sys

from nemotron_agents.cli import main


def test_subgraph_steps_are_shown_indented_under_their_parent_node(capsys):
    prompt = "What is 18% of 1250, and convert 5 miles to km?"
    assert main(["run", "supervisor", prompt, "--offline"]) == 0
    lines = capsys.readouterr().out.splitlines()
    plan = lines.index("▸ plan")
    assert lines[plan + 1].startswith("  → Delegation(")  # the planner agent's own call
    assert sum(line.lstrip().startswith("Answer:") for line in lines) == 1  # not repeated


def run_on_a_terminal(*argv):
    """Run the CLI with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nemotron_agents.cli", *argv],
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    return b"".join(chunks).decode()


def test_on_a_terminal_the_answer_streams_with_a_spinner_while_waiting():
    out = run_on_a_terminal("run", "calculator", "What is 15% of 240?", "--offline")
    assert "waiting for the model" in out  # the spinner
    assert "15% of 240 is 36." in out and "Answer:" not in out  # streamed, not printed whole


def test_piped_output_has_no_spinner_and_no_streaming():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nemotron_agents.cli",
            "run",
            "calculator",
            "What is 15% of 240?",
            "--offline",
        ],
        capture_output=True,
        text=True,
    )
    assert "waiting for the model" not in proc.stdout + proc.stderr
    assert "Answer: 15% of 240 is 36." in proc.stdout

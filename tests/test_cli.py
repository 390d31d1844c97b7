import io
import json
import subprocess
import sys

import cli_app
import pytest

from nemotron_agents.cli import EXIT_APPROVAL, EXIT_USAGE, OFFLINE_NOTICE, main
from nemotron_agents.graphs import GRAPHS


@pytest.fixture(autouse=True)
def no_endpoint(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)


def test_list_and_tools(capsys):
    assert main(["list"]) == 0
    assert "calculator" in capsys.readouterr().out
    assert main(["tools", "calculator"]) == 0
    out = capsys.readouterr().out
    for name in ("calculate", "percentage", "convert_units", "expression", "from_unit"):
        assert name in out


def test_tools_of_a_graph_without_tools_says_so(capsys):
    assert main(["tools", "report"]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "Graph 'report' has no tools: its models only write text."
    assert main(["tools", "calculator"]) == 0
    assert "no tools" not in capsys.readouterr().out


def test_offline_json_carries_the_graphs_own_fields(capsys, tmp_path):
    assert main(["run", "router", "What is the capital of France?", "--offline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cost"]["currency"] == "USD" and result["cost"]["total"] > 0
    assert set(result["cost"]["models"]) == set(result["usage"])
    assert result["route"]["decision"] in ("chat", "tools")
    db = str(tmp_path / "threads.sqlite")  # fields read from a saved thread as well
    assert (
        main(["run", "report", "Write a short report on tides.", "--offline", "--json", "--db", db])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert len(result["sections"]) == len(result["structured_response"]["sections"]) >= 2
    assert result["answer"].startswith("# ")


def test_no_key_no_base_url_is_one_clear_message_and_exit_2():
    proc = subprocess.run(
        [sys.executable, "-m", "nemotron_agents.cli", "run", "calculator", "1+1"],
        capture_output=True,
        text=True,
        env={"PATH": "", "NVIDIA_USAGE_TELEMETRY_ENABLED": "0"},
    )
    assert proc.returncode == 2
    assert "NVIDIA_API_KEY" in proc.stderr and "NVIDIA_BASE_URL" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_unknown_graph_lists_the_known_ones(capsys):
    assert main(["tools", "nope"]) == 2
    assert "calculator" in capsys.readouterr().err


def test_bad_setting_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setenv("NEMOTRON_TEMPERATURE", "9")
    assert main(["run", "calculator", "1+1", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "NEMOTRON_TEMPERATURE" in err and "[0, 2]" in err


def test_offline_run_streams_steps(capsys):
    assert main(["run", "calculator", "What is 15% of 240?", "--offline"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == OFFLINE_NOTICE
    assert "→ percentage" in out and "36" in out
    assert "tokens mistralai/mistral-nemotron" in out


def test_offline_run_json(capsys):
    assert main(["run", "calculator", "What is 15% of 240?", "--offline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["offline"] is True and result["graph"] == "calculator"
    assert result["tool_calls"][0]["name"] == "percentage"
    assert "36" in result["tool_results"][0]["content"]
    assert "36" in result["answer"]
    assert result["usage"]["mistralai/mistral-nemotron"]["calls"] == 2


def test_emulator_command_serves_until_stopped():
    import re
    import signal
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "nemotron_agents.cli", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+/v1", line).group()
        with urllib.request.urlopen(f"{base}/models", timeout=5) as response:
            ids = [m["id"] for m in json.load(response)["data"]]
        assert ids == ["mistralai/mistral-nemotron", "nv-mistralai/mistral-nemo-12b-instruct"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_failed_run_is_saved_and_resumes(tmp_path, capsys, monkeypatch):
    from nemotron_agents.testing import NIMEmulator

    db = str(tmp_path / "threads.sqlite")
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    with NIMEmulator() as emu:
        emu.inject("server_error", times=None)
        code = main(
            [
                "run",
                "calculator",
                "What is 15% of 240?",
                "--base-url",
                emu.base_url,
                "--db",
                db,
                "--thread-id",
                "t-1",
            ]
        )
        err = capsys.readouterr().err
        assert code == 1
        assert "HTTP 500" in err
        assert f"nemotron-agents resume calculator --thread-id t-1 --db {db}" in err

        assert main(["threads", "--db", db]) == 0
        assert "t-1" in capsys.readouterr().out

        emu.clear_faults()
        assert (
            main(
                [
                    "resume",
                    "calculator",
                    "--thread-id",
                    "t-1",
                    "--db",
                    db,
                    "--base-url",
                    emu.base_url,
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        assert "→ percentage" in out and "36" in out

        # finished threads and unknown threads are refused with the reason
        assert (
            main(
                [
                    "resume",
                    "calculator",
                    "--thread-id",
                    "t-1",
                    "--db",
                    db,
                    "--base-url",
                    emu.base_url,
                ]
            )
            == 2
        )
        assert "already finished" in capsys.readouterr().err
        assert (
            main(
                [
                    "resume",
                    "calculator",
                    "--thread-id",
                    "nope",
                    "--db",
                    db,
                    "--base-url",
                    emu.base_url,
                ]
            )
            == 2
        )
        assert "Saved threads: t-1" in capsys.readouterr().err


def test_failed_run_without_db_says_how_to_keep_it(capsys, monkeypatch):
    from nemotron_agents.testing import NIMEmulator

    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    with NIMEmulator() as emu:
        emu.inject("bad_request", times=None, message="nope")
        assert main(["run", "calculator", "hi", "--base-url", emu.base_url]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "--db FILE" in err and "Traceback" not in err


def test_unsupported_db_scheme(capsys):
    assert main(["run", "calculator", "hi", "--offline", "--db", "mysql://x/y"]) == 2
    assert "Unsupported --db scheme 'mysql'" in capsys.readouterr().err


# --- approvals at the command line (the refunds graph of tests/cli_app.py) ------------------


class Terminal(io.StringIO):
    """Typed answers on a stdin that says it is a terminal."""

    def isatty(self):
        return True


@pytest.fixture
def refunds(monkeypatch, tmp_path):
    """The refunds graph registered, a dummy key, no terminal; the refund log's path."""
    monkeypatch.setitem(GRAPHS, "refunds", cli_app.SPEC)
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.setenv("REFUND_LOG", str(tmp_path / "refunds.log"))
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    return tmp_path / "refunds.log"


def refunded(log):
    return log.read_text().splitlines() if log.exists() else []


def pending_ids(capsys):
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "waiting_for_approval"
    return [a["id"] for a in result["interrupts"][0]["value"]["action_requests"]]


def test_without_a_terminal_the_request_is_printed_and_the_exit_code_says_so(
    refunds, tmp_path, capsys
):
    db = str(tmp_path / "t.sqlite")
    assert main(["run", "refunds", "refund A1 50", "--db", db, "--thread-id", "t"]) == EXIT_APPROVAL
    captured = capsys.readouterr()
    assert "Waiting for approval in thread t" in captured.out
    assert (
        "issue_refund" in captured.out
        and '"amount": 50.0' in captured.out
        and "Refund part of an order" in captured.out
    )
    assert (
        f"Decide with: nemotron-agents resume refunds --thread-id t --db {db} and one of: --approve"
        in captured.err
    )
    assert "--decision CALL_ID=" in captured.err
    # resume without a decision and without a terminal: the same request again, nothing runs
    assert main(["resume", "refunds", "--thread-id", "t", "--db", db]) == EXIT_APPROVAL
    assert "issue_refund" in capsys.readouterr().out and refunded(refunds) == []
    # a new question cannot start while the thread waits
    assert main(["run", "refunds", "hello", "--db", db, "--thread-id", "t"]) == EXIT_USAGE
    assert "unfinished run (waiting for approval)" in capsys.readouterr().err
    assert main(["resume", "refunds", "--thread-id", "t", "--db", db, "--approve", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "done" and result["answer"] == "Done: refunded 50 on A1"
    assert refunded(refunds) == ["A1 50"]


def test_without_db_the_request_says_how_to_keep_the_thread(refunds, capsys):
    assert main(["run", "refunds", "refund A1 50"]) == EXIT_APPROVAL
    assert "run again with --db FILE" in capsys.readouterr().err and refunded(refunds) == []


@pytest.mark.parametrize(
    ("options", "answer", "done"),
    [
        (
            ["--reject", "over the limit"],
            "Done: Error: a human rejected this call, so it did not run: over the limit.",
            [],
        ),
        (["--reject"], "Done: Error: a human rejected this call, so it did not run.", []),
        (
            ["--edit", '{"order_id": "A1", "amount": 12.5}'],
            'it ran with {"order_id": "A1", "amount": 12.5}.) refunded 12.5 on A1',
            ["A1 12.5"],
        ),
        (
            ["--edit", '{"order_id": "A1", "amount": 500}'],
            "edited the arguments of this call, but the new arguments are invalid",
            [],
        ),
    ],
)
def test_resume_takes_the_decision_as_options(refunds, tmp_path, capsys, options, answer, done):
    db = str(tmp_path / "t.sqlite")
    assert (
        main(["run", "refunds", "refund A1 50", "--db", db, "--thread-id", "t", "--json"])
        == EXIT_APPROVAL
    )
    capsys.readouterr()
    assert main(["resume", "refunds", "--thread-id", "t", "--db", db, *options, "--json"]) == 0
    assert answer in json.loads(capsys.readouterr().out)["answer"]
    assert refunded(refunds) == done


def test_per_call_decisions_and_their_errors(refunds, tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    assert (
        main(
            [
                "run",
                "refunds",
                "refund A1 50 and B2 20 and C3 5",
                "--db",
                db,
                "--thread-id",
                "t",
                "--json",
            ]
        )
        == EXIT_APPROVAL
    )
    a, b, _c = pending_ids(capsys)
    resume = ["resume", "refunds", "--thread-id", "t", "--db", db, "--json"]
    for bad, says in [
        (["--edit", '{"amount": 1}'], "--edit needs exactly one pending call"),
        (["--decision", "nope=approve"], "no pending call 'nope'"),
        (["--decision", f"{a}=maybe"], "must be approve, reject, reject:REASON or edit:JSON"),
        (["--decision", "approve"], "write CALL_ID=approve"),
        (["--decision", f"{a}=edit:[1]"], "JSON object"),
        (["--decision", f"{a}=edit:{{oops"], "not valid JSON"),
        (["--approve", "--reject"], None),  # argparse: not allowed together
    ]:
        if says is None:
            with pytest.raises(SystemExit) as stop:
                main([*resume, *bad])
            assert stop.value.code == EXIT_USAGE
            assert json.loads(capsys.readouterr().out)["kind"] == "usage"  # --json: errors too
        else:
            assert main([*resume, *bad]) == EXIT_USAGE
            assert says in capsys.readouterr().err
    assert refunded(refunds) == []
    edit = f"{b}=edit:" + json.dumps({"order_id": "B2", "amount": 2})
    assert (
        main([*resume, "--decision", f"{a}=approve", "--decision", edit]) == 0
    )  # c left out: rejected
    answer = json.loads(capsys.readouterr().out)["answer"]
    assert sorted(refunded(refunds)) == ["A1 50", "B2 2"]  # the two calls ran concurrently
    assert (
        "refunded 50 on A1 | (A human edited this call's arguments before it ran; it ran with "
        '{"order_id": '
        '"B2", "amount": 2}.) refunded 2 on B2 | Error: a human rejected this call'
    ) in answer


def test_decision_options_need_a_thread_waiting_for_approval(refunds, tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    assert main(["run", "refunds", "hello", "--db", db, "--thread-id", "t"]) == 0
    assert main(["resume", "refunds", "--thread-id", "t", "--db", db, "--approve"]) == EXIT_USAGE
    assert "already finished" in capsys.readouterr().err


def test_a_terminal_asks_shows_the_call_and_takes_an_edit(refunds, monkeypatch, capsys):
    typed = "\n".join(
        [
            "maybe",
            "e",
            "{oops",
            "e",
            '{"order_id": "A1", "amount": 500}',
            "e",
            '{"order_id": "A1", "amount": 10}',
            "",
        ]
    )
    monkeypatch.setattr(sys, "stdin", Terminal(typed))
    assert main(["run", "refunds", "refund A1 50"]) == 0
    out = capsys.readouterr().out
    assert "? issue_refund" in out and 'arguments: {"order_id": "A1", "amount": 50.0}' in out
    assert "approve, edit or reject? [a/e/r]" in out
    assert "answer a (approve), e (edit) or r (reject)" in out  # after "maybe"
    assert "not valid JSON" in out and "amount" in out  # both bad edits were asked again
    assert 'it ran with {"order_id": "A1", "amount": 10}.) refunded 10 on A1' in out
    assert refunded(refunds) == ["A1 10"]


def test_a_terminal_takes_approvals_and_rejections_with_reasons(refunds, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Terminal("a\nr\nnot this one\n"))
    assert main(["run", "refunds", "refund A1 50 and B2 20"]) == 0
    out = capsys.readouterr().out
    assert (
        "Done: refunded 50 on A1 | Error: a human rejected this call, so it did not run: not this "
        "one." in out
    )
    assert refunded(refunds) == ["A1 50"]


def test_a_terminal_that_closes_leaves_the_request_pending(refunds, monkeypatch, tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    monkeypatch.setattr(sys, "stdin", Terminal(""))  # end of input at the first question
    assert main(["run", "refunds", "refund A1 50", "--db", db, "--thread-id", "t"]) == EXIT_APPROVAL
    assert "--approve" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", Terminal("a\n"))
    assert main(["resume", "refunds", "--thread-id", "t", "--db", db]) == 0
    assert refunded(refunds) == ["A1 50"]


def test_json_never_prompts_even_at_a_terminal(refunds, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Terminal("a\n"))
    assert main(["run", "refunds", "refund A1 50", "--json"]) == EXIT_APPROVAL
    assert pending_ids(capsys) and refunded(refunds) == []

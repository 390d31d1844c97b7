"""What the command line prints: model, tool and user text verbatim; words in the right number."""

from nemotron_agents.cli import main


def test_model_and_tool_text_is_printed_verbatim_not_read_as_markup(refunds, capsys):
    assert main(["run", "refunds", "see [people/leave.md:10] and [/x] [bold]"]) == 0
    out = capsys.readouterr().out
    assert "Questions so far: see [people/leave.md:10] and [/x] [bold]" in out


def test_tool_calls_results_and_approvals_are_printed_verbatim(refunds, typed, capsys):
    typed("a\n")
    assert main(["run", "refunds", "refund [/x] 50"]) == 0
    out = capsys.readouterr().out
    assert "? issue_refund" in out and '"order_id": "[/x]"' in out  # the approval question
    assert '→ issue_refund({"order_id": "[/x]", "amount": 50.0})' in out
    assert "← issue_refund: refunded 50 on [/x]" in out
    assert refunds.read_text() == "[/x] 50\n"


def test_one_is_singular(refunds, tmp_path, capsys):
    db = str(tmp_path / "t.sqlite")
    assert main(["run", "refunds", "hello [/x]", "--db", db, "--thread-id", "t"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("tokens scripted: 3 in, 7 out, 1 call\n"), out
    assert main(["threads", "--db", db]) == 0
    assert capsys.readouterr().out == "t  2 messages  'hello [/x]'\n"


def test_a_run_stopped_after_one_step_says_step(capsys):
    assert main(["run", "calculator", "What is 15% of 240?", "--offline", "--max-steps", "1"]) == 0
    assert "I stopped after 1 step without" in capsys.readouterr().out


def test_the_printed_resume_command_works_as_pasted(tmp_path, capsys, monkeypatch):
    import shlex

    from nemotron_agents.testing import NIMEmulator

    db = str(tmp_path / "my threads.sqlite")  # a space: the command must quote it
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-secret-key")
    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    with NIMEmulator() as emu:
        emu.inject("server_error", times=None)
        run = ["run", "calculator", "What is 15% of 240?", "--db", db, "--thread-id", "t 1"]
        model = [
            "--model",
            "mistralai/mistral-nemotron",
            "--fallback-model",
            "nv-mistralai/mistral-nemo-12b-instruct",
        ]
        assert main([*run, "--base-url", emu.base_url, *model]) == 1
        err = capsys.readouterr().err
        assert "nvapi-secret-key" not in err
        line = next(line for line in err.splitlines() if "Resume it with: " in line)
        words = shlex.split(line.split("Resume it with: ", 1)[1])
        assert words[:2] == ["nemotron-agents", "resume"]
        assert "--base-url" in words and "--model" in words and "--fallback-model" in words
        emu.clear_faults()
        assert main(words[1:]) == 0  # pasted as printed
        assert "36" in capsys.readouterr().out

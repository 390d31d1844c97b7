"""Under --json every error is also one JSON object on stdout, with the exit code; plain help."""

import json

import pytest

from nemotron_agents.cli import EXIT_FAILED, EXIT_USAGE, main


def error_of(capsys):
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_config_errors_are_json(capsys, tmp_path):
    assert main(["run", "calculator", " ", "--offline", "--json"]) == EXIT_USAGE
    error, err = error_of(capsys)
    assert error == {
        "error": "The prompt is empty: give the question to ask",
        "kind": "config",
        "exit": 2,
    }
    assert "The prompt is empty" in err  # and for a human, on stderr
    assert main(["run", "calculator", "1+1", "--json"]) == EXIT_USAGE  # no key, no base URL
    error, _ = error_of(capsys)
    assert error["kind"] == "missing_credentials" and "NVIDIA_API_KEY" in error["error"]


def test_argparse_usage_errors_are_json(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "calculator", "1+1", "--json", "--max-steps", "0"])
    assert stop.value.code == EXIT_USAGE
    error, _err = error_of(capsys)
    assert error["kind"] == "usage" and error["exit"] == 2 and "--max-steps" in error["error"]
    with pytest.raises(SystemExit):
        main(["run", "calculator", "1+1", "--json", "--bogus"])
    error, _ = error_of(capsys)
    assert error["error"] == "nemotron-agents run: unrecognized arguments: --bogus"


def test_a_failed_model_call_is_json_with_the_resume_command(capsys, monkeypatch, tmp_path):
    from nemotron_agents.testing import NIMEmulator

    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    db = str(tmp_path / "t.sqlite")
    with NIMEmulator() as emu:
        emu.inject("server_error", times=None)
        argv = [
            "run",
            "calculator",
            "1+1",
            "--base-url",
            emu.base_url,
            "--db",
            db,
            "--thread-id",
            "t",
            "--json",
        ]
        assert main(argv) == EXIT_FAILED
    error, _ = error_of(capsys)
    assert (
        error["kind"] == "model_call_failed" and error["exit"] == 1 and "HTTP 500" in error["error"]
    )
    assert error["resume"].startswith("nemotron-agents resume calculator --thread-id t --db ")


def test_an_unknown_flag_after_a_command_shows_that_commands_usage(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "calculator", "1+1", "--bogus"])
    assert stop.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert (
        err.startswith("usage: nemotron-agents run ") and "unrecognized arguments: --bogus" in err
    )


def test_help_is_plain_text(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out and "[/" not in out and "Mistral-Nemotron" in out


def test_a_settings_error_names_only_the_bad_variable(capsys, monkeypatch):
    monkeypatch.setenv("NEMOTRON_TEMPERATURE", "9")
    assert main(["run", "calculator", "1+1", "--offline"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert (
        "NEMOTRON_TEMPERATURE" in err and "NEMO_PRICE_OUT" not in err and "NEMOTRON_SEED" not in err
    )

"""Bad input and closed pipes end in a message and an exit code, never a traceback."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from nemotron_agents.cli import EXIT_PIPE, EXIT_USAGE, main

APP = Path(__file__).resolve().parent.parent / "cli_app.py"


def test_db_naming_a_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["run", "calculator", "1+1", "--offline", "--db", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--db {tmp_path} is a folder" in err and "Traceback" not in err


def test_db_naming_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    assert (
        main(["run", "calculator", "1+1", "--offline", "--db", str(tmp_path / "notes.txt")])
        == EXIT_USAGE
    )
    assert "not a SQLite database" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url", ["not a url", "localhost:8000/v1", "ftp://host/v1", "http://", "http://h:port/v1"]
)
def test_base_url_must_be_http_with_a_host(url, capsys):
    assert main(["run", "calculator", "1+1", "--base-url", url]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--base-url {url!r} is not a URL" in err and "Traceback" not in err


def test_base_url_from_the_environment_is_checked_too(monkeypatch, capsys):
    monkeypatch.setenv("NVIDIA_BASE_URL", "nowhere")
    assert main(["run", "calculator", "1+1"]) == EXIT_USAGE
    assert "NVIDIA_BASE_URL 'nowhere' is not a URL" in capsys.readouterr().err


def test_emulator_port_out_of_range_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["emulator", "--port", "99999"])
    assert stop.value.code == EXIT_USAGE
    assert "a port is 0 to 65535" in capsys.readouterr().err


def test_emulator_on_a_port_in_use_says_so(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["emulator", "--port", str(port)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path, json_flag):
    """``... | head -1``: the output is bigger than the pipe's buffer, the reader stops early."""
    env = {**os.environ, "NVIDIA_API_KEY": "nvapi-test", "REFUND_LOG": str(tmp_path / "log")}
    proc = subprocess.Popen(
        [sys.executable, str(APP), "run", "refunds", "z" * 100_000, *json_flag],  # echoed back
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_PIPE
    assert err == ""


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://10.0.0.7:8000/v1", True),
        ("http://nim.example.internal/v1", True),
        ("https://nim.example.internal/v1", False),
        ("http://localhost:8000/v1", False),
        ("http://127.0.0.2:8000/v1", False),
        ("http://[::1]:8000/v1", False),
    ],
)
def test_a_key_over_plain_http_to_another_host_is_warned_once(
    url, warned, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-secret")
    no_db = str(tmp_path / "none.sqlite")  # stops at the missing file: no request is made
    assert (
        main(["resume", "calculator", "--thread-id", "t", "--db", no_db, "--base-url", url])
        == EXIT_USAGE
    )
    err = capsys.readouterr().err
    assert err.count("sent unencrypted") == (1 if warned else 0)
    assert "nvapi-secret" not in err


def test_no_warning_without_a_key(capsys, tmp_path):
    no_db = str(tmp_path / "none.sqlite")
    main(
        [
            "resume",
            "calculator",
            "--thread-id",
            "t",
            "--db",
            no_db,
            "--base-url",
            "http://10.0.0.7/v1",
        ]
    )
    assert "unencrypted" not in capsys.readouterr().err

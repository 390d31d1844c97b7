"""--db on SQLite and PostgreSQL alike: threads continue and resume, one writer per thread, no key.

Tests taking the ``db`` fixture run twice: on a SQLite file and on a database of the throw-away
PostgreSQL server started by ``tests/conftest.py``. Several run the CLI in child processes
(``tests/cli_app.py``) to show what two real processes sharing one thread see.
"""

import contextlib
import io
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cli_app
import pytest
from langchain_core.messages import ToolMessage

from nemotron_agents.cli import EXIT_APPROVAL, EXIT_BUSY, EXIT_FAILED, EXIT_USAGE, main
from nemotron_agents.errors import ThreadBusyError
from nemotron_agents.graphs import GRAPHS
from nemotron_agents.persistence import (
    POSTGRES_EXTRA,
    is_postgres,
    open_checkpointer,
    shown,
    writer_lock,
)

APP = str(Path(__file__).with_name("cli_app.py"))
SENTINEL_KEY = "nvapi-SENTINEL-7f3a9c-never-store-me"


@pytest.fixture(autouse=True)
def app_env(monkeypatch, tmp_path):
    """The refunds graph registered, a dummy key, and the files its tools write."""
    monkeypatch.setitem(GRAPHS, "refunds", cli_app.SPEC)
    monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-test")
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)
    monkeypatch.setenv("REFUND_LOG", str(tmp_path / "refunds.log"))
    monkeypatch.setenv("GATE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # no terminal: nothing may prompt


def child(*args, **popen):
    """``nemotron-agents ARGS`` (with the refunds graph) in a new process."""
    return subprocess.Popen(
        [sys.executable, APP, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finish(proc, timeout=60):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def messages_of(db, thread_id):
    with open_checkpointer(db, create=False) as saver:
        saved = saver.get_tuple({"configurable": {"thread_id": thread_id}})
        return saved.checkpoint["channel_values"]["messages"]


def wait_for(predicate, what, timeout=60):
    """Poll until ``predicate()`` (a child process getting somewhere); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


# --- continuing and listing threads --------------------------------------------------------


def test_a_second_question_in_a_thread_sees_the_first_and_threads_lists_it(db, capsys):
    assert main(["run", "refunds", "hello", "--db", db, "--thread-id", "T1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "Questions so far: hello"
    assert main(["run", "refunds", "and again", "--db", db, "--thread-id", "T1", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["answer"] == "Questions so far: hello / and again" and second["status"] == "done"
    assert main(["run", "refunds", "other", "--db", db, "--json"]) == 0
    other = json.loads(capsys.readouterr().out)["thread_id"]

    assert main(["threads", "--db", db]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [other, "T1"]  # most recent first
    assert "4 messages" in listed[1] and "'hello'" in listed[1]


@pytest.mark.parametrize("command", [["threads"], ["resume", "refunds", "--thread-id", "T1"]])
@pytest.mark.parametrize("form", ["{}", "sqlite:///{}"])
def test_a_missing_sqlite_file_is_a_clear_error_and_is_not_created(tmp_path, capsys, command, form):
    path = tmp_path / "nope.sqlite"
    assert main([*command, "--db", form.format(path)]) == EXIT_USAGE
    assert "no such file" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just text " * 100)
    assert main(["threads", "--db", str(path)]) == EXIT_USAGE
    assert "not a SQLite database" in capsys.readouterr().err


def test_postgres_without_the_extra_names_the_pip_command(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "langgraph.checkpoint.postgres", None)  # as if not installed
    assert main(["threads", "--db", "postgresql://u@127.0.0.1:1/x"]) == EXIT_USAGE
    assert POSTGRES_EXTRA in capsys.readouterr().err


def test_an_unreachable_postgres_is_a_clear_error_that_hides_the_password(capsys):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"postgresql://agent:s3cret-pw@127.0.0.1:{sock.getsockname()[1]}/x"
        assert main(["run", "refunds", "hi", "--db", url]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert (
        "cannot connect to PostgreSQL" in err
        and "agent:***@127.0.0.1" in err
        and "s3cret" not in err
    )


def test_shown_hides_passwords_only():
    assert (
        shown("postgresql://me:pw@db.local:5432/app?sslmode=require")
        == "postgresql://me:***@db.local:5432/app?sslmode=require"
    )
    assert (
        shown("postgres://db.local/app?password=pw&sslmode=require")
        == "postgres://db.local/app?password=***&sslmode=require"
    )
    assert shown("postgresql://me@db.local/app") == "postgresql://me@db.local/app"
    assert shown("threads.sqlite") == "threads.sqlite"
    assert is_postgres("postgres://x/y") and not is_postgres("sqlite:///x")


# --- resuming: a failed model call, an approval across processes ---------------------------


def test_a_run_whose_models_are_down_resumes(db, capsys, monkeypatch):
    from nemotron_agents.testing import NIMEmulator

    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    with NIMEmulator() as emu:
        emu.inject("unavailable", times=None)
        run = [
            "run",
            "calculator",
            "What is 15% of 240?",
            "--base-url",
            emu.base_url,
            "--db",
            db,
            "--thread-id",
            "down",
        ]
        assert main(run) == EXIT_FAILED
        assert f"resume calculator --thread-id down --db {shown(db)}" in capsys.readouterr().err
        emu.clear_faults()
        assert (
            main(
                [
                    "resume",
                    "calculator",
                    "--thread-id",
                    "down",
                    "--db",
                    db,
                    "--base-url",
                    emu.base_url,
                    "--json",
                ]
            )
            == 0
        )
    assert "36" in json.loads(capsys.readouterr().out)["answer"]


def test_one_process_stops_at_an_approval_and_another_resumes_it(db, tmp_path, capsys):
    code, out, err = finish(
        child("run", "refunds", "refund A1 50", "--db", db, "--thread-id", "shared", "--json")
    )
    assert code == EXIT_APPROVAL, err
    pending = json.loads(out)
    assert pending["status"] == "waiting_for_approval"
    (action,) = pending["interrupts"][0]["value"]["action_requests"]
    assert (action["name"], action["args"]) == ("issue_refund", {"order_id": "A1", "amount": 50.0})
    assert (
        pending["resume"] == f"nemotron-agents resume refunds --thread-id shared --db {shown(db)}"
    )
    assert "--approve" in err
    assert not (tmp_path / "refunds.log").exists()

    # this test's own process is the second one
    edit = f"{action['id']}=edit:" + json.dumps({"order_id": "A1", "amount": 10})
    assert (
        main(
            ["resume", "refunds", "--thread-id", "shared", "--db", db, "--decision", edit, "--json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["answer"].endswith(
        'it ran with {"order_id": "A1", "amount": 10}.) refunded 10 on A1'
    )
    assert (tmp_path / "refunds.log").read_text() == "A1 10\n"


# --- one writer per thread -----------------------------------------------------------------


def started(tmp_path):
    return list(tmp_path.glob("started-*"))


def test_a_second_writer_of_a_thread_is_refused(db, tmp_path, capsys):
    first = child("run", "refunds", "wait", "--db", db, "--thread-id", "same", "--json")
    try:
        wait_for(
            lambda: started(tmp_path) or first.poll() is not None, "the first run to reach its tool"
        )
        # this test's own process is the second writer
        assert (
            main(["run", "refunds", "hello", "--db", db, "--thread-id", "same", "--json"])
            == EXIT_BUSY
        )
        captured = capsys.readouterr()
        assert "'same' is being written by another process" in captured.err
        assert json.loads(captured.out)["kind"] == "busy"  # --json: the error as JSON too
        assert main(["resume", "refunds", "--db", db, "--thread-id", "same"]) == EXIT_BUSY
        # other threads of the same store are not held up
        assert main(["run", "refunds", "hello", "--db", db, "--thread-id", "other"]) == 0
    finally:
        (tmp_path / "open").touch()
    code, out, err = finish(first)
    assert code == 0, err
    assert json.loads(out)["answer"] == f"Done: gate passed by {first.pid}"
    results = [m.content for m in messages_of(db, "same") if isinstance(m, ToolMessage)]
    assert results == [f"gate passed by {first.pid}"]


def test_a_killed_writer_does_not_hold_the_thread(db, tmp_path, capsys):
    first = child("run", "refunds", "wait", "--db", db, "--thread-id", "crash")
    wait_for(
        lambda: started(tmp_path) or first.poll() is not None, "the first run to reach its tool"
    )
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    (tmp_path / "open").touch()
    if is_postgres(db):  # the server ends the dead session as soon as it reads the closed socket
        wait_for(lambda: not _advisory_locks(db), "the server to end the killed session")
    assert main(["resume", "refunds", "--db", db, "--thread-id", "crash", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == f"Done: gate passed by {os.getpid()}"


def test_a_run_whose_last_checkpoint_did_not_land_is_still_unfinished(db, capsys):
    """LangGraph saves checkpoints in the background: a process killed right after a step may
    leave that step's results saved but not the checkpoint closing it. Then the thread's ``next``
    is empty, yet the run is not over: ``resume`` must continue it and ``run`` must not start a
    new question on top of its dangling tool call."""
    assert (
        main(["run", "refunds", "refund A1 50", "--db", db, "--thread-id", "cut", "--json"])
        == EXIT_APPROVAL
    )
    capsys.readouterr()
    _drop_checkpoints_after_step_0(db)  # as if killed before the model's step was closed
    assert main(["run", "refunds", "hello", "--db", db, "--thread-id", "cut"]) == EXIT_USAGE
    assert "unfinished run" in capsys.readouterr().err
    assert (
        main(["resume", "refunds", "--db", db, "--thread-id", "cut", "--approve", "--json"])
        == EXIT_USAGE
    )
    assert (
        "not waiting for approval" in capsys.readouterr().err
    )  # not yet: the step must re-run first
    assert main(["resume", "refunds", "--db", db, "--thread-id", "cut", "--json"]) == EXIT_APPROVAL
    capsys.readouterr()
    assert main(["resume", "refunds", "--db", db, "--thread-id", "cut", "--approve", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "Done: refunded 50 on A1"


def _advisory_locks(db):
    import psycopg

    with psycopg.connect(db) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
        ).fetchone()[0]


def _drop_checkpoints_after_step_0(db):
    if is_postgres(db):
        import psycopg

        with psycopg.connect(db, autocommit=True) as connection:
            connection.execute("DELETE FROM checkpoints WHERE (metadata->>'step')::int > 0")
        return
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "DELETE FROM checkpoints WHERE json_extract(CAST(metadata AS TEXT), '$.step') > 0"
        )


def test_writer_lock_in_one_process(db):
    with open_checkpointer(db):  # the lock needs the store to exist
        pass
    with writer_lock(db, "t"):
        with pytest.raises(ThreadBusyError, match="'t' is being written"):
            with writer_lock(db, "t"):
                pass
        with writer_lock(db, "u"):
            pass
    with writer_lock(db, "t"):  # released on exit
        pass


# --- the API key stays out of checkpoints, output, logs and errors -------------------------


def dump(db):
    """Every byte the store holds: the SQLite files, or every row of every table."""
    if not is_postgres(db):
        return b"".join(p.read_bytes() for p in Path(db).parent.glob(Path(db).name + "*"))
    import psycopg

    chunks = []
    with psycopg.connect(db) as connection:
        tables = [
            r[0]
            for r in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    chunks.append(
                        bytes(value)
                        if isinstance(value, (bytes, memoryview))
                        else json.dumps(value, default=str).encode()
                    )
    return b"\n".join(chunks)


def test_the_api_key_never_reaches_the_store_output_logs_or_errors(db, capsys, caplog, monkeypatch):
    from nemotron_agents.testing import NIMEmulator

    monkeypatch.setenv("NVIDIA_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("NEMOTRON_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    with NIMEmulator(hosted=True) as emu:  # hosted: the emulator checks the key was sent
        base = ["--base-url", emu.base_url, "--db", db]
        assert (
            main(
                [
                    "run",
                    "calculator",
                    "What is 15% of 240? MARKER-41",
                    *base,
                    "--thread-id",
                    "k1",
                    "--json",
                ]
            )
            == 0
        )
        assert main(["run", "calculator", "What is 2+2?", *base, "--thread-id", "k1"]) == 0
        emu.inject("unauthorized", times=None)
        assert (
            main(["run", "calculator", "What is 3+3?", *base, "--thread-id", "k2"]) == EXIT_FAILED
        )
        sent = [
            v
            for r in emu.chat_requests
            for k, v in r.headers.items()
            if k.lower() == "authorization"
        ]
    captured = capsys.readouterr()
    stored = dump(db)
    assert b"MARKER-41" in stored  # the dump does read what the threads hold
    assert any(SENTINEL_KEY in h for h in sent)  # and the key really was in use
    for where, text in [
        ("store", stored.decode("latin-1")),
        ("stdout", captured.out),
        ("stderr", captured.err),
        ("logs", caplog.text),
    ]:
        assert SENTINEL_KEY not in text, where
        assert "SENTINEL" not in text, where

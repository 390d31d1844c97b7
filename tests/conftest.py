"""Shared test set-up: no telemetry, tracing or analytics; `live` tests need a key; databases."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

os.environ["NVIDIA_USAGE_TELEMETRY_ENABLED"] = "0"
os.environ["LANGGRAPH_CLI_NO_ANALYTICS"] = "1"
os.environ["LANGSMITH_TRACING"] = "false"


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NVIDIA_API_KEY"):
        return
    skip = pytest.mark.skip(reason="live test: set NVIDIA_API_KEY to run it")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


# --- databases for --db: a SQLite file, or a database on a throw-away PostgreSQL server --------


def _postgres_bindir():
    initdb = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return Path(initdb).parent if initdb else None


def _unavailable(reason):
    """Skip on a developer's machine; fail under CI, where .ci/run installs PostgreSQL."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
    pytest.skip(reason)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own on loopback, in a temporary data directory: its base URL.

    initdb/pg_ctl refuse to run as root, so as root they run as the ``postgres`` user.
    """
    bindir = _postgres_bindir()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the postgres extra is not installed: pip install -e '.[test]'")
    root = Path(tempfile.mkdtemp(prefix="nemotron-pg-"))
    as_owner = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]

    def run(*command, check=True):
        return subprocess.run(
            [*as_owner, *map(str, command)], cwd=root, capture_output=True, text=True, check=check
        )

    data, log = root / "data", root / "server.log"
    run(bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
    for _ in range(3):  # the port is free when chosen; another process may take it before we bind
        port = _free_port()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        start = ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"]
        if run(bindir / "pg_ctl", *start, check=False).returncode == 0:
            break
    else:
        pytest.fail(f"PostgreSQL did not start:\n{log.read_text() if log.exists() else ''}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres_server):
    """A fresh, empty database on the test server: its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    """A --db value: a SQLite file that does not exist yet, or an empty PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "threads.sqlite")
    return request.getfixturevalue("postgres_db")

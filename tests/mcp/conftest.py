"""Real MCP servers for the tests: the reference time and git servers from PyPI over stdio, and
this project's own server (the calculator graph's tools) over streamable HTTP on loopback."""

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from nemotron_agents.graphs import get_spec
from nemotron_agents.mcp_server import make_server, running_http_server
from nemotron_agents.tools.mcp import MCP_CONFIG_ENV, MCPToolset


def time_server():
    return {"command": sys.executable, "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"]}


def git_server(repo):
    return {"command": sys.executable, "args": ["-m", "mcp_server_git", "--repository", str(repo)]}


def make_repo(path: Path) -> Path:
    """A git repository with two commits (the first message is known)."""
    path.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}  # fmt: skip

    def git(*args):
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    (path / "notes.txt").write_text("tides\n")
    git("add", "notes.txt")
    git("commit", "-q", "-m", "Add notes about tides")
    (path / "notes.txt").write_text("tides and moons\n")
    git("commit", "-q", "-am", "Mention the moon")
    return path


def children(pattern: str) -> list[int]:
    """PIDs of this process's children whose command line contains ``pattern``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == os.getpid() and pattern in cmdline:
            found.append(int(entry.name))
    return found


def gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether ``pid`` no longer runs (exited or a zombie) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if state[state.rindex(")") + 2] == "Z":
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="session")
def servers():
    """The helpers above, for tests (a fixture works whatever pytest's import mode)."""
    return SimpleNamespace(time=time_server, git=git_server, children=children, gone=gone)


@pytest.fixture(autouse=True)
def no_mcp_env(monkeypatch):
    monkeypatch.delenv(MCP_CONFIG_ENV, raising=False)


@pytest.fixture(scope="session")
def repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="session")
def own_server_url():
    """The calculator graph's tools, served by this project over streamable HTTP."""
    with running_http_server(make_server(get_spec("calculator").registry())) as url:
        yield url


@pytest.fixture(scope="session")
def toolset(repo, own_server_url):
    """Time and git over stdio, our own server over HTTP: opened once for the whole session."""
    config = {
        "servers": {"time": time_server(), "git": git_server(repo), "own": {"url": own_server_url}}
    }
    with MCPToolset(config) as opened:
        yield opened

"""Helpers for the MCP tests: server configs, a git repository, and child processes."""

import os
import subprocess
import sys
import time
from pathlib import Path


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

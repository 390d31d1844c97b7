import json
import subprocess
import sys

import pytest

from nemotron_agents.cli import OFFLINE_NOTICE, main


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
    assert main(["run", "report", "Write a short report on tides.", "--offline", "--json", "--db", db]) == 0
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
        code = main(["run", "calculator", "What is 15% of 240?", "--base-url", emu.base_url, "--db", db, "--thread-id", "t-1"])
        err = capsys.readouterr().err
        assert code == 1
        assert "HTTP 500" in err
        assert f"nemotron-agents resume calculator --thread-id t-1 --db {db}" in err

        assert main(["threads", "--db", db]) == 0
        assert "t-1" in capsys.readouterr().out

        emu.clear_faults()
        assert main(["resume", "calculator", "--thread-id", "t-1", "--db", db, "--base-url", emu.base_url]) == 0
        out = capsys.readouterr().out
        assert "→ percentage" in out and "36" in out

        # finished threads and unknown threads are refused with the reason
        assert main(["resume", "calculator", "--thread-id", "t-1", "--db", db, "--base-url", emu.base_url]) == 2
        assert "already finished" in capsys.readouterr().err
        assert main(["resume", "calculator", "--thread-id", "nope", "--db", db, "--base-url", emu.base_url]) == 2
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
    assert main(["run", "calculator", "hi", "--offline", "--db", "postgresql://x/y"]) == 2
    assert "Unsupported --db scheme 'postgresql'" in capsys.readouterr().err

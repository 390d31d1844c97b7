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

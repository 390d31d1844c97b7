"""``nemotron-agents eval bfcl``: offline runs, errors, outputs, resuming and Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from nemotron_agents.cli import main
from nemotron_agents.eval import read_answers


@pytest.fixture(autouse=True)
def no_endpoint(monkeypatch):
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)


def eval_args(data, *more):
    return ["eval", "bfcl", "--data", str(data), *more]


def run_json(capsys, args):
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def without_latency(value):
    if isinstance(value, dict):
        return {k: without_latency(v) for k, v in value.items() if not k.startswith("latency")}
    if isinstance(value, list):
        return [without_latency(v) for v in value]
    return value


def test_oracle_json_summary(data, capsys):
    result = run_json(
        capsys,
        eval_args(data, "--category", "all", "--limit", "5", "--offline", "oracle", "--json"),
    )
    assert result["accuracy"] == 1.0 and result["questions"] == 25 and result["offline"] == "oracle"
    assert list(result["by_category"]) == [
        "simple_python",
        "multiple",
        "parallel",
        "parallel_multiple",
        "irrelevance",
    ]
    stats = result["by_model"]["mistralai/mistral-nemotron"]
    assert stats["questions"] == 25 and stats["latency_p95_s"] >= stats["latency_p50_s"] > 0
    assert stats["prompt_tokens"] > stats["completion_tokens"] > 0
    assert result["errors"] == {} and result["misses"] == []


def test_auto_policy_compares_two_models_in_a_table(data, capsys):
    models = [
        "--model",
        "mistralai/mistral-nemotron",
        "--model",
        "nv-mistralai/mistral-nemo-12b-instruct",
    ]
    categories = ["--category", "irrelevance", "--category", "simple_python"]
    args = eval_args(data, *categories, "--limit", "4", "--offline", "auto", *models)
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Offline (auto)" in out
    for model in ("mistralai/mistral-nemotron", "nv-mistralai/mistral-nemo-12b-instruct"):
        assert f"| {model} | irrelevance | 4 |" in out and f"| {model} | simple_python | 4 |" in out
    assert "Accuracy:" in out


def test_without_a_key_it_says_how_to_set_one_or_go_offline(data, capsys):
    assert main(eval_args(data, "--category", "simple_python")) == 2
    err = capsys.readouterr().err
    assert "NVIDIA_API_KEY" in err and "NVIDIA_BASE_URL" in err and "--offline oracle" in err


def test_bad_category_and_bad_numbers_are_usage_errors(data, capsys):
    assert main(eval_args(data, "--category", "simple", "--offline", "oracle")) == 2
    assert "valid: all, simple_python, multiple" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(eval_args(data, "--category", "all", "--limit", "0"))
    assert exit_.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_when_every_request_fails_it_exits_1_with_the_error(data, capsys):
    args = eval_args(
        data,
        "--category",
        "simple_python",
        "--limit",
        "2",
        "--offline",
        "oracle",
        "--model",
        "no/such-model",
    )
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "request_error 2" in captured.out and "HTTP 404" in captured.err


def test_out_folder_gets_report_answers_and_plots_and_a_rerun_resumes(data, capsys, tmp_path):
    out = tmp_path / "run"
    common = ["--category", "all", "--offline", "oracle", "--json"]
    run_json(capsys, eval_args(data, *common, "--limit", "2", "--out", str(out)))
    assert len(read_answers(out / "answers.jsonl")) == 10
    resumed = run_json(capsys, eval_args(data, *common, "--limit", "4", "--out", str(out)))
    assert (
        len((out / "answers.jsonl").read_text().splitlines()) == 20
    )  # the first 10 not asked again
    fresh = run_json(
        capsys, eval_args(data, *common, "--limit", "4", "--out", str(tmp_path / "fresh"))
    )
    assert without_latency(resumed) == without_latency(fresh)
    assert sorted(p.name for p in out.iterdir()) == [
        "accuracy.png",
        "answers.jsonl",
        "latency.png",
        "report.md",
        "summary.json",
    ]
    assert (
        "| mistralai/mistral-nemotron | parallel | 4 | 100.0% |" in (out / "report.md").read_text()
    )
    # without --json a resumed run says so
    assert (
        main(
            eval_args(
                data, "--category", "all", "--offline", "oracle", "--limit", "4", "--out", str(out)
            )
        )
        == 0
    )
    assert (
        f"Resuming: 20 answers already graded in {out / 'answers.jsonl'}" in capsys.readouterr().out
    )


def test_ctrl_c_keeps_the_graded_answers_and_the_same_command_finishes_the_run(
    data, capsys, tmp_path
):
    out = tmp_path / "run"
    args = eval_args(
        data,
        "--category",
        "simple_python",
        "--limit",
        "40",
        "--offline",
        "oracle",
        "--out",
        str(out),
    )
    # 10 requests a second: the run lasts seconds, so Ctrl-C lands mid-run (and the rate holds)
    env = {
        **os.environ,
        "NVIDIA_USAGE_TELEMETRY_ENABLED": "0",
        "NEMOTRON_REQUESTS_PER_MINUTE": "600",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nemotron_agents.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    answers = out / "answers.jsonl"
    deadline = time.monotonic() + 120
    while len(read_answers(answers)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted. Graded answers are kept in" in err and "Traceback" not in err
    kept = read_answers(answers)
    assert 3 <= len(kept) < 40
    assert len(answers.read_text().splitlines()) == len(kept)  # whole lines only

    resumed = run_json(capsys, [*args, "--json"])
    assert len(read_answers(answers)) == len(answers.read_text().splitlines()) == 40
    fresh = run_json(capsys, [*args[:-1], str(tmp_path / "fresh"), "--json"])
    assert without_latency(resumed) == without_latency(fresh) and resumed["accuracy"] == 1.0

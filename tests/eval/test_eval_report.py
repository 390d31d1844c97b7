"""Numbers, table and plots of a set of graded answers."""

import pytest

from nemotron_agents.eval import summarize, to_markdown, write_report
from nemotron_agents.eval.report import percentile


def record(model, category, rid, passed, error=None, latency=1.0, tokens=(100, 10)):
    return {
        "model": model,
        "category": category,
        "id": rid,
        "passed": passed,
        "error": error,
        "detail": f"why {rid}" if error else "",
        "calls": [],
        "malformed": [],
        "text": "",
        "latency_s": None if error == "request_error" else latency,
        "prompt_tokens": 0 if error == "request_error" else tokens[0],
        "completion_tokens": 0 if error == "request_error" else tokens[1],
    }


RECORDS = [
    record("big", "simple_python", "s0", True, latency=1.0),
    record("big", "simple_python", "s1", False, "wrong_value", latency=2.0),
    record("big", "irrelevance", "i0", True, latency=3.0, tokens=(50, 0)),
    record("big", "irrelevance", "i1", False, "request_error"),
    record("small", "simple_python", "s0", True, latency=0.5),
    record("small", "simple_python", "s1", True, latency=0.5),
    record("small", "irrelevance", "i0", False, "call_on_irrelevance", latency=0.5),
    record("small", "irrelevance", "i1", True, latency=0.5),
]


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 50) is None
    assert percentile([4.0], 95) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0


def test_summary_by_model_and_category():
    summary = summarize(RECORDS)
    assert (summary["passed"], summary["questions"], summary["accuracy"]) == (5, 8, 5 / 8)
    assert list(summary["by_category"]) == ["simple_python", "irrelevance"]
    big = summary["by_model"]["big"]
    assert (big["passed"], big["accuracy"], big["answered"]) == (2, 0.5, 3)
    assert big["latency_p50_s"] == 2.0  # request errors have no latency
    assert big["prompt_tokens"] == 250 and big["completion_tokens"] == 20
    assert big["errors"] == {"wrong_value": 1, "request_error": 1}
    cell = big["by_category"]["irrelevance"]
    assert (cell["questions"], cell["passed"], cell["latency_p95_s"]) == (2, 1, 3.0)
    assert summary["by_category"]["irrelevance"]["errors"] == {
        "call_on_irrelevance": 1,
        "request_error": 1,
    }
    assert summary["errors"] == {"wrong_value": 1, "call_on_irrelevance": 1, "request_error": 1}
    assert [(m["model"], m["id"], m["error"]) for m in summary["misses"]] == [
        ("big", "s1", "wrong_value"),
        ("big", "i1", "request_error"),
        ("small", "i0", "call_on_irrelevance"),
    ]


def test_markdown_has_a_row_per_model_and_category_and_every_miss():
    text = to_markdown(summarize(RECORDS))
    assert "| big | simple_python | 2 | 50.0% | 1.50 / 1.95 | 100 / 10 | wrong_value 1 |" in text
    assert (
        "| small | **all** | 4 | 75.0% | 0.50 / 0.50 | 100 / 10 | call_on_irrelevance 1 |" in text
    )
    assert "- `i1` (big): **request_error**: why i1" in text


def test_report_files_and_plots(tmp_path):
    written = write_report(tmp_path / "out", summarize(RECORDS))
    assert [p.name for p in written] == ["report.md", "summary.json", "accuracy.png", "latency.png"]
    for png in written[2:]:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000

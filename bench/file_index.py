"""The file tools' search index: build, refresh and query times, next to a plain scan of the files.

1. The bundled research handbook: a cold build, then a query (which refreshes first).
2. A synthetic folder of ``--files`` files: cold build, an unchanged refresh, a refresh after one
   file changed, a query; and, as the baseline, reading every file and scanning it for the words
   (what a substring loop would cost per query).

Usage: ``python -m bench.file_index [--files N] [--runs N]``. Results are printed and appended to
``bench/results/file_index.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nemotron_agents.graphs.research import BUNDLED_DIR
from nemotron_agents.tools.builtin._text_index import TextIndex
from nemotron_agents.tools.builtin.folder import Folder

_WORDS = [
    "leave",
    "vacation",
    "warranty",
    "station",
    "sensor",
    "release",
    "firmware",
    "budget",
    "expense",
    "approval",
    "manager",
    "office",
    "rotation",
    "incident",
    "security",
    "laptop",
    "customer",
    "claim",
    "battery",
    "solar",
    "wind",
    "rain",
    "pressure",
    "policy",
    "travel",
    "hotel",
    "train",
    "flight",
    "conference",
    "course",
    "onboarding",
    "buddy",
    "probation",
    "review",
]


def _timed(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _synthetic(root: Path, files: int) -> None:
    """Markdown files of 60 lines drawn from a Zipf-like vocabulary of 3,000 words, in which the
    handbook's words sit at ranks 200 to 235 (fairly common, as in real documents)."""
    rng = random.Random(7)
    vocabulary = [f"term{i}" for i in range(3_000)]
    vocabulary[200:200] = _WORDS
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    for n in range(files):
        folder = root / f"part{n % 20:02}"
        folder.mkdir(exist_ok=True)
        lines = [f"# Document {n}", ""] + [
            " ".join(rng.choices(vocabulary, weights, k=12)) for _ in range(60)
        ]
        (folder / f"doc{n:05}.md").write_text("\n".join(lines) + "\n")


def _scan(folder: Folder, words: list[str]) -> int:
    hits = 0
    for entry in folder.walk():
        text = folder.read_text(entry.path)[1].lower()
        hits += sum(1 for line in text.splitlines() if any(w in line for w in words))
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.file_index")
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    query = "warranty claim battery"
    results: dict[str, float | int] = {"files": args.files, "runs": args.runs}

    with tempfile.TemporaryDirectory() as tmp:
        handbook = Folder(BUNDLED_DIR)
        index = TextIndex(handbook, cache_dir=Path(tmp) / "handbook")
        results["handbook_build_ms"] = index.refresh().seconds * 1000
        results["handbook_query_ms"] = _timed(lambda: index.search(query), args.runs) * 1000

        root = Path(tmp) / "docs"
        root.mkdir()
        _synthetic(root, args.files)
        folder = Folder(root)
        big = TextIndex(folder, cache_dir=Path(tmp) / "big")
        results["build_s"] = big.refresh().seconds
        results["refresh_unchanged_ms"] = _timed(big.refresh, args.runs) * 1000
        one = root / "part00" / "doc00000.md"

        def touch_one() -> None:
            one.write_text(one.read_text() + "warranty\n")
            big.refresh()

        results["refresh_one_changed_ms"] = _timed(touch_one, max(3, args.runs // 4)) * 1000
        results["query_ms"] = _timed(lambda: big.search(query), args.runs) * 1000
        results["scan_ms"] = (
            _timed(lambda: _scan(folder, query.split()), max(3, args.runs // 4)) * 1000
        )
        results["scan_over_query"] = results["scan_ms"] / results["query_ms"]

    for key, value in results.items():
        print(f"{key:>24}: {value:,.2f}" if isinstance(value, float) else f"{key:>24}: {value}")
    out = Path(__file__).resolve().parent / "results" / "file_index.jsonl"
    with out.open("a") as handle:
        handle.write(json.dumps({"time": time.time(), **results}) + "\n")


if __name__ == "__main__":
    main()

"""The FTS5 index: built on first use, kept in step with the folder, ranked, and crash-proof."""

import os
import sqlite3
import threading

import pytest

from nemotron_agents.tools.builtin._text_index import TextIndex, default_cache_dir, match_expression
from nemotron_agents.tools.builtin.folder import FileAccessError, Folder


@pytest.fixture
def root(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "leave.md").write_text(
        "# Leave\n\n## Vacation\n\nEveryone gets 25 days.\nThe office closes in December.\n\n"
        "## Parental leave\n\nPrimary caregivers get 20 weeks of parental leave.\n"
    )
    (docs / "sub" / "warranty.md").write_text(
        "# Warranty\n\nA warranty claim needs the serial number.\nStations have a warranty.\n"
    )
    (docs / "misc.txt").write_text("Lunch is at noon.\nThe warranty desk is downstairs.\n")
    return docs


@pytest.fixture
def index(root, tmp_path):
    return TextIndex(Folder(root), cache_dir=tmp_path / "cache")


def where(hits):
    return [(h.path, h.line) for h in hits]


def test_first_search_builds_the_index_and_finds_across_files_with_line_numbers(index):
    hits = index.search("warranty")
    assert {"sub/warranty.md", "misc.txt"} <= {h.path for h in hits}
    assert ("misc.txt", 2) in where(hits)
    assert index.refresh().added == 0  # already built by the search


def test_a_hit_names_the_best_line_its_text_and_its_section(index):
    (hit,) = index.search('"parental leave" weeks', limit=1)
    assert (hit.path, hit.line) == ("leave.md", 10)
    assert hit.text == "Primary caregivers get 20 weeks of parental leave."
    assert hit.heading == "Leave > Parental leave"


def test_bm25_ranks_passages_with_more_and_rarer_terms_first(index):
    hits = index.search("warranty claim serial")
    assert where(hits)[0] == ("sub/warranty.md", 3)
    assert hits[0].score < hits[-1].score  # bm25: lower is better


def test_the_words_together_rank_above_the_words_apart(root, index):
    (root / "apart.md").write_text("The head chef cooks for people.\n")
    (root / "together.md").write_text("Ask the Head of People.\n")
    assert index.search("Head of People")[0].path == "together.md"


def test_limit_is_honoured(index):
    assert len(index.search("warranty", limit=1)) == 1


def test_index_is_rebuilt_when_a_file_changes(root, index):
    assert index.search("days")
    (root / "leave.md").write_text("# Leave\n\nEveryone gets 30 holidays.\n")
    stats = index.refresh()
    assert (stats.changed, stats.added, stats.removed) == (1, 0, 0)
    assert not index.search("25 days")
    assert where(index.search("holidays")) == [("leave.md", 3)]


def test_a_same_size_rewrite_with_the_old_mtime_is_still_seen(root, index):
    assert index.search("noon")
    path = root / "misc.txt"
    before = path.stat()
    replacement = root / "misc.tmp"
    replacement.write_text(path.read_text().replace("noon", "nine"))  # same size
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, path)  # an editor's atomic save: a new inode
    assert index.refresh().changed == 1
    assert not index.search("noon") and index.search("nine")


def test_index_picks_up_an_added_file(root, index):
    assert not index.search("kayak")
    (root / "sub" / "new.md").write_text("Rent a kayak on Fridays.\n")
    assert where(index.search("kayak")) == [("sub/new.md", 1)]


def test_index_drops_a_deleted_file(root, index):
    assert index.search("noon")
    (root / "misc.txt").unlink()
    assert index.refresh().removed == 1
    assert not index.search("noon")
    assert "misc.txt" not in {h.path for h in index.search("warranty")}


def test_unchanged_folder_reindexes_nothing(index):
    index.refresh()
    stats = index.refresh()
    assert (stats.added, stats.changed, stats.removed, stats.files) == (0, 0, 0, 3)


def test_binary_and_huge_files_are_skipped_once_not_read_every_time(root, tmp_path):
    (root / "blob.bin").write_bytes(b"warranty\x00\x01")
    (root / "big.txt").write_text("warranty " * 2_000)
    index = TextIndex(Folder(root, max_file_bytes=5_000), cache_dir=tmp_path / "c")
    assert index.refresh().skipped == 2
    assert index.refresh().skipped == 0
    assert {"blob.bin", "big.txt"}.isdisjoint(h.path for h in index.search("warranty"))


@pytest.mark.parametrize(
    "query",
    [
        'warranty"',
        '"unclosed phrase',
        "AND OR NOT",
        "warranty AND",
        "(warranty",
        "NEAR(warranty claim)",
        "body:warranty",
        "path:leave.md",
        "warranty*",
        "^warranty",
        "-warranty +claim",
        "serial; DROP TABLE files; --",
        "wärrânty",
        "'single' \"double\" `back`",
        "x" * 5_000,
    ],
)
def test_query_syntax_from_a_model_never_crashes(index, query):
    hits = index.search(query)  # must not raise sqlite3.OperationalError
    assert isinstance(hits, list)
    assert index.refresh().files == 3  # and the index is intact


@pytest.mark.parametrize("query", ["", "   ", "!!! ???", '""', "*"])
def test_a_query_without_words_is_a_clear_error(index, query):
    with pytest.raises(FileAccessError, match="has no words to search for"):
        index.search(query)


def test_match_expression_quotes_every_term():
    assert match_expression('NEAR(x y) "z" w*') == '"near" OR "x" OR "y" OR "z" OR "w"*'
    assert match_expression('say "he said ""hi"""') == '"say" OR "he said" OR "hi"'
    assert match_expression("the leave policy") == '"leave" OR "policy" OR "the leave policy"'
    assert match_expression("the") == '"the"'  # stop words stay when nothing else is left


def test_index_lives_outside_the_folder(root, index, tmp_path):
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    index.search("warranty")
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert index.path.parent == tmp_path / "cache" and index.path.exists()


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "nemotron-agents" / "file-index"


def test_unusable_cache_dir_falls_back_to_the_temp_dir(root, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    index = TextIndex(Folder(root))
    assert index.search("warranty")
    assert index.path.is_relative_to(tmp_path / "tmp")


def test_different_roots_get_different_indexes(root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.md").write_text("Only here: zeppelin.\n")
    first = TextIndex(Folder(root), cache_dir=tmp_path / "c")
    second = TextIndex(Folder(other), cache_dir=tmp_path / "c")
    assert first.path != second.path
    assert second.search("zeppelin") and not first.search("zeppelin")


def test_a_second_index_object_reuses_the_file(root, index, tmp_path):
    index.refresh()
    again = TextIndex(Folder(root), cache_dir=tmp_path / "cache")
    assert again.path == index.path and again.refresh().added == 0


def test_a_corrupt_index_file_is_rebuilt(root, index):
    index.refresh()
    index.path.write_bytes(b"this is not a database" * 100)
    assert where(index.search("noon")) == [("misc.txt", 1)]


def test_an_index_of_another_schema_version_is_rebuilt(index):
    index.refresh()
    with sqlite3.connect(index.path) as db:
        db.execute("PRAGMA user_version = 999")
    assert index.refresh().added == 3


def test_concurrent_searches_share_one_index_safely(index):
    barrier = threading.Barrier(4, timeout=10)
    results, errors = [], []

    def search():
        try:
            barrier.wait()
            results.append(where(index.search("warranty")))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 4
    assert all(r == results[0] for r in results)


def test_a_long_query_uses_at_most_max_terms_terms():
    from nemotron_agents.tools.builtin._text_index import MAX_TERMS

    expression = match_expression(" ".join(f"word{n}" for n in range(500)))
    terms = expression.split(" OR ")
    assert len(terms) == MAX_TERMS + 1  # the terms, and them as one phrase
    assert terms[-1].count(" ") == MAX_TERMS - 1


def test_an_index_locked_by_another_process_is_a_clear_error_and_is_kept(root, tmp_path):
    index = TextIndex(Folder(root), cache_dir=tmp_path / "c", lock_timeout=0.05)
    index.refresh()
    (root / "new.md").write_text("Fresh words: albatross.\n")
    other = sqlite3.connect(index.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing the index
    try:
        with pytest.raises(FileAccessError, match="cannot be used now: database is locked"):
            index.refresh()
    finally:
        other.execute("ROLLBACK")
        other.close()
    stats = index.refresh()  # the index was not thrown away: only the new file is indexed
    assert (stats.added, stats.files) == (1, 4)

"""``TextIndex``: a full-text index of a :class:`~.folder.Folder`, in SQLite FTS5, ranked by bm25.

The index holds *passages*: runs of up to :data:`PASSAGE_LINES` non-blank lines, each with the
Markdown headings above it and the words of its file's path. A hit names the best line of its
passage (the one with most query terms), so results are ``path:line`` citations.

* **Where.** One SQLite file per root, in the user's cache (``$XDG_CACHE_HOME`` or
  ``~/.cache``, then the temp directory), never in the folder itself, which may be read-only.
* **When.** Every search first compares the folder with the index (size, mtime and inode of
  each file) and re-indexes only the files added, changed or deleted since; the first search
  builds it all. Files the folder refuses (binary, too large) are remembered and skipped.
* **Queries.** Text from a model is never passed to FTS5 as syntax: each word becomes a quoted
  term (a ``"quoted phrase"`` stays a phrase, ``word*`` a prefix), joined with OR so bm25 ranks
  passages with more and rarer terms first. Common English words are dropped unless nothing
  else is left. A query therefore cannot be a syntax error, and any SQLite error that remains
  is reported as a :class:`~.folder.FileAccessError`, never raised raw.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from nemotron_agents.tools.builtin.folder import FileAccessError, Folder

__all__ = [
    "PASSAGE_LINES",
    "Hit",
    "RefreshStats",
    "TextIndex",
    "default_cache_dir",
    "match_expression",
]

#: Most lines in one indexed passage.
PASSAGE_LINES = 8
#: Most terms of a query used; the rest are ignored (a long text is not a longer search).
MAX_TERMS = 32
#: Bumped when the table layout changes; an index of another version is rebuilt.
SCHEMA_VERSION = 1
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
# bm25 column weights: path and start_line (unindexed), heading, body, the path's words.
_WEIGHTS = (0.0, 0.0, 2.0, 1.0, 1.0)
_TOKEN_RE = re.compile(r'"([^"]*)"|(\w+)(\*?)')
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "did",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


@dataclass(frozen=True)
class Hit:
    """One search result.

    Attributes:
        path: File path relative to the root.
        line: 1-based number of the passage's best-matching line.
        text: That line (shortened around the match when long).
        heading: The Markdown headings above the passage, ``"A > B"`` (may be empty).
        score: bm25 score; lower is better.
    """

    path: str
    line: int
    text: str
    heading: str
    score: float


@dataclass(frozen=True)
class RefreshStats:
    """What one refresh did.

    Attributes:
        files: Files in the index (refused ones included).
        added: Files indexed for the first time.
        changed: Files re-indexed because they changed.
        removed: Files dropped because they are gone.
        skipped: Files the folder refused to read (binary, too large), among the new and changed.
        seconds: Wall time of the refresh.
    """

    files: int
    added: int
    changed: int
    removed: int
    skipped: int
    seconds: float


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/nemotron-agents/file-index`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nemotron-agents" / "file-index"


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for a user's query, or ``None`` when it has no words.

    Every term is quoted, so no user text is read as FTS5 syntax (operators, columns, NEAR).
    At most :data:`MAX_TERMS` terms are used.
    """
    tokens = _TOKEN_RE.findall(query)
    terms: list[str] = []
    for phrase, word, star in tokens:
        if phrase.strip():
            terms.append(f'"{phrase.strip()}"')  # the pattern keeps '"' out of a phrase
        elif word:
            terms.append(f'"{word.lower()}"' + ("*" if star else ""))
    terms = list(dict.fromkeys(terms))[:MAX_TERMS]
    if not terms:
        return None
    content = [t for t in terms if t.strip('"*') not in _STOP_WORDS] or terms
    words = [word.lower() for phrase, word, _ in tokens if word][:MAX_TERMS]
    if len(words) > 1 and not any(phrase for phrase, _, _ in tokens):
        # The words in order, as one more phrase: passages that have them together rank higher.
        content.append('"' + " ".join(words) + '"')
    return " OR ".join(dict.fromkeys(content))


def _passages(text: str) -> list[tuple[int, str, str]]:
    """``(first line number, heading path, text)`` for each passage of a file.

    A heading ends a passage and is kept as the heading path of the ones under it (not as body
    text, so it cannot crowd out the lines that say something). A blank line ends a passage of
    half the size or more, so a short lead-in stays with the list it introduces.
    """
    headings: list[tuple[int, str]] = []
    block: list[str] = []
    start = 0
    passages: list[tuple[int, str, str]] = []

    def flush() -> None:
        while block and not block[-1]:
            block.pop()
        if block:
            passages.append((start, " > ".join(h for _, h in headings), "\n".join(block)))
            block.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        heading = re.match(r"^(#{1,6})\s+(.*)", line)
        if heading:
            flush()
            level = len(heading.group(1))
            headings = [(lvl, h) for lvl, h in headings if lvl < level] + [
                (level, heading.group(2).strip())
            ]
            continue
        if not line.strip():
            if len(block) * 2 >= PASSAGE_LINES:
                flush()
            if block:
                block.append("")  # keeps line numbers right inside the passage
            continue
        if len(block) >= PASSAGE_LINES:
            flush()
        if not block:
            start = number
        block.append(line)
    flush()
    return passages


def _best_line(start: int, marked: str) -> tuple[int, str]:
    """The line of a highlighted passage with the most marked terms (the first on ties)."""
    lines = marked.split("\n")
    best = max(
        range(len(lines)), key=lambda i: (lines[i].count(_MARK_OPEN), bool(lines[i].strip()), -i)
    )
    return start + best, _shorten(lines[best])


def _shorten(line: str, width: int = 240) -> str:
    line = line.strip()
    if len(line) > width:
        at = max(0, line.find(_MARK_OPEN) - width // 3)
        line = ("…" if at else "") + line[at : at + width] + "…"
    return line.replace(_MARK_OPEN, "").replace(_MARK_CLOSE, "")


class TextIndex:
    """A bm25-ranked full-text index of a folder, kept up to date on every search.

    Args:
        folder: The folder to index (its limits decide which files are read).
        cache_dir: Directory for the index file; :func:`default_cache_dir` when ``None``, the
            temp directory when that cannot be created.
        lock_timeout: Seconds to wait while another process updates the same index.
    """

    def __init__(
        self,
        folder: Folder,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        lock_timeout: float = 30.0,
    ) -> None:
        self.folder = folder
        self.lock_timeout = lock_timeout
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()  # parallel tool calls share one index
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        """The index file (its directory is created on first use)."""
        if self._path is None:
            key = f"{self.folder.root}\x00{self.folder.max_file_bytes}\x00{self.folder.max_files}"
            name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".sqlite3"
            self._path = self._writable_dir() / name
        return self._path

    def _writable_dir(self) -> Path:
        candidates = [self._cache_dir or default_cache_dir()]
        if self._cache_dir is None:
            candidates.append(
                Path(tempfile.gettempdir()) / f"nemotron-agents-{os.getuid()}" / "file-index"
            )
        for directory in candidates:
            try:
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                if os.access(directory, os.W_OK):
                    return directory
            except OSError:
                continue
        raise FileAccessError(
            f"No writable directory for the search index (tried {', '.join(map(str, candidates))})."
        )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                db.executescript(
                    "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS passages;"
                    "CREATE TABLE files(path TEXT PRIMARY KEY, size INT, mtime_ns INT, inode INT);"
                    "CREATE VIRTUAL TABLE passages USING fts5("
                    "path UNINDEXED, start_line UNINDEXED, heading, body, path_words,"
                    " tokenize='porter unicode61 remove_diacritics 2');"
                    f"PRAGMA user_version={SCHEMA_VERSION};"
                )
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def refresh(self) -> RefreshStats:
        """Bring the index up to date with the folder: index new and changed files, drop deleted.

        Raises:
            FileAccessError: The index cannot be opened or written, or stayed locked by another
                process for 30 seconds.
        """
        began = time.perf_counter()
        with self._lock:
            try:
                return self._open_and_sync(began)
            except sqlite3.OperationalError as exc:  # locked or unwritable: the file itself is fine
                raise FileAccessError(
                    f"The search index at {self.path} cannot be used now: {exc}."
                ) from None
            except sqlite3.DatabaseError:
                self._discard()  # not a database (corrupt, foreign): start over, once
            try:
                return self._open_and_sync(began)
            except sqlite3.Error as exc:
                raise FileAccessError(
                    f"The search index at {self.path} cannot be used: {exc}."
                ) from None

    def _open_and_sync(self, began: float) -> RefreshStats:
        with closing(self._connect()) as db:
            return self._sync(db, began)

    def _discard(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _sync(self, db: sqlite3.Connection, began: float) -> RefreshStats:
        db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes too
        try:
            current = {e.path: (e.size, e.mtime_ns, e.inode) for e in self.folder.walk()}
            stored = {
                row[0]: tuple(row[1:])
                for row in db.execute("SELECT path, size, mtime_ns, inode FROM files")
            }
            gone = [p for p in stored if p not in current]
            changed = [p for p in current if p in stored and stored[p] != current[p]]
            added = [p for p in current if p not in stored]
            for path in gone + changed:
                db.execute("DELETE FROM passages WHERE path = ?", (path,))
                db.execute("DELETE FROM files WHERE path = ?", (path,))
            skipped = sum(not self._index_file(db, path, current[path]) for path in changed + added)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return RefreshStats(
            files=len(current),
            added=len(added),
            changed=len(changed),
            removed=len(gone),
            skipped=skipped,
            seconds=time.perf_counter() - began,
        )

    def _index_file(self, db: sqlite3.Connection, path: str, key: tuple[int, int, int]) -> bool:
        try:
            _, text = self.folder.read_text(path)
        except FileAccessError:
            text = None  # binary or too large: remembered, so it is not re-read every search
        db.execute("INSERT INTO files VALUES (?, ?, ?, ?)", (path, *key))
        if text is None:
            return False
        words = re.sub(r"[/._-]+", " ", path)
        db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?)",
            ((path, start, heading, body, words) for start, heading, body in _passages(text)),
        )
        return True

    def search(self, query: str, *, limit: int = 8) -> list[Hit]:
        """The best passages for ``query``, best first, after refreshing the index.

        Args:
            query: Words to look for (see the module docstring for phrases and prefixes).
            limit: Most hits to return.

        Raises:
            FileAccessError: The query has no words, or the index cannot be used.
        """
        expression = match_expression(query)
        if expression is None:
            raise FileAccessError(
                f"The query {query!r} has no words to search for; give one or more words."
            )
        self.refresh()
        weights = ", ".join(str(w) for w in _WEIGHTS)
        # only the constant weights are formatted in; the user's query is a bound parameter
        sql = (
            "SELECT path, start_line, heading, highlight(passages, 3, ?, ?), "  # noqa: S608
            f"bm25(passages, {weights}) AS score "
            "FROM passages WHERE passages MATCH ? ORDER BY score, path, start_line LIMIT ?"
        )
        try:
            with closing(self._connect()) as db:
                rows = db.execute(sql, (_MARK_OPEN, _MARK_CLOSE, expression, limit)).fetchall()
        except sqlite3.Error as exc:
            raise FileAccessError(
                f"The search for {query!r} failed ({exc}); try plain words."
            ) from None
        hits = []
        for path, start, heading, marked, score in rows:
            line, text = _best_line(int(start), marked)
            hits.append(Hit(path=path, line=line, text=text, heading=heading, score=score))
        return hits

"""File tools for a model, confined to one folder: ``list_files``, ``search_files``, ``read_file``.

:func:`file_tools` makes the three tools for a root directory. They read and never write; what
they may open is decided by :class:`~.folder.Folder` (no ``..``, no absolute paths, no symlinks
out of the root, no hidden, binary or oversized files), and search runs on the bm25-ranked
SQLite FTS5 index of :class:`~.text_index.TextIndex`, kept outside the folder and refreshed when
files change. Every refusal reaches the model as a :class:`~nemotron_agents.errors.ToolRetry`
message saying what to change; every result is capped, with a marker saying what was left out.

Results cite lines as ``path:line`` (search hits) or number each line (``read_file``), so an
answer can point at its sources.
"""

# No ``from __future__ import annotations``: the decorator reads these hints at runtime.
import os
from typing import Annotated

from pydantic import Field

from nemotron_agents.errors import ToolRetry
from nemotron_agents.tools import Tool, tool
from nemotron_agents.tools.builtin._text_index import TextIndex
from nemotron_agents.tools.builtin.folder import MAX_FILE_BYTES, FileAccessError, Folder

__all__ = ["MAX_CHARS", "MAX_HITS", "MAX_LINES", "MAX_LINE_CHARS", "MAX_LISTED", "file_tools"]

#: Most lines one ``read_file`` call returns.
MAX_LINES = 200
#: Most characters one ``read_file`` call returns (line numbers included).
MAX_CHARS = 12_000
#: Longer lines are cut to this many characters.
MAX_LINE_CHARS = 400
#: Most files one ``list_files`` call names.
MAX_LISTED = 200
#: Most hits one ``search_files`` call may ask for.
MAX_HITS = 30


def file_tools(
    root: str | os.PathLike[str],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_lines: int = MAX_LINES,
    max_chars: int = MAX_CHARS,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[Tool]:
    """The tools ``list_files``, ``search_files`` and ``read_file`` over the files under ``root``.

    Making them reads nothing; the search index is built on the first search.

    Args:
        root: The folder the tools may read (symlinks in its own path are resolved once).
        max_file_bytes: Refuse files larger than this.
        max_lines: Most lines one ``read_file`` call returns.
        max_chars: Most characters one ``read_file`` call returns.
        cache_dir: Where the search index lives; the user's cache directory when ``None``.

    Returns:
        The three tools, for a :class:`~nemotron_agents.tools.ToolRegistry`.

    Raises:
        ConfigError: ``root`` is not a directory, or a limit is not positive.
    """
    folder = Folder(root, max_file_bytes=max_file_bytes)
    index = TextIndex(folder, cache_dir=cache_dir)

    @tool
    def list_files(
        subfolder: Annotated[
            str,
            Field(
                description=(
                    "Subfolder to list, relative to the root, e.g. 'docs'. Empty lists everything."
                )
            ),
        ] = "",
        pattern: Annotated[
            str,
            Field(
                max_length=200,
                description=(
                    "Glob on the relative path, e.g. '*.md' or 'policies/*'; '*' also matches '/'."
                ),
            ),
        ] = "*",
    ) -> str:
        """List the files in the document folder, with their sizes in bytes."""
        try:
            entries = list(folder.walk(subfolder, pattern))
        except FileAccessError as exc:
            raise ToolRetry(str(exc)) from exc
        where = f" under {subfolder!r}" if subfolder.strip() else ""
        if not entries:
            return f"No files{where} match {pattern!r}. Try list_files with no arguments."
        lines = [f"{len(entries)} file(s){where} matching {pattern!r}:"]
        lines += [f"{e.path} ({e.size:,} bytes)" for e in entries[:MAX_LISTED]]
        if len(entries) > MAX_LISTED:
            lines.append(
                f"…[{len(entries) - MAX_LISTED} more not shown: narrow subfolder or pattern]"
            )
        return "\n".join(lines)

    @tool
    def search_files(
        query: Annotated[
            str,
            Field(
                max_length=500,
                description=(
                    "Words to look for, e.g. 'parental leave weeks'. Passages with more and rarer "
                    'words rank first; "a quoted phrase" must match exactly; word* matches a '
                    "prefix."
                ),
            ),
        ],
        limit: Annotated[
            int, Field(ge=1, le=MAX_HITS, description=f"Most passages to return, 1 to {MAX_HITS}.")
        ] = 8,
    ) -> str:
        """Search all files' text (full-text, best first); each hit is 'path:line (section): text'.

        Cite a hit as path:line. Read around it with read_file for the full context.
        """
        try:
            hits = index.search(query, limit=limit)
        except FileAccessError as exc:
            raise ToolRetry(str(exc)) from exc
        if not hits:
            return (
                f"No passages match {query!r}. "
                "Try other or fewer words, or list_files to see the files."
            )
        lines = [f"{len(hits)} passage(s) for {query!r}, best first:"]
        for hit in hits:
            section = f" ({hit.heading})" if hit.heading else ""
            lines.append(f"{hit.path}:{hit.line}{section}: {hit.text}")
        return "\n".join(lines)

    @tool
    def read_file(
        path: Annotated[
            str,
            Field(
                description="File path relative to the root, as list_files or search_files show it."
            ),
        ],
        start_line: Annotated[int, Field(ge=1, description="First line to return (1-based).")] = 1,
        end_line: Annotated[
            int | None,
            Field(ge=1, description=f"Last line to return; omit for up to {max_lines} lines."),
        ] = None,
    ) -> str:
        """Read lines of a text file; each line comes with its number, to cite as path:line."""
        if end_line is not None and end_line < start_line:
            raise ToolRetry(
                f"end_line ({end_line}) is before start_line ({start_line}); give end_line >= "
                "start_line."
            )
        try:
            rel, text = folder.read_text(path)
        except FileAccessError as exc:
            raise ToolRetry(str(exc)) from exc
        lines = text.splitlines()
        if not lines:
            return f"{rel} is empty."
        if start_line > len(lines):
            raise ToolRetry(
                f"{rel} has {len(lines)} lines; start_line must be between 1 and {len(lines)}."
            )
        last = min(len(lines), end_line or len(lines), start_line + max_lines - 1)
        body: list[str] = []
        used = 0
        for number in range(start_line, last + 1):
            line = lines[number - 1]
            if len(line) > MAX_LINE_CHARS:
                line = line[:MAX_LINE_CHARS] + f"…[line cut: {len(line):,} characters]"
            row = f"{number}: {line}"
            if body and used + len(row) + 1 > max_chars:
                last = number - 1
                break
            body.append(row)
            used += len(row) + 1
        wanted = min(len(lines), end_line or len(lines))
        head = f"{rel}, lines {start_line}-{last} of {len(lines)}:"
        if last < wanted:
            body.append(
                f"…[cut at line {last}: call read_file with start_line={last + 1} to read on]"
            )
        return "\n".join([head, *body])

    return [list_files, search_files, read_file]

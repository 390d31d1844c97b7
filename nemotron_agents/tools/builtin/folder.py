"""``Folder``: read-only access to the text files under one root directory, and nothing else.

Every path a model gives is checked before anything is opened, and refused with a message that
says what was wrong and what is allowed:

* relative paths only: absolute paths, drive letters, ``~`` and NUL bytes are refused;
* no ``..`` component, even one that would land back inside the root;
* no hidden entries (a name starting with ``.``: ``.env``, ``.git``), which often hold secrets;
* the real path, symlinks resolved, must lie inside the root's real path, so a symlink that
  points out of the root is refused (one that stays inside is followed); on Linux the opened
  file is checked again, so swapping a folder for a symlink after the check does not help;
* regular files only: a FIFO or a device could block or never end;
* at most ``max_file_bytes`` bytes, and text only: a NUL byte, or bytes that are not UTF-8,
  mark a binary file.

The errors are :class:`FileAccessError` (a ``ValueError``) with messages written for a model.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nemotron_agents.errors import ConfigError

__all__ = ["MAX_FILES", "MAX_FILE_BYTES", "FileAccessError", "FileEntry", "Folder"]

#: Largest file read, in bytes.
MAX_FILE_BYTES = 1_000_000
#: Most files listed or indexed under one root.
MAX_FILES = 10_000

_DRIVE_RE = re.compile(r"^[A-Za-z]:")


class FileAccessError(ValueError):
    """A path or file the folder refuses; the message is written for the model."""


@dataclass(frozen=True)
class FileEntry:
    """A readable-looking file under the root (its content is checked only when read).

    Attributes:
        path: Path relative to the root, with ``/`` separators.
        size: Size in bytes.
        mtime_ns: Last modification time, in nanoseconds.
        inode: Inode number (changes when a file is replaced by a rename).
    """

    path: str
    size: int
    mtime_ns: int
    inode: int


class Folder:
    """The files under ``root``, confined to it.

    Args:
        root: The directory; symlinks in it are resolved once, here.
        max_file_bytes: Refuse to read files larger than this.
        max_files: Stop listing after this many files.

    Raises:
        ConfigError: ``root`` is not an existing directory, or a limit is not positive.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_file_bytes: int = MAX_FILE_BYTES,
        max_files: int = MAX_FILES,
    ) -> None:
        real = Path(os.path.realpath(os.fspath(root)))
        if not real.is_dir():
            raise ConfigError(
                f"The folder {os.fspath(root)!r} does not exist or is not a directory"
            )
        if max_file_bytes < 1 or max_files < 1:
            raise ConfigError(
                f"max_file_bytes and max_files must be positive, got {max_file_bytes} and "
                f"{max_files}"
            )
        self.root = real
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files

    def __repr__(self) -> str:
        return f"Folder({str(self.root)!r})"

    # --- paths ------------------------------------------------------------------------------

    def relative(self, path: str) -> str:
        """The normalised relative form of ``path`` (``""`` for the root itself).

        Raises:
            FileAccessError: ``path`` is absolute, holds ``..``, a hidden name or a NUL byte.
        """
        if "\x00" in path:
            raise FileAccessError("The path contains a NUL byte; give a plain relative path.")
        text = path.strip().replace("\\", "/")
        if text.startswith(("/", "~")) or _DRIVE_RE.match(text):
            raise FileAccessError(
                f"{path!r} is not allowed: give a path relative to the folder, such as "
                "'notes/report.md' (absolute paths, '~' and drive letters are refused)."
            )
        parts = [part for part in text.split("/") if part not in ("", ".")]
        if ".." in parts:
            raise FileAccessError(
                f"{path!r} is not allowed: '..' may not appear in a path; only files inside the "
                "folder can be read. Use list_files to see them."
            )
        if hidden := [part for part in parts if part.startswith(".")]:
            raise FileAccessError(
                f"{path!r} is not allowed: hidden files and folders ({hidden[0]!r}) are not shared."
            )
        return "/".join(parts)

    def resolve(self, path: str) -> tuple[str, Path]:
        """Check ``path`` and return ``(relative path, real path)``; the file need not exist.

        Raises:
            FileAccessError: ``path`` is refused (see :meth:`relative`), or its real path, with
                symlinks resolved, lies outside the root.
        """
        rel = self.relative(path)
        real = Path(os.path.realpath(self.root.joinpath(*rel.split("/")) if rel else self.root))
        if real != self.root and self.root not in real.parents:
            raise FileAccessError(
                f"{rel!r} is not allowed: it is a symbolic link (or inside one) that points "
                "outside "
                "the folder. Only files inside the folder can be read."
            )
        return rel, real

    # --- listing ----------------------------------------------------------------------------

    def walk(self, under: str = "", pattern: str = "*") -> Iterator[FileEntry]:
        """The files under a subfolder whose relative path matches ``pattern``, sorted by path.

        Hidden entries, symlinks that leave the root and anything but regular files are
        skipped. At most :attr:`max_files` files are visited.

        Args:
            under: Subfolder to list, relative to the root (``""``: all).
            pattern: Glob on the relative path; ``*`` also matches ``/`` (``*.md`` finds every
                Markdown file, ``notes/*`` everything under ``notes``).

        Raises:
            FileAccessError: ``under`` is refused, missing or not a folder.
        """
        rel, real = self.resolve(under)
        if not real.is_dir():
            what = "is a file, not a folder" if real.exists() else "does not exist"
            raise FileAccessError(
                f"{rel!r} {what}. Use list_files without a folder to see what there is."
            )
        prefix = os.path.join(str(self.root), "")
        seen = 0
        pending = [str(real)]
        while pending:  # depth first, in name order, as os.walk would go
            try:
                with os.scandir(pending.pop()) as listing:
                    items = sorted(
                        (item for item in listing if not item.name.startswith(".")),
                        key=lambda i: i.name,
                    )
            except OSError:
                continue  # unreadable or vanished folder
            folders = []
            for item in items:
                if item.is_dir(follow_symlinks=False):  # a symlinked folder is never entered
                    folders.append(item.path)
                    continue
                rel_path = item.path[len(prefix) :].replace(os.sep, "/")
                if not fnmatch.fnmatchcase(rel_path, pattern):
                    continue
                entry = self._entry(item, rel_path)
                if entry is None:
                    continue
                seen += 1
                yield entry
                if seen >= self.max_files:
                    return
            pending.extend(reversed(folders))

    def _entry(self, item: os.DirEntry[str], rel_path: str) -> FileEntry | None:
        try:
            if item.is_symlink():  # only links need resolving: every folder walked is inside
                real = os.path.realpath(item.path)
                if self.root not in Path(real).parents:
                    return None  # a symlink leading out of the root
                info = os.stat(real)
            else:
                info = item.stat(follow_symlinks=False)
        except OSError:
            return None  # vanished, or a dangling link
        if not stat.S_ISREG(info.st_mode):
            return None
        return FileEntry(
            path=rel_path, size=info.st_size, mtime_ns=info.st_mtime_ns, inode=info.st_ino
        )

    # --- reading ----------------------------------------------------------------------------

    def read_text(self, path: str) -> tuple[str, str]:
        """Return ``(relative path, text)`` of a file under the root.

        Raises:
            FileAccessError: The path is refused, the file is missing, a folder, not a regular
                file, larger than :attr:`max_file_bytes`, or binary (NUL bytes, not UTF-8).
        """
        rel, real = self.resolve(path)
        if real.is_dir():
            raise FileAccessError(
                f"{rel or '.'!r} is a folder; use list_files to see the files in it."
            )
        if not real.exists():
            raise FileAccessError(f"There is no file {rel!r} in the folder.{self._suggest(rel)}")
        try:
            # O_NOFOLLOW: the real path was checked above; refuse it if it became a symlink since.
            # O_NONBLOCK: opening a FIFO must not hang (it is refused just below).
            fd = os.open(
                real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            )
        except OSError as exc:
            raise FileAccessError(f"{rel!r} cannot be opened: {exc.strerror}.") from None
        with os.fdopen(fd, "rb") as handle:
            self._check_opened(handle.fileno(), rel)
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FileAccessError(
                    f"{rel!r} is not a regular file (a device, pipe or socket); it cannot be read."
                )
            if info.st_size > self.max_file_bytes:
                raise FileAccessError(self._too_large(rel, info.st_size))
            data = handle.read(self.max_file_bytes + 1)
        if len(data) > self.max_file_bytes:  # grew since fstat
            raise FileAccessError(self._too_large(rel, len(data)))
        if b"\x00" in data:
            raise FileAccessError(
                f"{rel!r} is a binary file (it contains NUL bytes); only text files can be read."
            )
        try:
            return rel, data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileAccessError(
                f"{rel!r} is not UTF-8 text (undecodable byte at offset {exc.start}); only text "
                "files can be read."
            ) from None

    def _check_opened(self, fd: int, rel: str) -> None:
        """Refuse a file that is outside the root once opened (a folder on its path was swapped
        for a symlink between the check and the open). Linux only: elsewhere, the check before
        opening stands alone."""
        try:
            opened = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return
        if self.root not in opened.parents:
            raise FileAccessError(f"{rel!r} is not allowed: it led outside the folder when opened.")

    def _too_large(self, rel: str, size: int) -> str:
        return (
            f"{rel!r} is too large to read: {size:,} bytes, and files over {self.max_file_bytes:,} "
            "bytes "
            "are refused. Use search_files to find the passages you need."
        )

    def _suggest(self, rel: str) -> str:
        try:
            known = [entry.path for entry in self.walk()]
        except FileAccessError:
            return ""
        close = difflib.get_close_matches(rel, known, n=3, cutoff=0.5)
        if close:
            return f" Did you mean {', '.join(repr(c) for c in close)}?"
        return " Use list_files to see the files."

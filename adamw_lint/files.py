"""Finding, reading and safely writing source files.

Reading keeps everything needed to write a file back byte for byte: its encoding (a coding
cookie, or a UTF-8 BOM) and its line endings (text is decoded without newline translation).
Writing is atomic (a temporary file in the same directory, then ``os.replace``), keeps the mode,
refuses to write through a symlink, and refuses when the file changed since it was read.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

SKIPPED_DIRS = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env", "__pypackages__"}
)


class SourceError(Exception):
    """A file that cannot be read, decoded, parsed or written: reported, skipped, never written.

    ``detail`` holds what only ``--verbose`` shows (an internal error's traceback). Errors cross
    process boundaries, so they pickle by their fields, not by the formatted message.
    """

    def __init__(self, path: str, reason: str, line: int = 0, col: int = 0, detail: str = "") -> None:
        super().__init__(f"{path}:{line}:{col}: {reason}" if line else f"{path}: {reason}")
        self.path, self.reason, self.line, self.col, self.detail = path, reason, line, col, detail

    def __reduce__(self):
        return type(self), self._fields()

    def _fields(self):
        return self.path, self.reason, self.line, self.col, self.detail

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())


def discover(
    paths: Sequence[str], exclude: Sequence[str] = (), suffixes: Tuple[str, ...] = (".py",)
) -> Tuple[List[str], List[SourceError]]:
    """Files to check, in a stable order, each once, and the directories that could not be read.

    A directory named on the command line is walked whether or not it is a symlink (the same with
    or without a trailing slash); symlinks met during the walk are never followed, so nothing
    outside the named trees is reached. A file reachable twice (``fix . sub``, ``a.py ./a.py``)
    is listed once, by its real path.
    """
    found: List[str] = []
    errors: List[SourceError] = []
    seen = set()

    def add(path: str, real: str) -> None:
        if real not in seen:
            seen.add(real)
            found.append(path)

    for path in paths:
        if os.path.isdir(path):
            root_real = os.path.realpath(path)
            for file in _walk(path.rstrip("/\\") or path, exclude, suffixes, errors):
                add(file, os.path.join(root_real, os.path.relpath(file, path)))
        elif not _excluded(path, exclude):
            add(path, os.path.realpath(path))
    return found, errors


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    name = os.path.basename(path.rstrip("/\\"))
    normalized = path.replace(os.sep, "/")
    return any(
        fnmatch.fnmatch(name, p) or fnmatch.fnmatch(normalized, p) or fnmatch.fnmatch(normalized, f"*/{p}")
        for p in patterns
    )


def _walk(root: str, exclude: Sequence[str], suffixes: Tuple[str, ...], errors: List[SourceError]) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as error:
        errors.append(SourceError(root, f"directory cannot be read: {error.strerror or error}"))
        return
    for entry in entries:
        if entry.is_symlink() or _excluded(entry.path, exclude):
            continue  # symlinks are never followed: no loops, nothing outside the tree
        if entry.is_dir(follow_symlinks=False):
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                continue
            if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                continue  # a virtual environment
            yield from _walk(entry.path, exclude, suffixes, errors)
        elif entry.name.endswith(suffixes) and entry.is_file(follow_symlinks=False):
            yield entry.path


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except IsADirectoryError:
        raise SourceError(path, "is a directory") from None
    except OSError as error:
        raise SourceError(path, f"cannot be read: {error.strerror or error}") from None


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # "utf-8-sig" keeps a BOM


def decode(path: str, raw: bytes) -> Decoded:
    """Decode as Python does (PEP 263 cookie, BOM), keeping line endings as they are."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return Decoded(raw.decode(encoding), encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise SourceError(path, f"cannot be decoded: {error}") from None


_LINE_BREAK = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")


def physical_lines(text: str) -> List[str]:
    """Lines as Python and flake8 count them (keeping their ends): only ``\\n``, ``\\r\\n`` and ``\\r``
    end a line. ``str.splitlines`` also splits on form feeds, ``\\x1c``…, ``\\u2028``: wrong lines."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def encode(decoded: Decoded, text: str) -> bytes:
    return text.encode(decoded.encoding)


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace ``path`` with ``data`` if it still holds ``expected``; all or nothing.

    Keeps the mode and, where permitted, the owner and group. A file with other hard links is
    refused: replacing it would leave the other names with the old content. Any failure
    (disk full, a bind-mounted file that cannot be renamed over, a name too long) is an error
    for this file only, and leaves it untouched.
    """
    if os.path.islink(path):
        raise SourceError(path, "is a symlink; not written through")
    temporary = None
    try:
        info = os.stat(path)
        mode = stat.S_IMODE(info.st_mode)
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
            raise SourceError(path, "is read-only; not written")
        if info.st_nlink > 1:
            raise SourceError(path, f"has {info.st_nlink} hard links; not written (the other links would keep the old content)")
        if read_bytes(path) != expected:
            raise SourceError(path, "changed on disk since it was read; not written")
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".awl-", suffix=".tmp")  # short: any name fits
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except PermissionError:
                pass  # an ordinary user cannot give files away; the file then becomes theirs, as with any editor
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise SourceError(path, f"cannot be written: {error.strerror or error}; left unchanged") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def display(path: str) -> str:
    """Paths as users typed them, relative where possible, with forward slashes."""
    return Path(path).as_posix()

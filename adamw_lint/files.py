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
    """A file that cannot be read, decoded or parsed: reported, skipped, never written."""

    def __init__(self, path: str, reason: str, line: int = 0, col: int = 0) -> None:
        super().__init__(f"{path}:{line}:{col}: {reason}" if line else f"{path}: {reason}")
        self.path, self.reason, self.line, self.col = path, reason, line, col


def discover(paths: Sequence[str], exclude: Sequence[str] = (), suffixes: Tuple[str, ...] = (".py",)) -> List[str]:
    """Files to check, in a stable order. Paths named explicitly are always included."""
    found: List[str] = []
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            found.extend(_walk(path, exclude, suffixes))
        elif not _excluded(path, exclude):
            found.append(path)
    return list(dict.fromkeys(found))


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    name = os.path.basename(path.rstrip("/\\"))
    normalized = path.replace(os.sep, "/")
    return any(
        fnmatch.fnmatch(name, p) or fnmatch.fnmatch(normalized, p) or fnmatch.fnmatch(normalized, f"*/{p}")
        for p in patterns
    )


def _walk(root: str, exclude: Sequence[str], suffixes: Tuple[str, ...]) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() or _excluded(entry.path, exclude):
            continue  # symlinks are never followed: no loops, nothing outside the tree
        if entry.is_dir(follow_symlinks=False):
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                continue
            if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                continue  # a virtual environment
            yield from _walk(entry.path, exclude, suffixes)
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
    """Replace ``path`` with ``data`` if it still holds ``expected``; all or nothing."""
    if os.path.islink(path):
        raise SourceError(path, "is a symlink; not written through")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
            raise SourceError(path, "is read-only; not written")
        if read_bytes(path) != expected:
            raise SourceError(path, "changed on disk since it was read; not written")
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".awl-tmp")
    except OSError as error:
        raise SourceError(path, f"cannot be written: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def display(path: str) -> str:
    """Paths as users typed them, relative where possible, with forward slashes."""
    return Path(path).as_posix()

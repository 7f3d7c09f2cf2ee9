"""Reading and safely writing source files.

Reading keeps everything needed to write a file back byte for byte: its encoding (a coding
cookie, or a UTF-8 BOM) and its line endings (text is decoded without newline translation).
Writing is atomic (a temporary file in the same directory, then ``os.replace``), keeps the mode,
refuses to write through a symlink, and refuses when the file changed since it was read.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import re
import signal
import stat
import sys
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Tuple

from .records import Record


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


MB = 2**20
# What is analyzed at all: parsing costs tens of times a file's size in memory (a 30 MB module
# needs 2 GB), and no hand-written module or configuration comes near. Notebooks carry outputs.
MAX_SOURCE_BYTES = 16 * MB
MAX_DATA_BYTES = 64 * MB
_DATA_SUFFIXES = (".ipynb", ".yaml", ".yml", ".json", ".jsonnet", ".libsonnet")


def size_limit(path: str) -> int:
    """The largest file of this kind that is analyzed (``MAX_SOURCE_BYTES``, ``MAX_DATA_BYTES``)."""
    return MAX_DATA_BYTES if path.endswith(_DATA_SUFFIXES) else MAX_SOURCE_BYTES


class TooLarge(SourceError):
    """A file over the size limit: not read whole (``read_bytes``); ``scan`` can still look in it."""


def read_bytes(path: str, limit: Optional[int] = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default: ``size_limit``). Anything
    else is a SourceError, never a blocked or unbounded read: a FIFO (opening one waits for a
    writer), a device (``/dev/zero`` never ends), a file over the limit (TooLarge)."""
    limit = size_limit(path) if limit is None else limit
    try:
        with _regular(path) as (fd, size):
            if size > limit:
                raise too_large(path, limit)
            data = _read_at_most(fd, limit + 1, size)  # the size may have grown since, or be unknown (/proc)
    except OSError as error:
        raise SourceError(path, f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise too_large(path, limit)
    return data


def scan(path: str, test: Callable[[bytes], bool], chunk: int = 4 * MB) -> bool:
    """Whether ``test`` holds for some part of a file, read in overlapping chunks: a large file is
    pre-filtered in bounded memory (a word that straddles two chunks is whole in the overlap)."""
    overlap = 4096
    try:
        with _regular(path) as (fd, _):
            tail = b""
            while True:
                block = os.read(fd, chunk)
                if not block:
                    return False
                if test(tail + block):
                    return True
                tail = (tail + block)[-overlap:]  # os.read may return less than a chunk
    except OSError as error:
        raise SourceError(path, f"cannot be read: {error.strerror or error}") from None


def too_large(path: str, limit: int) -> TooLarge:
    return TooLarge(path, f"skipped: larger than {limit // MB} MB (not analyzed)")


@contextlib.contextmanager
def _regular(path: str) -> Iterator[Tuple[int, int]]:
    """The descriptor of an open regular file, and its size. Opened non-blocking, so that a FIFO
    returns at once to be refused; the mode is read from the open file, so nothing can be swapped
    in between. Read with ``os.read``: a buffered file object around it cost more than reading
    most source files. OSError from the body (or ``fstat``) is the caller's to name: reading or
    writing."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise SourceError(path, "is a directory") from None
    except OSError as error:
        raise SourceError(path, f"cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(path, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(path, f"is not a regular file ({_kind(info.st_mode)}); not read")
        yield fd, info.st_size
    finally:
        os.close(fd)


def _read_at_most(fd: int, most: int, size: int) -> bytes:
    """Up to ``most`` bytes, to the end of the file: the first read asks for one byte more than
    ``size`` (the file's size when opened), so a file that has not grown takes two reads."""
    parts = []
    want = min(most, size + 1 if size > 0 else 2**16)
    while most > 0:
        block = os.read(fd, want)
        if not block:
            break
        parts.append(block)
        most -= len(block)
        want = min(most, 2**16)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "not a file"


class Decoded(Record):
    text: str
    encoding: str  # "utf-8-sig" keeps a BOM


def declares_encoding(raw: bytes) -> bool:
    """Whether a module's bytes start with a BOM or may declare their encoding (``coding`` on one
    of the two lines a PEP 263 cookie may be on, as tokenize reads lines); else they are UTF-8."""
    return raw.startswith(b"\xef\xbb\xbf") or raw.find(b"coding", 0, _cookie_lines_end(raw)) >= 0


def _cookie_lines_end(raw: bytes) -> int:
    """Where the two lines a PEP 263 cookie may be on end."""
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1) if first >= 0 else -1
    return second if second >= 0 else len(raw)


def decode(path: str, raw: bytes) -> Decoded:
    """Decode as Python does (PEP 263 cookie, BOM), keeping line endings as they are."""
    if not declares_encoding(raw):
        # UTF-8, as tokenize would say, without importing it (~1 ms of every run)
        with contextlib.suppress(UnicodeDecodeError):  # else tokenize says what is wrong, as before
            return Decoded(raw.decode("utf-8"), "utf-8")
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return Decoded(raw.decode(encoding), encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise SourceError(path, f"cannot be decoded: {error}") from None


# every byte but an ASCII letter, digit or underscore → a space: ``.split()`` then gives the words
# (as ``re.findall(rb"\w+")``, twice as fast)
WORD_BYTES = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(256))


def module_words(path: str, raw: bytes, among: Optional[FrozenSet[bytes]] = None) -> Optional[FrozenSet[bytes]]:
    """The ASCII words of a module's text as written and as Python reads its names: decoded as
    its declared encoding says (UTF-7 spells ``name`` ``n+AGE-me``), and NFKC-normalized (the
    name ``ｎame`` is ``name``; a string's text is not); only those ``among`` when given (for
    a module read as written, the set of all of them is never built: it costs as much again as
    splitting). None: it cannot be decoded."""
    if raw.isascii() and (not declares_encoding(raw) or _declares_ascii_superset(raw)):  # read as written
        split = raw.translate(WORD_BYTES).split()
        return frozenset(split) if among is None else among.intersection(split)
    try:
        text = decode(path, raw).text
    except SourceError:
        return None
    words = frozenset(raw.translate(WORD_BYTES).split()) | text_words(text)
    return words if among is None else words & among


_COOKIE = re.compile(rb"coding[:=][ \t]*([-\w.]+)")
# encodings in which ASCII bytes are themselves, matched by prefix as tokenize reads a cookie
# (``utf-8-unix``); a name that only starts like one is refused by Python, and the module not read
_ASCII_SUPERSETS = ("utf_8", "utf8", "ascii", "latin_1", "latin1", "iso_8859_1", "iso8859_1")


def _declares_ascii_superset(raw: bytes) -> bool:
    """Whether every encoding cookie on a module's first two lines names an encoding in which its
    ASCII bytes read as written: ``# -*- coding: utf-8 -*-`` at the top of most of a Google
    project's modules is not UTF-7, and needs no decoding to find its words."""
    return all(name.decode().lower().replace("-", "_").startswith(_ASCII_SUPERSETS)
               for name in _COOKIE.findall(raw, 0, _cookie_lines_end(raw)))


def text_words(text: str) -> FrozenSet[bytes]:
    """The ASCII words of decoded text, as written and NFKC-normalized (``module_words``)."""
    words = set(text.encode("utf-8", "surrogatepass").translate(WORD_BYTES).split())
    if not text.isascii():
        import unicodedata

        words.update(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass").translate(WORD_BYTES).split())
    return frozenset(words)


_LINE_BREAK = r"(?<=\n)|(?<=\r)(?!\n)"  # compiled on first use: most files have no carriage return


def physical_lines(text: str) -> List[str]:
    """Lines as Python and flake8 count them (keeping their ends): only ``\\n``, ``\\r\\n`` and ``\\r``
    end a line. ``str.splitlines`` also splits on form feeds, ``\\x1c``…, ``\\u2028``: wrong lines."""
    if "\r" in text:
        lines = re.split(_LINE_BREAK, text)
        if lines and lines[-1] == "":
            lines.pop()
        return lines
    lines = text.split("\n")  # the common case, several times faster than the regular expression
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


_RAW_LINE_BREAK = rb"(?<=\n)|(?<=\r)(?!\n)"  # compiled on first use


def encode(decoded: Decoded, text: str, raw: bytes = b"") -> bytes:
    """``text`` in the file's encoding. Given the file's original ``raw`` bytes (whose text is
    ``decoded.text``), the lines that did not change are kept byte for byte and only the changed
    lines are encoded: a stateful encoding (UTF-7, ISO-2022-JP) may spell the same text with
    other bytes, and nothing outside an edit may change."""
    if not raw:
        return text.encode(decoded.encoding)
    old, new = physical_lines(decoded.text), physical_lines(text)
    if decoded.text.endswith("\r") and not text.endswith(("\r", "\n")) and new:
        new[-1] += "\r"  # libcst drops the last line break of a file with CR-only line endings
        text += "\r"
    raw_lines = re.split(_RAW_LINE_BREAK, raw)
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    if decoded.encoding == "utf-8-sig" and raw_lines:
        raw_lines[0] = raw_lines[0][3:]  # the BOM goes back on below
    if len(raw_lines) != len(old):  # bytes and text do not line up: encode the whole text
        return text.encode(decoded.encoding)
    same_head = 0
    while same_head < min(len(old), len(new)) and old[same_head] == new[same_head]:
        same_head += 1
    same_tail = 0
    while same_tail < min(len(old), len(new)) - same_head and old[-1 - same_tail] == new[-1 - same_tail]:
        same_tail += 1
    middle = "".join(new[same_head:len(new) - same_tail])
    codec = "utf-8" if decoded.encoding == "utf-8-sig" else decoded.encoding
    spliced = (b"".join(raw_lines[:same_head]) + middle.encode(codec)
               + b"".join(raw_lines[len(raw_lines) - same_tail:]))
    if decoded.encoding == "utf-8-sig":
        spliced = b"\xef\xbb\xbf" + spliced
    try:
        if spliced.decode(decoded.encoding) == text:
            return spliced
    except (UnicodeDecodeError, LookupError):
        pass
    return text.encode(decoded.encoding)


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace ``path`` with ``data`` if it still holds ``expected``; all or nothing.

    Keeps the mode and, where permitted, the owner and group. A file with other hard links is
    refused: replacing it would leave the other names with the old content. Any failure
    (disk full, a bind-mounted file that cannot be renamed over, a name too long) is an error
    for this file only, and leaves it untouched.

    An edit made by someone else while this runs is never lost: the file is compared with what
    was read, its identity (device, inode, size, mtime) is taken from that same read, checked
    again after the new content is written and synced, and the new file takes the old one's place
    by an atomic *exchange* (Linux ``renameat2``), after which the old file, now under the
    temporary name, is checked once more: if it changed or was replaced in that instant it is
    exchanged back and the fix is not written. Where the exchange is not available, ``os.replace``
    is used and an in-place edit that lands in between is copied back (docs/reliability.md).
    """
    if os.path.islink(path):
        raise SourceError(path, "is a symlink; not written through")
    temporary = None
    changed = SourceError(path, "changed on disk since it was read; not written")
    try:
        info = os.stat(path)
        mode = stat.S_IMODE(info.st_mode)
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
            raise SourceError(path, "is read-only; not written")
        if info.st_nlink > 1:
            raise SourceError(path, f"has {info.st_nlink} hard links; not written (the other links would keep the old content)")
        with _regular(path) as (original, size):
            if _read_at_most(original, len(expected) + 1, size) != expected:
                raise changed
            read_as = _identity(os.fstat(original))
            directory = os.path.dirname(os.path.abspath(path))
            import tempfile  # only a write needs it: a check that writes nothing never loads it

            with _interrupts_held():
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
            if _identity(os.stat(path)) != read_as:
                raise changed
            if _exchange(temporary, path):  # `temporary` now names what `path` held an instant ago
                if _identity(os.stat(temporary)) != read_as:
                    _exchange_back(temporary, path)
                    raise changed
            else:
                os.replace(temporary, path)
                temporary = None
                if _identity(os.fstat(original)) != read_as:  # edited in place in between
                    _restore(path, original, directory, mode)
                    raise changed
    except OSError as error:
        raise SourceError(path, f"cannot be written: {error.strerror or error}; left unchanged") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _identity(info: os.stat_result) -> Tuple[int, int, int, int]:
    """What tells that a file was replaced or written (a rename changes its ctime, not these)."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _exchange(first: str, second: str) -> bool:
    """Swap two names atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the system or
    file system cannot, so the caller falls back to ``os.replace``."""
    rename = _renameat2()
    if rename is None:
        return False
    at_cwd, exchange = -100, 2
    if rename(at_cwd, os.fsencode(os.path.abspath(first)), at_cwd, os.fsencode(os.path.abspath(second)), exchange) == 0:
        return True
    import ctypes

    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(number, os.strerror(number), second)


def _exchange_back(temporary: str, path: str) -> None:
    """Put the other writer's file back at ``path``. Should that fail, it stays under the
    temporary name, which the error gives (it is not removed)."""
    try:
        if _exchange(temporary, path):
            return
    except OSError:
        pass
    raise SourceError(path, f"changed on disk while being written; that version is kept in {temporary}")


def _restore(path: str, original: int, directory: str, mode: int) -> None:
    """``os.replace`` won a race against an in-place edit, which went to the old file: write that
    file's content (read through the still-open descriptor) back over the fix."""
    import tempfile

    os.lseek(original, 0, os.SEEK_SET)
    edited = _read_at_most(original, sys.maxsize, os.fstat(original).st_size)
    with _interrupts_held():
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".awl-", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(edited)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, mode)
    os.replace(temporary, path)


@functools.lru_cache(maxsize=1)
def _renameat2():
    import ctypes  # only to write a fix (a few ms at start-up otherwise)

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    function = getattr(libc, "renameat2", None)
    if function is not None:
        function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
        function.restype = ctypes.c_int
    return function


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while the temporary file is created and its name recorded: an
    interrupt raised in between would leave the file behind, with nothing to remove it. Python
    runs signal handlers in the main thread only (and only there can they be replaced), so the
    handlers are swapped for ones that take note, and the noted signal is handled afterwards."""
    noted: List[Tuple[int, object]] = []
    previous = handlers_replaced(lambda signum, frame: noted.append((signum, frame)))
    if previous is None:
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        for signum, frame in noted:
            handler = previous[signum]
            if callable(handler):
                handler(signum, frame)  # Python's own (KeyboardInterrupt), or the command's
            elif handler != signal.SIG_IGN:
                signal.raise_signal(signum)  # the default action, now that the name is recorded


def handlers_replaced(handler: Callable[[int, Any], None]) -> Optional[Dict[int, Any]]:
    """Makes ``handler`` the handler of SIGINT and SIGTERM, and returns the handlers it replaced;
    None outside the main thread, where Python neither runs nor lets anyone replace them
    (``signal.signal`` raises ValueError there: that is the test, without importing threading)."""
    try:
        return {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:
        return None


def display(path: str) -> str:
    """A path as pathlib shows it, with forward slashes: ``./a//b/`` is ``a/b`` (``..`` is kept,
    and a leading ``//``). Written out on POSIX: importing pathlib (urllib.parse, ipaddress) takes
    ~3 ms, a tenth of a small tree's check, which only ever needs this of it."""
    if os.name != "posix":
        from pathlib import Path

        return Path(path).as_posix()
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    return root + "/".join(part for part in path.split("/") if part and part != ".") or "."

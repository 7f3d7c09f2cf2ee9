"""The results cache, as ruff keeps one: a repeat ``check`` re-analyzes only the files whose bytes,
settings or tool changed, or a project module their analysis read (a wrapper, a base class, a
registry followed into another file).

One file per tool build and set of paths named on the command line (``<cache-dir>/<build>/<roots>.cache``)
holds, per analyzed file: a key (its settings), the digest of its bytes, the project modules its
analysis located (with their digests, or their absence; for an analysis that scanned every module,
the listing of them all with their sizes and times) and the result. The cache is data, never
code (JSON, not pickle: a cache directory can come with a cloned repository), and it is never
trusted: anything that does not decode as expected, in a file truncated or written by another run
at the same time, is a miss and is analyzed again. It is written whole, to a temporary file
renamed over the old one, so a reader sees one run's cache or another's, never a mix. The
directory ignores itself (``.gitignore`` with ``*``, as ruff's does).
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import __version__
from .files import SourceError
from .findings import Edit, Finding, Fix

DEFAULT_DIR = ".adamw_lint_cache"
# dotted module name → the file it was found in (None: not found); or a listing's key → its digest
Deps = Dict[str, Optional[str]]
# a dependency on every module of the project (a scan of them all): its value is ``ProjectIndex.listing()``;
# ``LISTING + folder``, on the modules of one folder: ``ProjectIndex.folder_digest(folder)``
LISTING = "*"


try:  # hashlib's own blake2b, without hashlib's import of OpenSSL (2 ms of every run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


# libraries whose version a cached result depends on: libcst writes the fixes JSON and SARIF
# carry, PyYAML reads the configs
_LIBRARIES = ("libcst", "yaml")
STALE_BUILD_SECONDS = 14 * 24 * 3600  # another build's cache unused this long is removed
_BUILD_FOLDER = r"[\w.+!-]+-[0-9a-f]{32}"  # what ``_build`` names (compiled on first use)


def _build() -> str:
    """The tool's version, its own files' sizes and times, and those of the libraries its results
    depend on: a cache written by another build, released or not, or beside another version of
    those libraries, is never read."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [__version__]
    for folder, _, names in sorted(os.walk(here)):
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    parts += map(_library, _LIBRARIES)
    return f"{__version__}-{digest(chr(0).join(parts).encode())}"


def _library(name: str) -> str:
    """An installed library's entry file, size and time, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return f"{name}:-"
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return f"{name}:{spec.origin}"
    return f"{name}:{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


class FileDigests:
    """Digests of project files, read once per run (and again when a file's size or time moved)."""

    def __init__(self) -> None:
        self._known: Dict[Tuple[str, int, int], Optional[str]] = {}

    def __call__(self, path: str) -> Optional[str]:
        try:
            stat = os.stat(path)
            key = (path, stat.st_size, stat.st_mtime_ns)
            if key not in self._known:
                with open(path, "rb") as handle:
                    self._known[key] = digest(handle.read())
            return self._known[key]
        except OSError:
            return None


def dependencies(located: Deps, digests: FileDigests) -> List[List[Optional[str]]]:
    return [[dotted, path, digests(path) if path and not dotted.startswith(LISTING) else None]
            for dotted, path in sorted(located.items())]


class Cache:
    """The cache of one run: looked up per candidate file, saved once at the end."""

    def __init__(self, directory: str, roots: Sequence[str]) -> None:
        self.directory = directory
        name = digest("\0".join(sorted(roots)).encode()) + ".cache"
        self.path = os.path.join(directory, _build(), name)
        self.digests = FileDigests()
        self._loaded: Optional[Dict[str, Any]] = None  # read at the first candidate: a run without one never does
        self._changed = False

    @property
    def _entries(self) -> Dict[str, Any]:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def _load(self) -> Dict[str, Any]:
        import json  # here and in save: a --no-cache run, or one with no candidate, never loads it

        try:
            with open(self.path, "rb") as handle:
                document = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return {}  # no cache, or one cut short: start again
        if not isinstance(document, dict) or not isinstance(document.get("files"), dict):
            return {}
        return document["files"]

    def get(self, path: str, key: str, data_digest: str, locate) -> Optional["CachedResult"]:
        """The stored result of ``path`` if its key, bytes and every module it read still match;
        ``locate(dotted)``: where that module is found now (for ``LISTING``, a listing now)."""
        entry = self._entries.get(os.path.abspath(path))
        try:
            if not isinstance(entry, dict) or entry.get("key") != key or entry.get("digest") != data_digest:
                return None
            for dotted, found, found_digest in entry["deps"]:
                now = locate(dotted)
                if now != found or (now is not None and not dotted.startswith(LISTING) and self.digests(now) != found_digest):
                    return None
            return decode_result(path, entry["result"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # written by something else: analyze again

    def put(self, path: str, key: str, data_digest: str, located: Deps, result: "CachedResult") -> None:
        if any(error.reason.startswith("internal error") for error in result.errors):
            return  # a crash is not a result
        self._entries[os.path.abspath(path)] = {
            "key": key, "digest": data_digest, "deps": dependencies(located, self.digests),
            "result": encode_result(result),
        }
        self._changed = True

    def save(self) -> None:
        """Write the cache (best effort: a directory that cannot be written only costs the next
        run its speed-up)."""
        if not self._changed:
            return
        import json
        import tempfile  # only a run that analyzed something writes

        self._prune()
        folder = os.path.dirname(self.path)
        try:
            os.makedirs(folder, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write("# Automatically created by adamw-lint.\n*\n")
            handle_fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".cache")
            try:
                with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
                    json.dump({"files": self._entries}, handle, separators=(",", ":"))  # ASCII: a name may hold undecodable bytes
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass

    def _prune(self) -> None:
        """Entries of files that no longer exist are dropped, and other builds' caches not written
        for ``STALE_BUILD_SECONDS`` removed: the cache does not grow with what was deleted or
        replaced. Entries of files this run did not name stay (a pre-commit run names a few)."""
        for path in [p for p in self._entries if not os.path.exists(p)]:
            del self._entries[path]
        mine = os.path.dirname(self.path)
        try:
            folders = [f.path for f in os.scandir(self.directory)
                       if f.path != mine and re.fullmatch(_BUILD_FOLDER, f.name)
                       and f.is_dir(follow_symlinks=False)]
        except OSError:
            return
        for folder in folders:
            _remove_stale(folder)


def _remove_stale(folder: str) -> None:
    """A build's cache folder, when it holds only cache files, none written recently (anything
    else found there is left alone, the folder with it)."""
    try:
        files = list(os.scandir(folder))
        if any(not f.name.endswith(".cache") or not f.is_file(follow_symlinks=False) for f in files) \
                or any(time.time() - f.stat().st_mtime < STALE_BUILD_SECONDS for f in files):
            return
        for f in files:
            os.remove(f.path)
        os.rmdir(folder)
    except OSError:
        pass  # in use by another run, or not ours to remove: only space is lost


# --- the result, as JSON -----------------------------------------------------------------------

class CachedResult:
    """What a check of one file found (``runner.FileResult``'s fields that a check fills)."""

    __slots__ = ("findings", "errors", "replacements", "file_lines", "exports")

    def __init__(self, findings, errors, replacements, file_lines, exports) -> None:
        self.findings, self.errors, self.replacements = findings, errors, replacements
        self.file_lines, self.exports = file_lines, exports


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _span(value: Any) -> Tuple[int, int, int, int]:
    line, col, end_line, end_col = value
    if not all(isinstance(n, int) for n in (line, col, end_line, end_col)):
        raise ValueError("a span holds numbers")
    return line, col, end_line, end_col


def _strings(value: Any) -> frozenset:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of names")
    return frozenset(value)


def encode_result(result: CachedResult) -> dict:
    def fix(f: Optional[Fix]) -> Optional[list]:
        if f is None:
            return None
        return [f.description, [[e.kind, e.span, e.text, e.name] for e in f.edits], f.add_imports,
                f.remove_imports, f.applicability, f.decay_sites]

    direct, links, tables = result.exports
    return {
        "findings": [[f.code, f.message, f.span, fix(f.fix), f.fix_blocked, f.cell, f.related, f.template]
                     for f in result.findings],
        "errors": [[e.reason, e.line, e.col, e.detail] for e in result.errors],
        "replacements": [[span, edits] for span, edits in result.replacements.items()],
        "file_lines": [[key, line] for key, line in result.file_lines.items()],
        "exports": [sorted(direct), {name: sorted(mentioned) for name, mentioned in links.items()}, sorted(tables)],
    }


def decode_result(path: str, data: dict) -> CachedResult:
    """Raises ValueError, TypeError or KeyError for anything not written by ``encode_result``."""
    def fix(value: Optional[list]) -> Optional[Fix]:
        if value is None:
            return None
        description, edits, add, remove, applicability, sites = value
        return Fix(str(description), tuple(Edit(str(k), _span(s), str(t), str(n)) for k, s, t, n in edits),
                   _tuples(add), _tuples(remove), str(applicability), _tuples(sites))

    findings = []
    for code, message, span, planned, blocked, cell, related, template in data["findings"]:
        if not isinstance(code, str) or not isinstance(message, str) or not (cell is None or isinstance(cell, int)):
            raise ValueError("a finding")
        findings.append(Finding(code, message, _span(span), cell=cell, related=_tuples(related),
                                template=str(template)).with_fix(fix(planned), str(blocked)))
    errors = [SourceError(path, str(reason), int(line), int(col), str(detail))
              for reason, line, col, detail in data["errors"]]
    replacements = {_span(span): [(int(o), int(n), str(t)) for o, n, t in edits]
                    for span, edits in data["replacements"]}
    file_lines = {(int(key[0]), int(key[1])): int(line) for key, line in data["file_lines"]}
    direct, links, tables = data["exports"]
    if not isinstance(links, dict):
        raise ValueError("exports")
    exports = (_strings(direct), {str(name): _strings(found) for name, found in links.items()}, _strings(tables))
    return CachedResult(findings, errors, replacements, file_lines, exports)

"""Gitignore-style patterns, matched in bounded time.

``pathspec`` gives the semantics (each pattern becomes a regular expression); this module adds
what a file from anywhere needs: a line that is not a valid pattern is dropped as git drops it
(or, with ``strict``, for our own settings, is an error naming it); several wildcards in
one path segment (``*a*a*a*b``) cannot make the regular expression backtrack exponentially; and a
long list of plain names (a generated ``.gitignore`` of 50,000 files) is one set lookup per path
segment rather than one regular expression per name.
"""

from __future__ import annotations

import functools
import re
import warnings
from typing import Dict, Iterable, List, Optional, Union

_STAR = "[^/]*"  # what pathspec writes for a `*` inside a segment
# a piece of pathspec's regular expression between two stars of one segment that matches strings
# of one length: escaped literals, `[^/]` (a `?`), bracket expressions
_FIXED_WIDTH = re.compile(r"(?:\\.|[^\\\[\]()|.*+?{}^$/]|\[\^/\]|\[(?:\\.|[^\]\\])+\])*")
_PLAIN_NAME = re.compile(r"[^/*?\[\]!\\#\s]+")
_DIR_MARK = "ps_d"  # pathspec's group for "matched a folder above the path"


class PatternError(ValueError):
    """A pattern that pathspec cannot compile (``a\\``, a lone ``!``, ``[z-a]``)."""


class Names:
    """A run of plain-name patterns (``build``, ``data.bin``), which match wherever a path segment
    has that name: one set lookup per segment, with the patterns' order semantics."""

    def __init__(self) -> None:
        self.order: Dict[str, int] = {}  # name → its last position in the run (a later one decides)
        self._added = 0

    def add(self, name: str) -> None:
        self.order[name] = self._added
        self._added += 1

    def priority(self, path: str) -> Optional[int]:
        """pathspec's priority for the last matching name of the run (2: the path itself, 1: a
        folder above it, or the folder ``path/`` itself), or None when none matches. A name
        matches at its last occurrence (pathspec's greedy ``(?:.+/)?`` prefix)."""
        segments = path.split("/")
        last = len(segments) - 1
        best, found = -1, None
        for i, segment in enumerate(segments):
            position = self.order.get(segment)
            if position is not None and position >= best:
                best, found = position, 2 if i == last else 1
        return found


Entry = Union[object, Names]  # a pathspec pattern, or a run of plain names


class Patterns:
    """Compiled gitignore patterns. ``check(relative)``: True ignored, False re-included by ``!``,
    None no pattern matched; by the rule of pathspec 0.12's ``GitIgnoreSpec`` (the last match
    decides, and a pattern that ignores a folder above the path wins, as in git). pathspec 1.x
    loops in reverse and lets an earlier ``!name`` win there instead: the two differ only for a
    file inside an ignored folder, which the walk never enters."""

    def __init__(self, lines: Iterable[str], strict: bool = False) -> None:
        self._lines = list(lines)
        self._strict = strict
        self._entries: List[Entry] = []
        run: List[str] = []  # lines that are not plain names, compiled together
        for line in self._lines:  # no line, no pathspec (25 ms to import): the sample is compiled at a plain name
            if _PLAIN_NAME.fullmatch(line) and _plain_names_read_as_expected():
                self._entries += _compile(run, strict)
                run = []
                if not self._entries or not isinstance(self._entries[-1], Names):
                    self._entries.append(Names())
                self._entries[-1].add(line)  # type: ignore[union-attr]
            else:
                run.append(line)
        self._entries += _compile(run, strict)
        self._patterns: Optional[List[object]] = None

    @property
    def patterns(self) -> List[object]:
        """Every line as a pathspec pattern, in order (compiled when first asked for)."""
        if self._patterns is None:
            self._patterns = _compile(self._lines, self._strict)
        return self._patterns

    def check(self, relative: str) -> Optional[bool]:
        verdict, priority = None, 0
        for entry in self._entries:
            if isinstance(entry, Names):
                found = entry.priority(relative)
                if found is None:
                    continue
                include, dir_mark = True, found == 1
            else:
                match = entry.match_file(relative)  # type: ignore[attr-defined]
                if match is None:
                    continue
                include = entry.include  # type: ignore[attr-defined]
                dir_mark = bool(_groups(match).get(_DIR_MARK))
            found_priority = 1 if dir_mark else 2
            if (include and dir_mark) or found_priority >= priority:  # pathspec's rule for GitIgnoreSpec
                verdict, priority = include, found_priority
        return verdict


def _groups(match) -> dict:
    inner = getattr(match, "match", match)  # pathspec 1.x wraps the re.Match
    return inner.groupdict() if hasattr(inner, "groupdict") else {}


def _compile(lines: List[str], strict: bool) -> List[object]:
    if not lines:
        return []
    import pathspec  # gitignore semantics from a maintained library, not hand-written matching

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # `[[:alpha:]]`: "possible nested set", from re
        try:
            patterns = list(pathspec.GitIgnoreSpec.from_lines(lines).patterns)
        except Exception:  # noqa: BLE001 - pathspec raises several types; find the line below
            patterns = []
            for line in lines:
                try:
                    patterns += pathspec.GitIgnoreSpec.from_lines([line]).patterns
                except Exception as error:  # noqa: BLE001
                    if strict:
                        raise PatternError(f"an invalid pattern {line!r} ({error})") from None
                    # git ignores a line it cannot use, and so do we
        for pattern in patterns:
            regex = getattr(pattern, "regex", None)
            if regex is not None and _linear(regex.pattern) != regex.pattern:
                pattern.regex = re.compile(_linear(regex.pattern))
    return [p for p in patterns if getattr(p, "include", None) is not None]


def _linear(regex: str) -> str:
    """pathspec's expression with each star of a segment that another star follows made atomic:
    ``[^/]*`` + a fixed-width piece becomes ``(?>[^/]*?piece)``, the piece's leftmost occurrence.
    For wildcards that is the classic greedy match (a later piece can always start further right,
    so committing to the leftmost occurrence never loses a match), and it turns the exponential
    backtracking of ``*a*a*a*a*b`` into a linear scan."""
    parts = regex.split(_STAR)
    if len(parts) < 3:
        return regex  # at most one star: linear already
    out = [parts[0]]
    for i in range(1, len(parts)):
        piece = parts[i]
        if i < len(parts) - 1 and _FIXED_WIDTH.fullmatch(piece):
            out.append(f"(?>[^/]*?{piece})")
        else:
            out.append(_STAR + piece)
    return "".join(out)


@functools.lru_cache(maxsize=1)
def _plain_names_read_as_expected() -> bool:
    """Whether this pathspec reads a plain name as matching any path segment of that name (the
    ``Names`` semantics): checked once on a sample rather than assumed of every version."""
    sample = _compile(["name.ext"], strict=True)
    regex = getattr(sample[0], "regex", None) if len(sample) == 1 else None
    return regex is not None and regex.pattern == rf"^(?:.+/)?name\.ext(?:(?P<{_DIR_MARK}>/)|$)"

"""Gitignore-style patterns, matched in bounded time.

Each pattern becomes a regular expression with git's semantics, as pathspec's ``GitIgnoreSpec``
(1.x) writes them (``tests/test_gitignore.py`` holds the two to the same verdicts); pathspec
itself takes ~45 ms to import, more than a pre-commit run of one file has. A line that is not a
valid pattern is dropped as git drops it (or, with ``strict``, for our own settings, is an error
naming it); several wildcards in one path segment (``*a*a*a*b``) cannot make the regular
expression backtrack exponentially; and a long list of plain names (a generated ``.gitignore``
of 50,000 files) is one set lookup per path segment rather than one regular expression per name.
"""

from __future__ import annotations

import re
import warnings
from typing import Dict, Iterable, List, Optional, Tuple, Union

_STAR = "[^/]*"  # a `*` inside a segment
# a piece of an expression between two stars of one segment that matches strings of one length:
# escaped literals, `[^/]` (a `?`), bracket expressions
_FIXED_WIDTH = re.compile(r"(?:\\.|[^\\\[\]()|.*+?{}^$/]|\[\^/\]|\[(?:\\.|[^\]\\])+\])*")
_PLAIN_NAME = re.compile(r"[^/*?\[\]!\\#\s]+")
_DIR_MARK = "ps_d"  # the group for "matched a folder above the path"
_DIR = f"(?P<{_DIR_MARK}>/)"
_DIR_OR_END = f"(?:{_DIR}|$)"


class PatternError(ValueError):
    """A line that is not a valid pattern (``a\\``, a lone ``!``, ``[z-a]``)."""


class _Discarded(ValueError):
    """A bracket expression that is never closed: git drops the whole pattern, silently."""


class Pattern:
    """One pattern: ``include`` is False for a ``!`` pattern; ``match_file`` searches a path
    relative to the pattern's folder (a folder's path ends with ``/``)."""

    __slots__ = ("include", "regex")

    def __init__(self, include: bool, regex: str) -> None:
        self.include = include
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # `[[:alpha:]]`: "possible nested set", from re
            self.regex = re.compile(regex)

    def match_file(self, path: str) -> Optional[re.Match]:
        return self.regex.search(path)


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


Entry = Union[Pattern, Names]  # a pattern, or a run of plain names


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
        for line in self._lines:
            if _PLAIN_NAME.fullmatch(line):
                self._entries += _compile(run, strict)
                run = []
                if not self._entries or not isinstance(self._entries[-1], Names):
                    self._entries.append(Names())
                self._entries[-1].add(line)  # type: ignore[union-attr]
            else:
                run.append(line)
        self._entries += _compile(run, strict)
        self._patterns: Optional[List[Pattern]] = None

    @property
    def patterns(self) -> List[Pattern]:
        """Every line as a pattern, in order (compiled when first asked for)."""
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
                match = entry.match_file(relative)
                if match is None:
                    continue
                include = entry.include
                dir_mark = bool(match.groupdict().get(_DIR_MARK))
            found_priority = 1 if dir_mark else 2
            if (include and dir_mark) or found_priority >= priority:  # pathspec's rule for GitIgnoreSpec
                verdict, priority = include, found_priority
        return verdict


def _compile(lines: List[str], strict: bool) -> List[Pattern]:
    patterns = []
    for line in lines:
        try:
            found = _expression(line)
            if found is not None:
                patterns.append(Pattern(found[0], _linear(found[1])))
        except _Discarded:
            pass
        except (ValueError, re.error) as error:
            if strict:
                raise PatternError(f"an invalid pattern {line!r} ({error})") from None
            # git ignores a line it cannot use, and so do we
    return patterns


def _expression(line: str) -> Optional[Tuple[bool, str]]:
    """``(include, regular expression)`` of one line, None for a line that holds no pattern (a
    blank, a comment, ``/``). Raises ValueError for a line that is not a valid pattern."""
    text = line if line.endswith("\\ ") else line.rstrip()  # an escaped trailing space stays
    if not text or text.startswith("#") or text == "/":
        return None
    include = not text.startswith("!")
    segments = (text if include else text[1:]).split("/")
    folder_only = segments[-1] == ""  # ``build/``
    if segments[0] == "":
        del segments[0]  # ``/build``: anchored at the pattern's folder
    elif len(segments) == 1 or (len(segments) == 2 and folder_only):
        if segments[0] != "**":
            segments.insert(0, "**")  # no slash but a trailing one: at any depth
    if not segments:
        raise ValueError("nothing to match")
    if segments[-1] == "":
        segments[-1] = "**"  # a folder: and everything below it
    segments = [s for i, s in enumerate(segments) if not (s == "**" and i and segments[i - 1] == "**")]
    if segments == ["**"]:
        return include, _DIR if folder_only else "."
    if segments == ["**", "*"]:
        return include, "."
    if segments == ["**", "*", "**"]:
        return include, _DIR if folder_only else "/"
    parts, slash, last = [], False, len(segments) - 1
    for i, segment in enumerate(segments):
        if segment == "**":  # any number of folders: leading, inner, or (last) everything below
            parts.append("^(?:.+/)?" if i == 0 else "(?:/.+)?" if i < last else _DIR if folder_only else "/")
            slash = 0 < i < last
            continue
        parts.append(("^" if i == 0 else "") + ("/" if slash else ""))
        parts.append("[^/]+" if segment == "*" else _glob(segment))
        if i == last:
            parts.append(_DIR_OR_END)
        slash = True
    return include, "".join(parts)


def _glob(segment: str) -> str:
    """One path segment's wildcards: ``*`` and ``?`` within the segment, ``[...]`` (``[!...]``
    negated), ``\\`` quoting the next character."""
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        i += 1
        if char == "\\":
            if i == len(segment):
                raise ValueError("a backslash with nothing to quote")
            out.append(re.escape(segment[i]))
            i += 1
        elif char == "*":
            out.append(_STAR)
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = i + (segment[i:i + 1] in ("!", "^"))
            close += segment[close:close + 1] == "]"  # a ``]`` first is a member, not the end
            close = segment.find("]", close)
            if close < 0:
                raise _Discarded(segment)
            negated = segment[i:i + 1] in ("!", "^")
            out.append("[" + ("^" if negated else "") + segment[i + negated:close + 1].replace("\\", "\\\\"))
            i = close + 1
        else:
            out.append(re.escape(char))
    return "".join(out)


def _linear(regex: str) -> str:
    """An expression with each star of a segment that another star follows made atomic:
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

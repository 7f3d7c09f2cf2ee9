"""``# noqa`` exactly as flake8 reads it, for the CLI (flake8 applies it to the plugin itself).
The runner imports it only for a file with findings: most runs never do (nor tokenize)."""

from __future__ import annotations

import ast
import re
import tokenize
from typing import Dict, Iterable, Iterator, List, Set, Tuple

from .files import physical_lines
from .findings import Finding

_NOQA_FILE = re.compile(r"^[ \t\f]*# flake8[:=]\s*noqa", re.IGNORECASE | re.MULTILINE)  # flake8's, at a line start
_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,\s]")


def _tokens(source: str) -> Iterator[tokenize.TokenInfo]:
    """Tokens with lines as Python counts them: ``\\r`` alone ends a line too (``StringIO.readline``
    splits only on ``\\n``, which made a ``\\r``-only file one line). Raises TokenError/SyntaxError."""
    return tokenize.generate_tokens(iter(physical_lines(_universal(source))).__next__)


def _universal(source: str) -> str:
    """Line ends as Python reads a file (universal newlines): every ``\\r\\n`` and ``\\r`` is ``\\n``;
    line numbers and columns stay those of ``source``."""
    return source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source


def _ranges(tokens: Iterable[tokenize.TokenInfo]) -> Iterator[Tuple[int, int]]:
    """The line ranges flake8 searches for ``# noqa`` as one: a line, or the lines one token spans
    (a multi-line string, a backslash continuation). Raises TokenError/SyntaxError."""
    low, high = 2**31, -1
    for tok in tokens:
        if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, tok.start[0]), max(high, tok.end[0])
        if tok.type in (tokenize.NL, tokenize.NEWLINE):
            yield low, high
            low, high = 2**31, -1


def noqa_lines(source: str) -> Dict[int, str]:
    """Line number → the text flake8 searches for ``# noqa`` (a multi-line string counts whole)."""
    lines = physical_lines(source)
    mapping: Dict[int, str] = {}
    try:
        for low, high in _ranges(_tokens(source)):
            mapping.update(dict.fromkeys(range(low, high + 1), "".join(lines[low - 1: high])))
    except (tokenize.TokenError, SyntaxError):
        return {i + 1: line for i, line in enumerate(lines)}
    return mapping


def is_suppressed(code: str, line_text: str) -> bool:
    match = _NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    listed = tuple(c.strip() for c in _SEPARATOR.split(codes) if c.strip())
    return code in listed or code.startswith(listed)


def skips_file(source: str) -> bool:
    """A line that starts with ``# flake8: noqa`` turns off every check of the file, as in flake8
    (after code on a line, flake8 warns and ignores it: so do we). flake8 reads the file with
    universal newlines, so a line may start after a ``\\r`` alone."""
    return _NOQA_FILE.search(_universal(source)) is not None


def without_noqa(findings: Iterable[Finding], source: str) -> List[Finding]:
    findings = list(findings)
    if not findings or _NOQA.search(source) is None and not skips_file(source):
        return findings  # most files: no tokenizing at all
    if skips_file(source):
        return []
    lines = noqa_lines(source)
    return [f for f in findings if not is_suppressed(f.code, lines.get(f.line, ""))]


def add_noqa(source: str, findings: Iterable[Finding]) -> Tuple[str, int]:
    """``source`` with ``# noqa: CODE`` at the end of each finding's line (after a multi-line string
    or backslash continuation that the line starts: where flake8 and ``check`` read it), merged
    into a ``# noqa:`` *comment* already there (never into a string that looks like one); and how
    many codes were added. ValueError when the file cannot be tokenized or the result would not
    parse: nothing is to be written then."""
    lines = physical_lines(source)
    try:
        last_line, comments = _layout(source)
    except (tokenize.TokenError, SyntaxError) as error:
        raise ValueError(f"cannot be tokenized ({error}); no noqa added") from None
    wanted: Dict[int, Set[str]] = {}
    for finding in findings:
        wanted.setdefault(last_line.get(finding.line, finding.line), set()).add(finding.code)
    added = 0
    for number, codes in sorted(wanted.items()):
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        column = comments.get(number)
        match = _NOQA.search(body, column) if column is not None else None
        if match is not None and match.group("codes") is None:
            continue  # a bare noqa already silences everything on the line
        if match is not None:
            present = {c for c in _SEPARATOR.split(match.group("codes")) if c}
            new = codes - present
            body = body[:match.start()] + "# noqa: " + ", ".join(sorted(present | codes)) + body[match.end():]
        else:
            new = codes
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        added += len(new)
        lines[number - 1] = body + line[len(line.rstrip("\r\n")):]
    text = "".join(lines)
    if added:
        try:
            compile(_universal(text), "<add-noqa>", "exec", ast.PyCF_ONLY_AST)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            reason = getattr(error, "msg", None) or type(error).__name__
            raise ValueError(f"adding noqa would make the file unparseable ({reason}); not written") from None
    return text, added


def _layout(source: str) -> Tuple[Dict[int, int], Dict[int, int]]:
    """Line → the last line of its ``_ranges`` range (where a comment can go and be read), and
    line → the column of the comment token on it. Raises TokenError/SyntaxError."""
    ends: Dict[int, int] = {}
    comments: Dict[int, int] = {}

    def noting() -> Iterator[tokenize.TokenInfo]:
        for tok in _tokens(source):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.start[1]
            yield tok

    for low, high in _ranges(noting()):
        ends.update(dict.fromkeys(range(low, high + 1), high))
    return ends, comments

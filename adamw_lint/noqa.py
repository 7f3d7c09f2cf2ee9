"""``# noqa`` exactly as flake8 reads it, for the CLI (flake8 applies it to the plugin itself)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, Iterable, List

from .files import physical_lines
from .findings import Finding

_NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,\s]")


def noqa_lines(source: str) -> Dict[int, str]:
    """Line number → the text flake8 searches for ``# noqa`` (a multi-line string counts whole)."""
    lines = physical_lines(source)
    mapping: Dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return {i + 1: line for i, line in enumerate(lines)}
    low, high = len(lines) + 2, -1
    for tok in tokens:
        if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, tok.start[0]), max(high, tok.end[0])
        if tok.type in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[low - 1: high])
            mapping.update(dict.fromkeys(range(low, high + 1), joined))
            low, high = len(lines) + 2, -1
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


def without_noqa(findings: Iterable[Finding], source: str) -> List[Finding]:
    findings = list(findings)
    if not findings or _NOQA.search(source) is None:  # most files: no tokenizing at all
        return findings
    lines = noqa_lines(source)
    return [f for f in findings if not is_suppressed(f.code, lines.get(f.line, ""))]

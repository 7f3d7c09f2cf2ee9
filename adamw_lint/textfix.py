"""Fixes that replace one name by another, done on the text; every other fix goes to libcst (``fix``).

Most fixes are a rename (``torch.optim.Adam`` → ``torch.optim.AdamW``, ``"adam"`` → ``"adamw"``,
``False`` → ``True``): one token replaced by another, no import added or removed. The libcst
fixer writes exactly the new token there and moves nothing else, unless the new line passes the
line length (it breaks the statement as black would) or the name is in the callee of a call whose
arguments are aligned with its bracket over several lines (they move with it). Outside those two
cases the fix is done here on the text, so a file whose fixes are all renames never imports libcst
(~0.3 s) nor parses with it (the position table alone is half of a fix's cost); the result is the
libcst fixer's, which ``tests/test_speed_renames.py`` checks on every fixture and catalog example.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .catalog.schema import UNSAFE
from .decay_values import DecayValues
from .files import physical_lines
from .findings import Finding, Span
from .noqa import without_noqa
from .project import DEFAULT_LINE_LENGTH
from .selection import Selection

Version = Tuple[int, int]
Replacement = Tuple[int, int, str]  # 0-based character offset into the source, characters deleted, text inserted

# a dotted name (True, Adam, torch.optim.Adam) or a plain string literal: what libcst writes back as given
_TOKEN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|\"[^\"\\\r\n]*\"|'[^'\\\r\n]*'", re.ASCII)
_NAME_CHAR = re.compile(r"[\w.]")
_HANGING = re.compile(r"\s*\([ \t]*(?:#[^\r\n]*)?\r?\n?")  # the bracket ends its line (comments aside)

# libcst's parser overflows the C stack on a long and/or chain (``fix.parse_module`` refuses such
# files); a file that might hold one goes to libcst, which reports it as before
CST_CHAIN_LIMIT = 3000
_CHAIN_WORD = re.compile(r"\b(?:and|or)\b")


class FixError(Exception):
    """The fixed text was not written: it would not parse, or still has fixable findings."""


@dataclass
class FixResult:
    source: str  # the fixed text (the input when nothing changed)
    fixed: List[Finding] = field(default_factory=list)  # findings whose fix was applied
    remaining: List[Finding] = field(default_factory=list)  # findings left (no fix, or one not applied)
    # calibrated calls (``decay_values``) whose weight decay was kept, and why: "path:line: ..."
    decay_notes: List[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)

    def held_back(self, applicability: str) -> List[Finding]:
        """Remaining findings whose fix exists but was not applied at ``applicability``
        (the summary's "N fixes available with --unsafe-fixes")."""
        return [f for f in self.remaining if f.fix is not None and not f.fix.applies_at(applicability)]


class _Text:
    """A module's text, its lines, and (parsed once, when first asked) its calls by the lines
    their callee covers."""

    def __init__(self, source: str, tree: Optional[ast.AST] = None) -> None:
        self.source = source
        self.lines = physical_lines(source)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self._tree = tree
        self._calls: Optional[Dict[int, List[ast.Call]]] = None
        # a lone carriage return ends a line for Python but not for the fixer's measure of lengths
        self.lone_cr = source.count("\r") != source.count("\r\n")

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def calls_around(self, line: int) -> List[ast.Call]:
        """The calls whose callee has a part on ``line``."""
        if self._calls is None:
            self._calls = {}
            for node in ast.walk(self._tree or ast.parse(self.source)):
                if isinstance(node, ast.Call):
                    for number in range(node.func.lineno, (node.func.end_lineno or node.func.lineno) + 1):
                        self._calls.setdefault(number, []).append(node)
        return self._calls.get(line, [])

    def column(self, line: int, byte_offset: int) -> int:
        """A character column from ``ast``'s UTF-8 byte offset."""
        text = self.lines[line - 1]
        return byte_offset if text.isascii() else len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


@dataclass(frozen=True)
class _Rename:
    span: Span  # of the token replaced (on one line)
    text: str  # what replaces it


def _rename(text: _Text, finding: Finding) -> Optional[_Rename]:
    """The token replaced, when the finding's fix is that alone (no import added or removed)."""
    fix = finding.fix
    if fix is None or finding.cell is not None or fix.add_imports or fix.remove_imports or len(fix.edits) != 1 \
            or text.lone_cr:
        return None
    edit = fix.edits[0]
    line, column, end_line, end_column = edit.span
    if edit.kind != "replace" or line != end_line or not 0 < line <= len(text.lines) \
            or not _TOKEN.fullmatch(edit.text):
        return None
    written = text.lines[line - 1]
    if not _TOKEN.fullmatch(written[column:end_column]) or _NAME_CHAR.match(written[end_column:end_column + 1]) \
            or (column > 0 and _NAME_CHAR.match(written[column - 1])):
        return None  # not a whole token as the analysis saw it: libcst decides
    return _Rename(edit.span, edit.text)


def _line_after(text: _Text, renames: Sequence[_Rename], line: int) -> str:
    """Physical line ``line`` with the renames on it applied."""
    written = text.lines[line - 1]
    for rename in sorted((r for r in renames if r.span[0] == line), key=lambda r: r.span[1], reverse=True):
        written = written[:rename.span[1]] + rename.text + written[rename.span[3]:]
    return written


def _fits(new_line: str, line_length: int) -> bool:
    """Whether a rewritten line keeps libcst's fixer from breaking it: within ``line_length``.
    The fixer counts a CRLF line's carriage return when the line is inside a statement (its
    ``formatting.too_long`` splits lines at the newline), so that line must be one shorter."""
    return len(new_line.rstrip("\r\n")) + new_line.endswith("\r\n") <= line_length


def _aligned_callee(text: _Text, rename: _Rename) -> bool:
    """Whether the token is in the callee of a call over several lines whose arguments do not
    start on a line of their own: the fixer moves such continuation lines with the bracket."""
    line, column, _, end_column = rename.span
    for call in text.calls_around(line):
        func = call.func
        start = (func.lineno, text.column(func.lineno, func.col_offset))
        end = (func.end_lineno, text.column(func.end_lineno, func.end_col_offset))  # type: ignore[arg-type]
        if not start <= (line, column) or not (line, end_column) <= end or call.lineno == call.end_lineno:
            continue
        after = text.lines[end[0] - 1][end[1]:]
        if not _HANGING.fullmatch(after):
            return True  # aligned, or the bracket not on the callee's last line: the fixer decides
    return False


def _chain_risk(source: str) -> bool:
    return len(_CHAIN_WORD.findall(source)) >= CST_CHAIN_LIMIT


def fix_each(source: str, findings: Sequence[Finding], *, path: Optional[str] = None,
             line_length: int = DEFAULT_LINE_LENGTH, tree: Optional[ast.AST] = None) -> Dict[Span, List[Replacement]]:
    """Each fixable finding's own fix, as if it were the only one applied (SARIF's per-result
    fixes), keyed by the finding's span: renames here, the others by ``fix.fix_each_cst`` (a file
    libcst cannot parse gets no fixes). ``tree``: ``source`` parsed, when the caller has it."""
    wanted = [f for f in findings if f.fix is not None and f.cell is None]
    if not wanted:
        return {}
    text = _Text(source, tree)
    own: Dict[int, List[Replacement]] = {}
    if not _chain_risk(source):
        for index, finding in enumerate(wanted):
            replacement = _each(text, finding, line_length)
            if replacement is not None:
                own[index] = replacement
    others: Dict[Span, List[Replacement]] = {}
    rest = [f for i, f in enumerate(wanted) if i not in own]
    if rest:
        from .fix import fix_each_cst

        others = fix_each_cst(source, rest, path=path, line_length=line_length)
        if not others:
            return {}  # libcst could not parse the module: no fixes at all, as for any file it cannot parse
    return {f.span: own[i] if i in own else others[f.span] for i, f in enumerate(wanted)}


def _each(text: _Text, finding: Finding, line_length: int) -> Optional[List[Replacement]]:
    """A rename's own fix as the libcst fixer gives it: the token's replacement for a finding on
    one line, else the rewritten line (it fixes a finding over several lines statement by
    statement, and reports the lines that changed)."""
    rename = _rename(text, finding)
    if rename is None:
        return None
    line, column, _, end_column = rename.span
    new_line = _line_after(text, [rename], line)
    if not _fits(new_line, line_length):
        return None
    if finding.span[0] == finding.span[2]:
        return [(text.offset(line, column), end_column - column, rename.text)]
    if _aligned_callee(text, rename):
        return None
    return [(text.starts[line - 1], len(text.lines[line - 1]), new_line)]


def _renamed(source: str, findings: Sequence[Finding], line_length: int) -> Optional[str]:
    """``source`` with every finding's fix applied, when each is a rename the libcst fixer would
    write as it is; else None."""
    if _chain_risk(source):
        return None
    text = _Text(source)
    renames = [_rename(text, f) for f in findings]
    if text.lone_cr or any(r is None for r in renames):
        return None
    chosen: List[_Rename] = renames  # type: ignore[assignment]
    spans = sorted(r.span for r in chosen)
    if any(a[0] == b[0] and a[3] > b[1] for a, b in zip(spans, spans[1:])):
        return None  # two fixes on one token: libcst decides
    if any(_aligned_callee(text, r) for r in chosen):
        return None
    lines = list(text.lines)
    for line in {r.span[0] for r in chosen}:
        lines[line - 1] = _line_after(text, chosen, line)
        if not _fits(lines[line - 1], line_length):
            return None
    return "".join(lines)


def fix_source(
    source: str,
    style: str = "rename",
    selection: Optional[Selection] = None,
    only: Optional[Span] = None,
    findings: Optional[List[Finding]] = None,
    *,
    applicability: str = UNSAFE,
    target_torch: Optional[Version] = None,
    path: Optional[str] = None,
    line_length: int = DEFAULT_LINE_LENGTH,
    decay_values: Optional[DecayValues] = None,
) -> FixResult:
    """Fix one module's text. Raises SyntaxError for input that does not parse, and FixError
    (nothing changed) when the result would not parse or would still have fixable findings.

    ``only``: fix just the finding at that span. ``findings``: this text's selected, noqa-filtered
    findings when the caller has them already (analyzed with the same ``target_torch``).
    ``applicability``: apply fixes up to it: ``SAFE`` (``check --fix``) or ``UNSAFE``
    (``--unsafe-fixes``, and ``adamw-lint fix``); display-only fixes never are.
    ``target_torch``: the oldest torch the fixed code must run on (``project.torch_floor``).
    ``path``: the file's path (a package ``__init__.py`` keeps its module-level imports).
    ``line_length``: the project's (``project.line_length``); a rewritten line that would pass it
    is broken as black would.
    ``decay_values``: a runtime calibration (``DecayValues.load``); the rewritten calls it measured
    (matched by ``path`` and line) get λ′ instead of λ, the others keep λ."""
    from .analysis import analyze_source

    selection = selection or Selection()
    if findings is None:
        found = analyze_source(source, style, target_torch=target_torch, path=path)
        findings = selection.filter(without_noqa(found, source))
    if not any(f.fix and f.fix.applies_at(applicability) for f in findings):
        return FixResult(source, [], findings)
    applied = [f for f in findings if f.fix and f.fix.applies_at(applicability) and (only is None or f.span == only)]
    new_source = _renamed(source, applied, line_length) if decay_values is None else None
    notes: List[str] = []
    if new_source is None:
        from .fix import transform

        new_source, applied, notes = transform(source, findings, style=style, selection=selection, only=only,
                                               applicability=applicability, target_torch=target_torch, path=path,
                                               line_length=line_length, decay_values=decay_values)
    try:
        ast.parse(new_source)
    except SyntaxError as error:
        raise FixError(f"the fixed code would not parse ({error.msg}); nothing was changed") from None
    found = analyze_source(new_source, style, target_torch=target_torch, path=path)
    after = selection.filter(without_noqa(found, new_source))
    unfixed = [f for f in after if f.fix and f.fix.applies_at(applicability)] if only is None else []
    if unfixed:
        where = ", ".join(f"line {f.line} ({f.code})" for f in unfixed)
        raise FixError(f"a fix did not apply cleanly at {where}; nothing was changed")
    return FixResult(new_source, applied, after, notes)


def apply_replacements(source: str, replacements: Sequence[Replacement]) -> str:
    """``source`` with non-overlapping replacements applied (what a SARIF consumer does)."""
    for offset, length, text in sorted(replacements, reverse=True):
        source = source[:offset] + text + source[offset + length:]
    return source


__all__ = ("FixError", "FixResult", "Replacement", "apply_replacements", "fix_each", "fix_source")

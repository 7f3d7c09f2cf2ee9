"""Fixes that replace one name by another, done on the text as the libcst fixer (``fix``) does
them; fixes that add or drop an argument are ``textcall``'s, and the rest go to libcst.

Most fixes are a rename (``torch.optim.Adam`` → ``torch.optim.AdamW``, ``"adam"`` → ``"adamw"``,
``False`` → ``True``): one token replaced by another, with no import added or removed, or with
the import of a name imported by name changed (``from torch.optim import Adam``: ``_Swap``). The
libcst fixer writes exactly the new token there, and moves only what the text can tell too:
the continuation lines of a call whose arguments are aligned with its bracket move with it
(``continuation_moves``); a line the rename takes past the line length is broken as black
would, unless it was already too long, and that case alone is left to libcst. So a file whose
fixes are all renames never imports libcst (~0.3 s) nor parses with it (the position table
alone is half of a fix's cost), and the result is the libcst fixer's, which
``tests/test_speed_renames.py`` checks on every fixture, catalog example and a set of layouts
built to tell them apart (some found by a differential fuzz: arguments in parentheses, ``match``
blocks, form feeds). The reading of the text and its layout rules (``SourceText``, ``fits``, …)
are shared with ``textcall``.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from .catalog.schema import UNSAFE
from .decay_values import DecayValues
from .files import physical_lines
from .findings import Edit, Finding, Span
from .noqa import without_noqa
from .project import DEFAULT_LINE_LENGTH
from .records import Record
from .selection import Selection

Version = Tuple[int, int]
Replacement = Tuple[int, int, str]  # 0-based character offset into the source, characters deleted, text inserted

# a dotted name (True, Adam, torch.optim.Adam) or a plain string literal: what libcst writes back as given
_TOKEN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|\"[^\"\\\r\n]*\"|'[^'\\\r\n]*'", re.ASCII)
_NAME_CHAR = re.compile(r"[\w.]")
_IMPORT_HEAD = re.compile(r"[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+")  # as written (a block's, indented), up to the names
_BLACK_ITEM = re.compile(r"[ \t]+\w+,")  # a name and its comma, alone on a line of a bracketed import
_ALIASES = re.compile(r"(\w+)(\W*)")  # a name of ``_NAMES_ALONE`` and its comma (or the line's end)
_NAMES_ALONE = re.compile(r"\w+(?:[ \t]*,[ \t]*\w+)*[ \t]*")  # ``a, b``: an import's names, nothing else
# one string literal, as libcst's docstring (a ``SimpleString``): not two written side by side
_ONE_STRING = re.compile(r"""[rRbBuU]{0,2}(?:"{3}(?:[^"\\]|\\[\s\S]|"(?!""))*"{3}|'{3}(?:[^'\\]|\\[\s\S]|'(?!''))*'{3}"""
                         r"""|"(?:[^"\\\r\n]|\\[\s\S])*"|'(?:[^'\\\r\n]|\\[\s\S])*')""")
_HANGING = re.compile(r"\s*\([ \t]*(?:#[^\r\n]*)?\r?\n?")  # the bracket ends its line (comments aside)
CALL_BRACKET = re.compile(r"[ \t]*\(")  # the call's bracket right after its callee

_TYPING_CALLS = {"cast", "TypeVar", "NewType", "NamedTuple", "TypedDict", "ForwardRef", "TypeAliasType"}

# libcst's parser overflows the C stack on a long and/or chain (``fix.parse_module`` refuses such
# files); a file that might hold one goes to libcst, which reports it as before
CST_CHAIN_LIMIT = 3000
_CHAIN_WORD = re.compile(r"\b(?:and|or)\b")


class FixError(Exception):
    """The fixed text was not written: it would not parse, or still has fixable findings."""


class FixResult(Record):
    source: str  # the fixed text (the input when nothing changed)
    fixed: List[Finding]  # findings whose fix was applied
    remaining: List[Finding]  # findings left (no fix, or one not applied)
    # calibrated calls (``decay_values``) whose weight decay was kept, and why: "path:line: ..."
    decay_notes: List[str]

    @property
    def changed(self) -> bool:
        return bool(self.fixed)

    def held_back(self, applicability: str) -> List[Finding]:
        """Remaining findings whose fix exists but was not applied at ``applicability``
        (the summary's "N fixes available with --unsafe-fixes")."""
        return [f for f in self.remaining if f.fix is not None and not f.fix.applies_at(applicability)]


class SourceText:
    """A module's text and its lines; parsed once, when first asked: its calls by the lines their
    callee covers, the names it uses and where a string may be a type."""

    def __init__(self, source: str, tree: Optional[ast.AST] = None) -> None:
        self.source = source
        self.lines = physical_lines(source)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self._tree = tree
        self._calls: Dict[Tuple[int, ...], Dict[int, List[ast.Call]]] = {}  # ids of module-level statements → their calls by line
        self._firsts: Optional[List[int]] = None  # the first line of each module-level statement
        self._walked: Optional[Tuple[Counter, Counter, List[ast.stmt]]] = None  # ``_walk``
        self._typed: Optional[List[ast.AST]] = None
        self._statement_lines: Optional[List[List[ast.stmt]]] = None
        self._containers: Optional[Dict[Span, ast.expr]] = None
        self._holders: Dict[Tuple[int, int], List[ast.stmt]] = {}  # by line range: asked for once per rule
        # a lone carriage return ends a line for Python but not for the fixer's measure of lengths
        self.lone_cr = source.count("\r") != source.count("\r\n")

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    @property
    def tree(self) -> ast.Module:
        if self._tree is None:
            self._tree = ast.parse(self.source)
        return self._tree  # type: ignore[return-value]

    def _walk(self) -> Tuple[Counter, Counter, List[ast.stmt]]:
        """One walk of the module, for all its findings: every use of each name, its stores, and
        the import statements."""
        if self._walked is None:
            uses: Counter = Counter()
            stores: Counter = Counter()
            imports: List[ast.stmt] = []
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Name):
                    uses[node.id] += 1
                    if isinstance(node.ctx, ast.Store):
                        stores[node.id] += 1
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    imports.append(node)
            self._walked = (uses, stores, imports)
        return self._walked

    def names(self) -> Counter:
        """How often each name is used (``ast.Name``), as ``fix._Singles.uses`` counts."""
        return self._walk()[0]

    def stores(self) -> Counter:
        """How often each name is assigned (``ast.Name`` stored), as ``fix._Singles.stores`` counts."""
        return self._walk()[1]

    def imports(self) -> List[ast.stmt]:
        """The module's import statements, anywhere, in ``ast.walk``'s order."""
        return self._walk()[2]

    def rebound(self, name: str) -> bool:
        """Whether ``name`` is assigned besides its uses (``except ImportError: AdamW = None``):
        whether its import is still used then, the fixer leaves to libcst's scopes
        (``fix._Singles._removes``), and so does the text."""
        return 1 < self.names()[name] <= 1 + self.stores()[name]

    def statement_lines(self) -> List[List[ast.stmt]]:
        """The module's statements as libcst counts them: those on one logical line (after a
        semicolon, a backslash continuation between them or not) are one."""
        if self._statement_lines is None:
            lines: List[List[ast.stmt]] = []
            for node in self.tree.body:
                if lines:
                    last = lines[-1][-1]
                    gap = self.source[self.offset(last.end_lineno, self.column(last.end_lineno, last.end_col_offset)):  # type: ignore[arg-type]
                                      self.offset(node.lineno, self.column(node.lineno, node.col_offset))]
                    if not re.search(r"[\r\n]", re.sub(r"\\(?:\r\n?|\n)", "", gap)):
                        lines[-1].append(node)
                        continue
                lines.append([node])
            self._statement_lines = lines
        return self._statement_lines

    def typed(self) -> List[ast.AST]:
        """The nodes where a string may be read as a type: annotations, subscripts, the
        arguments of typing's calls (``cast``, ``TypeVar``, ...)."""
        if self._typed is not None:
            return self._typed
        roots: List[ast.AST] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.arg) and node.annotation is not None:
                roots.append(node.annotation)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
                roots.append(node.returns)
            elif isinstance(node, ast.AnnAssign):
                roots.append(node.annotation)
            elif isinstance(node, ast.Subscript):
                roots.append(node.slice)
            elif isinstance(node, ast.Call) and _callee_name(node) in _TYPING_CALLS:
                roots += [*node.args, *(k.value for k in node.keywords)]
        self._typed = [inner for root in roots for inner in ast.walk(root)]
        return self._typed

    def calls_around(self, line: int) -> List[ast.Call]:
        """The calls whose callee has a part on ``line``, in ``ast.walk``'s order over the module.
        Only the module-level statements that hold the line are walked, each once (walking the
        whole module for every file with a finding was most of SARIF's fix planning over large
        files); several on one line (``a = f(); b = g()``) are walked together, breadth first as
        the module's walk meets them, so the calls come in its order."""
        holding = self._module_statements(line)
        key = tuple(map(id, holding))
        calls = self._calls.get(key)
        if calls is None:
            calls = self._calls[key] = {}
            for node in ast.walk(ast.Module(body=holding, type_ignores=[])):
                if isinstance(node, ast.Call):
                    for number in range(node.func.lineno, (node.func.end_lineno or node.func.lineno) + 1):
                        calls.setdefault(number, []).append(node)
        return calls.get(line, [])

    def _module_statements(self, line: int) -> List[ast.stmt]:
        """The module-level statements that hold ``line`` (a decorator's lines are its
        function's), in order: more than one only where they share it (``a = f(); b = g()``).
        Found by bisection: they are in order and never overlap."""
        if self._firsts is None:
            self._firsts = [_first_line(s) for s in self.tree.body]
        last = bisect.bisect_right(self._firsts, line)
        first = last
        while first > 0 and self.tree.body[first - 1].end_lineno >= line:  # type: ignore[operator]
            first -= 1
        return self.tree.body[first:last]

    def holders(self, line: int, end_line: int) -> List[ast.stmt]:
        """The statements holding lines ``line`` to ``end_line``, outermost first (a decorator's
        lines are its function's)."""
        found = self._holders.get((line, end_line))
        if found is not None:
            return found
        body: Sequence[ast.AST] = self._module_statements(line)
        found = self._holders[line, end_line] = []
        while True:
            inner = next((s for s in body if isinstance(s, ast.stmt)
                          and _first_line(s) <= line and end_line <= s.end_lineno), None)  # type: ignore[operator]
            if inner is None:
                return found
            found.append(inner)
            body = [child for field in ("body", "orelse", "finalbody", "handlers", "cases")
                    for nested in getattr(inner, field, ()) or ()
                    for child in ((nested,) if isinstance(nested, ast.stmt) else getattr(nested, "body", ()))]

    def in_match(self, line: int) -> bool:
        """Whether ``line`` is inside a ``match`` statement: the fixer's block indentation leaves
        out the ``match`` block's own (it counts indented blocks only), so its columns there are
        not the text's."""
        return any(isinstance(holder, ast.Match) for holder in self.holders(line, line))

    def block_indent(self, line: int) -> str:
        """The indentation of the block whose statement holds ``line``: the leading whitespace of
        that statement's first line."""
        holders = self.holders(line, line)
        if not holders:
            return ""
        written = self.lines[_first_line(holders[-1]) - 1]
        return written[:len(written) - len(written.lstrip(" \t\f"))]

    def node_at(self, span: Span) -> Optional[ast.expr]:
        """The call or dict written at ``span`` (character columns)."""
        if self._containers is None:
            self._containers = {}
            for node in ast.walk(self.tree):
                if isinstance(node, (ast.Call, ast.Dict)):
                    where = (node.lineno, self.column(node.lineno, node.col_offset),
                             node.end_lineno, self.column(node.end_lineno, node.end_col_offset))  # type: ignore[arg-type]
                    self._containers[where] = node  # type: ignore[index]
        return self._containers.get(span)

    def column(self, line: int, byte_offset: int) -> int:
        """A character column from ``ast``'s UTF-8 byte offset."""
        text = self.lines[line - 1]
        return byte_offset if text.isascii() else len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))


def _first_line(statement: ast.stmt) -> int:
    return min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])


def _callee_name(call: ast.Call) -> str:
    """``cast`` of ``cast(...)`` and of ``typing.cast(...)``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


class Rename(Record):
    span: Span  # of the token replaced (on one line)
    text: str  # what replaces it


def _rename(text: SourceText, finding: Finding, imports: bool = False) -> Optional[Rename]:
    """The token replaced, when the finding's fix is that alone (``imports``: besides the imports
    it adds and removes)."""
    fix = finding.fix
    if fix is None or finding.cell is not None or len(fix.edits) != 1 or text.lone_cr \
            or (not imports and (fix.add_imports or fix.remove_imports)):
        return None
    edit = fix.edits[0]
    return Rename(edit.span, edit.text) if token_edit(text, edit) else None


def token_edit(text: SourceText, edit: Edit) -> bool:
    """Whether ``edit`` replaces one whole token (a dotted name, a plain string) by another: what
    the libcst fixer writes back exactly as given (``fix._replaced``)."""
    line, column, end_line, end_column = edit.span
    if edit.kind != "replace" or line != end_line or not 0 < line <= len(text.lines) \
            or not _TOKEN.fullmatch(edit.text):
        return False
    written = text.lines[line - 1]
    return bool(_TOKEN.fullmatch(written[column:end_column])) \
        and not _NAME_CHAR.match(written[end_column:end_column + 1]) \
        and not (column > 0 and _NAME_CHAR.match(written[column - 1]))  # else not a whole token as the analysis saw it


def _line_after(text: SourceText, renames: Sequence[Rename], line: int) -> str:
    """Physical line ``line`` with the renames on it applied."""
    written = text.lines[line - 1]
    for rename in sorted((r for r in renames if r.span[0] == line), key=lambda r: r.span[1], reverse=True):
        written = written[:rename.span[1]] + rename.text + written[rename.span[3]:]
    return written


def fits(new_line: str, line_length: int) -> bool:
    """Whether a rewritten line keeps libcst's fixer from breaking it: within ``line_length``.
    The fixer counts a CRLF line's carriage return when the line is inside a statement (its
    ``formatting.too_long`` splits lines at the newline), so that line must be one shorter."""
    return len(new_line.rstrip("\r\n")) + new_line.endswith("\r\n") <= line_length


def was_too_long(text: SourceText, line: int, line_length: int) -> bool:
    """Whether line ``line`` was over ``line_length`` before the fix, by any measure the fixer may
    use: then every statement or element holding it already was, and the fixer breaks none of
    them (``AdamWCodemod._split`` leaves a line as long as it was). The fixer measures a
    continuation line without the block's indentation (``code_for_node`` writes none), so that
    is left out here too; a statement's first line it measures from the block's indentation
    (``_fit``: the whole line), and an element on that line is not alone on it (``_fit_element``
    leaves it)."""
    if text.in_match(line):
        return False
    written = text.lines[line - 1]
    holders = text.holders(line, line)
    first = bool(holders) and _first_line(holders[-1]) == line
    return len(written.rstrip("\r\n")) - (0 if first else len(text.block_indent(line))) > line_length


def _short_enough(text: SourceText, line: int, changed: Sequence[str], line_length: int) -> bool:
    """Whether the fixer leaves the lines a rename on ``line`` changes as they are: each within the
    line length, or the token's line was already over it."""
    return all(fits(new, line_length) for new in changed) or was_too_long(text, line, line_length)


def needs_layout(source: str, edit: Replacement, line_length: int) -> bool:
    """Whether a node's new text may move other lines or leave its line over the line length:
    then the libcst fixer regenerates the statement (``fix._Singles``), and reports its lines."""
    offset, length, new = edit
    if "\n" in source[offset:offset + length] or "\n" in new:
        return True
    start = source.rfind("\n", 0, offset) + 1
    end = source.find("\n", offset + length)
    line = source[start:offset] + new + source[offset + length:len(source) if end < 0 else end]
    return len(line.rstrip("\r")) > line_length


def statement_changes(text: SourceText, span: Span, edits: Sequence[Replacement], extra: Sequence[Replacement] = ()
                       ) -> Optional[List[Replacement]]:
    """The lines ``edits`` change, as ``fix._Singles._local`` reports a fix it regenerates: the
    line-level differences of the statement holding ``span`` (of the module, for a decorated one,
    which the fixer regenerates whole), joined with ``extra`` (an import's change); None where an
    edit lies outside that statement."""
    holders = text.holders(span[0], span[2])
    if not holders:
        return None
    statement = holders[-1]
    source = text.source
    if getattr(statement, "decorator_list", None):
        begin, end = 0, len(source)
        edits, extra = [*edits, *extra], ()
    else:
        begin, end = text.starts[statement.lineno - 1], text.starts[statement.end_lineno]  # type: ignore[index]
    if any(offset < begin or offset + length > end for offset, length, _ in edits):
        return None
    new = source[begin:end]
    for offset, length, replacement in sorted(edits, reverse=True):
        new = new[:offset - begin] + replacement + new[offset - begin + length:]
    return _joined(sorted([*((begin + o, n, t) for o, n, t in replacements(source[begin:end], new)), *extra]))


def _laid_out(text: SourceText, rename: Rename, line_length: int) -> Optional[Dict[int, str]]:
    """The lines a rename rewrites, as the fixer writes them: the token's line with the new name,
    and the continuation lines it moves with the bracket (``continuation_moves``); None where the
    text cannot tell what libcst would do, or where a changed line would pass the line length the
    old line kept (the fixer breaks the statement as black would)."""
    line = rename.span[0]
    moved = continuation_moves(text, rename)
    if moved is None:
        return None
    lines = {**moved, line: _line_after(text, [rename], line)}
    return lines if _short_enough(text, line, list(lines.values()), line_length) else None


def continuation_moves(text: SourceText, rename: Rename) -> Optional[Dict[int, str]]:
    """The continuation lines ``formatting.shift_continuations`` moves when the token is on the
    last line of a call's callee and the call's arguments are aligned with its bracket over
    several lines (a hanging call moves nothing): each line that starts right of the first
    argument, in spaces after the block's indentation, moves by the change in the token's length.
    {line: new text}; None where the text cannot say as libcst would (a string or a backslash
    over lines, the bracket not right after the callee, a shorter name, two such calls)."""
    line, column, _, end_column = rename.span
    holders = [call for call in text.calls_around(line) if call.lineno != call.end_lineno
               and _covers(text, call.func, line, column, end_column)]
    if len(holders) > 1:
        return None
    if not holders or holders[0].func.end_lineno != line:
        return {}
    call = holders[0]
    callee_end = text.column(line, call.func.end_col_offset)  # type: ignore[arg-type]
    after = text.lines[line - 1][callee_end:]
    if _HANGING.fullmatch(after):
        return {}
    arguments = sorted([*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset))
    delta = len(rename.text) - (end_column - column)
    if not arguments or delta == 0:
        return {}
    first = arguments[0]
    first_column = text.column(first.lineno, first.col_offset)
    opens = CALL_BRACKET.match(after)
    if delta < 0 or not opens or first.lineno != line or isinstance(first, ast.GeneratorExp) \
            or text.lines[line - 1][callee_end + opens.end():first_column].strip(" \t") \
            or any(text.lines[n - 1].rstrip("\r\n").endswith("\\") for n in range(line, call.end_lineno + 1)) \
            or any(isinstance(n, (ast.Constant, ast.JoinedStr)) and n.lineno != n.end_lineno for n in ast.walk(call)):
        return None  # a first argument in parentheses starts, for libcst, at the bracket before it
    if text.in_match(line):
        return None
    block = text.block_indent(call.lineno)
    moved = {}
    for number in range(line + 1, call.end_lineno + 1):  # type: ignore[operator]
        written = text.lines[number - 1]
        leading = written[:len(written) - len(written.lstrip(" \t"))]
        spaces = leading[len(block):] if leading.startswith(block) else leading
        if written[len(leading):] in ("", "\n", "\r\n") or len(leading) < first_column or spaces.strip(" "):
            continue  # a blank line, left of the first argument, or a tab in the alignment: kept
        moved[number] = leading[:len(leading) - len(spaces)] + " " * (len(spaces) + delta) + written[len(leading):]
    return moved


def _covers(text: SourceText, node: ast.expr, line: int, column: int, end_column: int) -> bool:
    """Whether ``node`` holds the token at ``line``, ``column`` to ``end_column``."""
    start = (node.lineno, text.column(node.lineno, node.col_offset))
    end = (node.end_lineno, text.column(node.end_lineno, node.end_col_offset))  # type: ignore[arg-type]
    return start <= (line, column) and (line, end_column) <= end


def _chain_risk(source: str) -> bool:
    return len(_CHAIN_WORD.findall(source)) >= CST_CHAIN_LIMIT


def fix_each(source: str, findings: Sequence[Finding], *, path: Optional[str] = None,
             line_length: int = DEFAULT_LINE_LENGTH, tree: Optional[ast.AST] = None) -> Dict[Span, List[Replacement]]:
    """Each fixable finding's own fix, as if it were the only one applied (SARIF's per-result
    fixes), keyed by the finding's span: those the text can make as libcst would here and in
    ``textcall``, the others by ``fix.fix_each_cst`` (none where libcst cannot parse the file).
    ``tree``: ``source`` parsed, when the caller has it."""
    wanted = [f for f in findings if f.fix is not None and f.cell is None]
    if not wanted:
        return {}
    text = SourceText(source, tree)
    own: Dict[int, List[Replacement]] = {}
    if not _chain_risk(source) and "\f" not in source:  # a form feed: libcst's columns are not ast's
        for index, finding in enumerate(wanted):
            replacement = _each(text, finding, line_length, path)
            if replacement is not None:
                own[index] = replacement
    others: Dict[Span, List[Replacement]] = {}
    rest = [f for i, f in enumerate(wanted) if i not in own]
    if rest:
        from .fix import fix_each_cst

        others = fix_each_cst(source, rest, path=path, line_length=line_length)  # {} where libcst cannot parse
    return {f.span: own[i] if i in own else others[f.span] for i, f in enumerate(wanted)
            if i in own or f.span in others}


def _each(text: SourceText, finding: Finding, line_length: int, path: Optional[str] = None
          ) -> Optional[List[Replacement]]:
    """A rename's own fix as the libcst fixer gives it (``fix._Singles``): the token's replacement
    for a finding on one line that stays within the line length, else the lines that changed (it
    fixes such a finding statement by statement, and reports the lines that changed); with the
    change of the import line, for a rename of an imported name (``_Swap``). Where the import goes
    with the call in the module's head, the fixer rewrites the whole module, and so does this.
    A fix that only says what to do (a public class's, display-only) changes nothing."""
    fix = finding.fix
    if fix is not None and not fix.edits and not fix.add_imports and not fix.remove_imports:
        return []
    plain = _rename(text, finding)
    rename = plain or _rename(text, finding, imports=True)
    if rename is None:  # edits inside brackets, or more than one: textcall's
        from .textcall import each

        return each(text, finding, line_length, path)
    swap = None if plain else _swap(text, finding, rename)
    if swap is None and not plain:
        return None
    line, column, _, end_column = rename.span
    change = _import_change(text, swap, line, path, _module_added(finding)) if swap is not None else ([], False, False)
    if change is None:
        return None
    imports, removed, whole = change
    if whole:
        renamed = _renamed(text.source, [finding], line_length, path, text)
        return None if renamed is None else replacements(text.source, renamed)
    token = (text.offset(line, column), end_column - column, rename.text)
    if finding.span[0] == finding.span[2] and not removed and not needs_layout(text.source, token, line_length):
        return sorted([token, *imports])
    lines = _laid_out(text, rename, line_length)
    if lines is None:
        return None
    return statement_changes(text, finding.span, [(text.starts[n - 1], len(text.lines[n - 1]), new)
                                                   for n, new in lines.items()], imports)


class _Swap(Record):
    """A fix that renames ``old`` to ``new``, both imported by name from ``module``: it adds
    ``from module import new`` and removes ``from module import old`` where no longer used. libcst's
    import visitors put a new name first in the module's import (``AddImportsVisitor``: ``new,
    old``; none when it is there already), and then take the old one out if unused, with its own
    comma, or with the comma before it when it was last (``RemoveImportsVisitor``), or the whole
    statement when it was alone and no blank or comment line is above it. Only for one import
    (``_swap``): where a name is added at the top, the module's only import, among the leading
    imports, and no other import of either name; else the old name's only import, at the top
    level or (``local``) a block's own, which the new name is joined to or which keeps another
    name once the old one goes. It is written ``from module import a, b`` on one line (names
    alone: no comment or backslash), or at the top level as black writes it in brackets, a name
    and its comma on each line (then only where no name is added); no name twice, no alias
    (``as``), the old one not assigned elsewhere."""

    line: int  # the import's first line
    end: int  # its last line
    module: str
    old: str
    new: Optional[str]  # None: the fix adds no import (``torch.optim.AdamW`` where ``torch`` is)
    local: bool = False  # a function's (a block's) own import: the fixer joins a new name to it last
    # (``AdamWCodemod._join_import``) and takes the old one out of it alone (``fix._Singles._inside``)

    def changes(self, text: SourceText, keep: bool) -> List[Replacement]:
        """The lines of the import that change, as the fixer reports them."""
        begin, stop = text.starts[self.line - 1], text.starts[self.end]
        return [(begin + o, n, t) for o, n, t in replacements(text.source[begin:stop], self.rewritten(text, keep))]

    def rewritten(self, text: SourceText, keep: bool) -> str:
        """The import's lines after the fix."""
        written = text.lines[self.line - 1:self.end]
        if len(written) > 1:
            return "".join(written) if keep else _unbracketed(written, self.old)
        line = written[0]
        ending = line[len(line.rstrip("\r\n")):]
        head = _IMPORT_HEAD.match(line).group()  # type: ignore[union-attr]  (``_swap``)
        # each name and its comma as written (None: none, the last's, or one libcst made)
        aliases: List[List[Optional[str]]] = [[name, after] for name, after in _ALIASES.findall(
            line[len(head):len(line) - len(ending)])]
        trailing, aliases[-1][1] = aliases[-1][1], None  # the statement's, after its last name
        if self.new is not None and self.new not in (name for name, _ in aliases):
            if self.local:  # joined to a block's own import, last (``formatting.append_arg``)
                aliases[-1][1] = aliases[-2][1] if len(aliases) > 1 else ", "
                aliases.append([self.new, None])
            else:
                aliases.insert(0, [self.new, None])
        if not keep:
            index = [name for name, _ in aliases].index(self.old)
            _, comma = aliases.pop(index)
            if not aliases:
                return ""  # the whole statement (``_swap``)
            if comma is not None and index and aliases[index - 1][1] is None:
                aliases[index - 1][1] = comma  # a name libcst made takes the removed one's comma
            if index == len(aliases):
                aliases[-1][1] = None
        names = "".join(f"{name}{comma if comma is not None else ', ' if i < len(aliases) - 1 else ''}"
                        for i, (name, comma) in enumerate(aliases))
        return f"{head}{names}{trailing}{ending}"


def _unbracketed(written: List[str], old: str) -> str:
    """A bracketed import as black writes it (``from m import (``, a name and its comma on each
    line, ``)``) without ``old``: its line goes; when it was last, the name before it takes the
    bracket (libcst drops that name's comma and the line break after it); when alone, the whole
    statement goes."""
    first, items, last = written[0], written[1:-1], written[-1]
    index = [item.strip().rstrip(",") for item in items].index(old)
    if len(items) == 1:
        return ""
    if index < len(items) - 1:
        return first + "".join(items[:index] + items[index + 1:]) + last
    before = items[index - 1].rstrip("\r\n")
    return first + "".join(items[:index - 1]) + before[:-1] + last


def _swap(text: SourceText, finding: Finding, rename: Rename) -> Optional[_Swap]:
    fix = finding.fix
    assert fix is not None
    named = () if _module_added(finding) else tuple(added[:2] for added in fix.add_imports)  # ``import torch``: ``_added_import``'s
    where = fix.add_imports[0][2] if named and len(fix.add_imports[0]) == 3 else None  # next to a block's own import
    if len(named) > 1 or len(fix.remove_imports) != 1:
        return None
    gone, old, asname = fix.remove_imports[0]
    module, new = named[0] if named else (gone, None)  # ``torch.optim.AdamW``: no name imported
    if gone != module or asname is not None or new not in (None, rename.text) or old is None \
            or text.lines[rename.span[0] - 1][rename.span[1]:rename.span[3]] != old:
        return None
    imports = text.imports()
    found = [node for node in imports if any(old in (a.name, a.asname) for a in node.names)] \
        if new is None or where is not None else [node for node in imports if getattr(node, "module", None) == module
                                                  or any(a.name in (module, old, new) for a in node.names)]
    statement = found[0] if len(found) == 1 else None  # only the old name's when none is added at the top
    local = statement is not None and statement not in text.tree.body
    if statement is None or getattr(statement, "module", None) != module or statement.level \
            or (where is not None) != (local and new is not None) or where is not None \
            and (statement.lineno, text.column(statement.lineno, statement.col_offset)) != tuple(where) \
            or new is not None and not local and statement not in _leading_imports(text) \
            or not local and "__all__" in text.source:  # type: ignore[attr-defined]
        return None  # a name is added next to a block's own import, or to one among the leading ones
        # (``_leading_imports``); ``__all__`` may keep a top-level name
    aliases = statement.names
    names = [a.name for a in aliases]
    if any(a.asname is not None for a in aliases) or len(set(names)) < len(names) or text.rebound(old):
        return None  # a name twice: libcst takes out both; bound again: only the module's scopes tell
    written = [line.rstrip("\r\n") for line in text.lines[statement.lineno - 1:statement.end_lineno]]  # type: ignore[misc]
    head = _IMPORT_HEAD.match(written[0])
    if head is None:
        return None
    if local and (len(written) > 1 or new is None and len(aliases) == 1 or not text.source.endswith("\n")):
        return None  # the fixer takes a name out of a block's own import that keeps another, on one line here;
        # without a final newline it rewrites the module, whose scopes say which imports are used
    if len(written) == 1:
        listed = written[0][head.end():]
        if not _NAMES_ALONE.fullmatch(listed) or [name for name, _ in _ALIASES.findall(listed)] != names:
            return None
    elif new not in (None, *names) or written[0] != f"{head.group()}(" or written[-1] != ")" \
            or [_BLACK_ITEM.fullmatch(line) and line.strip()[:-1] for line in written[1:-1]] != names \
            or len({line[:len(line) - len(line.lstrip())] for line in written[1:-1]}) != 1:
        return None
    if new is None and len(aliases) == 1 and statement.lineno > 1 and not _code(text.lines[statement.lineno - 2]):
        return None  # removed, the statement goes with the blank and comment lines above it (libcst's)
    return _Swap(statement.lineno, statement.end_lineno, module, old, new, local)


def _code(line: str) -> bool:
    """Whether a line holds code: neither blank nor only a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _import_change(text: SourceText, swap: Optional[_Swap], line: int, path: Optional[str],
                   module: Optional[str] = None) -> Optional[Tuple[List[Replacement], bool, bool]]:
    """The import lines a fix of the call on ``line`` changes (``swap``: the old name's import;
    ``module``: one it imports, ``import torch``); whether the fixer reports the changed lines of
    the statements (it removes the old name's import: the call was its last use, and a package's
    ``__init__`` keeps its imports, its API; or it joins a name to a block's own import); and
    whether it then rewrites the whole module (a top-level import removed for a call among the
    module's first statements: it reports the module's changed lines). None where libcst's
    scopes decide (the old name still written in a string), or the text cannot place the new
    import."""
    added = [] if module is None else [_added_import(text, module)]
    if None in added:
        return None
    if swap is None:
        changes, removed = [], False
    elif text.names()[swap.old] > 1 or _package_init(path):
        changes, removed = swap.changes(text, keep=True), False
    elif _written_elsewhere(text, swap) if not swap.local else \
            len(re.findall(rf"\b{swap.old}\b", text.source)) != text.names()[swap.old] + 1:
        return None  # a block's own import: the name written anywhere else (``fix._Singles._inside``)
    else:
        changes, removed = swap.changes(text, keep=False), True
    head_end = _head_end(text)
    if added:  # the fixer's head, changed by its import visitors, against the head as written
        head = text.source[:text.starts[head_end]]
        changes = replacements(head, apply_replacements(head, [*changes, *added]))  # type: ignore[list-item]
    whole = removed and not swap.local and line <= head_end  # type: ignore[union-attr]
    return changes, removed or swap is not None and swap.local and swap.new is not None, whole


def import_changes(text: SourceText, finding: Finding, path: Optional[str] = None
                   ) -> Optional[Tuple[List[Replacement], bool, bool]]:
    """``_import_change`` for a fix whose edits are inside the call (``textcall``): the old name's
    import removed (``transformers.AdamW`` → ``torch.optim.AdamW``) where the call was its last
    use, ``import torch`` added where it is not imported. None where the text cannot say what
    libcst does: another import added, the name imported otherwise or assigned again
    (``_swap``), or still written in a string."""
    fix = finding.fix
    assert fix is not None
    module = _module_added(finding)
    if fix.add_imports and module is None:
        return None
    swap = None
    if fix.remove_imports:
        swap = next((found for edit in fix.edits if edit.kind == "replace" and token_edit(text, edit)
                     for found in [_swap(text, finding, Rename(edit.span, edit.text))] if found is not None), None)
        if swap is None or swap.new is not None:
            return None
    return _import_change(text, swap, finding.span[0], path, module)


def _module_added(finding: Finding) -> Optional[str]:
    """The module a fix imports as a whole, when that is the one import it adds (``import
    torch``, for ``torch.optim.AdamW`` where the name ``AdamW`` is taken)."""
    added = finding.fix.add_imports if finding.fix is not None else ()
    return added[0][0] if len(added) == 1 and len(added[0]) == 2 and added[0][1] is None else None


def _added_import(text: SourceText, module: str) -> Optional[Replacement]:
    """``import module`` placed as AddImportsVisitor places it: after the module's leading imports
    (those before any statement but a docstring, each alone on its line), with a blank line before
    the statement that follows unless its first line above is one. None where the text cannot say
    as libcst would: no leading import (``_leading_imports``) or no statement after them, or
    ``import module`` written already anywhere (AddImportsVisitor looks at the leading imports only)."""
    if any(isinstance(node, ast.Import) and any(module in (a.name, a.asname) or a.name.startswith(module + ".")
                                                for a in node.names) for node in text.imports()):
        return None
    leading, body = _leading_imports(text), text.tree.body
    following = body.index(leading[-1]) + 1 if leading else len(body)
    if following == len(body):
        return None
    end = leading[-1].end_lineno
    between = text.lines[end:_first_line(body[following]) - 1]  # type: ignore[misc]
    if any(_code(line) for line in between):
        return None
    newline = newline_of(text.source)
    blank = not between or between[0].strip().startswith("#")  # libcst's ``_insert_empty_line``
    return text.starts[end], 0, f"import {module}{newline}{newline if blank else ''}"  # type: ignore[index]


def _leading_imports(text: SourceText) -> List[ast.stmt]:
    """The module's leading imports as libcst's import visitors see them
    (``_GatherTopImportsBeforeStatements``): the imports before any other statement, each alone
    on its line, after a docstring (a string written in one part, libcst's ``SimpleString``).
    None are, for the text, where the first statement is ``__strict__ = …`` (libcst skips it too:
    the text does not follow it so far) or a string written in parts or in brackets (no
    docstring for libcst: its imports are placed at the very top)."""
    lines = text.statement_lines()
    first = 0
    if lines and len(lines[0]) == 1 and isinstance(lines[0][0], ast.Expr) \
            and isinstance(lines[0][0].value, ast.Constant) and isinstance(lines[0][0].value.value, (str, bytes)):
        value = lines[0][0].value
        begin = text.offset(value.lineno, text.column(value.lineno, value.col_offset))
        end = text.offset(value.end_lineno, text.column(value.end_lineno, value.end_col_offset))  # type: ignore[arg-type]
        if (lines[0][0].lineno, lines[0][0].col_offset) != (value.lineno, value.col_offset) \
                or not _ONE_STRING.fullmatch(text.source, begin, end):
            return []
        first = 1
    elif lines and isinstance(lines[0][0], ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__strict__" for t in lines[0][0].targets):
        return []
    leading = []
    for line in lines[first:]:
        if len(line) != 1 or not isinstance(line[0], (ast.Import, ast.ImportFrom)):
            break
        leading.append(line[0])
    return leading


def newline_of(source: str) -> str:
    """The module's newline as libcst detects it: the first one written."""
    match = re.search(r"\r\n?|\n", source)
    return match.group(0) if match else "\n"


def _written_elsewhere(text: SourceText, swap: _Swap) -> bool:
    """Whether the old name is written in a string that libcst's scope analysis may read as a
    type (``ast`` counts no use there): in an annotation, a subscript or a typing call. A help
    text, a docstring or a comment is no use to either."""
    word = re.compile(rf"\b{swap.old}\b")
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str) and word.search(node.value)
               for node in text.typed())


def _head_end(text: SourceText) -> int:
    """The last line of ``fix._Singles._head``: the statement after the last top-level import,
    counted as libcst counts statements (``a = 1; import b`` is one line, an import line)."""
    lines = text.statement_lines()
    last = max((i for i, line in enumerate(lines) if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in line)),
               default=-1)
    head = lines[:max(last + 2, min(2, len(lines)))]
    return (head[-1][-1].end_lineno or head[-1][-1].lineno) if head else 0


def _joined(replacements: List[Replacement]) -> Optional[List[Replacement]]:
    """Sorted replacements with adjacent ones joined (as one difference of the whole texts would
    be); None when two overlap."""
    joined: List[Replacement] = []
    for offset, length, text in replacements:
        if joined and joined[-1][0] + joined[-1][1] > offset:
            return None
        if joined and joined[-1][0] + joined[-1][1] == offset:
            previous = joined.pop()
            offset, length, text = previous[0], previous[1] + length, previous[2] + text
        joined.append((offset, length, text))
    return joined


def _renamed(source: str, findings: Sequence[Finding], line_length: int, path: Optional[str] = None,
             text: Optional[SourceText] = None) -> Optional[str]:
    """``source`` with every finding's fix applied, when each is a rename the libcst fixer would
    write as it is (with the import of the old name changed, for renames of one imported name:
    ``_Swap``); else None. ``path``: a package's ``__init__.py`` keeps its imports. ``text``:
    ``source`` read already (a finding's own fix, ``_each``)."""
    if _chain_risk(source) or "\f" in source or any(_module_added(f) for f in findings):
        return None  # ``import torch`` is placed on the text for a finding's own fix only (``_added_import``)
    text = text or SourceText(source)
    renames, swaps = [], set()
    for finding in findings:
        rename = _rename(text, finding)
        if rename is None:
            rename = _rename(text, finding, imports=True)
            swaps.add(None if rename is None else _swap(text, finding, rename))
        renames.append(rename)
    if text.lone_cr or None in renames or None in swaps or len(swaps) > 1:
        return None
    chosen: List[Rename] = renames  # type: ignore[assignment]
    spans = sorted(r.span for r in chosen)
    if any(a[0] == b[0] and a[3] > b[1] for a, b in zip(spans, spans[1:])):
        return None  # two fixes on one token: libcst decides
    lines = list(text.lines)
    for line in {r.span[0] for r in chosen}:
        lines[line - 1] = _line_after(text, chosen, line)
    moved: Dict[int, str] = {}
    for rename in chosen:
        shifted = continuation_moves(text, rename)
        if shifted is None or any(lines[n - 1] != text.lines[n - 1] or n in moved for n in shifted):
            return None  # a moved line that another fix changes too: libcst decides
        if not _short_enough(text, rename.span[0], [lines[rename.span[0] - 1], *shifted.values()], line_length):
            return None
        moved.update(shifted)
    for number, new in moved.items():
        lines[number - 1] = new
    if swaps:
        swap: _Swap = swaps.pop()  # type: ignore[assignment]
        if swap.local or _written_elsewhere(text, swap) or swap.line in {r.span[0] for r in chosen} \
                or text.stores()[swap.old]:
            return None  # bound again: whether the import is used once the calls are renamed, libcst's scopes say
        renamed = sum(text.lines[r.span[0] - 1][r.span[1]:r.span[3]] == swap.old for r in chosen)
        keep = renamed < text.names()[swap.old] or _package_init(path)
        lines[swap.line - 1:swap.end] = [swap.rewritten(text, keep)]
    return "".join(lines)


def _package_init(path: Optional[str]) -> bool:
    """A package's ``__init__.py``: its names are its API, and the fixer removes none of its imports."""
    return path is not None and os.path.basename(path) in ("__init__.py", "__init__.pyi")


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
        return FixResult(source, [], findings, [])
    applied = [f for f in findings if f.fix and f.fix.applies_at(applicability) and (only is None or f.span == only)]
    new_source = _renamed(source, applied, line_length, path) if decay_values is None else None
    notes: List[str] = []
    if new_source is None and decay_values is None and len(applied) == 1 and applied[0].fix.remove_imports \
            and any(len(spec) == 3 for spec in applied[0].fix.add_imports):  # type: ignore[union-attr]
        # one fix that changes a function's own import: from the statements it touches, as the
        # whole module's transform writes it (that took 11 s on a 55 KB module)
        from .fix import fix_local_import

        new_source = fix_local_import(source, applied[0], path=path, line_length=line_length)
    if new_source is None:
        from .fix import transform

        new_source, applied, notes = transform(source, findings, applied, style=style, selection=selection, only=only,
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


def replacements(old: str, new: str) -> List[Replacement]:
    """Line-level differences between two texts, as replacements in ``old`` (how the libcst fixer
    reports a fix it made by rewriting statements or the module)."""
    import difflib

    before, after = physical_lines(old), physical_lines(new)
    starts = [0]
    for line in before:
        starts.append(starts[-1] + len(line))
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            found.append((starts[i1], starts[i2] - starts[i1], "".join(after[j1:j2])))
    return found


def apply_replacements(source: str, replacements: Sequence[Replacement]) -> str:
    """``source`` with non-overlapping replacements applied (what a SARIF consumer does)."""
    for offset, length, text in sorted(replacements, reverse=True):
        source = source[:offset] + text + source[offset + length:]
    return source


__all__ = ("FixError", "FixResult", "Replacement", "apply_replacements", "fix_each", "fix_source", "needs_layout",
           "replacements",
           # the text's reading and layout rules that ``textcall`` shares
           "CALL_BRACKET", "Rename", "SourceText", "continuation_moves", "fits", "import_changes", "newline_of",
           "statement_changes",
           "token_edit", "was_too_long")

"""Jupyter notebooks: every code cell is analyzed (and fixed) as Python, IPython syntax masked.

Each code cell is parsed on its own, so a cell that does not parse is reported for that cell and
the others are still analyzed. The parsed cells are then joined into one module by shifting their
line numbers (cells share one namespace: an import in cell 1 counts in cell 3), and findings are
mapped back to (cell, line) through the cells' line offsets. Nothing is inserted into the code.

IPython lines (magics, shell escapes, ``x = !ls``, ``obj?``, with their backslash continuations)
become ``pass`` at the same indentation and are restored by line position. A fix runs cell by
cell with the findings that fall in that cell; an import is removed only where no other cell uses
it. A fixed notebook is written back with its own JSON layout (indentation, key order, escaping,
trailing newline), verified by re-serializing the unchanged notebook first.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .analysis import analyze_tree
from .catalog.schema import UNSAFE
from .files import SourceError, physical_lines
from .findings import Finding
from .noqa import without_noqa
from .project import line_length
from .records import Record
from .selection import Selection

# cell magics whose body is still Python; any other %%magic cell (%%bash, %%html, …) is skipped
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")
# what IPython reads at the start of a statement: shell, magic, help, auto-quote/auto-call escapes
_ESCAPES = tuple("!%?,;/")
_MAGIC_VALUE = re.compile(r"!|%[^\W\d]")  # x = !ls, x = %env HOME
_NOT_ASSIGN_BEFORE = set("=!<>:+-*/%&|^@")  # '=' after these is part of ==, !=, <=, +=, :=, …


class CellResults(Record):
    findings: List[Finding]
    errors: List[SourceError]  # cells that could not be analyzed; the others were


class NotebookFix(Record):
    data: Optional[bytes]  # the fixed notebook, or None when nothing changed
    fixed: List[Finding]
    remaining: List[Finding]
    errors: List[SourceError]  # cells that could not be analyzed or fixed; never touched


# --- IPython masking --------------------------------------------------------------------------

def _body(line: str) -> str:
    return line.rstrip("\r\n")


def _code_positions(text: str, quote: Optional[str]) -> Tuple[List[int], Optional[str], bool]:
    """Indices of the characters of one line that are code (not in a string or comment), the
    string still open at the end (``quote`` is the one open at the start), and whether the line
    ends in a backslash inside a string (a one-quote string then continues)."""
    code: List[int] = []
    i, n, escaped_end = 0, len(text), False
    while i < n:
        char = text[i]
        if quote is not None:
            if char == "\\":
                escaped_end = i + 1 == n
                i += 2
            elif text.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if char == "#":
            break
        if char in "'\"":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote)
            continue
        code.append(i)
        i += 1
    return code, quote, escaped_end


def _is_ipython(text: str) -> bool:
    """Whether a line that starts a statement is IPython syntax rather than Python."""
    stripped = text.lstrip(" \t\f")
    if not stripped or stripped.startswith("#"):
        return False
    if stripped.startswith(_ESCAPES):
        return True
    code, _, _ = _code_positions(text, None)
    depth = 0
    for index in code:
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif (
            char == "=" and depth == 0 and text[index - 1:index] not in _NOT_ASSIGN_BEFORE
            and text[index + 1:index + 2] != "="
        ):
            return bool(_MAGIC_VALUE.match(text[index + 1:].lstrip(" \t")))  # the first assignment
    return _ends_in_help(text, code)  # obj?, obj??


def _cell_magic(lines: List[str]) -> Tuple[Optional[int], str]:
    """(index of the ``%%magic`` line, its name) when the cell starts with one (after blank lines)."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped:
            return (index, stripped.split()[0]) if stripped.startswith("%%") else (None, "")
    return None, ""


def mask(source: str) -> Tuple[Optional[str], Dict[int, str]]:
    """The cell as Python: each IPython line becomes ``pass`` at its indentation (the same line
    count, the same columns elsewhere). Returns the text and {line index: original line};
    None when the cell is not Python (a ``%%bash``-like cell magic)."""
    lines = physical_lines(source)
    originals: Dict[int, str] = {}
    start, magic = _cell_magic(lines)
    if start is not None:
        if magic not in _PYTHON_CELL_MAGICS:
            return None, originals
        originals[start] = lines[start]
        lines[start] = "pass" + lines[start][len(_body(lines[start])):]
        start += 1
    quote: Optional[str] = None  # a string open across lines
    depth = 0  # open brackets
    continued = False  # the previous line ended with a backslash
    index = first = start or 0  # first: where the current statement starts
    while index < len(lines):
        text = _body(lines[index])
        if quote is None and depth == 0 and not continued:
            first = index
            if _is_ipython(text):
                while _body(lines[index]).endswith("\\") and index + 1 < len(lines):
                    index += 1  # IPython joins a command's backslash-continued lines
                _to_pass(lines, first, index, originals)
                index += 1
                continue
        code, quote, escaped_end = _code_positions(text, quote)
        for position in code:
            depth += 1 if text[position] in "([{" else -1 if text[position] in ")]}" else 0
        depth = max(0, depth)
        if quote is not None and len(quote) == 1 and not escaped_end:
            quote = None  # an unterminated one-line string: Python reports it
        continued = bool(code) and code[-1] == len(text) - 1 and text.endswith("\\")
        if quote is None and depth == 0 and not continued and index > first and _ends_in_help(text, code):
            _to_pass(lines, first, index, originals)  # a statement over several lines, then `?`
        index += 1
    return "".join(lines), originals


def _ends_in_help(text: str, code: List[int]) -> bool:
    last = text.rstrip(" \t\f")
    return last.endswith("?") and len(last) - 1 in code


def _to_pass(lines: List[str], first: int, last: int, originals: Dict[int, str]) -> None:
    """Lines ``first``..``last`` (one IPython command) become ``pass`` at the first one's indentation."""
    text = _body(lines[first])
    indent = text[: len(text) - len(text.lstrip(" \t\f"))]
    for index in range(first, last + 1):
        originals[index] = lines[index]
        lines[index] = indent + "pass" + lines[index][len(_body(lines[index])):]


def unmask(text: str, originals: Dict[int, str], before: Optional[str] = None) -> str:
    """Put the IPython lines back by position. ``before``: the masked text that a fix turned into
    ``text``. A fix adds and removes import lines and edits calls, never a ``pass`` line, so the
    k-th line that reads like a placeholder is the k-th such line before the fix; when that count
    changed, the positions are unknown and ValueError is raised."""
    lines = physical_lines(text)
    if before is None:
        for index, original in originals.items():
            lines[index] = original
        return "".join(lines)
    old = physical_lines(before)
    placeholders = {old[i] for i in originals}
    old_at = [i for i, line in enumerate(old) if line in placeholders]
    new_at = [i for i, line in enumerate(lines) if line in placeholders]
    if [old[i] for i in old_at] != [lines[i] for i in new_at]:
        raise ValueError("its IPython lines could not be kept in place")
    for i, j in zip(old_at, new_at):
        if i in originals:
            lines[j] = originals[i]
    return "".join(lines)


# --- cells and the joined module ---------------------------------------------------------------

class _Cell:
    """One code cell; ``offset`` is set when the cells are joined (a plain class with slots, not a
    dataclass: start-up)."""

    __slots__ = ("number", "cell", "source", "text", "originals", "tree", "offset")

    def __init__(self, number: int, cell: Dict[str, Any], source: str, text: str, originals: Dict[int, str],
                 tree: ast.Module, offset: int = 0) -> None:
        self.number = number  # 1-based, counting every cell (markdown too), as Jupyter shows them
        self.cell = cell
        self.source = source
        self.text = text  # masked
        self.originals = originals  # masked line index → IPython line
        self.tree = tree
        self.offset = offset  # lines of the joined module before this cell

    @property
    def head(self) -> int:
        """Lines kept as they are when fixing: a Python cell magic (``%%time``) and blank lines before it."""
        start, _ = _cell_magic(physical_lines(self.source))
        return 0 if start is None else start + 1


def _load(path: str, raw: bytes) -> Dict[str, Any]:
    try:
        notebook = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError, or an int over 4300 digits
        raise SourceError(path, f"is not valid notebook JSON: {error}") from None
    except RecursionError:
        raise SourceError(path, "is not a notebook: its JSON is nested too deeply") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        raise SourceError(path, f"is not an nbformat 4 notebook (nbformat {version}); skipped")
    return notebook


def _cell_text(cell: Dict[str, Any]) -> Optional[str]:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def _parse(path: str, number: int, text: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as error:  # an int over 4300 digits is one too (3.11)
        where = f", line {error.lineno}" if error.lineno else ""
        raise SourceError(path, f"cell {number}{where} cannot be parsed: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise SourceError(path, f"cell {number} is nested too deeply to analyze") from None
    except ValueError as error:  # null bytes, on older Pythons
        raise SourceError(path, f"cell {number} cannot be parsed: {error}") from None


def _cells(path: str, notebook: Dict[str, Any]) -> Tuple[List[_Cell], List[str], List[SourceError]]:
    """The code cells that parse, the text of code that is not analyzed as Python (IPython lines,
    other cell magics, cells that do not parse), and an error for each cell that does not parse."""
    cells: List[_Cell] = []
    opaque: List[str] = []
    errors: List[SourceError] = []
    for number, cell in enumerate(notebook["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_text(cell)
        if source is None:
            errors.append(SourceError(path, f"cell {number} has a source that is not text; skipped"))
            opaque.append(json.dumps(cell.get("source")))
            continue
        text, originals = mask(source)
        if text is None:
            opaque.append(source)
            continue
        opaque.extend(originals.values())
        try:
            cells.append(_Cell(number, cell, source, text, originals, _parse(path, number, text)))
        except SourceError as error:
            errors.append(error)
            opaque.append(source)
    return cells, opaque, errors


def _join(cells: List[_Cell]) -> Tuple[ast.Module, List[str]]:
    """One module of all cells (line numbers shifted), and its physical lines."""
    body: List[ast.stmt] = []
    lines: List[str] = []
    for cell in cells:
        ast.increment_lineno(cell.tree, len(lines) - cell.offset)
        cell.offset = len(lines)
        body.extend(cell.tree.body)
        lines.extend(physical_lines(cell.text))
    return ast.Module(body=body, type_ignores=[]), lines


def _moved(finding: Finding, lines: int, cell: Optional[int] = None) -> Finding:
    """The finding with its spans (and its fix's) ``lines`` lines further up; ``cell`` sets its cell."""
    def move(span):
        return (span[0] - lines, span[1], span[2] - lines, span[3])

    fix = finding.fix
    if fix is not None:
        fix = fix._replace(edits=tuple(edit._replace(span=move(edit.span)) for edit in fix.edits))
    return finding._replace(span=move(finding.span), fix=fix, cell=finding.cell if cell is None else cell)


def _analyze(path: str, cells: List[_Cell], style: str, errors: List[SourceError],
             target_torch: Optional[Tuple[int, int]] = None) -> List[Finding]:
    """Findings (module positions) of the cells as one module. A cell too deep for the engine is
    reported (found by analyzing each cell alone) and dropped from ``cells``; the rest is analyzed."""
    tree, lines = _join(cells)
    try:
        return analyze_tree(tree, lines, style, target_torch=target_torch, path=path)
    except (RecursionError, MemoryError):
        pass
    deep = []
    for cell in cells:
        try:
            analyze_tree(ast.parse(cell.text), physical_lines(cell.text), style, target_torch=target_torch, path=path)
        except (RecursionError, MemoryError):
            deep.append(cell)
            errors.append(SourceError(path, f"cell {cell.number} is nested too deeply to analyze"))
    if not deep:
        raise SourceError(path, "is nested too deeply to analyze")
    cells[:] = [c for c in cells if all(c is not d for d in deep)]
    return _analyze(path, cells, style, errors, target_torch)


def _by_cell(findings: Iterable[Finding], cells: List[_Cell]) -> Dict[int, List[Finding]]:
    starts = [cell.offset for cell in cells]

    def cell_of(line: int) -> _Cell:
        return cells[max(0, bisect.bisect_left(starts, line) - 1)]

    def place(line: int) -> str:  # another line the message names, as the user sees it
        cell = cell_of(line)
        return f"cell {cell.number}, line {line - cell.offset}"

    grouped: Dict[int, List[Finding]] = {}
    for finding in findings:
        cell = cell_of(finding.line)
        grouped.setdefault(cell.number, []).append(_moved(finding.relocated(place), cell.offset, cell.number))
    return grouped


def _findings(path: str, cells: List[_Cell], selection: Selection, style: str, errors: List[SourceError],
              target_torch: Optional[Tuple[int, int]] = None) -> List[Finding]:
    """Selected findings in cell positions, each cell's ``# noqa`` applied."""
    grouped = _by_cell(_analyze(path, cells, style, errors, target_torch), cells)
    texts = {cell.number: cell.text for cell in cells}
    found = [f for number, group in grouped.items() for f in without_noqa(group, texts[number])]
    return sorted(selection.filter(found), key=lambda f: (f.cell, f.span, f.code))


def check_cells(path: str, raw: bytes, selection: Selection, style: str,
                target_torch: Optional[Tuple[int, int]] = None) -> CellResults:
    """Findings of every cell that parses, and an error for each cell that does not. Raises
    SourceError when the file is not a notebook at all."""
    cells, _, errors = _cells(path, _load(path, raw))
    findings = _findings(path, cells, selection, style, errors, target_torch)
    return CellResults(findings, errors)


def file_lines(raw: bytes) -> Dict[Tuple[int, int], int]:
    """(cell, line in the cell) → the 1-based line of the ``.ipynb`` file that holds that source
    line, so SARIF and GitHub annotations point into the file as stored. Cells whose source is
    one JSON string map every line to that string's line."""
    text = raw.decode("utf-8-sig")
    decoder = json.JSONDecoder()
    starts = [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]
    located: Dict[Tuple[int, int], int] = {}

    def line_at(index: int) -> int:
        return bisect.bisect_right(starts, index)

    def space(index: int) -> int:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        return index

    def members(index: int):
        """(key, index of its value) for the object at ``index``; the caller skips each value."""
        index = space(index + 1)
        while text[index] != "}":
            key, index = json.decoder.scanstring(text, index + 1)
            index = space(space(index) + 1)
            index = yield key, index
            index = space(index)
            if text[index] == ",":
                index = space(index + 1)
        return

    def skip(index: int) -> int:
        return decoder.raw_decode(text, index)[1]

    def items(index: int):
        index = space(index + 1)
        while text[index] != "]":
            index = yield index
            index = space(index)
            if text[index] == ",":
                index = space(index + 1)

    def walk(generator, handle):
        try:
            value = next(generator)
            while True:
                value = generator.send(handle(value))
        except StopIteration:
            pass

    def source(number: int, index: int) -> int:
        if text[index] == "[":
            line = [1]

            def part(at: int) -> int:
                end = skip(at)
                piece = json.loads(text[at:end])
                count = piece.count("\n") + (not piece.endswith("\n")) if isinstance(piece, str) else 1
                for _ in range(max(1, count)):
                    located[(number, line[0])] = line_at(at)
                    line[0] += 1
                return end
            walk(items(index), part)
            return skip(index)
        if text[index] == '"':
            value, end = json.decoder.scanstring(text, index + 1)
            for n in range(1, value.count("\n") + 2):
                located[(number, n)] = line_at(index)
            return end
        return skip(index)

    def cell(number: int, index: int) -> int:
        if text[index] != "{":
            return skip(index)
        walk(members(index), lambda kv: source(number, kv[1]) if kv[0] == "source" else skip(kv[1]))
        return skip(index)

    def top(key_value) -> int:
        key, index = key_value
        if key != "cells" or text[index] != "[":
            return skip(index)
        count = [0]

        def each(at: int) -> int:
            count[0] += 1
            return cell(count[0], at)
        walk(items(index), each)
        return skip(index)

    try:
        index = space(0)
        if text[index] == "{":
            walk(members(index), top)
    except (ValueError, IndexError, RecursionError):
        return {}  # positions are a convenience: findings still name the cell
    return located


# --- fixing ------------------------------------------------------------------------------------

def fix_cells(path: str, raw: bytes, selection: Selection, style: str,
              target_torch: Optional[Tuple[int, int]] = None, applicability: str = UNSAFE) -> NotebookFix:
    """Fix the cells that parse; a cell that does not parse, or cannot be fixed, is reported and
    left as it is. Raises SourceError (nothing written) when the file is not a notebook, its
    layout cannot be reproduced, or a fix did not apply cleanly."""
    notebook = _load(path, raw)
    dump = _layout(path, raw, notebook)
    parsed, opaque, errors = _cells(path, notebook)
    cells = list(parsed)
    findings = _findings(path, cells, selection, style, errors, target_torch)  # drops cells too deep to analyze
    kept = {id(c) for c in cells}  # a set: a notebook may have tens of thousands of cells
    opaque += [c.source for c in parsed if id(c) not in kept]
    texts = {cell.number: cell.text for cell in cells}  # masked; fixed below
    fixed: List[Finding] = []
    fixable: Dict[int, List[Finding]] = {}
    for f in findings:
        if f.fix and f.fix.applies_at(applicability):
            fixable.setdefault(f.cell, []).append(f)  # type: ignore[arg-type]
    for cell in cells:
        mine = fixable.get(cell.number)
        if mine:
            try:
                texts[cell.number], applied = _fix_cell(path, cell, mine, selection, style, target_torch, applicability)
                fixed += applied
            except SourceError as error:
                errors.append(error)
    if fixed:
        removals = {r for f in fixed if f.fix for r in f.fix.remove_imports}
        words = set(re.findall(r"\w+", "".join(opaque)))
        names = _CellNames(texts)
        for cell in cells:
            texts[cell.number] = _remove_imports(cell, texts, words, removals, names)
    changed = {cell.number for cell in cells if texts[cell.number] != cell.text}
    if not changed:
        return NotebookFix(None, [], findings, errors)
    for cell in cells:
        if cell.number in changed:
            new = unmask(texts[cell.number], cell.originals, before=cell.text)
            old = cell.cell["source"]
            cell.cell["source"] = _resplit(old, new) if isinstance(old, list) else new
    after, _, after_errors = _cells(path, notebook)
    remaining = _findings(path, after, selection, style, after_errors, target_torch)
    unfixed = [f for f in remaining if f.fix and f.fix.applies_at(applicability) and f.cell in changed]
    if unfixed:
        where = ", ".join(f"cell {f.cell} line {f.line} ({f.code})" for f in unfixed)
        raise SourceError(path, f"not fixed: a fix did not apply cleanly at {where}; nothing was changed")
    return NotebookFix(dump(notebook), fixed, remaining, errors)


def _fix_cell(path: str, cell: _Cell, findings: List[Finding], selection: Selection, style: str,
              target_torch: Optional[Tuple[int, int]], applicability: str) -> Tuple[str, List[Finding]]:
    """The cell's fixed (masked) text and the findings fixed. The fixer adds imports to this cell;
    removing them is left to ``_remove_imports``, which knows about the other cells."""
    from .fix import FixError, fix_source  # libcst: only when fixing

    head = cell.head  # a %%time line stays the first line: the fixer sees only the body
    lines = physical_lines(cell.text)
    given = [_moved(f._replace(fix=f.fix._replace(remove_imports=())), head) for f in findings if f.fix]
    try:
        result = fix_source("".join(lines[head:]), style, selection, findings=given,
                            applicability=applicability, target_torch=target_torch, line_length=line_length(path))
        text = "".join(lines[:head]) + result.source
        unmask(text, cell.originals, before=cell.text)  # raises when the IPython lines cannot be put back
    except (SyntaxError, FixError, ValueError, RecursionError, MemoryError) as error:
        raise SourceError(path, f"cell {cell.number} not fixed: {error}") from None
    applied = {(f.span, f.code) for f in result.fixed}
    return text, [f for f, g in zip(findings, given) if (g.span, g.code) in applied]


class _CellNames:
    """The names each cell uses, computed once for the notebook (removing an import changes no
    cell's names), so asking whether another cell still uses a name does not walk every cell."""

    def __init__(self, texts: Dict[int, str]) -> None:
        self._texts = texts
        self._by_cell: Optional[Dict[int, Set[str]]] = None
        self._count: Counter = Counter()

    def elsewhere(self, number: int, name: str) -> bool:
        if self._by_cell is None:
            self._by_cell = {c: _names(text) for c, text in self._texts.items()}
            for found in self._by_cell.values():
                self._count.update(found)
        return self._count[name] - (name in self._by_cell[number]) > 0


def _remove_imports(cell: _Cell, texts: Dict[int, str], words: Set[str], removals: Set[Tuple[str, str, Optional[str]]],
                    names: _CellNames) -> str:
    """The cell's text without the imports the fixes made unused, as far as no other cell (nor an
    IPython line, nor code that is not analyzed) still names them. Keeping one is always safe."""
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    from .fix import FixError, parse_module

    text = texts[cell.number]
    here = [
        (node.module, alias.name, alias.asname)
        for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    wanted = [r for r in removals if r in here]
    if not wanted:
        return text
    unused = [r for r in wanted if (r[2] or r[1]) not in words and not names.elsewhere(cell.number, r[2] or r[1])]
    if not unused:
        return text
    try:
        new = RemoveImportsVisitor(CodemodContext(), unused).transform_module(parse_module(text)).code
        unmask(new, cell.originals, before=cell.text)  # e.g. an emptied block got a `pass`: keep the import
    except (cst.ParserSyntaxError, FixError, SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    return new


def _names(text: str) -> Set[str]:
    """Every name a cell uses or binds, and every identifier-like string (``__all__``)."""
    names: Set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return names


def _resplit(old: List[str], new: str) -> List[str]:
    """The new cell text as a JSON list of lines: the items holding unchanged lines before and
    after the change are kept as they were (however the notebook split them), the rest is split
    into physical lines."""
    before = "".join(old)
    old_lines, new_lines = physical_lines(before), physical_lines(new)
    prefix = suffix = 0
    while prefix < min(len(old_lines), len(new_lines)) and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    while suffix < min(len(old_lines), len(new_lines)) - prefix and old_lines[-1 - suffix] == new_lines[-1 - suffix]:
        suffix += 1
    head_end = len("".join(old_lines[:prefix]))
    tail_start = len(before) - len("".join(old_lines[len(old_lines) - suffix:]))
    head: List[str] = []
    at = 0
    for item in old:
        if at + len(item) > head_end:
            break
        head.append(item)
        at += len(item)
    tail: List[str] = []
    end = len(before)
    for item in reversed(old[len(head):]):
        if end - len(item) < tail_start:
            break
        tail.insert(0, item)
        end -= len(item)
    return head + physical_lines(new[at:len(new) - (len(before) - end)]) + tail


def _layout(path: str, raw: bytes, notebook: Dict[str, Any]):
    """A serializer that reproduces this file's own JSON layout exactly."""
    text = raw.decode("utf-8-sig")
    bom = raw.startswith(b"\xef\xbb\xbf")
    second = text.split("\n", 2)[1] if text.count("\n") >= 2 else ""
    indent = len(second) - len(second.lstrip(" ")) or None
    for ensure_ascii in (False, True):
        for trailing in ("\n", ""):
            def dump(nb, ensure_ascii=ensure_ascii, trailing=trailing) -> bytes:
                out = json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii, separators=(",", ": ")) + trailing
                return (b"\xef\xbb\xbf" if bom else b"") + out.encode("utf-8")

            try:
                if dump(notebook) == raw:
                    return dump
            except (ValueError, RecursionError):  # e.g. NaN written differently, or too deep
                break
    raise SourceError(path, "its JSON layout cannot be reproduced, so it is not rewritten (check still works)")

"""Jupyter notebooks: every code cell is analyzed (and fixed) as Python, IPython syntax masked.

Magics and shell escapes (``%matplotlib inline``, ``!pip install …``, ``x = !ls``) become
placeholder statements that keep the rest of the cell parseable and are restored, byte for byte,
after a fix. A fixed notebook is written back with its own JSON layout (indentation, key order,
escaping, trailing newline) — verified by re-serializing the unchanged notebook first; when the
layout cannot be reproduced, the notebook is reported and not written.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from .analysis import analyze_source
from .findings import Finding
from .noqa import without_noqa
from .files import SourceError
from .selection import Selection

# cell magics whose body is still Python; any other %%magic cell (%%bash, %%html, …) is skipped
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!].*|\w[\w.]*\s*=\s*[%!].*|[\w.]+\?{1,2})\s*$")
_PLACEHOLDER = re.compile(r"^.*# __adamw_lint_magic_([\d_]+)__$")


def _load(path: str, raw: bytes) -> Dict[str, Any]:
    try:
        notebook = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(path, f"is not valid notebook JSON: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        raise SourceError(path, f"is not an nbformat 4 notebook (nbformat {version}); skipped")
    return notebook


def _code_cells(notebook: Dict[str, Any]):
    """(1-based cell number, cell, source text) for each code cell."""
    for number, cell in enumerate(notebook["cells"], 1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            yield number, cell, "".join(source) if isinstance(source, list) else str(source)


def mask(source: str) -> Tuple[Optional[str], Dict[str, str]]:
    """Python text with IPython lines replaced by placeholders (None: not a Python cell)."""
    lines = source.splitlines(keepends=True)
    originals: Dict[str, str] = {}
    if lines and lines[0].startswith("%%"):
        if not lines[0].split()[0] in _PYTHON_CELL_MAGICS:
            return None, originals
    masked = []
    for line in lines:
        body = line.rstrip("\r\n")
        if _MAGIC_LINE.match(body) and not body.lstrip().startswith("#"):
            token = str(len(originals))
            originals[token] = body
            indent = body[: len(body) - len(body.lstrip())]
            masked.append(f"{indent}pass  # __adamw_lint_magic_{token}__" + line[len(body):])
        else:
            masked.append(line)
    return "".join(masked), originals


def unmask(text: str, originals: Dict[str, str]) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _PLACEHOLDER.match(body)
        out.append(originals[match.group(1)] + line[len(body):] if match and match.group(1) in originals else line)
    return "".join(out)


_MARKER = "# __adamw_lint_cell_{}__\n"
_MARKER_LINE = re.compile(r"^# __adamw_lint_cell_(\d+)__$", re.MULTILINE)


def _module(notebook: Dict[str, Any]) -> Tuple[str, List[Tuple[int, int]], Dict[str, str]]:
    """All code cells as one module (cells share one namespace: imports in cell 1 count in
    cell 3), each after a marker line. Returns the text, (cell, first line) pairs, magics."""
    parts, starts, originals = [], [], {}
    line = 1
    for number, _, source in _code_cells(notebook):
        masked, magics = mask(source)
        if masked is None:
            continue
        for token, original in magics.items():  # tokens must be unique across cells
            unique = f"{number}_{token}"
            masked = masked.replace(f"# __adamw_lint_magic_{token}__", f"# __adamw_lint_magic_{unique}__")
            originals[unique] = original
        if masked and not masked.endswith("\n"):
            masked += "\n"
        parts.append(_MARKER.format(number) + masked)
        starts.append((number, line + 1))
        line += 1 + masked.count("\n")
    return "".join(parts), starts, originals


def _locate(finding: Finding, starts: List[Tuple[int, int]]) -> Finding:
    number, first = _cell_at(finding.line, starts)
    line, col, end_line, end_col = finding.span
    return replace(finding, span=(line - first + 1, col, end_line - first + 1, end_col), cell=number)


def _cell_at(line: int, starts: List[Tuple[int, int]]) -> Tuple[int, int]:
    """(cell number, its first line in the module) for a line of the module."""
    return max((s for s in starts if s[1] <= line), key=lambda s: s[1], default=(0, 1))


def check(path: str, raw: bytes, selection: Selection, style: str) -> List[Finding]:
    source, starts, _ = _module(_load(path, raw))
    try:
        findings = analyze_source(source, style)
    except SyntaxError as error:
        raise _cell_error(path, error, starts) from None
    return [_locate(f, starts) for f in selection.filter(without_noqa(findings, source))]


def _cell_error(path: str, error: SyntaxError, starts) -> SourceError:
    line = error.lineno or 1
    number, first = _cell_at(line, starts)
    return SourceError(path, f"cell {number} cannot be parsed: {error.msg}", line - first + 1, error.offset or 0)


def fix(path: str, raw: bytes, selection: Selection, style: str) -> Tuple[Optional[bytes], List[Finding], List[Finding]]:
    """(new bytes or None, fixed findings, remaining findings)."""
    from .fix import FixError, fix_source  # libcst: only when fixing

    notebook = _load(path, raw)
    dump = _layout(path, raw, notebook)
    source, starts, originals = _module(notebook)
    try:
        result = fix_source(source, style, selection)
    except SyntaxError as error:
        raise _cell_error(path, error, starts) from None
    except FixError as error:
        raise SourceError(path, f"not fixed: {error}") from None
    fixed = [_locate(f, starts) for f in result.fixed]
    after = _module_starts(result.source)
    remaining = [_locate(f, after) for f in result.remaining]
    if not result.changed:
        return None, fixed, remaining
    cells = dict(_split(unmask(result.source, originals)))
    for number, cell, old in _code_cells(notebook):
        new = cells.get(number)
        if new is None:
            continue
        if not old.endswith("\n") and new.endswith("\n"):
            new = new[:-1]  # the module needed a newline between cells; the cell did not have one
        if new != old:
            cell["source"] = new.splitlines(keepends=True) if isinstance(cell["source"], list) else new
    return dump(notebook), fixed, remaining


def _module_starts(source: str) -> List[Tuple[int, int]]:
    starts = []
    for number, line in enumerate(source.splitlines(), 1):
        match = _MARKER_LINE.match(line)
        if match:
            starts.append((int(match.group(1)), number + 1))
    return starts or [(0, 1)]


def _split(source: str):
    """(cell number, text) from a module built by ``_module`` (text before the first marker,
    such as an import the fixer added at the very top, joins the first cell)."""
    pieces = _MARKER_LINE.split(source)
    head = pieces[0]
    for i in range(1, len(pieces), 2):
        body = pieces[i + 1][1:] if pieces[i + 1].startswith("\n") else pieces[i + 1]
        yield int(pieces[i]), (head + body if i == 1 else body)


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

            if dump(notebook) == raw:
                return dump
    raise SourceError(path, "its JSON layout cannot be reproduced, so it is not rewritten (check still works)")

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

from .analysis import Finding, analyze_source, without_noqa
from .files import SourceError
from .fix import FixError, fix_source
from .selection import Selection

# cell magics whose body is still Python; any other %%magic cell (%%bash, %%html, …) is skipped
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!].*|\w[\w.]*\s*=\s*[%!].*|[\w.]+\?{1,2})\s*$")
_PLACEHOLDER = re.compile(r"^.*# __adamw_lint_magic_(\d+)__$")


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


def check(path: str, raw: bytes, selection: Selection, style: str) -> List[Finding]:
    findings: List[Finding] = []
    for number, _, source in _code_cells(_load(path, raw)):
        masked, _ = mask(source)
        if masked is None:
            continue
        try:
            cell_findings = analyze_source(masked, style)
        except SyntaxError as error:
            raise SourceError(path, f"cell {number} cannot be parsed: {error.msg}", error.lineno or 0) from None
        findings += [replace(f, cell=number) for f in selection.filter(without_noqa(cell_findings, masked))]
    return findings


def fix(path: str, raw: bytes, selection: Selection, style: str) -> Tuple[Optional[bytes], List[Finding], List[Finding]]:
    """(new bytes or None, fixed findings, remaining findings)."""
    notebook = _load(path, raw)
    dump = _layout(path, raw, notebook)
    fixed: List[Finding] = []
    remaining: List[Finding] = []
    changed = False
    for number, cell, source in _code_cells(notebook):
        masked, originals = mask(source)
        if masked is None:
            continue
        try:
            result = fix_source(masked, style, selection)
        except (FixError, SyntaxError) as error:
            raise SourceError(path, f"cell {number} not fixed: {error}") from None
        fixed += [replace(f, cell=number) for f in result.fixed]
        remaining += [replace(f, cell=number) for f in result.remaining]
        if result.changed:
            new_source = unmask(result.source, originals)
            cell["source"] = new_source.splitlines(keepends=True) if isinstance(cell["source"], list) else new_source
            changed = True
    return (dump(notebook) if changed else None), fixed, remaining


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

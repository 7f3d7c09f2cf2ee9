"""Output formats: text, json, github (workflow annotations) and SARIF 2.1.0."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from typing import Dict, List, Optional, Sequence, TextIO, Tuple

from . import __version__
from .findings import Finding
from .catalog import RULES, RULES_BY_CODE
from .files import display

Row = Tuple[str, Finding]  # (path, finding)


def finding_dict(path: str, finding: Finding) -> dict:
    line, col, end_line, end_col = finding.span
    fix = None
    if finding.fix is not None:
        fix = {"applicability": finding.fix.applicability, "description": finding.fix.description}
    row = {
        "path": display(path),
        "line": line,
        "col": col + 1,
        "end_line": end_line,
        "end_col": end_col + 1,
        "code": finding.code,
        "message": finding.message,
        "fix": fix,
    }
    if finding.cell is not None:
        row["cell"] = finding.cell
    return row


def text(rows: Sequence[Row], out: TextIO) -> None:
    for path, f in rows:
        where = f"{display(path)}:cell {f.cell}" if f.cell is not None else display(path)
        out.write(f"{where}:{f.line}:{f.col + 1}: {f.message}\n")


def as_json(rows: Sequence[Row], out: TextIO) -> None:
    json.dump([finding_dict(path, f) for path, f in rows], out, indent=2, ensure_ascii=False)
    out.write("\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(rows: Sequence[Row], out: TextIO) -> None:
    for path, f in rows:
        line, col, end_line, end_col = f.span
        where = display(path)
        message = f.message if f.cell is None else f"cell {f.cell}: {f.message}"
        if f.cell is not None:
            line, end_line = 1, 1  # cell-relative positions do not map onto the .ipynb text
        out.write(
            f"::warning file={_escape_property(where)},line={line},col={col + 1},endLine={end_line},"
            f"endColumn={end_col + 1},title={f.code}::{_escape_data(message)}\n"
        )


def statistics(rows: Sequence[Row], out: TextIO) -> None:
    counts = Counter(f.code for _, f in rows)
    fixable = Counter(f.code for _, f in rows if f.fix is not None)
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        mark = "[*]" if fixable[code] else "[ ]"
        out.write(f"{count:>5}\t{code}\t{mark} {RULES_BY_CODE[code].name}\n")


def sarif(rows: Sequence[Row], out: TextIO, fixed_texts: Dict[Tuple[str, Tuple[int, int, int, int]], Tuple[str, str]]) -> None:
    """``fixed_texts``: (path, span) → (original text, text with only that finding fixed)."""
    from . import docs  # imports libcst (~0.25 s), which plain checks never need

    rules = []
    for rule in RULES:
        rules.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.what},
            "help": {"text": f"{rule.why}\n\nFix safety: {rule.fix_safety}", "markdown": docs.render(rule.code)},
            "helpUri": f"https://github.com/adamw-lint/adamw-lint/blob/main/docs/rules/{rule.code}.md",
            "defaultConfiguration": {"level": "warning", "enabled": rule.enabled_by_default},
        })
    index = {rule.code: i for i, rule in enumerate(RULES)}
    results = []
    for path, f in rows:
        line, col, end_line, end_col = f.span
        region = {"startLine": line, "startColumn": col + 1, "endLine": end_line, "endColumn": end_col + 1}
        location = {"physicalLocation": {"artifactLocation": {"uri": display(path)}, "region": region}}
        if f.cell is not None:
            location = {"physicalLocation": {"artifactLocation": {"uri": display(path)}},
                        "message": {"text": f"cell {f.cell}, line {line}, column {col + 1}"}}
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "warning",
            "message": {"text": f.message},
            "locations": [location],
        }
        change = fixed_texts.get((path, f.span)) if f.cell is None else None
        if f.fix is not None and change is not None:
            result["fixes"] = [{
                "description": {"text": f"{f.fix.description} (changes training numerics: re-tune weight_decay)"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": display(path)},
                    "replacements": _replacements(*change),
                }],
            }]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "adamw-lint",
                "version": __version__,
                "informationUri": "https://github.com/adamw-lint/adamw-lint",
                "rules": rules,
            }},
            "results": results,
        }],
    }
    json.dump(log, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _replacements(before: str, after: str) -> List[dict]:
    """Line-level replacements as character regions of the original text."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    replacements = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        replacement: dict = {"deletedRegion": {"charOffset": starts[i1], "charLength": starts[i2] - starts[i1]}}
        inserted = "".join(new[j1:j2])
        if inserted:
            replacement["insertedContent"] = {"text": inserted}
        replacements.append(replacement)
    return replacements


def single_fix_text(source: str, finding: Finding, style: str) -> Optional[str]:
    """The file's text with only ``finding`` fixed (Python files), for SARIF."""
    from .fix import fix_source

    from .fix import FixError

    try:
        return fix_source(source, style, only=finding.span).source
    except (SyntaxError, ValueError, FixError):
        return None


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            f"a{path}" if path.startswith("/") else f"a/{path}", f"b{path}" if path.startswith("/") else f"b/{path}",
        )
    )

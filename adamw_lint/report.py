"""Output formats: text, json, github (workflow annotations) and SARIF 2.1.0."""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from . import __version__
from .findings import Finding
from .catalog import RULES, RULES_BY_CODE
from .catalog.schema import SAFE, UNSAFE
from .files import SourceError, display, physical_lines

if TYPE_CHECKING:
    from .class_checks import HiddenCheck

Row = Tuple[str, Finding]  # (path, finding)
Replacements = Dict[Tuple[str, Tuple[int, int, int, int]], List[Tuple[int, int, str]]]  # (path, span) → edits

# Compiled on first use (re's own cache), as the rarely used patterns of the other modules are:
# a run that prints nothing to escape never pays for them. These two, whose surrogate range makes
# a 64K-character set, took 0.7 ms of every start; all such patterns together ~2.5 ms.
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
_UNDECODABLE = r"[\ud800-\udfff]"


def escape(text: str) -> str:
    """Control characters (ANSI escapes, carriage returns, newlines, tabs, …) from file names or
    file contents shown as escapes, so that nothing a file holds can forge or hide a line of our
    output; and a file name's bytes that are not UTF-8 as ``\\xff`` (what ``os.fsdecode`` kept of
    them cannot be printed, or written into UTF-8 JSON)."""
    return re.sub(_CONTROL, _escaped, text)


def undecodable(text: str) -> str:
    """Only the bytes of a file name that are not UTF-8, as ``\\xff`` (JSON, SARIF messages)."""
    return re.sub(_UNDECODABLE, _escaped, text)


def _escaped(match: "re.Match[str]") -> str:
    character = match.group()
    if "\udc80" <= character <= "\udcff":  # surrogateescape: the byte it stands for
        return f"\\x{ord(character) - 0xdc00:02x}"
    return character.encode("unicode_escape", "backslashreplace").decode("ascii")


def location(path: str, finding: Finding) -> str:
    where = f"{display(path)}:cell {finding.cell}" if finding.cell is not None else display(path)
    return escape(f"{where}:{finding.line}:{finding.col + 1}")


def finding_dict(path: str, finding: Finding, replacements: Optional[List[Tuple[int, int, str]]] = None) -> dict:
    line, col, end_line, end_col = finding.span
    fix = None
    if finding.fix is not None:
        fix = {"applicability": finding.fix.applicability or UNSAFE, "description": finding.fix.description}
        if replacements is not None:
            fix["edits"] = [{"offset": o, "length": n, "content": t} for o, n, t in replacements]
    row = {
        "path": undecodable(display(path)),
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


def use_color(stream: TextIO) -> bool:
    """Colour on a terminal, as NO_COLOR (https://no-color.org) and FORCE_COLOR ask."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


Level = Callable[[str], str]  # a file's path → the fixes ``check --fix`` applies there (its configuration's)


def _safe(path: str) -> str:
    return SAFE


def text(rows: Sequence[Row], out: TextIO, level: Level = _safe, color: bool = False) -> None:
    """``path:line:col: CODE [*] message``, as ruff prints it; ``[*]``: ``check --fix`` would fix it
    (with the unsafe fixes where ``level`` says the file's configuration sets ``unsafe-fixes``)."""
    for path, f in rows:
        message = escape(f.message)
        if message.startswith(f.code + " "):
            message = message[len(f.code) + 1:]
        mark = " [*]" if f.fix is not None and f.fix.applies_at(level(path)) else ""
        out.write(f"{_paint(location(path, f), '1', color)}: {_paint(f.code, '1;31', color)}"
                  f"{_paint(mark, '36', color)} {message}\n")


def summary(rows: Sequence[Row], level: Level = _safe, fixed: Optional[int] = None) -> str:
    """ruff's closing line: how many findings, how many a fix would remove, and the fixes that
    ``--unsafe-fixes`` would add (they change training numerics)."""
    if not rows:
        return f"Found {fixed} finding{'s' * (fixed != 1)} ({fixed} fixed, 0 remaining).\n" if fixed else "All checks passed!\n"
    fixable = sum(1 for path, f in rows if f.fix is not None and f.fix.applies_at(level(path)))
    hidden = sum(1 for path, f in rows if f.fix is not None and not f.fix.applies_at(level(path)) and f.fix.applies_at(UNSAFE))
    total = len(rows) + (fixed or 0)
    counts = [f"{fixed} fixed, {len(rows)} remaining"] if fixed is not None else []
    if fixable:
        counts.append(f"{fixable} fixable with `--fix`")
    line = f"Found {total} finding{'s' * (total != 1)}" + (f" ({'; '.join(counts)})" if counts else "") + ".\n"
    if hidden:
        line += (f"{hidden} hidden fix{'es' * (hidden != 1)} can be enabled with `--unsafe-fixes` "
                 "(they change training numerics: re-tune weight_decay), or applied with `adamw-lint fix`.\n")
    return line


def hidden_checks(checks: Sequence["HiddenCheck"]) -> str:
    """The summary's warning about what a rename's diff cannot show: next to each fix, the
    project's own checks of the old class that the fix makes fail (``class_checks``)."""
    if not checks:
        return ""
    lines = ["The diff cannot show this: the project checks the class these fixes replace:\n"]
    for c in checks:
        old, new = c.old.rsplit(".", 1)[-1], c.new.rsplit(".", 1)[-1]
        if c.check.always:
            why = f"false for {new} on any torch"
        else:
            floor = f"{c.floor[0]}.{c.floor[1]}" if c.floor else "?"
            why = f"{new} subclasses {old} only from {c.since}, and the project allows torch {floor}"
        shown = os.path.relpath(c.check.path)
        where = f"{display(c.check.path if shown.startswith(os.pardir) else shown)}:{c.check.line}"
        lines.append(escape(f"  {display(c.fix_path)}:{c.fix_line}: {c.old} -> {c.new}: {where} {c.check.what}, {why}")
                     + "\n")
    return "".join(lines)


def as_json(rows: Sequence[Row], out: TextIO, replacements: Optional[Replacements] = None) -> None:
    replacements = replacements or {}
    document = [finding_dict(path, f, replacements.get((path, f.span))) for path, f in rows]
    import json  # here and below: only the JSON and SARIF outputs need it

    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


FileLines = Dict[Tuple[str, int, int], int]  # notebooks: (path, cell, line in cell) → line of the .ipynb file


def github(rows: Sequence[Row], out: TextIO, file_lines: Optional[FileLines] = None) -> None:
    for path, f in rows:
        line, col, end_line, end_col = f.span
        where = escape(display(path))  # a raw ESC or newline would reach the log as it is
        message = escape(f.message if f.cell is None else f"cell {f.cell}, line {line}: {f.message}")
        if f.cell is not None:  # the line of the .ipynb file that holds the cell's source line
            line = end_line = (file_lines or {}).get((path, f.cell, line), 1)
            col, end_col = 0, 0
        out.write(
            f"::warning file={_escape_property(where)},line={line},col={col + 1},endLine={end_line},"
            f"endColumn={end_col + 1},title={f.code}::{_escape_data(message)}\n"
        )


def statistics(rows: Sequence[Row], out: TextIO, level: Level = _safe, as_json: bool = False) -> None:
    """The number of findings per code, instead of the findings (as ruff's --statistics); fixable
    means what ``--fix`` would fix at ``level``, as the ``[*]`` of the text output."""
    counts = Counter(f.code for _, f in rows)
    fixable = Counter(f.code for path, f in rows if f.fix is not None and f.fix.applies_at(level(path)))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        document = [{"code": code, "name": RULES_BY_CODE[code].name, "count": count, "fixable": fixable[code]}
                    for code, count in ordered]
        import json

        json.dump(document, out, indent=2)
        out.write("\n")
        return
    for code, count in ordered:
        mark = "[*]" if fixable[code] else "[ ]"
        out.write(f"{count:>5}\t{code}\t{mark} {RULES_BY_CODE[code].name}\n")


def _source_root() -> str:
    """The repository root above the working directory (SARIF's %SRCROOT%), else the directory."""
    here = candidate = os.path.abspath(os.getcwd())
    while not os.path.exists(os.path.join(candidate, ".git")):
        if os.path.dirname(candidate) == candidate:
            return here
        candidate = os.path.dirname(candidate)
    return candidate


def _artifact(path: str, root: str) -> dict:
    """A percent-encoded URI relative to %SRCROOT% (absolute file URI for a path outside it)."""
    from pathlib import Path  # here and below: SARIF's URIs (pathlib and urllib take ~4 ms to import)
    from urllib.parse import quote

    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(os.fsencode(relative.as_posix())), "uriBaseId": "%SRCROOT%"}  # bytes: a name's own


def sarif(rows: Sequence[Row], out: TextIO, replacements: Replacements, errors: Sequence[SourceError] = (),
          file_lines: Optional[FileLines] = None) -> None:
    """SARIF 2.1.0 as GitHub code scanning reads it: findings with their fixes, and the files that
    could not be analyzed as tool execution notifications."""
    from pathlib import Path

    from . import docs  # the rule pages, which only SARIF embeds

    root = _source_root()
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
        artifact = _artifact(path, root)
        region = {"startLine": line, "startColumn": col + 1, "endLine": end_line, "endColumn": end_col + 1}
        location = {"physicalLocation": {"artifactLocation": artifact, "region": region}}
        if f.cell is not None:  # a region in the .ipynb file as stored: the line holding the source line
            stored = (file_lines or {}).get((path, f.cell, line))
            location = {"physicalLocation": {"artifactLocation": artifact,
                                             **({"region": {"startLine": stored}} if stored else {})},
                        "message": {"text": f"cell {f.cell}, line {line}, column {col + 1}"}}
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "warning",
            "message": {"text": f.message},
            "locations": [location],
        }
        edits = replacements.get((path, f.span))
        if f.fix is not None and edits:
            result["fixes"] = [{
                "description": {"text": f"{f.fix.description} ({f.fix.applicability or UNSAFE} fix)"},
                "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": [
                        {"deletedRegion": {"charOffset": o, "charLength": n}, **({"insertedContent": {"text": t}} if t else {})}
                        for o, n, t in edits
                    ],
                }],
            }]
        results.append(result)
    notifications = [{
        "level": "error",
        "message": {"text": undecodable(error.reason)},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(error.path, root),
            **({"region": {"startLine": error.line, **({"startColumn": error.col} if error.col else {})}} if error.line else {}),
        }}],
    } for error in errors]
    run = {
        "tool": {"driver": {
            "name": "adamw-lint",
            "version": __version__,
            "informationUri": "https://github.com/adamw-lint/adamw-lint",
            "rules": rules,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri() + "/"}},
        "invocations": [{"executionSuccessful": not errors, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    import json

    json.dump(log, out, indent=2, ensure_ascii=False)
    out.write("\n")


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib  # only diffs need it

    path = escape(path)
    lines = list(difflib.unified_diff(
        physical_lines(before), physical_lines(after),
        f"a{path}" if path.startswith("/") else f"a/{path}", f"b{path}" if path.startswith("/") else f"b/{path}",
    ))
    if " " in path and len(lines) >= 2:  # a TAB ends a name with a space, for patch(1) (as git and GNU diff write)
        lines[:2] = [header.rstrip("\n") + "\t\n" for header in lines[:2]]
    return "".join(lines)

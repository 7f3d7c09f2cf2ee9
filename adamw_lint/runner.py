"""Runs the engine over many files: pre-filter, parse, analyze (or fix), in parallel when it pays.

Every file is read once in the main process and pre-filtered on its bytes; only the few that can
hold a finding are parsed. Those go to a process pool when there are enough of them to repay the
pool's start-up, never under pre-commit (which already runs hooks in parallel).
"""

from __future__ import annotations

import ast
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from .analysis import analyze_tree, may_contain_findings
from .findings import Finding
from .noqa import without_noqa
from .files import Decoded, SourceError, decode, encode, read_bytes
from .selection import Selection

NOTEBOOK_SUFFIXES = (".ipynb",)
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = (".py", ".pyi", *NOTEBOOK_SUFFIXES, *CONFIG_SUFFIXES)

PARALLEL_MIN_FILES = 24  # below this a process pool costs more than it saves (see bench/)


@dataclass
class FileResult:
    path: str
    raw: bytes = b""
    findings: List[Finding] = field(default_factory=list)  # what remains to report
    fixed: List[Finding] = field(default_factory=list)  # findings whose fix is in new_data
    new_data: Optional[bytes] = None  # fixed bytes, when a fix changed the file
    old_text: str = ""
    new_text: str = ""
    error: Optional[SourceError] = None


def _parse(path: str, raw: bytes) -> Tuple[Decoded, ast.AST]:
    decoded = decode(path, raw)
    try:
        return decoded, ast.parse(decoded.text, filename=path)
    except SyntaxError as error:
        raise SourceError(path, f"cannot be parsed: {error.msg}", error.lineno or 0, error.offset or 0) from None
    except (ValueError, RecursionError, MemoryError) as error:
        reason = "is nested too deeply to analyze" if isinstance(error, RecursionError) else str(error)
        raise SourceError(path, f"cannot be parsed: {reason}") from None


def _config_text(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(path, f"cannot be decoded as UTF-8: {error}") from None


def check_one(path: str, raw: bytes, selection: Selection, style: str) -> FileResult:
    result = FileResult(path, raw)
    if not may_contain_findings(raw):
        return result
    if path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES):
        from . import configs, notebook  # PyYAML and libcst load only when such a file is a candidate

        try:
            if path.endswith(NOTEBOOK_SUFFIXES):
                result.findings = notebook.check(path, raw, selection, style)
            else:
                result.findings = configs.check(path, _config_text(path, raw), selection, style)
        except SourceError as error:
            result.error = error
        return result
    try:
        decoded, tree = _parse(path, raw)
        findings = analyze_tree(tree, decoded.text.splitlines(keepends=True), style)
    except SourceError as error:
        result.error = error
        return result
    except RecursionError:
        result.error = SourceError(path, "is nested too deeply to analyze")
        return result
    result.findings = selection.filter(without_noqa(findings, decoded.text))
    return result


def fix_one(path: str, raw: bytes, selection: Selection, style: str) -> FileResult:
    result = check_one(path, raw, selection, style)
    if result.error or not any(f.fix for f in result.findings):
        return result
    from . import configs, notebook
    from .fix import FixError, fix_source  # libcst costs ~0.25 s to import: only when fixing

    if path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES):
        try:
            if path.endswith(NOTEBOOK_SUFFIXES):
                new_data, result.fixed, result.findings = notebook.fix(path, raw, selection, style)
                old_text, new_text = raw.decode("utf-8-sig"), (new_data or raw).decode("utf-8-sig")
            else:
                old_text = _config_text(path, raw)
                new_text, result.fixed, result.findings = configs.fix(path, old_text, selection, style)
                bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
                new_data = bom + new_text.encode("utf-8") if new_text != old_text else None
        except SourceError as error:
            result.error = error
            return result
        if new_data is not None and new_data != raw:
            result.old_text, result.new_text, result.new_data = old_text, new_text, new_data
        return result
    decoded = decode(path, raw)
    try:
        fixed = fix_source(decoded.text, style, selection, findings=result.findings)
    except (FixError, SyntaxError, RecursionError) as error:
        result.error = SourceError(path, f"not fixed: {error}")
        return result
    result.fixed, result.findings = fixed.fixed, fixed.remaining
    if fixed.changed:
        result.old_text, result.new_text = decoded.text, fixed.source
        result.new_data = encode(decoded, fixed.source)
    return result


def _job(args) -> FileResult:
    work, path, raw, selection, style = args
    return work(path, raw, selection, style)


def run(
    paths: Sequence[str],
    work: Callable[[str, bytes, Selection, str], FileResult],
    selection: Callable[[str], Selection],
    style: str = "rename",
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    on_result: Optional[Callable[[FileResult], None]] = None,
) -> List[FileResult]:
    """Results for every path, in the order given. ``selection`` gives each path's codes (per-file
    ignores); ``jobs``: None = automatic, 1 = serial; ``on_result`` sees each analyzed file in order."""
    results: List[FileResult] = []
    candidates: List[int] = []
    for path in paths:
        try:
            raw = read_bytes(path)
        except SourceError as error:
            results.append(FileResult(path, error=error))
            continue
        results.append(FileResult(path, raw))
        if may_contain_findings(raw):
            candidates.append(len(results) - 1)
    tasks = [(work, results[i].path, results[i].raw, selection(results[i].path), style) for i in candidates]
    workers = _workers(jobs, len(tasks))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = pool.map(_job, tasks, chunksize=max(1, len(tasks) // (workers * 4)))
            finished = _collect(done, len(tasks), progress, on_result)
    else:
        finished = _collect(map(_job, tasks), len(tasks), progress, on_result)
    for index, result in zip(candidates, finished):
        results[index] = result
    return results


def _collect(results, total: int, progress, on_result) -> List[FileResult]:
    collected = []
    for result in results:
        if on_result is not None:  # e.g. write a fixed file now: an interrupted run keeps what it finished
            on_result(result)
        collected.append(result)
        if progress is not None:
            progress(len(collected), total)
    return collected


def _workers(jobs: Optional[int], tasks: int) -> int:
    if jobs is not None:
        return max(1, min(jobs, tasks))
    if tasks < PARALLEL_MIN_FILES or os.environ.get("PRE_COMMIT"):
        return 1
    return max(1, min(os.cpu_count() or 1, tasks))

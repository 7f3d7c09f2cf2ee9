"""Runs the engine over many files: pre-filter, parse, analyze (or fix), in parallel when it pays.

The main process reads each file once and keeps nothing of it unless its bytes can hold a
finding (the pre-filter); only those candidates are analyzed, by worker processes when there are
enough of them to repay starting the workers, never under pre-commit (which already runs hooks
in parallel). Workers get a path and its settings, read the file themselves, and send back only
findings, errors and fixed bytes, so memory does not grow with the tree. One bad file never costs
the others: anything that goes wrong with a file, including a bug in the engine or a worker that
dies, becomes an error for that file and the run goes on.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
import traceback
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from . import pool
from .analysis import analyze_tree, may_contain_findings
from .engine import may_reach_findings
from .catalog.schema import UNSAFE
from .decay_values import DecayValues
from .project import line_length, torch_floor
from .project_index import ProjectIndex
from .files import Decoded, SourceError, decode, encode, physical_lines, read_bytes
from .findings import Finding, Span
from .noqa import without_noqa
from .selection import Selection

NOTEBOOK_SUFFIXES = (".ipynb",)
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
SUFFIXES = (".py", ".pyi", *NOTEBOOK_SUFFIXES, *CONFIG_SUFFIXES)

PARALLEL_MIN_FILES = 24  # below this, starting worker processes costs more than it saves (see bench/)

Replacement = Tuple[int, int, str]  # character offset, characters deleted, text inserted


@dataclass(frozen=True)
class Options:
    """What a worker needs besides the path; small and picklable."""

    style: str = "rename"
    fix: bool = False  # compute the fixed file (fix, fix --diff)
    fix_details: bool = False  # each finding's own fix as edits, for JSON/SARIF output
    plan_fixes: bool = False  # whether findings carry fix plans (implied by the two above)
    project_roots: Tuple[str, ...] = ()  # follow imports of the project's own modules below these
    applicability: str = UNSAFE  # apply fixes up to this level: SAFE (check --fix) or UNSAFE
    target_torch: Optional[Tuple[int, int]] = None  # else the lowest torch each file's project allows
    decay_values: Optional[DecayValues] = None  # λ′ measured by the runtime calibration, written by fixes


def _target_torch(path: str, options: Options) -> Optional[Tuple[int, int]]:
    return options.target_torch or torch_floor(path)


@functools.lru_cache(maxsize=4)
def _project(roots: Tuple[str, ...]) -> Optional[ProjectIndex]:
    """One index per process and run: the project's modules are parsed once, lazily."""
    return ProjectIndex(roots) if roots else None


def prefilter(path: str, options: Options) -> Callable[[bytes], bool]:
    """A config may name one of the project's own classes, which the plain pre-filter cannot see."""
    if options.project_roots and path.endswith(CONFIG_SUFFIXES):
        return may_reach_findings
    return may_contain_findings


@dataclass
class FileResult:
    path: str
    findings: List[Finding] = field(default_factory=list)  # what remains to report
    fixed: List[Finding] = field(default_factory=list)  # findings whose fix is in new_data
    raw: bytes = b""  # the bytes that were read: kept only for a file that a fix changed
    new_data: Optional[bytes] = None  # fixed bytes, when a fix changed the file
    old_text: str = ""
    new_text: str = ""
    errors: List[SourceError] = field(default_factory=list)  # the file's, or a notebook's cells' (the rest was analyzed)
    replacements: Dict[Span, List[Replacement]] = field(default_factory=dict)  # per finding, for SARIF
    file_lines: Dict[Tuple[int, int], int] = field(default_factory=dict)  # notebooks: (cell, line) → .ipynb line
    notes: List[str] = field(default_factory=list)  # what a fix could not do as asked (λ′ kept as λ, say)


def _parse(path: str, raw: bytes) -> Tuple[Decoded, ast.AST]:
    decoded = decode(path, raw)
    try:
        return decoded, ast.parse(decoded.text, filename=path)
    except SyntaxError as error:
        raise SourceError(path, f"cannot be parsed: {error.msg}", error.lineno or 0, error.offset or 0) from None
    except (ValueError, RecursionError, MemoryError) as error:
        reason = "is nested too deeply to analyze" if isinstance(error, (RecursionError, MemoryError)) else str(error)
        raise SourceError(path, f"cannot be parsed: {reason}") from None


def _config_text(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(path, f"cannot be decoded as UTF-8: {error}") from None


def check_one(path: str, raw: bytes, selection: Selection, options: Options = Options()) -> FileResult:
    """Findings of one file's bytes (raises SourceError for a file that cannot be analyzed)."""
    result = FileResult(path)
    if not prefilter(path, options)(raw):
        return result
    project = _project(options.project_roots)
    if path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES):
        from . import configs, notebook  # PyYAML and libcst load only when such a file is a candidate

        if path.endswith(NOTEBOOK_SUFFIXES):
            result.findings, result.errors = notebook.check_cells(path, raw, selection, options.style)
            if result.findings:
                where = notebook.file_lines(raw)
                result.file_lines = {k: where[k] for k in {(f.cell, f.line) for f in result.findings} if k in where}
        else:
            result.findings = configs.check(path, _config_text(path, raw), selection, options.style, project)
        return result
    decoded, tree = _parse(path, raw)
    try:
        findings = analyze_tree(tree, physical_lines(decoded.text), options.style,
                                fixes=options.fix or options.fix_details or options.plan_fixes,
                                path=path, project=project, target_torch=_target_torch(path, options))
    except RecursionError:
        raise SourceError(path, "is nested too deeply to analyze") from None
    result.findings = selection.filter(without_noqa(findings, decoded.text))
    if options.fix_details and any(f.fix for f in result.findings):
        from .fix import fix_each

        result.replacements = fix_each(decoded.text, result.findings, path=path, line_length=line_length(path))
    return result


def fix_one(path: str, raw: bytes, selection: Selection, options: Options = Options()) -> FileResult:
    """``check_one``, and the file's fixed bytes when a fix changes it."""
    result = check_one(path, raw, selection, options)
    wanted = [f for f in result.findings if f.fix is not None and f.fix.applies_at(options.applicability)]
    if not wanted:
        return result
    if path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES) and len(wanted) < sum(1 for f in result.findings if f.fix):
        return result  # their fixers apply every fix at once: none, rather than one not asked for
    from . import configs, notebook
    from .fix import FixError, fix_source  # libcst costs ~0.25 s to import: only when fixing

    if path.endswith(NOTEBOOK_SUFFIXES):
        new_data, result.fixed, result.findings, result.errors = notebook.fix_cells(path, raw, selection, options.style)
        old_text, new_text = raw.decode("utf-8-sig"), (new_data or raw).decode("utf-8-sig")
    elif path.endswith(CONFIG_SUFFIXES):
        old_text = _config_text(path, raw)
        new_text, result.fixed, result.findings = configs.fix(path, old_text, selection, options.style,
                                                              _project(options.project_roots))
        bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
        new_data = bom + new_text.encode("utf-8") if new_text != old_text else None
    else:
        decoded = decode(path, raw)
        try:
            fixed = fix_source(decoded.text, options.style, selection, findings=result.findings,
                               applicability=options.applicability, target_torch=_target_torch(path, options),
                               path=path, line_length=line_length(path), decay_values=options.decay_values)
        except (FixError, SyntaxError, RecursionError) as error:
            raise SourceError(path, f"not fixed: {error}") from None
        result.fixed, result.findings, result.notes = fixed.fixed, fixed.remaining, fixed.decay_notes
        old_text, new_text = decoded.text, fixed.source
        new_data = encode(decoded, fixed.source, raw) if fixed.changed else None
    if new_data is not None and new_data != raw:
        result.raw, result.old_text, result.new_text, result.new_data = raw, old_text, new_text, new_data
    return result


Work = Callable[[str, bytes, Selection, Options], FileResult]


def analyze(path: str, raw: bytes, selection: Selection, options: Options) -> FileResult:
    """One file, whatever happens: every problem becomes the file's error, never an exception."""
    work: Work = fix_one if options.fix else check_one
    try:
        return work(path, raw, selection, options)
    except SourceError as error:
        return FileResult(path, errors=[error])
    except (RecursionError, MemoryError):
        return FileResult(path, errors=[SourceError(path, "is nested too deeply to analyze")])
    except Exception as error:  # a bug in adamw-lint: this file is reported, the others go on
        return FileResult(path, errors=[internal_error(path, f"{type(error).__name__}: {error}", traceback.format_exc())])


def internal_error(path: str, what: str, detail: str = "") -> SourceError:
    return SourceError(path, f"internal error: {what} (a bug in adamw-lint; please report it, "
                             "with the traceback shown by --verbose)", detail=detail)


def _task(task: Tuple[str, Selection, Options]) -> FileResult:
    """A worker's job: read the file itself, then analyze it."""
    path, selection, options = task
    try:
        raw = read_bytes(path)
    except SourceError as error:
        return FileResult(path, errors=[error])
    return analyze(path, raw, selection, options)


def run(
    paths: Iterable[str],
    selection: Callable[[str], Selection],
    options: Options = Options(),
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Iterator[FileResult]:
    """Results for the files that have something to say (findings, fixes, errors), in the order
    of ``paths``. ``selection`` gives each path's codes (per-file ignores); ``jobs``: None =
    automatic, 1 = serial. Consume the iterator to the end (or close it): that stops the workers."""
    results: List[Tuple[int, FileResult]] = []  # errors found while pre-filtering, by position
    tasks: List[Tuple[str, Selection, Options]] = []
    positions: List[int] = []
    for position, path in enumerate(paths):
        try:
            raw = read_bytes(path)
        except SourceError as error:
            results.append((position, FileResult(path, errors=[error])))
            continue
        if prefilter(path, options)(raw):  # the bytes are dropped here; a worker reads them again
            tasks.append((path, selection(path), options))
            positions.append(position)
    workers = _workers(jobs, len(tasks))
    with contextlib.ExitStack() as stack:
        if workers > 1:
            analyzed: Iterator = stack.enter_context(contextlib.closing(pool.imap(_task, tasks, workers)))
        else:
            analyzed = map(_task, tasks)
        pending = iter(results)
        waiting = next(pending, None)
        for done, (position, outcome) in enumerate(zip(positions, analyzed), 1):
            while waiting is not None and waiting[0] < position:
                yield waiting[1]
                waiting = next(pending, None)
            path = tasks[done - 1][0]
            if isinstance(outcome, pool.Crashed):
                outcome = FileResult(path, errors=[internal_error(path, outcome.reason, outcome.detail)])
            if progress is not None:
                progress(done, len(tasks))
            if outcome.findings or outcome.errors or outcome.new_data is not None or outcome.fixed:
                yield outcome
        while waiting is not None:
            yield waiting[1]
            waiting = next(pending, None)


def _workers(jobs: Optional[int], tasks: int) -> int:
    if jobs is not None and jobs > 0:
        return max(1, min(jobs, tasks))
    if tasks < PARALLEL_MIN_FILES or os.environ.get("PRE_COMMIT"):
        return 1
    return max(1, min(os.cpu_count() or 1, tasks))

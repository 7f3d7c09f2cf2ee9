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

import contextlib
import functools
import heapq
import os
import re
import sys
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

from . import pool
from .cache import LISTING, Cache, CachedResult, Deps, digest
from .prefilter import may_configure, may_contain_findings, may_hold_or_train_elsewhere
from .catalog.schema import UNSAFE
from .project import forget_metadata, in_package, legacy_keras, line_length, torch_floor
from .files import Decoded, SourceError, TooLarge, decode, encode, physical_lines, read_bytes, scan
from .findings import Finding, Span
from .records import Record
from .selection import Selection

if TYPE_CHECKING:
    import ast

    from .decay_values import DecayValues
    from .engine import Exports
    from .project_index import ProjectIndex
    from .recorded import RecordingIndex

NOTEBOOK_SUFFIXES = (".ipynb",)
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".jsonnet", ".libsonnet")
SUFFIXES = (".py", ".pyi", *NOTEBOOK_SUFFIXES, *CONFIG_SUFFIXES)

# Candidates waiting before workers start, by how they start: below this, starting them costs
# more than they save (bench/bench_repos.py: a forked worker is ready at once, a spawned one
# imports the engine first)
PARALLEL_MIN_FILES = {"fork": 12, "spawn": 24}

Replacement = Tuple[int, int, str]  # character offset, characters deleted, text inserted


class Options(Record):
    """What a worker needs besides the path; small and picklable (a named tuple, not a frozen
    dataclass: start-up). Its repr is part of the cache's key (``_cache_key``)."""

    style: str = "rename"
    fix: bool = False  # compute the fixed file (fix, fix --diff)
    fix_details: bool = False  # each finding's own fix as edits, for JSON/SARIF output
    plan_fixes: bool = False  # whether findings carry fix plans (implied by the two above)
    project_roots: Tuple[str, ...] = ()  # follow imports of the project's own modules below these
    applicability: str = UNSAFE  # apply fixes up to this level: SAFE (check --fix) or UNSAFE
    target_torch: Optional[Tuple[int, int]] = None  # else the lowest torch each file's project allows
    decay_values: Optional[DecayValues] = None  # λ′ measured by the runtime calibration, written by fixes
    reaches: bool = False  # admitted by run()'s second pass (it uses a project name reaching an optimizer)
    unwritten: bool = False  # fix --diff: report what remains at its place in the file as read


def _target_torch(path: str, options: Options) -> Optional[Tuple[int, int]]:
    return options.target_torch or torch_floor(path)


@functools.lru_cache(maxsize=4)
def _project(roots: Tuple[str, ...]) -> Optional[RecordingIndex]:
    """One index per process and run: the project's modules are parsed once, lazily (and the
    modules each file's analysis looks for are noted, for the cache)."""
    if not roots:
        return None
    from .recorded import RecordingIndex  # the index (and the resolver under it) only once a file is analyzed

    return RecordingIndex(roots)


def prefilter(path: str, options: Options) -> Callable[[bytes], bool]:
    """A config may name one of the project's own classes, which the plain pre-filter cannot see."""
    if options.reaches:
        return _admitted
    if options.project_roots and path.endswith(".py"):  # a builder in another module may hold the L2
        return may_hold_or_train_elsewhere
    if not path.endswith(CONFIG_SUFFIXES):
        return may_contain_findings
    project = bool(options.project_roots)
    if path.endswith(_ALLENNLP_SUFFIXES):  # AllenNLP names optimizers in lower case ("adam"): not trigger words
        return lambda raw: may_configure(raw, project) or (b"trainer" in raw and b"optimizer" in raw)
    return lambda raw: may_configure(raw, project)


_ALLENNLP_SUFFIXES = (".json", ".jsonnet", ".libsonnet")


def _exported(result: "FileResult", path: str, options: Options) -> Optional[Callable[[Exports], None]]:
    """Where a module the project may import keeps the names that can reach an optimizer."""
    if not options.project_roots or not path.endswith(".py"):
        return None

    def keep(exports: Exports) -> None:
        result.exports = exports
    return keep


def _admitted(raw: bytes) -> bool:
    return True


_NO_EXPORTS: Exports = (frozenset(), {}, frozenset())


class FileResult:
    """What one file's check (or fix) has to say; the run fills it in as it goes. A plain class
    with slots, not a dataclass: ``dataclasses`` costs every run its import (start-up)."""

    __slots__ = ("path", "findings", "fixed", "raw", "new_data", "old_text", "new_text", "errors", "replacements",
                 "file_lines", "notes", "exports", "digest", "located")

    def __init__(self, path: str, findings: Optional[List[Finding]] = None, *, raw: bytes = b"",
                 errors: Optional[List[SourceError]] = None, replacements: Optional[Dict[Span, List[Replacement]]] = None,
                 file_lines: Optional[Dict[Tuple[int, int], int]] = None, exports: Exports = _NO_EXPORTS) -> None:
        self.path = path
        self.findings = [] if findings is None else findings  # what remains to report
        self.fixed: List[Finding] = []  # findings whose fix is in new_data
        self.raw = raw  # the bytes that were read: kept only for a file that a fix changed
        self.new_data: Optional[bytes] = None  # fixed bytes, when a fix changed the file
        self.old_text = ""
        self.new_text = ""
        self.errors = [] if errors is None else errors  # the file's, or a notebook's cells' (the rest was analyzed)
        self.replacements = {} if replacements is None else replacements  # per finding, for SARIF
        self.file_lines = {} if file_lines is None else file_lines  # notebooks: (cell, line) → .ipynb line
        self.notes: List[str] = []  # what a fix could not do as asked (λ′ kept as λ, say)
        self.exports = exports  # engine.reach_exports, for run()'s second pass
        self.digest = ""  # of the bytes analyzed (the cache's key)
        self.located: Deps = {}  # the project modules the analysis looked for (the cache's)


def _parse(path: str, raw: bytes) -> Tuple[Decoded, ast.AST]:
    import ast  # here: a run that finds no candidate parses nothing

    decoded = decode(path, raw)
    try:
        return decoded, ast.parse(decoded.text, filename=path)
    except SyntaxError as error:
        newer = _newer_syntax(error, decoded.text)
        reason = error.msg if newer is None else (
            f"{newer[0]} needs Python {newer[1]} or newer, and adamw-lint runs on Python "
            f"{sys.version_info[0]}.{sys.version_info[1]}: run it with Python {newer[1]} or newer")
        raise SourceError(path, f"cannot be parsed: {reason}", error.lineno or 0, error.offset or 0) from None
    except (ValueError, RecursionError, MemoryError) as error:
        reason = {RecursionError: "is nested too deeply to analyze", MemoryError: _OUT_OF_MEMORY}.get(type(error), str(error))
        raise SourceError(path, f"cannot be parsed: {reason}") from None


# Syntax that a newer Python accepts and the one running us rejects: (the version, what it is,
# the messages this Python gives for it, the pattern of the offending line; None: any line).
@functools.lru_cache(maxsize=1)
def _newer_syntax_table() -> tuple:  # compiled only for a file that does not parse
    return (
        ((3, 10), "a match statement", ("invalid syntax",), re.compile(r"^\s*match\b.*:\s*(#.*)?$")),
        ((3, 11), "except* (PEP 654)", ("invalid syntax",), re.compile(r"^\s*except\s*\*")),
        ((3, 12), "an f-string with a backslash or comment in an expression (PEP 701)",
         ("f-string expression part cannot include a backslash", "f-string expression part cannot include '#'"), None),
        ((3, 12), "an f-string that reuses its quote inside an expression (PEP 701)",
         ("f-string: unmatched", "f-string: expecting '}'", "unterminated string literal"),
         re.compile(r"""[fF][rRbB]?(["'])[^"'\n]*\{[^}]*\1""")),
        ((3, 12), "a type statement (PEP 695)", ("invalid syntax",), re.compile(r"^\s*type\s+[A-Za-z_]\w*\s*[\[=]")),
        ((3, 12), "a generic class or function (PEP 695)", ("invalid syntax", "expected '('"),
         re.compile(r"^\s*(async\s+)?(def|class)\s+[A-Za-z_]\w*\s*\[")),
    )


def _newer_syntax(error: SyntaxError, text: str) -> Optional[Tuple[str, str]]:
    """What in the line a SyntaxError points at only a newer Python accepts, and that version."""
    lines = physical_lines(text)
    line = lines[error.lineno - 1] if error.lineno and 0 < error.lineno <= len(lines) else ""
    for version, what, messages, pattern in _newer_syntax_table():
        if sys.version_info < version and (error.msg or "").startswith(messages) \
                and (pattern is None or pattern.search(line)):
            return what, f"{version[0]}.{version[1]}"
    return None


_OUT_OF_MEMORY = "ran out of memory (parsing needs tens of times the file's size)"


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
    if project is not None:
        project.located = result.located  # what this file's analysis looks for is noted here
    if path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES):
        from . import configs, notebook  # PyYAML and libcst load only when such a file is a candidate

        if path.endswith(NOTEBOOK_SUFFIXES):
            result.findings, result.errors = notebook.check_cells(path, raw, selection, options.style,
                                                                  _target_torch(path, options))
            if result.findings:
                where = notebook.file_lines(raw)
                result.file_lines = {k: where[k] for k in {(f.cell, f.line) for f in result.findings} if k in where}
        else:
            try:
                result.findings = configs.check(path, _config_text(path, raw), selection, options.style, project,
                                                _target_torch(path, options))
            except SourceError:
                if b"decay" in raw:
                    raise
                # Configs are read only in case they configure an optimizer, and every finding in
                # one is a weight decay: a file without the word (a sweep file with a docstring, a
                # templated chart) that is not YAML/JSON is not ours to fail the run over.
        return result
    decoded, tree = _parse(path, raw)
    from .engine import analyze_tree  # the engine loads with the first candidate: a run without one never needs it

    try:
        findings = analyze_tree(tree, physical_lines(decoded.text), options.style,
                                fixes=options.fix or options.fix_details or options.plan_fixes,
                                path=path, project=project, target_torch=_target_torch(path, options),
                                exported=_exported(result, path, options),
                                limited=lambda reason: result.errors.append(SourceError(path, reason)))
    except RecursionError:
        raise SourceError(path, "is nested too deeply to analyze") from None
    if findings:  # noqa (and tokenize) only for a file with something to silence
        from .noqa import without_noqa

        findings = without_noqa(findings, decoded.text)
    result.findings = selection.filter(findings)
    if options.fix_details and any(f.fix for f in result.findings):
        from .textfix import fix_each  # libcst loads only for a fix that is not a rename

        result.replacements = fix_each(decoded.text, result.findings, path=path, line_length=line_length(path),
                                       tree=tree)
    return result


def fix_one(path: str, raw: bytes, selection: Selection, options: Options = Options()) -> FileResult:
    """``check_one``, and the file's fixed bytes when a fix changes it."""
    result = check_one(path, raw, selection, options)
    wanted = [f for f in result.findings if f.fix is not None and f.fix.applies_at(options.applicability)]
    if not wanted:
        return result
    if path.endswith(CONFIG_SUFFIXES) and len(wanted) < sum(1 for f in result.findings if f.fix):
        return result  # the config fixer applies every fix at once: none, rather than one not asked for
    from . import configs, notebook
    from .textfix import FixError, fix_source  # libcst (~0.25 s to import) only for a fix that is not a rename

    if path.endswith(NOTEBOOK_SUFFIXES):
        new_data, result.fixed, result.findings, result.errors = notebook.fix_cells(
            path, raw, selection, options.style, _target_torch(path, options), options.applicability)
        old_text, new_text = raw.decode("utf-8-sig"), (new_data or raw).decode("utf-8-sig")
    elif path.endswith(CONFIG_SUFFIXES):
        old_text = _config_text(path, raw)
        new_text, result.fixed, result.findings = configs.fix(path, old_text, selection, options.style,
                                                              _project(options.project_roots), _target_torch(path, options))
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
        before = result.findings
        result.fixed, result.findings, result.notes = fixed.fixed, fixed.remaining, fixed.decay_notes
        if options.unwritten:  # the file on disk keeps its lines: so do the findings left in it
            done = {f.span for f in fixed.fixed}
            result.findings = [f for f in before if f.span not in done]
        old_text, new_text = decoded.text, fixed.source
        new_data = encode(decoded, fixed.source, raw) if fixed.changed else None
    if new_data is not None and new_data != raw:
        result.raw, result.old_text, result.new_text, result.new_data = raw, old_text, new_text, new_data
    return result


Work = Callable[[str, bytes, Selection, Options], FileResult]


def analyze(path: str, raw: bytes, selection: Selection, options: Options) -> FileResult:
    """One file, whatever happens: every problem becomes the file's error, never an exception;
    except an interruption (``pool.interruptible``), which stops the run."""
    result = _analyze(path, raw, selection, options)
    if pool.interrupted():
        raise KeyboardInterrupt
    return result


def _analyze(path: str, raw: bytes, selection: Selection, options: Options) -> FileResult:
    work: Work = fix_one if options.fix else check_one
    try:
        return work(path, raw, selection, options)
    except SourceError as error:
        return FileResult(path, errors=[error])
    except RecursionError:
        return FileResult(path, errors=[SourceError(path, "is nested too deeply to analyze")])
    except MemoryError:
        return FileResult(path, errors=[SourceError(path, f"cannot be analyzed: {_OUT_OF_MEMORY}")])
    except Exception as error:  # a bug in adamw-lint: this file is reported, the others go on
        interrupt = _interrupt_behind(error)
        if interrupt is not None:
            raise interrupt from None
        import traceback  # only for a bug in adamw-lint

        return FileResult(path, errors=[internal_error(path, f"{type(error).__name__}: {error}", traceback.format_exc())])


def _interrupt_behind(error: BaseException) -> Optional[KeyboardInterrupt]:
    """A Ctrl-C that a library's clean-up code turned into another exception while it unwound
    (libcst's transformers raise KeyError when interrupted mid-visit), for a caller that runs
    without ``pool.interruptible``: the run must stop, not report the file as a bug and go on."""
    seen = 0
    cause: Optional[BaseException] = error
    while cause is not None and seen < 100:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        cause, seen = cause.__context__, seen + 1
    return None


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
    result = analyze(path, raw, selection, options)
    result.digest = digest(raw)
    return result


def run(
    paths: Iterable[str],
    selection: Callable[[str], Selection],
    options: Callable[[str], Options] = lambda path: Options(),
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    cache: Optional[Cache] = None,
) -> Iterator[FileResult]:
    """Results for the files that have something to say (findings, fixes, errors), in the order
    of ``paths``. ``selection`` and ``options`` give each path's codes and fix settings (from the
    configuration closest to it); ``jobs``: None = automatic, 1 = serial. Consume the iterator to the end (or close it): that stops the workers.

    When the project's modules are followed there are two passes: the candidates (the
    pre-filter) are analyzed first and tell which of their module-level names can reach an
    optimizer (``engine.reach_exports``); then a file that names no optimizer is analyzed only
    if it uses one of those names where the engine would follow it (``_second_pass``)."""
    found: List[Tuple[int, FileResult]] = []  # a heap: what to report, with its position in ``paths``
    later: List[Tuple[int, str, bool, bool]] = []  # non-candidates that may use the project: position, path, has "decay", "]("
    direct: set = set()
    links: Dict[str, FrozenSet[str]] = {}
    tables: set = set()
    given: List[str] = []  # every path of the run: pass 1 read the project modules among them
    keys: Dict[int, str] = {}  # the cache keys of the files being analyzed, by position
    # a run sees the project's modules and metadata as they are now, not as an earlier run in this process did
    _project.cache_clear()
    forget_metadata()
    analyzer = _Analyzer(jobs, progress)
    with contextlib.closing(analyzer):
        for position, path in enumerate(paths):
            given.append(path)
            try:
                settings = options(path)
                has, held = _contents(path)
                candidate = has(prefilter(path, settings))
                follows = not candidate and bool(settings.project_roots) and path.endswith(".py")
                decay = follows and has(lambda raw: b"decay" in raw)
                indexed = follows and not decay and has(lambda raw: b"](" in raw)
            except SourceError as error:
                heapq.heappush(found, (position, FileResult(path, errors=[error])))
                continue
            if candidate:  # the bytes are dropped here; a worker reads them again
                chosen = selection(path)
                stored = _cached(cache, keys, position, (path, chosen, settings), held)
                if stored is not None:
                    _keep(found, position, stored)
                    _exports(stored, direct, links, tables)
                    continue
                analyzer.submit(position, (path, chosen, settings))
            elif follows:
                later.append((position, path, decay, indexed))
        undecided = later[0][0] if later else sys.maxsize  # results stream up to the first of them
        for position, outcome in analyzer.results():
            _keep(found, position, outcome)
            _exports(outcome, direct, links, tables)
            _store(cache, keys, position, outcome)
            yield from _ready(found, min(position, undecided))
        if later:
            unread = _UnreadImports(given, lambda path: _project(options(path).project_roots))
            for position, path, raw in _second_pass(later, direct, links, tables, unread):
                task = (path, selection(path), options(path)._replace(reaches=True))
                stored = _cached(cache, keys, position, task, raw)
                if stored is not None:
                    _keep(found, position, stored)
                    continue
                analyzer.submit(position, task)
            for position, outcome in analyzer.results():
                _keep(found, position, outcome)
                _store(cache, keys, position, outcome)
    yield from _ready(found, sys.maxsize)
    if cache is not None:
        cache.save()


def _cached(cache: Optional[Cache], keys: Dict[int, str], position: int, task: Tuple[str, Selection, Options],
            raw: Optional[bytes]) -> Optional[FileResult]:
    """The cache's result for a file whose bytes are ``raw``, if it holds one that is still true;
    else None, and the key to store the file's result under is noted in ``keys``."""
    path, selection, options = task
    if cache is None or options.fix or raw is None:
        return None
    key = _cache_key(path, selection, options)
    stored = cache.get(path, key, digest(raw), _locator(options))
    if stored is None:
        keys[position] = key
        return None
    return _restored(path, stored)


def _store(cache: Optional[Cache], keys: Dict[int, str], position: int, outcome: FileResult) -> None:
    if cache is not None and position in keys and outcome.digest:
        cache.put(outcome.path, keys.pop(position), outcome.digest, outcome.located, CachedResult(
            outcome.findings, outcome.errors, outcome.replacements, outcome.file_lines, outcome.exports))


def _cache_key(path: str, selection: Selection, options: Options) -> str:
    """Everything besides the file's bytes and project modules that its result depends on."""
    length = line_length(path) if options.fix_details else 0
    package = in_package(path)  # fixes inside a package's public API are advice only
    keras = legacy_keras(path)  # decay= is then Keras's own learning-rate decay (AWL203)
    return digest(repr((options, selection, _target_torch(path, options), length, package, keras)).encode())


def _locator(options: Options) -> Callable[[str], Optional[str]]:
    """Where a project module is found now, or the project's listing now (without noting either:
    no file is being analyzed)."""
    from .project_index import ProjectIndex

    project = _project(options.project_roots)

    def locate(dotted: str) -> Optional[str]:
        if project is None:
            return None
        if dotted.startswith(LISTING):  # the project's listing, or one folder's (``LISTING + folder``)
            return project.listing() if dotted == LISTING else project.folder_digest(dotted[len(LISTING):])
        return ProjectIndex._locate(project, dotted)
    return locate


def _restored(path: str, stored: CachedResult) -> FileResult:
    return FileResult(path, findings=stored.findings, errors=stored.errors, replacements=stored.replacements,
                      file_lines=stored.file_lines, exports=stored.exports)


def _exports(outcome: FileResult, direct: set, links: Dict[str, FrozenSet[str]], tables: set) -> None:
    """Gather a pass-1 file's reaching names (``engine.reach_exports``) for the second pass."""
    direct.update(outcome.exports[0])
    for name, mentioned in outcome.exports[1].items():
        links[name] = links.get(name, frozenset()) | mentioned
    tables.update(outcome.exports[2])


_HOLD_BYTES = 4 * 2**20  # a larger file is pre-filtered in chunks: memory never follows the largest file


def _contents(path: str) -> Tuple[Callable[[Callable[[bytes], bool]], bool], Optional[bytes]]:
    """Asks whether a test holds for a file's bytes: held whole when small (and returned, for
    the cache), else scanned in chunks (a multi-gigabyte data file beside the code is never read
    into memory)."""
    try:
        raw = read_bytes(path, _HOLD_BYTES)
    except TooLarge:
        return (lambda test: scan(path, test)), None
    return (lambda test: test(raw)), raw


def _keep(found: List[Tuple[int, FileResult]], position: int, outcome: FileResult) -> None:
    if outcome.findings or outcome.errors or outcome.new_data is not None or outcome.fixed:
        heapq.heappush(found, (position, outcome))


def _ready(found: List[Tuple[int, FileResult]], until: int) -> Iterator[FileResult]:
    """The results kept at positions up to ``until``, in order (every earlier file is decided)."""
    while found and found[0][0] <= until:
        yield heapq.heappop(found)[1]


def _second_pass(later: List[Tuple[int, str, bool, bool]], direct: Iterable[str], links: Dict[str, FrozenSet[str]],
                 tables: Iterable[str], unread: Callable[[str, bytes], bool]) -> Iterator[Tuple[int, str, bytes]]:
    """The non-candidates that use a name reaching an optimizer where the engine follows it (and
    the bytes read: the cache's key).

    A file that names no optimizer holds a finding only through the project's modules: a call of
    a project wrapper or class that passes it something (``engine._may_reach``: which argument
    becomes the decay, ``build(p, wd=1e-4)``, is the callable's summary's to say), so the file
    names one of the reaching names (a file without "decay": imports it, not merely mentions it
    or calls it through a module, ``optim.build(p, wd=1e-4)``: a reaching name may be a common
    word, ``model``, ``get``); or a registry indexed at the call (``OPTIMIZERS[name](p,
    1e-3, (0.9, 0.999), 1e-8, 1e-4)``), so it contains "](" or "decay". A constant (``from
    .config import WEIGHT_DECAY``) matters only in a file that passes it to an optimizer or a
    wrapper, which is admitted for that. The reaching names come from candidates only because
    the engine parses a project module only if its text names an optimizer; a file that passes a
    decay and imports such a module that is not among the run's paths (a pre-commit run names
    only the changed files) is admitted too (``unread``: it reads the file's imports, so only
    for a file that contains "decay"). A file without "decay" is read again only when it may
    import a reaching name the pre-filter does not react to (a re-exported ``AdamW`` would
    have made it a candidate), or holds "](" and a registry is among the names."""
    reaching: FrozenSet[str] = frozenset()
    if direct:  # (a run whose files hold no candidate imports no engine)
        from .engine import reaching_names

        reaching = reaching_names(direct, links)
    registries = reaching.intersection(tables)
    named = _words(reaching) if reaching else None
    # a name the pre-filter reacts to (``AdamW`` re-exported) is in no file that is not a candidate
    unseen = [name for name in reaching - registries if not may_contain_findings(name.encode())]
    imported = _imported_names(unseen) if unseen else None
    indexed = _words(registries) if registries else None
    for position, path, decay, bracket in later:
        if not decay and imported is None and not (bracket and indexed is not None):
            continue
        try:
            raw = read_bytes(path)
        except SourceError:
            continue  # gone since it was first read: nothing to analyze
        if (decay and named is not None and named.search(raw)) or (imported is not None and imported.search(raw)) \
                or (indexed is not None and (decay or bracket) and indexed.search(raw)) or (decay and unread(path, raw)):
            yield position, path, raw


# ``from .a.b import c, d`` / ``import a.b as c, d``, on one line (a parenthesized list: its first line)
# compiled on first use (re's cache; 0.9 ms): only a run's second pass reads imports
_IMPORT = rb"(?m)^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t(]+([\w \t,]*)|import[ \t]+([\w. \t,]+))"


class _UnreadImports:
    """Whether a file imports a project module that the run did not read and whose text names an
    optimizer: the engine would follow that import (``ProjectIndex``), but its reaching names are
    not among pass 1's, which come from the run's own paths."""

    def __init__(self, given: List[str], index: Callable[[str], Optional[ProjectIndex]]) -> None:
        self._given = given
        self._read: Optional[set] = None
        self._index = index

    def __call__(self, path: str, raw: bytes) -> bool:
        index = self._index(path)
        if index is None:
            return False
        package = index.package_of(path)
        if self._read is None:
            self._read = {os.path.abspath(p) for p in self._given}
        return any(index.optimizer_module(dotted, unless=self._read) is not None
                   for dotted in _imported_modules(raw, package, index.beside(path)))


def _imported_modules(raw: bytes, package: Optional[str],
                      beside: Optional[Callable[[str], Optional[str]]] = None) -> Iterator[str]:
    """The modules a file imports (and ``module.name`` of each ``from module import name``, which
    may be a submodule); relative ones only when the file's package is known; absolute ones found
    first ``beside`` the file, as the resolver finds them (``ProjectIndex.beside``)."""
    from .scope import absolute_module, found_first  # the resolver's module: only for a run's second pass

    for dots, module, names, plain in re.findall(_IMPORT, raw):
        if plain:
            for part in plain.split(b","):
                words = part.split()
                if words:
                    yield found_first(words[0].decode("ascii", "replace"), beside)
            continue
        if dots:
            base = absolute_module(len(dots), module.decode("ascii", "replace") or None, package)
        else:
            base = found_first(module.decode("ascii", "replace"), beside) if module else None
        if base is None:
            continue
        yield base
        for name in names.split(b","):
            words = name.split()
            if words and words[0] != b"*":
                yield f"{base}.{words[0].decode('ascii', 'replace')}"


def _words(names: Iterable[str]) -> "re.Pattern[bytes]":
    return re.compile(rb"\b(?:" + _alternatives(names) + rb")\b")


def _imported_names(names: Iterable[str]) -> "re.Pattern[bytes]":
    """One of ``names`` imported (``from pkg.optim import build``, also in a parenthesized list).
    Not a call through a module (``optim.build(``): a reaching name may be ``get``, and
    ``config.get(`` is everywhere."""
    alternatives = _alternatives(names)
    return re.compile(rb"^[ \t]*(?:from|import)[ \t][^\n]*\b(?:" + alternatives + rb")\b"
                      rb"|^[ \t]*from[ \t][^\n(]*\([^)]*\b(?:" + alternatives + rb")\b", re.MULTILINE)


def _alternatives(names: Iterable[str]) -> bytes:
    return b"|".join(re.escape(n.encode()) for n in sorted(names, key=len, reverse=True))


class _Analyzer:
    """Analyzes submitted files in order: serially, or by worker processes started once enough
    candidates are found to repay them, while the main process reads the rest of the tree; the
    main process then analyzes too whenever every worker is busy."""

    def __init__(self, jobs: Optional[int], progress: Optional[Callable[[int, int], None]]) -> None:
        self.workers, self.start_at = _workers(jobs)
        self.progress = progress
        self.pool: Optional[pool.Pool] = None
        self.waiting: List[Tuple[str, Selection, Options]] = []  # not yet handed to the pool
        self.entries: List[Tuple[int, str]] = []  # position and path of every task, in order
        self.done = 0

    def submit(self, position: int, task: Tuple[str, Selection, Options]) -> None:
        self.entries.append((position, task[0]))
        if self.pool is not None:
            self.pool.submit(task)
            return
        self.waiting.append(task)
        if self.workers and len(self.entries) - self.done >= self.start_at:
            self.pool = pool.Pool(_task, self.workers, helper=_task)
            for waiting in self.waiting:
                self.pool.submit(waiting)
            self.waiting = []

    def results(self) -> Iterator[Tuple[int, FileResult]]:
        """The outcomes of the tasks submitted so far that were not yet returned."""
        if self.pool is not None:
            outcomes: Iterator = self.pool.results()
        else:
            outcomes, self.waiting = map(_task, self.waiting), []
        for outcome in outcomes:
            position, path = self.entries[self.done]
            self.done += 1
            if isinstance(outcome, pool.Crashed):
                outcome = FileResult(path, errors=[internal_error(path, outcome.reason, outcome.detail)])
            if self.progress is not None:
                self.progress(self.done, len(self.entries))
            yield position, outcome

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def _workers(jobs: Optional[int]) -> Tuple[int, int]:
    """How many worker processes at most, and how many candidates must be waiting to start them.
    Automatic: one fewer than the cores, since the main process analyzes too."""
    if jobs is not None and jobs > 0:
        return (jobs, 2) if jobs > 1 else (0, 0)
    if os.environ.get("PRE_COMMIT"):
        return 0, 0
    return max(0, (os.cpu_count() or 1) - 1), PARALLEL_MIN_FILES[pool.start_method()]

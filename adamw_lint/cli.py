"""``adamw-lint``: check, fix, rules and explain, with CI-friendly output and exit codes.

Exit codes (as ruff): 0 nothing found, 1 findings remain, 2 a usage error or a file that could
not be read, parsed or written. ``fix --diff`` (ruff's ``check --diff``, which implies
``--fix-only``): 1 exactly when the diff is not empty; findings without an automatic fix are
listed on stderr but do not fail it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO

from . import __version__

if TYPE_CHECKING:
    from . import report
    from .files import SourceError
    from .runner import FileResult

# Every other import is made where it is used: `--version`, `rules` and a check that finds no
# candidate start in a fraction of the time the engine and libcst take to import (see bench/).

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

_RETUNE = (
    "The weight-decay fixes change training numerics: re-tune weight_decay (the same value is a much weaker "
    "regularization under AdamW; typical AdamW values are 1e-2 to 1e-1; "
    "`python -m adamw_lint.runtime --calibrate` measures a starting point, `--weight-decay-from` writes it)."
)
_CALIBRATED = (
    "The weight-decay fixes change training numerics: the measured decoupled weight decay was written where it was "
    "calibrated (the top of a search range, not a drop-in value: see docs/runtime.md); calls without a "
    "measurement keep their weight_decay: re-tune those."
)


def _argument(parse):
    """An argparse type from a parser that raises ValueError with a message for the user."""
    def convert(text: str):
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def _whole_number(low: int, high: int, what: str):
    def parse(text: str) -> int:
        value = int(text) if text.lstrip("-").isdigit() else low - 1
        if not low <= value <= high:
            raise ValueError(f"must be {what}")
        return value

    return _argument(parse)


def _torch_version(text: str):
    from .project import parse_version  # reads no project: only the version syntax

    return parse_version(text)


def _codes(text: str):
    from .selection import parse_codes

    return parse_codes(text)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, which argparse's help formatter asks for whenever it
    is built, and argparse builds one for every argument it adds: importing shutil (and the
    compression modules it tries) for it was ~3 ms of every run."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


def _parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line's parser, with the arguments of ``command`` only (the one a command line
    names): adding the other commands' arguments was a quarter of what building it cost (2.4 ->
    1.8 ms). The other commands are there, without arguments, for the top-level help and errors."""
    width = _terminal_columns() - 2  # argparse's default width

    def formatter(prog: str) -> argparse.HelpFormatter:
        return argparse.HelpFormatter(prog, width=width)

    parser = argparse.ArgumentParser(
        prog="adamw-lint",
        description="Find adaptive optimizers trained with coupled L2 where weight decay was meant, and fix them.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=functools.partial(argparse.ArgumentParser, formatter_class=formatter))
    for name, (summary, add_arguments) in _COMMANDS.items():
        sub = commands.add_parser(name, help=summary)
        if name == command:
            add_arguments(sub)
    return parser


def _common_arguments(sub: argparse.ArgumentParser) -> None:
    """The arguments ``check`` and ``fix`` share."""
    from . import settings as config

    sub.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories; - reads stdin")
    sub.add_argument("--select", type=_argument(_codes), default=None, help="codes or prefixes to report (default: all rules on by default)")
    sub.add_argument("--ignore", type=_argument(_codes), default=None, help="codes or prefixes not to report")
    sub.add_argument("--extend-select", type=_argument(_codes), default=None, help="turn on codes that are off by default")
    sub.add_argument("--exclude", action="append", default=None, metavar="PATTERN",
                     help="gitignore-style patterns to skip, replacing the configured and default ones (repeatable)")
    sub.add_argument("--extend-exclude", action="append", default=None, metavar="PATTERN",
                     help="gitignore-style patterns to skip, in addition to the others (repeatable)")
    sub.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                     help="skip files git ignores (the default)")
    sub.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false")
    sub.add_argument("--force-exclude", dest="force_exclude", action="store_true", default=None,
                     help="apply excludes to paths named on the command line too (for pre-commit)")
    sub.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")
    sub.add_argument("--config", metavar="PATH", help="use this configuration file for every file, instead of discovering one per file")
    sub.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    sub.add_argument("--show-files", action="store_true", help="list the files that would be checked, and exit")
    sub.add_argument("--stdin-filename", default="-", help="name shown for code read from stdin")
    cpus = os.cpu_count() or 1
    sub.add_argument("-j", "--jobs", default=None, help="worker processes: 1 to the number of CPUs (default 0: automatic)",
                     type=_whole_number(0, cpus, f"a whole number from 1 to {cpus} (this machine's CPUs), or 0 for automatic"))
    sub.add_argument("-v", "--verbose", action="store_true", help="show the traceback of internal errors (also: ADAMW_LINT_VERBOSE=1)")
    sub.add_argument("-q", "--quiet", action="store_true", help="print findings only: no summary, no progress")
    sub.add_argument("-o", "--output-file", metavar="FILE", help="write the findings (or diff) to FILE instead of stdout")
    sub.add_argument(
        "--style",
        choices=config.STYLES,
        default=None,
        help="fix for torch.optim.Adam: 'rename' to AdamW (any torch since 1.2, default) or "
        "'flag' to pass decoupled_weight_decay=True (torch >= 2.7 only)",
    )
    sub.add_argument("--target-torch", type=_argument(_torch_version), default=None, metavar="X.Y",
                     help="the oldest torch the code must run on (default: the lowest the project's metadata allows); "
                          "a fix that needs a newer torch is not offered")
    sub.add_argument("--exit-zero", action="store_true", help="exit 0 whatever was found (errors are still printed)")
    sub.add_argument("--show-settings", action="store_true", help="print the settings for the first path, and exit")


def _check_arguments(check: argparse.ArgumentParser) -> None:
    from . import settings as config

    _common_arguments(check)
    check.add_argument("--format", choices=config.FORMATS, default=None)
    check.add_argument("--statistics", action="store_true", help="print the number of findings per code instead of the findings (text or json)")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (numerics unchanged), then report what remains")
    check.add_argument("--unsafe-fixes", dest="unsafe_fixes", action="store_true", default=None,
                       help="with --fix, also apply fixes that change training numerics (every coupled-to-decoupled rewrite)")
    check.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false")
    check.add_argument("--add-noqa", action="store_true", help="add '# noqa: CODE' to every line with a finding (adopting the linter in a legacy codebase)")
    check.add_argument("--no-cache", action="store_true", help="analyze every file, neither reading nor writing the results cache")
    check.add_argument("--cache-dir", metavar="DIR", help="where the results cache lives (default: the cache-dir setting, "
                                                          "else .adamw_lint_cache beside the configuration or in the working directory)")


def _fix_arguments(fix: argparse.ArgumentParser) -> None:
    _common_arguments(fix)
    fix.add_argument("--diff", action="store_true",
                     help="write nothing; print a unified diff; exit 1 only when the diff is not empty "
                          "(findings without an automatic fix are listed on stderr and do not change the exit code, as ruff's --diff)")
    fix.add_argument("--no-cache", action="store_true",
                     help="accepted as check accepts it (a script may pass both the same options): fix analyzes every file, "
                          "and reads or writes no cache")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="accepted as `check --fix` takes it (the hint check prints names it): fix already applies every "
                          "fix, those that change training numerics included")
    fix.add_argument("--weight-decay-from", metavar="FILE",
                     help="write the decoupled weight decay measured by `python -m adamw_lint.runtime --calibrate` "
                          "(adamw-calibration.json) into the rewritten calls, matched by file and line")
    fix.add_argument("--weight-decay-scale", type=float, default=1.0, metavar="S",
                     help="with --weight-decay-from: a number in [0, 1] that picks low·(high/low)^S of the calibrated "
                          "search range on a log scale; 1 (default) = λ′, the top; 0 = the bottom")


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def _config_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument("path", nargs="?", default=".")
    show.add_argument("--config", metavar="PATH", help="read this configuration file instead of discovering one")
    show.add_argument("--isolated", action="store_true", help="ignore every configuration file")


def _explain_arguments(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("code")
    explain.add_argument("--demo", action="store_true", help="run a tiny experiment that shows the difference (needs torch)")
    explain.add_argument("--plot", metavar="FILE.png", help="with --demo: plot effective decay against gradient scale (needs matplotlib)")


def _verify_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    verify.add_argument("--steps", type=_whole_number(1, 2**31, "a whole number of at least 1"), default=1000)


_COMMANDS = {  # name: (help, what adds its arguments)
    "check": ("report findings", _check_arguments),
    "fix": ("apply the automatic fixes (they change training numerics)", _fix_arguments),
    "rules": ("list the rules", _no_arguments),
    "config": ("print the effective settings for a path", _config_arguments),
    "explain": ("print a rule's documentation", _explain_arguments),
    "verify": ("check the reference AdamW and the runtime probe on a device (needs torch)", _verify_arguments),
}


def _torch_command(run) -> int:
    """Run a command that needs torch; say how to get it when it is missing."""
    try:
        import_module("torch")
    except ImportError:
        sys.stderr.write("adamw-lint: error: this command needs torch: pip install 'adamw-lint[torch]'\n")
        return EXIT_ERROR
    try:
        return run()
    except RuntimeError as error:
        sys.stderr.write(f"adamw-lint: error: {error}\n")
        return EXIT_ERROR


def run() -> None:
    """The ``adamw-lint`` command and ``python -m adamw_lint``: ``main`` on the process's own
    command line, then an exit that skips the interpreter's teardown, as mypy's ``hard_exit``
    does. Freeing every tree and index a run built, object by object, took up to half of a
    run over a package (0.38 s of 0.84 s on merlin-models). Everything is written by then: the
    output is flushed here, files and the cache are written and closed inside ``main``, and
    worker processes have been stopped."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # a stream that cannot be flushed: the interpreter's own exit reports it
    os._exit(code)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command; ``argv`` None: the process's own command line (the console script,
    ``python -m adamw_lint``), so a lint run may tune the process (``pool.own_process``)."""
    if (sys.argv[1:] if argv is None else list(argv)) == ["--version"]:
        sys.stdout.write(f"adamw-lint {__version__}\n")  # as argparse's version action prints it
        return EXIT_CLEAN
    from .pool import interruptible

    try:
        with interruptible():
            code = _main(argv)
            sys.stdout.flush()  # a write error (ENOSPC on /dev/full) is reported here, not at exit
            return code
    except KeyboardInterrupt:
        sys.stderr.write("adamw-lint: interrupted; every file is either untouched or completely fixed\n")
        return 130
    except BrokenPipeError:  # `adamw-lint check . | head`: the reader left; say nothing more
        _discard_stdout()
        return EXIT_ERROR
    except OSError as error:  # the output cannot be written (a full disk, -o into a missing folder):
        # files that cannot be read or written are SourceErrors, never raised this far
        from . import report

        where = f" to {report.escape(os.fsdecode(error.filename))}" if error.filename else ""
        sys.stderr.write(f"adamw-lint: error: cannot write the output{where}: {error.strerror or error}\n")
        _discard_stdout()
        return EXIT_ERROR


def _discard_stdout() -> None:
    """What is still buffered for stdout goes nowhere (Python would fail again flushing it at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _main(argv: Optional[Sequence[str]]) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # the command is the first argument that is not an option: the top level has no option that
    # takes a value (nor fromfile_prefix_chars); a first one that is no command is argparse's error
    command = next((a for a in arguments if not a.startswith("-")), None)
    args = _parser(command).parse_args(arguments)
    if argv is None and args.command in ("check", "fix"):
        from .pool import own_process

        own_process()
    stdout, stderr = sys.stdout, sys.stderr
    from .catalog.rules import RULES, RULES_BY_CODE  # the rules only: not the optimizers' rows

    if args.command == "rules":
        for rule in RULES:
            state = "" if rule.enabled_by_default else "  (off by default)"
            stdout.write(f"{rule.code}  {rule.name:<42} {rule.summary}{state}\n")
        return EXIT_CLEAN
    if args.command == "explain":
        code = args.code.upper()
        if code not in RULES_BY_CODE:
            stderr.write(f"adamw-lint: error: unknown code {args.code!r}; see 'adamw-lint rules'\n")
            return EXIT_ERROR
        if args.demo:
            return _torch_command(lambda: import_module("adamw_lint.demo").run(stdout.write, args.plot))
        stdout.write(import_module("adamw_lint.docs").render(code))
        return EXIT_CLEAN
    if args.command == "verify":
        return _torch_command(lambda: import_module("adamw_lint.verify").run(args.device, args.steps, stdout.write))
    from . import report, settings as config
    from .cache import DEFAULT_DIR, Cache
    from .catalog.schema import SAFE, UNSAFE
    from .discovery import discover
    from .files import SourceError, display, size_limit, too_large
    from .runner import SUFFIXES, FileResult, Options, analyze, run

    try:
        os.getcwd()  # patterns, settings and SARIF are relative to it
    except OSError as error:
        stderr.write(f"adamw-lint: error: the current directory cannot be read ({error.strerror or error}); "
                     "was it deleted? Change to an existing directory\n")
        return EXIT_ERROR
    try:
        overrides = {} if args.command == "config" else dict(
            select=args.select, ignore=args.ignore, extend_select=args.extend_select,
            exclude=tuple(args.exclude) if args.exclude is not None else None,
            extend_exclude=tuple(args.extend_exclude) if args.extend_exclude is not None else None,
            respect_gitignore=args.respect_gitignore, force_exclude=args.force_exclude,
            fix_style=args.style, format=getattr(args, "format", None),
            unsafe_fixes=getattr(args, "unsafe_fixes", None), target_torch=args.target_torch,
        )
        resolver = config.Resolver(overrides, args.config, args.isolated)
        if args.command == "config" or args.show_settings:
            start = args.path if args.command == "config" else next((p for p in args.paths if p != "-"), ".")
            stdout.write(resolver.for_path(start).describe() + config.line_length_note(start))
            return EXIT_CLEAN
        first = resolver.for_path(next((p for p in args.paths if p != "-" and os.path.exists(p)), "."))
    except config.SettingsError as error:
        stderr.write(f"adamw-lint: error: {report.escape(str(error))}\n")
        return EXIT_ERROR
    # what is printed, and how, is one choice for the run: the first path's settings decide it
    fmt = first.format if args.command == "check" else "text"
    statistics = args.command == "check" and args.statistics
    if statistics and fmt not in ("text", "json"):
        stderr.write(f"adamw-lint: error: --statistics replaces the findings; it works with --format text or json, not {fmt}\n")
        return EXIT_ERROR
    add_noqa = args.command == "check" and args.add_noqa
    if add_noqa and args.paths == ["-"]:
        stderr.write("adamw-lint: error: --add-noqa edits files in place; it cannot read stdin\n")
        return EXIT_ERROR
    verbose = args.verbose or os.environ.get("ADAMW_LINT_VERBOSE", "") not in ("", "0")
    from_stdin = args.paths == ["-"]
    if from_stdin:  # a buffer an editor pipes follows the project's modules from its file's place
        project = (os.path.abspath(args.stdin_filename),) if args.stdin_filename != "-" else ()
    else:
        project = tuple(os.path.abspath(p) for p in args.paths if os.path.exists(p))
    fixing = args.command == "fix" or args.command == "check" and args.fix
    decay_values = None
    if getattr(args, "weight_decay_from", None):
        from .decay_values import DecayValues

        try:
            decay_values = DecayValues.load(args.weight_decay_from, args.weight_decay_scale)
        except ValueError as error:
            stderr.write(f"adamw-lint: error: {report.escape(str(error))}\n")
            return EXIT_ERROR
    per_config: Dict[int, Options] = {}

    def options(path: str) -> Options:
        """The fix settings of the configuration closest to ``path`` (one object per configuration)."""
        settings = resolver.for_path(path)
        made = per_config.get(id(settings))
        if made is None:
            made = per_config[id(settings)] = Options(
                settings.fix_style, fixing, fmt in ("json", "sarif"), plan_fixes=fmt == "text",
                project_roots=project, applicability=UNSAFE if args.command == "fix" or settings.unsafe_fixes else SAFE,
                target_torch=settings.target_torch, decay_values=decay_values,
                unwritten=args.command == "fix" and args.diff)
        return made

    errors: List[SourceError] = []
    paths: List[str] = []
    if not from_stdin:  # before the output file is opened (truncated): it must not be one of them
        present = [p for p in args.paths if os.path.lexists(p)]
        errors += [SourceError(p, "no such file or directory") for p in args.paths if not os.path.lexists(p)]
        paths, unreadable = discover(present, resolver, SUFFIXES)
        errors += unreadable
        clash = _one_of(args.output_file, paths)
        if clash is not None:
            stderr.write(f"adamw-lint: error: the output file {report.escape(args.output_file)} is the input "
                         f"{report.escape(display(clash))}; not overwritten\n")
            return EXIT_ERROR
    with _output(args.output_file, stdout) as out:
        if from_stdin:
            name = args.stdin_filename
            raw = sys.stdin.buffer.read(size_limit(name) + 1)  # bounded: `cat /dev/zero | adamw-lint check -`
            try:
                selection = resolver.selection_for(name)
            except config.SettingsError as error:  # the configuration governing --stdin-filename: as a file's error
                selection, unusable = None, error
            if selection is None:
                results: Iterable[FileResult] = [FileResult(name, errors=[SourceError(name, f"not checked: {unusable}")], raw=raw)]
            elif len(raw) > size_limit(name):  # an error, and nothing echoed: the input was not read whole
                results = [FileResult(name, errors=[too_large(name, size_limit(name))])]
            else:
                # with the project followed, a module that may hand a decay or an index to another
                # module's optimizer is analyzed, as run()'s second pass admits one whose imports reach one
                reaches = bool(project) and name.endswith(".py") and (b"decay" in raw or b"](" in raw)
                chosen = options(name)._replace(reaches=True) if reaches else options(name)
                results = [analyze(name, raw, selection, chosen)]
                results[0].raw = results[0].raw or raw  # check --fix echoes it when nothing changed
            if args.command == "fix" and not args.diff and results[0].new_data is None and not results[0].errors:
                out.flush()
                out.buffer.write(raw)  # unchanged: the input, byte for byte
        else:
            if args.show_files:
                for path in paths:
                    out.write(report.escape(display(path)) + "\n")
                return EXIT_ERROR if errors else EXIT_CLEAN
            progress = None if args.quiet else _progress(stderr, len(paths))
            results = run(paths, resolver.selection_for, options, args.jobs, progress,
                          None if fixing or add_noqa or args.command != "check" or args.no_cache
                          else Cache(args.cache_dir or first.cache_dir or os.path.join(first.root, DEFAULT_DIR), project))
        if add_noqa:
            code = _add_noqa(results, errors, stderr, args.quiet)
        elif args.command == "check":
            if fixing:
                results = _applied(results, from_stdin, out)
            report_to = stderr if fixing and from_stdin else out
            code = _report_check(results, errors, fmt, statistics, report_to, args.quiet,
                                 lambda path: options(path).applicability, fixing)
        else:
            code = _report_fix(results, errors, args.diff, from_stdin, out, stderr, calibrated=decay_values is not None)
    for error in errors:
        stderr.write(f"adamw-lint: error: {report.escape(display(str(error)))}\n")
        if verbose and error.detail:
            stderr.write(error.detail if error.detail.endswith("\n") else error.detail + "\n")
    if args.exit_zero:  # as ruff: 0 whatever was found, errors included (they are still printed)
        return EXIT_CLEAN
    return EXIT_ERROR if errors else code


def _one_of(output: Optional[str], paths: Sequence[str]) -> Optional[str]:
    """The input that is the output file itself (by identity: a link or another spelling counts)."""
    try:
        target = os.stat(output) if output is not None else None
    except OSError:
        return None  # not there yet: created when written
    for path in paths if target is not None else ():
        try:
            found = os.stat(path)
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino):  # type: ignore[union-attr]
            return path
    return None


@contextlib.contextmanager
def _output(path: Optional[str], stdout: TextIO):
    if path is None:
        yield stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        yield handle


def _progress(stream: TextIO, total_files: int):
    if not (hasattr(stream, "isatty") and stream.isatty()) or total_files < 500 or os.environ.get("PRE_COMMIT"):
        return None

    def show(done: int, total: int) -> None:
        stream.write(f"\radamw-lint: analyzed {done}/{total} candidate files")
        if done == total:
            stream.write("\n")

    return show


def _applied(results: Iterable[FileResult], from_stdin: bool, out: TextIO) -> Iterator[FileResult]:
    """``check --fix``: write each file's fixes as they come, then report what remains. From
    stdin (an editor), the code goes to stdout, fixed or not, as ruff does; the report to stderr."""
    for result in results:
        if from_stdin:
            out.flush()
            out.buffer.write(result.new_data if result.new_data is not None else result.raw)  # type: ignore[attr-defined]
        elif result.new_data is not None:
            _apply_fix(result, diff=False, from_stdin=False, stdout=out)
        yield result


def _report_check(results: Iterable[FileResult], errors: List[SourceError], fmt: str, statistics: bool,
                  out: TextIO, quiet: bool, level: "report.Level", fixing: bool = False) -> int:
    from . import report

    rows = []
    fixed = 0
    replacements = {}
    file_lines = {}  # (path, cell, line) → line of the .ipynb file
    for result in results:
        errors.extend(result.errors)
        rows.extend((result.path, f) for f in result.findings)
        fixed += len(result.fixed) if result.new_data is not None else 0
        replacements.update({(result.path, span): r for span, r in result.replacements.items()})
        file_lines.update({(result.path, *key): line for key, line in result.file_lines.items()})
    if statistics:
        report.statistics(rows, out, level, as_json=fmt == "json")
    elif fmt == "json":
        report.as_json(rows, out, replacements)
    elif fmt == "github":
        report.github(rows, out, file_lines)
    elif fmt == "sarif":
        report.sarif(rows, out, replacements, errors, file_lines)
    else:
        report.text(rows, out, level, color=report.use_color(out))
        if not quiet and (rows or fixed or not errors):
            out.write(report.summary(rows, level, fixed if fixing else None))
    return EXIT_FINDINGS if rows else EXIT_CLEAN


def _add_noqa(results: Iterable[FileResult], errors: List[SourceError], stderr: TextIO, quiet: bool) -> int:
    """``check --add-noqa``: every finding's line gets a ``# noqa: CODE`` that flake8 reads too."""
    from .files import SourceError, decode, encode, read_bytes, write_atomic
    from .noqa import add_noqa
    from .runner import CONFIG_SUFFIXES, NOTEBOOK_SUFFIXES

    added = files = 0
    for result in results:
        errors.extend(result.errors)
        wanted = [f for f in result.findings if f.cell is None]
        if not wanted or result.path.endswith(NOTEBOOK_SUFFIXES + CONFIG_SUFFIXES):
            continue
        try:
            raw = read_bytes(result.path)
            decoded = decode(result.path, raw)
            try:
                text, count = add_noqa(decoded.text, wanted)
            except ValueError as error:  # untokenizable, or the result would not parse: nothing written
                raise SourceError(result.path, str(error)) from None
            if count:
                write_atomic(result.path, encode(decoded, text, raw), raw)
                added, files = added + count, files + 1
        except SourceError as error:
            errors.append(error)
    if not quiet:
        stderr.write(f"Added {added} noqa directive{'s' * (added != 1)} to {files} file{'s' * (files != 1)}.\n")
    return EXIT_CLEAN


def _report_fix(results: Iterable[FileResult], errors: List[SourceError], diff: bool, from_stdin: bool,
                stdout: TextIO, stderr: TextIO, calibrated: bool = False) -> int:
    from . import report
    from .catalog.schema import SAFE

    changed_files = fixed_calls = 0
    remaining = []
    notes: List[str] = []
    applied = []  # (path, finding) of each fix shown or written: the class checks it may break
    for result in results:
        if result.new_data is not None:
            _apply_fix(result, diff, from_stdin, stdout)
        errors.extend(result.errors)
        if result.new_data is not None:
            changed_files += 1
            fixed_calls += len(result.fixed)
            applied.extend((result.path, f) for f in result.fixed)
        remaining.extend((result.path, f) for f in result.findings)
        notes.extend(result.notes)
        result.raw = result.new_data = None  # type: ignore[assignment]  # written or shown: memory back
        result.old_text = result.new_text = ""
    verb = "Would fix" if diff else "Fixed"
    stderr.write(f"{verb} {fixed_calls} call{'s' * (fixed_calls != 1)} in {changed_files} file{'s' * (changed_files != 1)}.\n")
    if remaining:
        stderr.write(f"{len(remaining)} finding{'s' * (len(remaining) != 1)} without an automatic fix:\n")
        for path, finding in remaining:
            reason = f" (not fixed: {finding.fix_blocked})" if finding.fix_blocked else ""
            stderr.write(f"  {report.location(path, finding)}: {report.escape(finding.message + reason)}\n")
    if any(f.fix is not None and f.fix.applicability != SAFE for _, f in applied):  # a safe fix keeps the numerics
        stderr.write((_CALIBRATED if calibrated else _RETUNE) + "\n")
    if notes:
        stderr.write("weight_decay kept as it was:\n")
        for note in notes:
            stderr.write(f"  {report.escape(note)}\n")
    if applied and not from_stdin:
        from .class_checks import hidden_by_the_diff  # reads the project's files: only after a fix

        stderr.write(report.hidden_checks(hidden_by_the_diff(applied)))
    if diff:  # ruff's contract: --diff fails exactly when it shows something to apply
        return EXIT_FINDINGS if changed_files else EXIT_CLEAN
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


def _apply_fix(result: FileResult, diff: bool, from_stdin: bool, stdout: TextIO) -> None:
    """Show or write one file's fix as soon as it is known (an interrupted run keeps what it finished)."""
    from . import report
    from .files import SourceError, display, write_atomic

    assert result.new_data is not None
    if diff:
        stdout.write(report.unified_diff(display(result.path), result.old_text, result.new_text))
    elif from_stdin:
        stdout.flush()
        stdout.buffer.write(result.new_data)  # type: ignore[attr-defined]  # the file's own encoding, BOM included
    else:
        try:
            write_atomic(result.path, result.new_data, result.raw)
        except SourceError as error:  # not written: the error says so (its fixes are not "without a fix")
            result.errors.append(error)
            result.fixed = []
            result.new_data = None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``adamw-lint``: check, fix, rules and explain, with CI-friendly output and exit codes.

Exit codes (as ruff): 0 nothing found, 1 findings remain (or ``fix --diff`` would change
something), 2 a usage error or a file that could not be read, parsed or written.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from importlib import import_module
from typing import List, Optional, Sequence, TextIO

from . import __version__, report, settings as config
from .catalog import RULES, RULES_BY_CODE
from .files import SourceError, decode, discover, display, write_atomic
from .runner import SUFFIXES, FileResult, check_one, fix_one, run
from .selection import parse_codes

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

_RETUNE = (
    "Every fix changes training numerics: re-tune weight_decay (the same value is a much weaker "
    "regularization under AdamW; typical AdamW values are 1e-2 to 1e-1)."
)


def _codes(text: str):
    try:
        return parse_codes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adamw-lint",
        description="Find adaptive optimizers trained with coupled L2 where weight decay was meant, and fix them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories; - reads stdin")
        sub.add_argument("--select", type=_codes, default=None, help="codes or prefixes to report (default: all rules on by default)")
        sub.add_argument("--ignore", type=_codes, default=None, help="codes or prefixes not to report")
        sub.add_argument("--extend-select", type=_codes, default=None, help="turn on codes that are off by default")
        sub.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files and directories (repeatable)")
        sub.add_argument("--stdin-filename", default="-", help="name shown for code read from stdin")
        sub.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: automatic; 1: serial)")
        sub.add_argument(
            "--style",
            choices=config.STYLES,
            default=None,
            help="fix for torch.optim.Adam: 'rename' to AdamW (any torch since 1.2, default) or "
            "'flag' to pass decoupled_weight_decay=True (torch >= 2.7 only)",
        )
        sub.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
        sub.add_argument("--show-settings", action="store_true", help="print the effective settings and exit")

    check = commands.add_parser("check", help="report findings")
    common(check)
    check.add_argument("--format", choices=config.FORMATS, default=None)
    check.add_argument("--statistics", action="store_true", help="print the number of findings per code")
    fix = commands.add_parser("fix", help="apply the automatic fixes (they change training numerics)")
    common(fix)
    fix.add_argument("--diff", action="store_true", help="write nothing; print a unified diff; exit 1 if anything would change")
    commands.add_parser("rules", help="list the rules")
    show = commands.add_parser("config", help="print the effective settings for a path")
    show.add_argument("path", nargs="?", default=".")
    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code")
    explain.add_argument("--demo", action="store_true", help="run a tiny experiment that shows the difference (needs torch)")
    explain.add_argument("--plot", metavar="FILE.png", help="with --demo: plot effective decay against gradient scale (needs matplotlib)")
    verify = commands.add_parser("verify", help="check the reference AdamW and the runtime probe on a device (needs torch)")
    verify.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    verify.add_argument("--steps", type=int, default=1000)
    return parser


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


def _terminate(signum, frame) -> None:
    # SIGTERM unwinds like Ctrl-C, so a write in progress removes its temporary file
    raise KeyboardInterrupt


def main(argv: Optional[Sequence[str]] = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("adamw-lint: interrupted; every file is either untouched or completely fixed\n")
        return 130


def _main(argv: Optional[Sequence[str]]) -> int:
    args = _parser().parse_args(argv)
    stdout, stderr = sys.stdout, sys.stderr
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
    try:
        start = args.path if args.command == "config" else next((p for p in args.paths if p != "-"), ".")
        settings = config.load(start)
        if args.command != "config":
            settings = config.merge(
                settings, select=args.select, ignore=args.ignore, extend_select=args.extend_select,
                exclude=tuple(args.exclude), fix_style=args.style, format=getattr(args, "format", None),
            )
    except config.SettingsError as error:
        stderr.write(f"adamw-lint: error: {error}\n")
        return EXIT_ERROR
    if args.command == "config" or args.show_settings:
        stdout.write(settings.describe())
        return EXIT_CLEAN
    work = check_one if args.command == "check" else fix_one
    style = settings.fix_style
    from_stdin = args.paths == ["-"]
    apply = None
    if args.command == "fix":
        apply = functools.partial(_apply_fix, diff=args.diff, from_stdin=from_stdin, stdout=stdout)

    if from_stdin:
        name = args.stdin_filename
        results = [work(name, sys.stdin.buffer.read(), settings.selection_for(name), style)]
        if apply is not None:
            apply(results[0])
    else:
        missing = [p for p in args.paths if not os.path.lexists(p)]
        if missing:
            stderr.write(f"adamw-lint: error: no such file or directory: {', '.join(missing)}\n")
            return EXIT_ERROR
        paths = discover(args.paths, settings.exclude, SUFFIXES)
        results = run(paths, work, settings.selection_for, style, args.jobs, _progress(stderr, len(paths)), apply)
    if args.command == "check":
        code = _report_check(results, settings.format, args.statistics, style, stdout, stderr)
    else:
        code = _report_fix(results, args.diff, from_stdin, stdout, stderr)
    return EXIT_CLEAN if args.exit_zero and code == EXIT_FINDINGS else code


def _progress(stream: TextIO, total_files: int):
    if not (hasattr(stream, "isatty") and stream.isatty()) or total_files < 500 or os.environ.get("PRE_COMMIT"):
        return None

    def show(done: int, total: int) -> None:
        stream.write(f"\radamw-lint: analyzed {done}/{total} candidate files")
        if done == total:
            stream.write("\n")

    return show


def _errors(results: List[FileResult], stderr: TextIO) -> int:
    errors = [r.error for r in results if r.error is not None]
    for error in errors:
        stderr.write(f"adamw-lint: error: {display(str(error))}\n")
    return len(errors)


def _report_check(results: List[FileResult], fmt: str, statistics: bool, style: str, stdout: TextIO, stderr: TextIO) -> int:
    rows = [(r.path, f) for r in results for f in r.findings]
    if fmt == "json":
        report.as_json(rows, stdout)
    elif fmt == "github":
        report.github(rows, stdout)
    elif fmt == "sarif":
        report.sarif(rows, stdout, _single_fixes(results, style))
    else:
        report.text(rows, stdout)
    if statistics:
        report.statistics(rows, stdout)
    errors = _errors(results, stderr)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if rows else EXIT_CLEAN


def _single_fixes(results: List[FileResult], style: str):
    """(path, span) → (text, text with only that finding fixed), for SARIF fixes of .py files."""
    fixes = {}
    for result in results:
        fixable = [f for f in result.findings if f.fix is not None and f.cell is None]
        if not fixable or not result.path.endswith((".py", ".pyi")) and result.path != "-":
            continue
        source = decode(result.path, result.raw).text
        for finding in fixable:
            fixed = report.single_fix_text(source, finding, style)
            if fixed is not None and fixed != source:
                fixes[(result.path, finding.span)] = (source, fixed)
    return fixes


def _apply_fix(result: FileResult, diff: bool, from_stdin: bool, stdout: TextIO) -> None:
    """Show or write one file's fix as soon as it is known."""
    if result.new_data is None:
        if from_stdin and not diff:
            stdout.write(result.raw.decode("utf-8", "surrogateescape"))
        return
    if diff:
        stdout.write(report.unified_diff(display(result.path), result.old_text, result.new_text))
    elif from_stdin:
        stdout.write(result.new_text)
    else:
        try:
            write_atomic(result.path, result.new_data, result.raw)
        except SourceError as error:  # not written: its findings remain, and the error is reported
            result.error = error
            result.findings = result.findings + result.fixed
            result.fixed = []
            result.new_data = None


def _report_fix(results: List[FileResult], diff: bool, from_stdin: bool, stdout: TextIO, stderr: TextIO) -> int:
    changed = [r for r in results if r.new_data is not None]
    changed_files, fixed_calls = len(changed), sum(len(r.fixed) for r in changed)
    remaining = [(r.path, f) for r in results for f in r.findings]
    verb = "Would fix" if diff else "Fixed"
    stderr.write(f"{verb} {fixed_calls} call{'s' * (fixed_calls != 1)} in {changed_files} file{'s' * (changed_files != 1)}.\n")
    if remaining:
        stderr.write(f"{len(remaining)} finding{'s' * (len(remaining) != 1)} without an automatic fix:\n")
        for path, finding in remaining:
            reason = f" (not fixed: {finding.fix_blocked})" if finding.fix_blocked else ""
            where = f"{display(path)}:cell {finding.cell}" if finding.cell is not None else display(path)
            stderr.write(f"  {where}:{finding.line}:{finding.col + 1}: {finding.message}{reason}\n")
    if fixed_calls:
        stderr.write(_RETUNE + "\n")
    if _errors(results, stderr):
        return EXIT_ERROR
    if remaining or (diff and changed_files):
        return EXIT_FINDINGS
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

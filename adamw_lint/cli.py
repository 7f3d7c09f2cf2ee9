"""``adamw-lint``: check, fix, rules and explain, with CI-friendly output and exit codes.

Exit codes (as ruff): 0 nothing found, 1 findings remain (or ``fix --diff`` would change
something), 2 a usage error or a file that could not be read, parsed or written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional, Sequence, TextIO

from . import __version__, docs
from .catalog import RULES, RULES_BY_CODE
from .files import SourceError, discover, display, write_atomic
from .fix import unified_diff
from .runner import FileResult, check_one, fix_one, run
from .selection import Selection, parse_codes

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
        sub.add_argument("--select", type=_codes, default=(), help="codes or prefixes to report (default: all rules on by default)")
        sub.add_argument("--ignore", type=_codes, default=(), help="codes or prefixes not to report")
        sub.add_argument("--extend-select", type=_codes, default=(), help="turn on codes that are off by default")
        sub.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching files and directories (repeatable)")
        sub.add_argument("--stdin-filename", default="-", help="name shown for code read from stdin")
        sub.add_argument("-j", "--jobs", type=int, default=None, help="worker processes (default: automatic; 1: serial)")
        sub.add_argument(
            "--style",
            choices=("rename", "flag"),
            default="rename",
            help="fix for torch.optim.Adam: 'rename' to AdamW (any torch since 1.2, default) or "
            "'flag' to pass decoupled_weight_decay=True (torch >= 2.7 only)",
        )

    check = commands.add_parser("check", help="report findings")
    common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    fix = commands.add_parser("fix", help="apply the automatic fixes (they change training numerics)")
    common(fix)
    fix.add_argument("--diff", action="store_true", help="write nothing; print a unified diff; exit 1 if anything would change")
    commands.add_parser("rules", help="list the rules")
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
        import torch  # noqa: F401
    except ImportError:
        sys.stderr.write("adamw-lint: error: this command needs torch: pip install 'adamw-lint[torch]'\n")
        return EXIT_ERROR
    try:
        return run()
    except RuntimeError as error:
        sys.stderr.write(f"adamw-lint: error: {error}\n")
        return EXIT_ERROR


def main(argv: Optional[Sequence[str]] = None) -> int:
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
            from importlib import import_module

            return _torch_command(lambda: import_module("adamw_lint.demo").run(stdout.write, args.plot))
        stdout.write(docs.render(code))
        return EXIT_CLEAN
    if args.command == "verify":
        from importlib import import_module

        return _torch_command(lambda: import_module("adamw_lint.verify").run(args.device, args.steps, stdout.write))
    selection = Selection(args.select, args.ignore, args.extend_select)
    work = check_one if args.command == "check" else fix_one
    if args.paths == ["-"]:
        results = [work(args.stdin_filename, sys.stdin.buffer.read(), selection, args.style)]
    else:
        missing = [p for p in args.paths if not os.path.lexists(p)]
        if missing:
            stderr.write(f"adamw-lint: error: no such file or directory: {', '.join(missing)}\n")
            return EXIT_ERROR
        paths = discover(args.paths, args.exclude)
        results = run(paths, work, selection, args.style, args.jobs, _progress(stderr, len(paths)))
    if args.command == "check":
        return _report_check(results, args.format, stdout, stderr)
    return _report_fix(results, args.diff, args.paths == ["-"], stdout, stderr)


def _progress(stream: TextIO, total_files: int):
    if not (hasattr(stream, "isatty") and stream.isatty()) or total_files < 500:
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


def finding_dict(path: str, finding) -> dict:
    line, col, end_line, end_col = finding.span
    fix = None
    if finding.fix is not None:
        fix = {"applicability": finding.fix.applicability, "description": finding.fix.description}
    return {
        "path": display(path),
        "line": line,
        "col": col + 1,
        "end_line": end_line,
        "end_col": end_col + 1,
        "code": finding.code,
        "message": finding.message,
        "fix": fix,
    }


def _report_check(results: List[FileResult], fmt: str, stdout: TextIO, stderr: TextIO) -> int:
    rows = [finding_dict(r.path, f) for r in results for f in r.findings]
    if fmt == "json":
        json.dump(rows, stdout, indent=2)
        stdout.write("\n")
    else:
        for row in rows:
            stdout.write(f"{row['path']}:{row['line']}:{row['col']}: {row['message']}\n")
    errors = _errors(results, stderr)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if rows else EXIT_CLEAN


def _report_fix(results: List[FileResult], diff: bool, from_stdin: bool, stdout: TextIO, stderr: TextIO) -> int:
    changed_files = fixed_calls = 0
    for result in results:
        if result.new_data is None:
            continue
        if diff:
            stdout.write(unified_diff(display(result.path), result.old_text, result.new_text))
        elif from_stdin:
            stdout.write(result.new_text)
        else:
            try:
                write_atomic(result.path, result.new_data, result.raw)
            except SourceError as error:
                result.error = error
                result.findings = result.findings + result.fixed
                result.fixed = []
                continue
        changed_files += 1
        fixed_calls += len(result.fixed)
    if from_stdin and not diff and not changed_files and results:
        stdout.write(results[0].raw.decode("utf-8", "surrogateescape"))
    remaining = [(r.path, f) for r in results for f in r.findings]
    verb = "Would fix" if diff else "Fixed"
    stderr.write(f"{verb} {fixed_calls} call{'s' * (fixed_calls != 1)} in {changed_files} file{'s' * (changed_files != 1)}.\n")
    if remaining:
        stderr.write(f"{len(remaining)} finding{'s' * (len(remaining) != 1)} without an automatic fix:\n")
        for path, finding in remaining:
            reason = f" (not fixed: {finding.fix_blocked})" if finding.fix_blocked else ""
            stderr.write(f"  {display(path)}:{finding.line}:{finding.col + 1}: {finding.message}{reason}\n")
    if fixed_calls:
        stderr.write(_RETUNE + "\n")
    if _errors(results, stderr):
        return EXIT_ERROR
    if remaining or (diff and changed_files):
        return EXIT_FINDINGS
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

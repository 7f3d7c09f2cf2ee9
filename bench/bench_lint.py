"""Benchmarks of the linter on large real trees: prints figures, asserts nothing.

    python bench/bench_lint.py [TREE ...] [--repeat N] [--skip-codemod] [--skip-flake8] [--skip-fix]

TREE defaults to the installed torch package's source (torch is then needed, as data only).
Each command runs in a fresh process, as a user's would: with byte-code caches (one warm-up
run of each command first, which also warms the page cache; PYTHONDONTWRITEBYTECODE is dropped
for the runs). The commands being compared run side by side, one after the other in each round,
so load from other work hits them alike; wall time is the best of N rounds, peak RSS comes from
wait4() of that process. The load average is printed before and after: on a shared machine the
ratios are what matters. The last lines are Markdown rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

_FLAKE8_WITHOUT_US = (
    "import sys, flake8.plugins.finder as finder\n"
    "original = finder._find_importlib_plugins\n"
    "finder._find_importlib_plugins = lambda: (p for p in original() if p.package != 'adamw-lint')\n"
    "from flake8.main.cli import main\n"
    "sys.exit(main())\n"
)


# flake8 with the plugin, timing what happens inside it (the overhead without the noise of
# comparing two 40-second runs on a shared machine): prints "ADAMW_LINT_TIMING INSIDE TOTAL".
_FLAKE8_TIMED = (
    "import sys, time, adamw_lint.flake8_plugin as plugin\n"
    "spent = [0.0]\n"
    "original = plugin.Plugin.run\n"
    "def run(self):\n"
    "    start = time.perf_counter()\n"
    "    try:\n"
    "        yield from original(self)\n"
    "    finally:\n"
    "        spent[0] += time.perf_counter() - start\n"
    "plugin.Plugin.run = run\n"
    "from flake8.main.cli import main\n"
    "start = time.perf_counter()\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    print(f'ADAMW_LINT_TIMING {spent[0]:.3f} {time.perf_counter() - start:.3f}', file=sys.stderr)\n"
)


def _default_tree() -> str:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torch is not installed: pass a TREE to benchmark")
    return list(spec.submodule_search_locations)[0]


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(command: List[str]) -> Tuple[float, float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_ENV)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(command: List[str], repeat: int) -> Tuple[float, float, int]:
    """Best wall time (s), peak RSS (MiB) and exit code of ``command`` (after one warm-up run)."""
    return side_by_side([command], repeat)[0]


def side_by_side(commands: List[List[str]], repeat: int) -> List[Tuple[float, float, int]]:
    """``measure`` for several commands, run in turn in each of ``repeat`` rounds."""
    for command in commands:
        _once(command)
    best = [(float("inf"), 0.0, 0)] * len(commands)
    for _ in range(repeat):
        for i, command in enumerate(commands):
            wall, rss, code = _once(command)
            best[i] = (min(best[i][0], wall), max(best[i][1], rss), code)
    return best


def _ruff() -> str:
    """ruff's own binary: the one installed beside this Python, else the first on PATH that is not
    a pyenv/asdf shim (a shim is a shell script that adds ~0.05 s to every run it launches)."""
    beside = Path(sys.executable).parent / "ruff"
    if beside.is_file():
        return str(beside)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / "ruff"
        if candidate.is_file() and "shims" not in candidate.parts:
            return str(candidate)
    return shutil.which("ruff") or ""


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-codemod", action="store_true", help="skip the slow libcst.tool comparison")
    parser.add_argument("--skip-flake8", action="store_true", help="skip the slow flake8 comparison")
    parser.add_argument("--skip-fix", action="store_true", help="skip adamw-lint fix --diff")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; load average {_load()}\n")
    table = [bench_tree(tree, args) for tree in (args.trees or [_default_tree()])]
    print(f"load average at the end: {_load()}\n")
    print("| tree | files | candidates | adamw-lint -j 1 s | adamw-lint s | ruff s | ratio -j 1 | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in table:
        print(row)


def bench_tree(tree: str, args: argparse.Namespace) -> str:
    from adamw_lint.analysis import may_contain_findings

    files = [p for p in Path(tree).rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    candidates = sum(may_contain_findings(p.read_bytes()) for p in files)
    print(f"tree: {tree}")
    print(f"files: {len(files)}, lines: {lines:,}, pass the pre-filter: {candidates}")

    py = sys.executable
    rows = []
    without = with_us = None
    if not args.skip_flake8:
        without, with_us = side_by_side([[py, "-c", _FLAKE8_WITHOUT_US, "-j1", "--select", "E9", tree],
                                         [py, "-m", "flake8", "-j1", "--select", "E9", tree]], args.repeat)
        rows.append(("flake8 -j1 --select E9, without adamw-lint", without))
        rows.append(("flake8 -j1 --select E9, with adamw-lint", with_us))
        timed = subprocess.run([py, "-c", _FLAKE8_TIMED, "-j1", "--select", "E9", tree], env=_ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
        inside, whole = map(float, next(line for line in timed.splitlines()
                                        if line.startswith("ADAMW_LINT_TIMING ")).split()[1:])
        imports = subprocess.run([py, "-X", "importtime", "-c", "import adamw_lint.flake8_plugin"], env=_ENV,
                                 capture_output=True, text=True).stderr.splitlines()
        import_time = next(line for line in imports if line.endswith("| adamw_lint.flake8_plugin")).split("|")[1]
        print(f"inside the plugin: {inside:.2f} s of flake8's {whole:.2f} s, plus {int(import_time) / 1e6:.2f} s "
              f"to import it: {(whole + int(import_time) / 1e6) / (whole - inside):.3f}x")
    ruff = _ruff()
    compared = [[py, "-m", "adamw_lint", "check", "--exit-zero", tree],
                [py, "-m", "adamw_lint", "check", "--exit-zero", "-j", "1", tree]]
    if ruff:
        compared.append([ruff, "check", "--no-cache", "--exit-zero", "--quiet", tree])
    measured = side_by_side(compared, args.repeat)
    ours, ours_serial = measured[:2]
    ruff_result = measured[2] if ruff else None
    rows.append(("adamw-lint check", ours))
    rows.append(("adamw-lint check -j 1", ours_serial))
    if ruff_result:
        rows.append(("ruff check --no-cache (default rules)", ruff_result))
    fix_diff = None
    if not args.skip_fix:
        fix_diff = measure([py, "-m", "adamw_lint", "fix", "--diff", tree], args.repeat)
        rows.append(("adamw-lint fix --diff", fix_diff))
    codemod = None
    if not args.skip_codemod and fix_diff:
        scratch = Path(os.environ.get("TMPDIR", "/tmp")) / "adamw-lint-bench-tree"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(tree, scratch, ignore=shutil.ignore_patterns("*.so", "*.so.*", "*.a", "*.pyc", "lib", "bin"))
        command = [py, "-m", "libcst.tool", "codemod", "-x", "adamw_lint.fix.AdamWCodemod", "--no-format", "-u", "1", str(scratch)]
        codemod = measure(command, 1)
        if codemod[2] != 0:
            sys.exit(f"libcst.tool codemod failed (exit {codemod[2]}): {' '.join(command)}")
        shutil.rmtree(scratch, ignore_errors=True)
        rows.append(("python -m libcst.tool codemod (same fixer)", codemod))

    print(f"{'command':<46} {'wall s':>8} {'files/s':>9} {'peak MiB':>9}")
    for name, (wall, rss, _) in rows:
        print(f"{name:<46} {wall:>8.2f} {len(files) / wall:>9.0f} {rss:>9.0f}")
    if with_us and without:
        print(f"flake8 overhead: {with_us[0] / without[0]:.3f}x (target <= 1.05x)")
    if codemod and fix_diff:
        print(f"fix --diff vs libcst.tool codemod: {codemod[0] / fix_diff[0]:.1f}x faster (target >= 10x)")
    print(f"load average: {_load()}\n")
    if not ruff_result:
        return f"| {Path(tree).name} | {len(files)} | {candidates} | {ours_serial[0]:.2f} | {ours[0]:.2f} | | | |"
    return (f"| {Path(tree).name} | {len(files)} | {candidates} | {ours_serial[0]:.2f} | {ours[0]:.2f} | "
            f"{ruff_result[0]:.2f} | {ours_serial[0] / ruff_result[0]:.2f}× | {ours[0] / ruff_result[0]:.2f}× |")


if __name__ == "__main__":
    main()

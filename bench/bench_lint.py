"""Benchmarks of the linter on a large real tree: prints figures, asserts nothing.

    python bench/bench_lint.py [TREE] [--repeat N] [--skip-codemod]

TREE defaults to the installed torch package's source (torch is then needed, as data only).
Each command runs in a fresh process; wall time is the best of N runs, peak RSS comes from
wait4() of that process.
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


def _default_tree() -> str:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("torch is not installed: pass a TREE to benchmark")
    return list(spec.submodule_search_locations)[0]


def measure(command: List[str], repeat: int) -> Tuple[float, float, int]:
    """Best wall time (s), peak RSS (MiB) and exit code of ``command``."""
    best, peak, code = float("inf"), 0.0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        best = min(best, time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return best, peak, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", nargs="?")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-codemod", action="store_true", help="skip the slow libcst.tool comparison")
    parser.add_argument("--skip-flake8", action="store_true", help="skip the slow flake8 comparison")
    args = parser.parse_args()
    tree = args.tree or _default_tree()
    files = [p for p in Path(tree).rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from adamw_lint.analysis import may_contain_findings

    candidates = sum(may_contain_findings(p.read_bytes()) for p in files)
    print(f"tree: {tree}")
    print(f"files: {len(files)}, lines: {lines:,}, pass the pre-filter: {candidates}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")

    py = sys.executable
    rows = []
    without = with_us = None
    if not args.skip_flake8:
        without = measure([py, "-c", _FLAKE8_WITHOUT_US, "-j1", "--select", "E9", tree], args.repeat)
        with_us = measure([py, "-m", "flake8", "-j1", "--select", "E9", tree], args.repeat)
        rows.append(("flake8 -j1 --select E9, without adamw-lint", without))
        rows.append(("flake8 -j1 --select E9, with adamw-lint", with_us))
    ours = measure([py, "-m", "adamw_lint", "check", tree], args.repeat)
    ours_serial = measure([py, "-m", "adamw_lint", "check", "-j", "1", tree], args.repeat)
    rows.append(("adamw-lint check", ours))
    rows.append(("adamw-lint check -j 1", ours_serial))
    ruff = shutil.which("ruff")
    ruff_result = measure([ruff, "check", "--no-cache", "--exit-zero", "--quiet", tree], args.repeat) if ruff else None
    if ruff_result:
        rows.append(("ruff check --no-cache (default rules)", ruff_result))
    fix_diff = measure([py, "-m", "adamw_lint", "fix", "--diff", tree], args.repeat)
    rows.append(("adamw-lint fix --diff", fix_diff))
    codemod = None
    if not args.skip_codemod:
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
    print()
    if with_us and without:
        print(f"flake8 overhead: {with_us[0] / without[0]:.3f}x (target <= 1.05x)")
    if ruff_result:
        print(f"adamw-lint check vs ruff: {ours[0] / ruff_result[0]:.2f}x (target <= 1.0x)")
    if codemod:
        print(f"fix --diff vs libcst.tool codemod: {codemod[0] / fix_diff[0]:.1f}x faster (target >= 10x)")


if __name__ == "__main__":
    main()

"""What any CPython linter pays on a tree, beside adamw-lint and ruff: medians (ms) of alternating
rounds of

- ``python -c pass``: the interpreter's start;
- the floor: the interpreter lists the tree's ``.py`` files, reads each and searches it for
  an optimizer's name, and nothing else;
- the floor with adamw-lint's own pre-filter and ``ast.parse`` of every file the pre-filter admits
  (no engine, no discovery of ignore files, no analysis, no output);
- ``adamw-lint check --no-cache -q .``;
- ``ruff check --no-cache --isolated .``;

each also as a multiple of ruff's time. Asserts nothing; prints one line per tree.

    python bench/bench_floor.py TREE... [--rounds 11] [--ruff PATH]

The trees: ``bench/repos.txt`` (see ``bench_repos.py`` for how to install them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Dict, List

_WALK = """
import os
def files(top):
    stack = [top]
    while stack:
        for entry in os.scandir(stack.pop()):
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    stack.append(entry.path)
            elif entry.name.endswith(".py"):
                yield entry.path
"""
_FLOOR = _WALK + """
found = 0
for path in files("."):
    with open(path, "rb") as handle:
        found += b"Adam" in handle.read()
"""
_PARSED = _WALK + """
import ast
from adamw_lint.prefilter import may_hold_or_train_elsewhere
for path in files("."):
    with open(path, "rb") as handle:
        raw = handle.read()
    if may_hold_or_train_elsewhere(raw):
        try:
            ast.parse(raw)
        except (SyntaxError, ValueError):
            pass
"""


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--ruff", default=shutil.which("ruff") or "ruff")
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": here}
    commands: Dict[str, List[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "floor": [sys.executable, "-c", _FLOOR],
        "floor+parse": [sys.executable, "-c", _PARSED],
        "adamw-lint": [sys.executable, "-m", "adamw_lint", "check", "--no-cache", "-q", "."],
        "ruff": [args.ruff, "check", "--no-cache", "--isolated", "-q", "--exit-zero", "."],
    }
    for tree in args.trees:
        times: Dict[str, List[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append((time.perf_counter() - start) * 1000)
        medians = {name: statistics.median(values) for name, values in times.items()}
        ruff = medians["ruff"]
        print(f"{os.path.basename(os.path.normpath(tree))}: "
              + "; ".join(f"{name} {ms:.1f} ms ({ms / ruff:.1f}×)" for name, ms in medians.items()))
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

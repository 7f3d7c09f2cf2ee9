"""What any CPython linter pays on a tree, beside adamw-lint and ruff: medians (ms) of alternating
rounds of

- ``python -c pass``: the interpreter's start;
- the floor: the interpreter lists the tree's ``.py`` files, reads each and searches it for
  an optimizer's name, and nothing else;
- the floor and ``ast.parse`` of the files adamw-lint's pre-filter admits (chosen by this
  script beforehand: the child imports no part of adamw-lint, no engine, no catalog);
- ``adamw-lint check --no-cache -q .``;
- ``ruff check --no-cache --isolated .``;

each also as a multiple of ruff's time. Asserts nothing; prints one line per tree.

    VENV/bin/python bench/bench_floor.py TREE... [--rounds 11] [--ruff PATH]

Run it with a clean virtual environment's interpreter: a ``.pth`` file in a crowded
site-packages runs at every start (this machine's global one took 37-47 ms for ``-c pass``, a
venv's 11 ms). The trees: ``bench/repos.txt`` (see ``bench_repos.py`` for how to install them).
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
_PARSED = _FLOOR + """
import ast, sys
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        try:
            ast.parse(handle.read())
        except (SyntaxError, ValueError):
            pass
"""


def _admitted(tree: str) -> List[str]:
    """The files of ``tree`` that adamw-lint's pre-filter admits (when the project is followed)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from adamw_lint.prefilter import may_hold_or_train_elsewhere

    found = []
    for folder, subdirs, names in os.walk(tree):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    if may_hold_or_train_elsewhere(handle.read()):
                        found.append(os.path.relpath(os.path.join(folder, name), tree))
    return found


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
        "floor+parse": [sys.executable, "-c", _PARSED],  # + the admitted files, per tree
        "adamw-lint": [sys.executable, "-m", "adamw_lint", "check", "--no-cache", "-q", "."],
        "ruff": [args.ruff, "check", "--no-cache", "--isolated", "-q", "--exit-zero", "."],
    }
    for tree in args.trees:
        times: Dict[str, List[float]] = {name: [] for name in commands}
        parsed = _admitted(tree)
        for _ in range(args.rounds):
            for name, command in commands.items():
                command = command + parsed if name == "floor+parse" else command
                start = time.perf_counter()
                subprocess.run(command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[name].append((time.perf_counter() - start) * 1000)
        medians = {name: statistics.median(values) for name, values in times.items()}
        ruff = medians["ruff"]
        print(f"{os.path.basename(os.path.normpath(tree))} ({len(parsed)} files admitted): "
              + "; ".join(f"{name} {ms:.1f} ms ({ms / ruff:.1f}×)" for name, ms in medians.items()))
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

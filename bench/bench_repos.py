"""A plain ``check`` of whole package trees beside ``ruff check``: issue 20's "sum over the
repositories / ruff's sum" and "worst repository / ruff". Prints figures, asserts nothing.

    python bench/bench_repos.py ROOT [ROOT ...] [--repeat N] [--ruff PATH]

ROOT: a directory whose subdirectories are the trees (or a tree itself, if it holds Python files
at its top). Trees anyone can obtain: the packages listed in ``bench/repos.txt``, each installed
into its own directory, e.g.

    while read spec; do pip install -q --no-deps --target "/tmp/repos/${spec%%==*}" "$spec"; done < bench/repos.txt

(sources of ML packages, mostly Keras/TensorFlow: where the analysis follows models across
modules and costs the most). Each command runs in a fresh process from the tree's directory,
with byte-code compiled beforehand and ``PYTHONDONTWRITEBYTECODE`` dropped; each figure is the
median of N rounds in which adamw-lint and ruff run one after the other, so load from other
work hits them alike (the load average is printed: on a shared machine the ratios are what
counts). adamw-lint runs with ``--no-cache``, ruff with ``--no-cache --isolated`` (its default
rules).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple


def _trees(roots: Sequence[str]) -> List[Path]:
    trees: List[Path] = []
    for root in map(Path, roots):
        if any(root.glob("*.py")):
            trees.append(root)
        else:
            trees += sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    return trees


def _seconds(command: Sequence[str], cwd: Path, env: Dict[str, str]) -> Tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, done.returncode


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="ruff's binary (not a pyenv shim: it adds ~50 ms)")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    here = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(here / "adamw_lint")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    lint = [sys.executable, "-m", "adamw_lint", "check", "--no-cache", "--quiet", "."]
    ruff = [args.ruff, "check", "--no-cache", "--isolated", "--quiet", "."]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeat} rounds; medians in seconds")
    print(f"{'tree':<34} {'adamw-lint':>10} {'ruff':>8} {'ratio':>7}  exit")
    totals = [0.0, 0.0]
    worst = (0.0, "")
    for tree in _trees(args.roots):
        _seconds(lint, tree, env), _seconds(ruff, tree, env)  # warm the page cache
        ours: List[float] = []
        theirs: List[float] = []
        code = 0
        for _ in range(args.repeat):
            seconds, code = _seconds(lint, tree, env)
            ours.append(seconds)
            theirs.append(_seconds(ruff, tree, env)[0])
        a, b = statistics.median(ours), statistics.median(theirs)
        totals[0] += a
        totals[1] += b
        worst = max(worst, (a / b, tree.name))
        print(f"{tree.name:<34} {a:10.3f} {b:8.3f} {a / b:6.1f}×  {code}", flush=True)
    print(f"sum: {totals[0]:.2f} s against ruff's {totals[1]:.2f} s = {totals[0] / totals[1]:.2f}×; "
          f"worst: {worst[1]} {worst[0]:.1f}×; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

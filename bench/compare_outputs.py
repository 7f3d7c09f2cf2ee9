"""Byte-for-byte comparison of two builds' CI outputs: ``check --format json``, ``check --format
sarif`` and ``fix --diff`` (stdout, stderr and exit code) on each tree. Prints SAME/DIFF per tree
and output; exits 1 on any difference. Asserts nothing else, times nothing.

    python bench/compare_outputs.py BEFORE AFTER TREE...

BEFORE, AFTER: directories holding an ``adamw_lint`` package (``git archive ffc244c | tar -x -C
/tmp/before``; this checkout). The commands run with each tree as the working directory, which
``python -m`` puts first on ``sys.path``: a tree must not hold an ``adamw_lint`` package itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List, Sequence, Tuple

COMMANDS = (["check", "--format", "json", "."], ["check", "--format", "sarif", "."], ["fix", "--diff", "."])


def _run(build: str, args: List[str], tree: str) -> Tuple[int, bytes, bytes]:
    if args[0] == "check" and os.path.exists(os.path.join(build, "adamw_lint", "cache.py")):
        args = [args[0], "--no-cache", *args[1:]]  # a build from before the cache has no such option
    env = {**os.environ, "PYTHONPATH": build}
    done = subprocess.run([sys.executable, "-m", "adamw_lint", *args], cwd=tree, env=env, capture_output=True)
    return done.returncode, done.stdout, done.stderr


def main(argv: Sequence[str]) -> int:
    before, after, *trees = argv
    differ = 0
    for tree in trees:
        for args in COMMANDS:
            old, new = _run(before, list(args), tree), _run(after, list(args), tree)
            differ += old != new
            print(f"{'SAME' if old == new else 'DIFF'} {tree}: {' '.join(args[:-1])} (exit {new[0]}, "
                  f"{len(new[1])} bytes)", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

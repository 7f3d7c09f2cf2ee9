"""A plain ``check`` of whole package trees beside ``ruff check``: issue 20's "sum over the
repositories / ruff's sum" and "worst repository / ruff". Prints figures, asserts nothing.

    python bench/bench_repos.py ROOT [ROOT ...] [--repeat N] [--ruff PATH] [--floor] [--before PYTHON]

ROOT: a directory whose subdirectories are the trees (or a tree itself, if it holds Python files
at its top). Trees anyone can obtain: the packages listed in ``bench/repos.txt``, each installed
into its own directory, e.g.

    while read spec; do pip install -q --no-deps --ignore-requires-python --target "/tmp/repos/${spec%%==*}" "$spec"; done < bench/repos.txt

(sources of ML packages, mostly Keras/TensorFlow: where the analysis follows models across
modules and costs the most; some declare Pythons other than the one running pip (on 3.11:
stellargraph and torchdrug), hence ``--ignore-requires-python``: they are only read).
``bench/repos_trial10.txt`` lists 44 more (30 PyTorch, 9 Keras/TF, 5 JAX; torchtune's and
ultralytics' many YAML configs among them), installed the same way into a directory of their own. Each
command runs in a fresh process from the tree's directory, with byte-code compiled beforehand and
``PYTHONDONTWRITEBYTECODE`` dropped; each figure is the median of N rounds in which adamw-lint
and ruff run one after the other, so load from other work hits them alike (the load average is
printed: on a shared machine the ratios are what counts). adamw-lint runs with ``--no-cache``,
ruff with ``--no-cache --isolated`` (its default rules).

``--floor`` adds a third column: a Python process (the same interpreter) that only reads every
``.py`` file of the tree and parses those our pre-filter admits, analyzing nothing: about the
least a linter written in Python that must parse those files could take (a little more: it skips
only hidden folders, where discovery also skips the default excludes and ignored files, and it
imports the catalog for the pre-filter). What adamw-lint takes above it is its own start-up
(imports) and analysis.

``--before PYTHON`` runs another build (the ``adamw-lint`` installed for that interpreter, e.g. a
virtual environment made from an older commit) in the same rounds, for a before/after that the
load on a shared machine cannot tilt.
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


# the floor: read every .py file outside hidden folders, parse the candidates
_FLOOR = """
import ast, os
from adamw_lint.prefilter import may_contain_findings
for top, folders, files in os.walk("."):
    folders[:] = [f for f in folders if not f.startswith(".")]
    for name in files:
        if name.endswith(".py"):
            with open(os.path.join(top, name), "rb") as handle:
                raw = handle.read()
            if may_contain_findings(raw):
                try:
                    ast.parse(raw)
                except (SyntaxError, ValueError):
                    pass
"""


def _seconds(command: Sequence[str], cwd: Path, env: Dict[str, str]) -> Tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, done.returncode


# the installed adamw-lint's requirements that are not installed beside it (a build installed with
# --no-deps runs without PyYAML: every config file is then an internal error, quickly)
_MISSING = """
from importlib import metadata
missing = []
for requirement in metadata.requires("adamw-lint") or ():
    name = requirement.split(";")[0].split("[")[0]
    for stop in "<>=!~ ":
        name = name.split(stop)[0]
    if ";" not in requirement:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
print(" ".join(missing))
"""


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="ruff's binary (not a pyenv shim: it adds ~50 ms)")
    parser.add_argument("--floor", action="store_true", help="also time reading every file and parsing the candidates")
    parser.add_argument("--before", help="another build to compare, in the same rounds: a Python interpreter (a "
                                         "virtual environment's) with that adamw-lint installed")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    here = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(here / "adamw_lint")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    check = ["-m", "adamw_lint", "check", "--no-cache", "--quiet", "."]
    commands = {"adamw-lint": [sys.executable, *check], "ruff": [args.ruff, "check", "--no-cache", "--isolated", "--quiet", "."]}
    if args.floor:
        commands["floor"] = [sys.executable, "-c", _FLOOR]
    if args.before:
        commands["before"] = [args.before, *check]
    envs = {name: env for name in commands}
    if args.before:  # its own installed build, whatever PYTHONPATH would put first
        envs["before"] = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    for name in ("adamw-lint", "before"):
        if name in commands:
            missing = subprocess.run([commands[name][0], "-c", _MISSING], env=envs[name], capture_output=True, text=True)
            if missing.returncode or missing.stdout.strip():
                sys.exit(f"{commands[name][0]} cannot run adamw-lint as users do (missing: "
                         f"{missing.stdout.strip() or missing.stderr.strip()}): its figures would be of another program")
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeat} rounds; medians in seconds")
    print(f"{'tree':<34} {'adamw-lint':>10} {'ruff':>8} {'ratio':>7}  exit" + (f" {'floor':>8}" if args.floor else "")
          + (f" {'before':>8} {'ratio':>7}  exit" if args.before else ""))
    totals = dict.fromkeys(commands, 0.0)
    differ: List[str] = []
    worst = {name: (0.0, "") for name in ("adamw-lint", "before") if name in commands}
    for tree in _trees(args.roots):
        for name, command in commands.items():
            _seconds(command, tree, envs[name])  # warm the page cache
        times: Dict[str, List[float]] = {name: [] for name in commands}
        codes: Dict[str, int] = {}
        for _ in range(args.repeat):  # the commands one after the other in each round: load hits them alike
            for name, command in commands.items():
                seconds, codes[name] = _seconds(command, tree, envs[name])
                times[name].append(seconds)
        code = codes["adamw-lint"]
        median = {name: statistics.median(values) for name, values in times.items()}
        for name in commands:
            totals[name] += median[name]
        for name in worst:
            worst[name] = max(worst[name], (median[name] / median["ruff"], tree.name))
        line = f"{tree.name:<34} {median['adamw-lint']:10.3f} {median['ruff']:8.3f} {median['adamw-lint'] / median['ruff']:6.1f}×  {code}"
        line += f"    {median['floor']:8.3f}" if args.floor else ""
        line += f" {median['before']:8.3f} {median['before'] / median['ruff']:6.1f}×  {codes['before']}" if args.before else ""
        print(line, flush=True)
        if args.before and codes["before"] != code:
            differ.append(f"{tree.name} ({codes['before']} → {code})")
    for name in worst:
        print(f"sum{' (before)' if name == 'before' else ''}: {totals[name]:.2f} s against ruff's {totals['ruff']:.2f} s "
              f"= {totals[name] / totals['ruff']:.2f}×; worst: {worst[name][1]} {worst[name][0]:.1f}×")
    if differ:  # a build that fails where the other finds (or the reverse) is not timing the same work
        print(f"exit codes differ between the builds on {len(differ)} trees: {', '.join(differ)}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.floor:
        print(f"floor (read every file, parse the candidates): {totals['floor']:.2f} s = "
              f"{totals['floor'] / totals['ruff']:.2f}× ruff's")


if __name__ == "__main__":
    main()

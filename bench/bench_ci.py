"""Issue 20's table, reproducibly: the CI formats, start-up, one file as pre-commit runs it, a
repeat run with the cache and ``fix --diff``, side by side with ruff. Prints figures, asserts nothing.

    python bench/bench_ci.py [--trees DIR ...] [--before PATH] [--repeat N] [--work DIR]

Trees anyone can obtain:
- ``--trees``: directories of pip-installed package sources, e.g.
  ``pip install --no-deps --target .corpus transformers==5.23.0 diffusers==0.42.1 timm==1.0.31
  pytorch-lightning==2.6.6 peft==0.21.2 accelerate==1.15.0`` then ``--trees .corpus/*/`` (no
  findings in them: the no-finding rows);
- generated here (``--work``): ``findings-K`` trees of 100 modules that look like training code,
  K of which build ``torch.optim.Adam(..., weight_decay=...)`` over two lines (the SARIF rows;
  their fixes are renames, done without libcst), ``from-K`` the same with ``Adam`` imported by
  name (each fix also changes the import: libcst's work), and ``fix97``/``fix97from-import``,
  97 files to fix of each kind; ``one``, a git repository with a ``.gitignore``, a
  ``pyproject.toml`` that declares torch and one module, for one file as pre-commit runs it.

``--before PATH``: the adamw_lint package directory's parent of another build (e.g. ``git
archive 65bcd61 | tar -x -C /tmp/before``), measured in the same rounds. Each figure is the median
of N rounds in which every command runs once in turn, so load from other work hits them alike;
the load average is printed (on a shared machine the ratios are what matters). Runs of adamw-lint
use ``--no-cache`` except the cache rows.
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
from typing import Dict, List, Optional, Sequence

MODULE = '''"""Training entry point {i}."""
import argparse

import torch
from torch import nn


class Model{i}(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, x):
        return self.layers(x)


def parse(argv=None):
    parser = argparse.ArgumentParser(description="train with AdamW (or 'Adam' for the ablation)")
    parser.add_argument("--lr", type=float, default=1e-3)
    return parser.parse_args(argv)

'''
FINDING = '''
def build_optimizer_{j}(model, lr):
    return torch.optim.Adam(
        model.parameters(), lr=lr, weight_decay=1e-4)
'''
FINDING_FROM = '''
def build_optimizer_{j}(model, lr):
    return Adam(
        model.parameters(), lr=lr, weight_decay=1e-4)
'''
CLEAN = '''
def build_optimizer_{j}(model, lr):
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
'''


def generate(root: Path, files: int, with_findings: int, per_file: int = 3, filler: int = 150,
             from_import: bool = False) -> Path:
    """``files`` modules, the first ``with_findings`` of which hold ``per_file`` findings each;
    ``from_import``: they call ``Adam`` imported by name, so each fix also changes the import
    (libcst's work) instead of only renaming ``torch.optim.Adam`` (done on the text)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "pkg").mkdir(parents=True)
    for i in range(files):
        imported = from_import and i < with_findings
        parts = [MODULE.format(i=i).replace("import torch\n", "import torch\nfrom torch.optim import Adam\n")
                 if imported else MODULE.format(i=i)]
        for j in range(per_file):
            parts.append("".join(f"STEP_{j}_{k} = {k}\n" for k in range(filler // per_file)))
            parts.append((FINDING_FROM if imported else FINDING if i < with_findings else CLEAN).format(j=j))
        (root / "pkg" / f"train_{i}.py").write_text("".join(parts))
    return root


def _repository(root: Path) -> Path:
    """``root`` as pre-commit finds a project: a git repository with a ``.gitignore`` and a
    ``pyproject.toml`` that declares torch (read for the lowest torch a fix may need)."""
    (root / ".gitignore").write_text("build/\n*.ckpt\n__pycache__/\n.venv\n")
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0.1"\n'
                                         'dependencies = ["torch>=2.1", "numpy"]\n\n[tool.ruff]\nline-length = 100\n')
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _run(command: Sequence[str], cwd: Path, env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _medians(commands: Dict[str, tuple], repeat: int) -> Dict[str, float]:
    for name, (command, cwd, env) in commands.items():  # warm-up: byte code and page cache
        done = subprocess.run(list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        if done.returncode not in (0, 1):  # a figure for a run that failed would be meaningless
            print(f"  ({name}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]})")
    times: Dict[str, List[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, cwd, env) in commands.items():
            times[name].append(_run(command, cwd, env))
    return {name: statistics.median(values) for name, values in times.items()}


def _env(path: Optional[str], **extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    if path:
        env["PYTHONPATH"] = path
    return {**env, **extra}


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", nargs="*", default=[])
    parser.add_argument("--before", help="directory holding another build's adamw_lint package")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default="/tmp/adamw-lint-bench-ci")
    parser.add_argument("--ruff", default=shutil.which("ruff"), help="ruff's binary (not a pyenv shim: it adds ~50 ms)")
    parser.add_argument("--sections", nargs="*", default=["formats", "startup", "cache", "fix"],
                        choices=["formats", "startup", "cache", "fix"])
    args = parser.parse_args(argv)
    here = str(Path(__file__).resolve().parent.parent)
    builds = {"after": here, **({"before": args.before} if args.before else {})}
    ruff = args.ruff
    work = Path(args.work)
    print(f"load average before: {os.getloadavg()}")
    lint = [sys.executable, "-m", "adamw_lint"]

    def no_cache(path: str) -> List[str]:  # a build from before the cache has no such option
        return ["--no-cache"] if (Path(path) / "adamw_lint" / "cache.py").exists() else []

    def rows(tree: Path, label: str, formats: Sequence[str]) -> None:
        commands = {}
        for build, path in builds.items():
            for fmt in formats:
                command = [*lint, "check", *no_cache(path), "-q", "--format", fmt, "."]
                commands[f"{build} {fmt}"] = (command, tree, _env(path))
        if ruff:
            commands["ruff"] = ([ruff, "check", "--no-cache", "--isolated", "--quiet", "."], tree, _env(None))
        got = _medians(commands, args.repeat)
        for build in builds:
            plain = got[f"{build} text"]
            line = f"{label:<16} {build:<6} text {plain:6.2f} s"
            for fmt in formats[1:]:
                line += f"  {fmt} {got[f'{build} {fmt}']:6.2f} s ({got[f'{build} {fmt}'] / plain:4.2f}× text)"
            if ruff:
                line += f"  ruff {got['ruff']:5.2f} s (text {plain / got['ruff']:5.2f}× ruff)"
            print(line, flush=True)

    if "formats" in args.sections:
        formats(args, rows, work)
    if "startup" in args.sections:
        startup(args, builds, lint, no_cache, ruff, here, work)
    if "cache" in args.sections:
        cached(args, builds, lint, no_cache, here, work)
    if "fix" in args.sections:
        fixing(args, builds, lint, work)
    print(f"load average after: {os.getloadavg()}")


def formats(args, rows, work: Path) -> None:
    print("\n## plain check, SARIF and JSON against plain, ruff (its default rules) beside")
    for tree in args.trees:
        rows(Path(tree).resolve(), Path(tree).name, ("text", "sarif"))
    for findings in (0, 1, 23, 100):
        tree = generate(work / f"findings-{findings}", 100, findings, per_file=1)
        rows(tree, f"generated-{findings}", ("text", "sarif", "json"))
    for findings in (1, 23):  # each fix also changes an import: libcst's part of the work
        tree = generate(work / f"from-{findings}", 100, findings, per_file=1, from_import=True)
        rows(tree, f"from-import-{findings}", ("text", "sarif", "json"))
    # issue 23's H17: many findings in one file (20 calls over two lines in 1,100 lines)
    rows(generate(work / "h17", 1, 1, per_file=20, filler=1000), "one-file-20", ("text", "sarif", "json"))



def startup(args, builds, lint, no_cache, ruff, here, work: Path) -> None:
    print("\n## start-up and one file as pre-commit runs it")
    one = _repository(generate(work / "one", 1, 0))
    target = "pkg/train_0.py"
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], one, _env(None))}
    for build, path in builds.items():
        commands[f"{build} --version"] = ([*lint, "--version"], one, _env(path))
        commands[f"{build} rules"] = ([*lint, "rules"], one, _env(path))
        commands[f"{build} one file"] = ([*lint, "check", "--force-exclude", *no_cache(path), target], one,
                                         _env(path, PRE_COMMIT="1"))
    if ruff:
        commands["ruff one file"] = ([ruff, "check", "--no-cache", "--isolated", target], one, _env(None))
    flake8 = [sys.executable, "-m", "flake8", "--select", "AWL", target]
    commands["flake8 --select AWL one file"] = (flake8, one, _env(here))
    for name, seconds in _medians(commands, max(args.repeat, 5)).items():
        print(f"{name:<32} {seconds * 1000:7.0f} ms", flush=True)



def cached(args, builds, lint, no_cache, here, work: Path) -> None:
    print("\n## a repeat check with the cache (generated-100, second run) against --no-cache")
    tree = work / "findings-100"
    if not tree.exists():
        generate(tree, 100, 100, per_file=1)
    commands = {}
    for build, path in builds.items():
        commands[f"{build} --no-cache"] = ([*lint, "check", *no_cache(path), "-q", "."], tree, _env(path))
    commands["after cached"] = ([*lint, "check", "-q", "."], tree, _env(here))
    for name, seconds in _medians(commands, args.repeat).items():
        print(f"{name:<32} {seconds:6.2f} s", flush=True)



def fixing(args, builds, lint, work: Path) -> None:
    print("\n## fix --diff over 97 files to fix (3 calls each), renames and with an import changed")
    commands = {}
    for label, from_import in (("", False), (" from-import", True)):
        tree = generate(work / f"fix97{label.strip()}", 97, 97, per_file=3, from_import=from_import)
        commands.update({f"{build} fix --diff{label}": ([*lint, "fix", "--diff", "."], tree, _env(path))
                         for build, path in builds.items()})
    for name, seconds in _medians(commands, args.repeat).items():
        print(f"{name:<32} {seconds:6.2f} s", flush=True)


if __name__ == "__main__":
    main()

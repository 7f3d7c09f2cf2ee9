"""Fixes a library maintainer would merge (issue 22), through the real CLI in small packages
built in temporary git repositories: public Adam APIs are not rewritten, lines stay within the
limit the project really enforces, the summary warns about what the diff cannot show, and
``fix --diff`` follows ruff's exit contract."""
import json
import os
import shutil
import subprocess

import pytest
from helpers import ROOT, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def make_repo(root, files):
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env={**os.environ, **GIT_ENV})
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def lint(repo, *args):
    return run_cli(*args, cwd=repo, env=GIT_ENV)


# 4. fix --diff: exit 1 exactly when the diff is not empty (ruff's --diff implies --fix-only) ----

def test_fix_diff_exits_0_when_only_unfixable_findings_remain(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": "import torch\nopt = torch.optim.RMSprop(p, weight_decay=1e-4)\n"})
    result = lint(repo, "fix", "--diff", ".")
    assert result.stdout == "" and result.returncode == 0
    assert "1 finding without an automatic fix" in result.stderr and "AWL103" in result.stderr
    assert lint(repo, "fix", ".").returncode == 1  # fix itself still fails on what it leaves (ruff's check --fix)
    assert lint(repo, "check", ".").returncode == 1


def test_fix_diff_exits_1_when_the_diff_is_not_empty_and_says_so_in_help(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"})
    result = lint(repo, "fix", "--diff", ".")
    assert result.returncode == 1 and "+opt = torch.optim.AdamW(p, weight_decay=1e-4)" in result.stdout
    helped = " ".join(run_cli("fix", "--help").stdout.split())
    assert "exit 1 only when the diff is not empty" in helped
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "exit `1` exactly when the diff is not empty" in readme

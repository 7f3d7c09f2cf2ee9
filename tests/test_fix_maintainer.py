"""Fixes a library maintainer would merge (issue 22), through the real CLI in small packages
built in temporary git repositories: public Adam APIs are not rewritten, lines stay within the
limit the project really enforces, the summary warns about what the diff cannot show, and
``fix --diff`` follows ruff's exit contract."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import GIT_ENV, ROOT, make_repo, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")



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


# 2. the line length the project really enforces -------------------------------------------------

def padded_call(width: int, indent: str = "") -> str:
    """``opt = torch.optim.Adam(...)`` exactly ``width`` characters long with ``indent``: one
    character short of the limit, the rename (one more) would pass it."""
    head = f"{indent}opt = torch.optim.Adam(model.parameters(), weight_decay=1e-4, lr="
    return head + "0." + "0" * (width - len(head) - 4) + "1)"


FLAKE8_HOOK = "repos:\n- repo: https://github.com/PyCQA/flake8\n  rev: 7.1.1\n  hooks:\n  - id: flake8\n"


def test_a_flake8_hook_without_a_length_means_79(tmp_path):
    source = "import torch\n\n\ndef make(model):\n    " + padded_call(79, "    ").lstrip() + "\n    return opt\n"
    repo = make_repo(tmp_path / "r", {".pre-commit-config.yaml": FLAKE8_HOOK, "pkg/__init__.py": "",
                                      "pkg/train.py": source})
    config = lint(repo, "config", "pkg/train.py").stdout
    assert "# fixes keep lines within 79 characters (flake8's default 79: the flake8 hook in " \
           ".pre-commit-config.yaml sets no length)" in config
    assert lint(repo, "fix", ".").returncode == 0
    fixed = (repo / "pkg/train.py").read_text()
    assert "torch.optim.AdamW(\n" in fixed and max(map(len, fixed.splitlines())) <= 79
    # the same file where flake8 is configured with a length: that length
    other = make_repo(tmp_path / "o", {".pre-commit-config.yaml": FLAKE8_HOOK, "setup.cfg": "[flake8]\nmax-line-length = 100\n",
                                       "train.py": source})
    assert "100 characters (flake8: max-line-length = 100 in [flake8] in setup.cfg)" in lint(other, "config", ".").stdout
    lint(other, "fix", ".")
    assert "opt = torch.optim.AdamW(model.parameters()," in (other / "train.py").read_text()  # one line: it fits


@pytest.mark.parametrize("files,limit,source", [
    ({"setup.cfg": "[flake8]\nselect = E,F\n"}, 79, "flake8's default 79: [flake8] in setup.cfg sets no max-line-length"),
    ({"tox.ini": "[pycodestyle]\nmax_line_length = 90\n", "pyproject.toml": "[tool.black]\n"}, 88,
     "black's default 88: [tool.black] in pyproject.toml sets no line-length"),
    ({".style.yapf": "[style]\nbased_on_style = google\n"}, 80, "yapf: the google style's column limit ([style] in .style.yapf)"),
    ({"pyproject.toml": "[tool.yapf]\ncolumn_limit = 72\n[tool.ruff]\nline-length = 100\n"}, 72,
     "yapf: column_limit = 72 in [tool.yapf] in pyproject.toml"),
    ({"ruff.toml": "line-length = 100\n[lint.pycodestyle]\nmax-line-length = 95\n",
      "pyproject.toml": "[tool.ruff]\nline-length = 60\n"}, 95,  # ruff.toml wins over pyproject.toml, as in ruff
     "ruff: max-line-length = 95 in [lint.pycodestyle] in ruff.toml"),
    ({".pylintrc": "[FORMAT]\nmax-line-length = 99\n"}, 99, "pylint: max-line-length = 99 in [FORMAT] in .pylintrc"),
    ({".flake8": "[flake8]\nmax-line-length = wide\n"}, 79,
     "flake8's default 79: max-line-length = 'wide' in [flake8] in .flake8 is not a length"),
    ({".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: black\n    args: [-l, '70']\n"}, 70,
     "black: the black hook in .pre-commit-config.yaml (args: 70)"),
    ({"README.md": "no tools\n"}, 88, "the default 88: no ruff, black, flake8, pycodestyle, yapf or pylint configuration found"),
])
def test_config_says_which_tool_sets_the_line_length(tmp_path, files, limit, source):
    repo = make_repo(tmp_path / "r", files)
    assert f"# fixes keep lines within {limit} characters ({source})\n" in lint(repo, "config", ".").stdout


def test_a_comment_or_blank_line_above_a_call_does_not_hide_its_indentation(tmp_path):
    call = padded_call(80, " " * 8)
    source = ("import torch\n\n\ndef make(model):\n    if model:\n        # the optimizer\n" + call + "\n"
              "        return opt\n    # fallback\n\n" + padded_call(80, "    ") + "\n    return opt\n")
    repo = make_repo(tmp_path / "r", {"pyproject.toml": "[tool.ruff]\nline-length = 80\n", "train.py": source})
    assert lint(repo, "fix", ".").returncode == 0
    fixed = (repo / "train.py").read_text()
    assert fixed.count("torch.optim.AdamW(\n") == 2 and max(map(len, fixed.splitlines())) <= 80
    assert "        # the optimizer\n        opt = torch.optim.AdamW(\n" in fixed  # the comment stays where it was


def test_notebook_fixes_keep_to_the_projects_line_length(tmp_path):
    call = padded_call(80)
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": ["import torch\n", "# the optimizer\n", call]}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    repo = make_repo(tmp_path / "r", {"pyproject.toml": "[tool.ruff]\nline-length = 80\n",
                                      "nb.ipynb": json.dumps(notebook, indent=1) + "\n"})
    assert lint(repo, "fix", ".").returncode == 0
    lines = "".join(json.loads((repo / "nb.ipynb").read_text())["cells"][0]["source"]).splitlines()
    assert lines[2] == "opt = torch.optim.AdamW(" and max(map(len, lines)) <= 80


# 1. a library's public Adam is not rewritten -------------------------------------------------------

REGISTERED = '''import torch


class Registrable:
    registry = {}

    @classmethod
    def register(cls, name):
        def add(subclass):
            cls.registry[name] = subclass
            return subclass
        return add


@Registrable.register("adam")
class CustomOptimizer(Registrable, torch.optim.Adam):
    def __init__(self, params, lr=1e-3, weight_decay=0.0):
        super().__init__(params, lr=lr, weight_decay=weight_decay)


class PlainOptimizer(torch.optim.Adam):
    def __init__(self, params, lr=1e-3):
        super().__init__(params, lr=lr, weight_decay=1e-2)
'''

FACTORY = '''import torch


class AdamFactory:
    """Builds torch.optim.Adam."""

    @staticmethod
    def create(params, lr=1e-3, weight_decay=0.0) -> torch.optim.Adam:
        """An Adam optimizer."""
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def build(params, weight_decay=0.0) -> "torch.optim.Adam":
    return torch.optim.Adam(params, weight_decay=weight_decay)


def make_adam_optimizer(params):
    return torch.optim.Adam(params, weight_decay=1e-4)


def make_nadam(params):  # another optimizer's name does not promise Adam
    return torch.optim.Adam(params, weight_decay=1e-4)


def _private_adam(params):  # not importable as API: fixed
    return torch.optim.Adam(params, weight_decay=1e-4)
'''

CALLERS = '''import torch

from mylib.factory import AdamFactory


def train(model):
    opt = AdamFactory.create(model.parameters(), weight_decay=1e-4)
    other = torch.optim.Adam(model.parameters(), weight_decay=1e-4)
    return opt, other
'''


def test_a_registered_public_adam_class_keeps_its_base(tmp_path):
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/optim.py": REGISTERED})
    report = json.loads(lint(repo, "check", "--format", "json", ".").stdout)
    fixes = {row["line"]: row["fix"] for row in report}
    assert fixes[18]["applicability"] == "display-only" and fixes[18]["edits"] == []
    assert "CustomOptimizer is public and it is registered as Adam" in fixes[18]["description"]
    assert "offer AdamW beside it" in fixes[18]["description"]
    assert fixes[23]["applicability"] == "display-only"  # a public class's base is outside the call
    assert "would change the bases of the public class PlainOptimizer (line 21)" in fixes[23]["description"]
    result = lint(repo, "fix", ".")
    assert (repo / "mylib/optim.py").read_text() == REGISTERED  # nothing rewritten
    assert result.returncode == 1 and "(not fixed: CustomOptimizer is public and it is registered as Adam" in result.stderr
    assert lint(repo, "fix", "--diff", ".").returncode == 0  # nothing to apply: ruff's --diff contract


def test_the_same_class_outside_a_package_is_fixed(tmp_path):
    repo = make_repo(tmp_path / "r", {"scripts/optim.py": REGISTERED})
    assert lint(repo, "fix", ".").returncode == 0
    assert (repo / "scripts/optim.py").read_text().count("torch.optim.AdamW)") == 2


def test_a_public_adam_factory_is_advice_and_its_callers_keep_their_fixes(tmp_path):
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/factory.py": FACTORY, "mylib/train.py": CALLERS})
    result = lint(repo, "fix", ".")
    factory = (repo / "mylib/factory.py").read_text()
    lines = factory.splitlines()
    assert lines[9] == "        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)"  # AdamFactory
    assert lines[13] == "    return torch.optim.Adam(params, weight_decay=weight_decay)"  # -> "torch.optim.Adam"
    assert lines[17] == "    return torch.optim.Adam(params, weight_decay=1e-4)"  # make_adam_optimizer
    assert lines[21] == "    return torch.optim.AdamW(params, weight_decay=1e-4)"  # make_nadam
    assert lines[25] == "    return torch.optim.AdamW(params, weight_decay=1e-4)"  # _private_adam
    assert "AdamFactory.create is public" not in result.stderr and "AdamFactory is public and its name promises Adam" in result.stderr
    assert "build is public and its annotation promises Adam" in result.stderr
    assert "make_adam_optimizer is public and its name promises Adam" in result.stderr
    assert "other = torch.optim.AdamW(model.parameters(), weight_decay=1e-4)" in (repo / "mylib/train.py").read_text()


# 3. the summary warns about what the diff cannot show -------------------------------------------

TRAIN = "import torch\n\n\ndef make_optimizer(model):\n    return torch.optim.Adam(model.parameters(), weight_decay=1e-4)\n"
CHECKS = '''import torch
from torch.optim import Adam

from mylib.train import make_optimizer


def test_optimizer(model):
    opt = make_optimizer(model)
    assert isinstance(opt, torch.optim.Adam)
    assert type(opt) is Adam


def test_annotated(model):
    opt: "torch.optim.Adam" = make_optimizer(model)
    assert opt
'''
UNRELATED = "import torch\n\n\ndef test_other(opt):\n    assert isinstance(opt, torch.optim.Adam)\n"


@pytest.mark.parametrize("command", [["fix", "--diff", "."], ["fix", "."]], ids=["diff", "fix"])
def test_the_summary_names_the_projects_class_checks_a_rename_breaks(tmp_path, command):
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/train.py": TRAIN, "tests/test_train.py": CHECKS,
                                      "tests/test_other.py": UNRELATED, "requirements.txt": "torch>=2.1\n"})
    err = lint(repo, *command).stderr
    fix = "  mylib/train.py:5: torch.optim.Adam -> torch.optim.AdamW: "
    assert "The diff cannot show this: the project checks the class these fixes replace:\n" in err
    assert (fix + "tests/test_train.py:9 checks isinstance(opt, torch.optim.Adam), AdamW subclasses Adam only "
            "from torch 2.7, and the project allows torch 2.1\n") in err
    assert fix + "tests/test_train.py:10 compares type(opt) is Adam, false for AdamW on any torch\n" in err
    assert fix + "tests/test_train.py:14 annotates 'torch.optim.Adam', AdamW subclasses Adam only" in err
    assert "test_other.py" not in err  # it does not import the fixed module


def test_no_subclass_warning_where_the_project_needs_a_torch_with_adamw_subclassing_adam(tmp_path):
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/train.py": TRAIN, "tests/test_train.py": CHECKS,
                                      "pyproject.toml": '[project]\nname = "m"\ndependencies = ["torch>=2.7"]\n'})
    err = lint(repo, "fix", "--diff", ".").stderr
    assert "isinstance" not in err and "annotates" not in err
    assert "tests/test_train.py:10 compares type(opt) is Adam, false for AdamW on any torch" in err
    flagged = lint(repo, "fix", "--diff", "--style", "flag", ".")  # the class stays Adam: nothing to warn about
    assert "decoupled_weight_decay=True" in flagged.stdout and "The diff cannot show" not in flagged.stderr


@pytest.mark.parametrize("imports,call,public,fixed", [
    ("import optax", "    return optax.chain(optax.add_decayed_weights(wd), optax.adam(lr))\n", "adam_with_decay",
     "    return optax.adamw(lr, weight_decay=wd)\n"),
    ("import timm.optim", "    return timm.optim.create_optimizer_v2(model, 'adam', weight_decay=wd)\n", "build_adam",
     "    return timm.optim.create_optimizer_v2(model, 'adamw', weight_decay=wd)\n"),
], ids=["optax-chain", "factory-string"])
def test_a_public_adam_factory_keeps_its_optimizer_and_the_private_one_is_fixed(tmp_path, imports, call, public, fixed):
    source = f"{imports}\n\n\ndef {public}(model, lr, wd):\n{call}\n\ndef build(model, lr, wd):\n{call}"
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/opt.py": source})
    result = lint(repo, "fix", ".")
    text = (repo / "mylib/opt.py").read_text()
    assert text.count(call) == 1 and fixed in text
    assert f"(not fixed: {public} is public and its name promises adam" in result.stderr


@pytest.mark.parametrize("statement,broken", [
    # a factory's string and a wrapper's class argument lengthen the line without renaming the call
    ("opt = timm.optim.create_optimizer_v2(model, 'nadam', weight_decay=1e-4, lr=0.{}1)",
     "opt = timm.optim.create_optimizer_v2(\n    model, 'nadamw', weight_decay=1e-4, lr=0."),
    ("opt = ZeroRedundancyOptimizer(p, optimizer_class=torch.optim.Adam, weight_decay=1e-4, lr=0.{}1)",
     "opt = ZeroRedundancyOptimizer(\n    p, optimizer_class=torch.optim.AdamW, weight_decay=1e-4, lr=0."),
    # a list element followed by a comment: the comment is on the line too
    ("opts = [\n    torch.optim.Adam(p, weight_decay=1e-4, lr=0.{}1),  # the first one\n]",
     "opts = [\n    torch.optim.AdamW(\n        p, weight_decay=1e-4, lr=0."),
])
def test_every_kind_of_fix_keeps_to_the_line_length(tmp_path, statement, broken):
    sized = next(line for line in statement.splitlines() if "{}" in line)
    text = statement.format("0" * (100 - len(sized.format(""))))
    source = ("import timm.optim\nimport torch\nfrom torch.distributed.optim import ZeroRedundancyOptimizer\n\n"
              f"p = None\n{text}\n")
    assert max(map(len, source.splitlines())) == 100
    repo = make_repo(tmp_path / "r", {"pyproject.toml": "[tool.black]\nline-length = 100\n", "train.py": source})
    assert lint(repo, "fix", ".").returncode == 0
    fixed = (repo / "train.py").read_text()
    assert broken in fixed and max(map(len, fixed.splitlines())) <= 100, fixed


def test_a_cached_check_sees_a_folder_become_a_package(tmp_path):
    repo = make_repo(tmp_path / "r", {"mylib/optim.py": REGISTERED})
    assert lint(repo, "check", "--unsafe-fixes", ".").stdout.count("[*]") == 2  # scripts: fixable
    (repo / "mylib/__init__.py").write_text("")
    assert "[*]" not in lint(repo, "check", "--unsafe-fixes", ".").stdout  # now a package: advice only


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_the_class_check_summary_never_blocks_on_a_fifo(tmp_path):
    repo = make_repo(tmp_path / "r", {"mylib/__init__.py": "", "mylib/train.py": TRAIN, "tests/test_train.py": CHECKS,
                                      "requirements.txt": "torch>=2.1\n"})
    os.mkfifo(repo / "tests" / "test_pipe.py")
    result = subprocess.run([sys.executable, "-m", "adamw_lint", "fix", "--diff", "."], cwd=repo, capture_output=True,
                            text=True, timeout=120, env={**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "tests/test_train.py:9 checks isinstance" in result.stderr

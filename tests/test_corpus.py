"""Real-world corpus: the installed sources of packages that use optimizers heavily, checked and
fixed (as a diff) serially and in parallel. No traceback, identical output, bounded time.

Slow, so out of the default run; CI selects it (``pytest -m corpus``) after installing the
packages' sources with ``pip install --no-deps --target .corpus`` (see .ci/run).
"""
import importlib.util
import json
import os
import time

import pytest
from helpers import BAD, ROOT, run_cli

pytestmark = pytest.mark.corpus

CORPUS = ROOT / ".corpus"
PACKAGES = ("transformers", "diffusers", "timm", "pytorch_lightning", "peft", "accelerate")


def _trees():
    trees = [CORPUS / name for name in PACKAGES]
    for module in ("torch", "keras"):  # located, never imported (keras would pick a backend)
        spec = importlib.util.find_spec(module)
        trees.append(spec.submodule_search_locations[0] if spec else CORPUS / module)
    return trees


@pytest.fixture(scope="module")
def trees():
    missing = [str(t) for t in _trees() if not os.path.isdir(t)]
    if missing:
        pytest.fail(f"the corpus is not installed ({', '.join(missing)}): run the corpus step of .ci/run")
    return [str(t) for t in _trees()]


def _assert_clean_run(result, limit_s, started):
    assert time.monotonic() - started < limit_s
    assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr, result.stderr[-2000:]
    for line in result.stderr.splitlines():  # every problem names its file and says why
        if line.startswith(("Would fix", "Fixed", "Every fix")) or line.startswith("  ") or "without an automatic fix" in line:
            continue
        assert line.startswith("adamw-lint: error: ") and "internal error" not in line, line


@pytest.mark.parametrize("command", [["check", "--format", "json"], ["fix", "--diff"]], ids=["check", "fix-diff"])
def test_real_packages_serial_and_parallel_agree(trees, command):
    outputs = {}
    for jobs in ("1", "2"):
        started = time.monotonic()
        result = run_cli(*command, "-j", jobs, *trees, env={"ADAMW_LINT_VERBOSE": "1"})
        _assert_clean_run(result, 600, started)
        outputs[jobs] = (result.returncode, result.stdout, result.stderr)
    assert outputs["1"] == outputs["2"]
    if command[0] == "check":
        json.loads(outputs["1"][1])


def test_generated_messy_tree_serial_and_parallel_agree(tmp_path):
    """≥ 30 candidates mixed with unparsable files, a huge file, notebooks with bad cells."""
    for i in range(40):
        (tmp_path / f"pkg{i % 4}").mkdir(exist_ok=True)
        (tmp_path / f"pkg{i % 4}" / f"t{i:02}.py").write_text(BAD + f"x{i} = {i}\n")
    (tmp_path / "py2.py").write_text("import torch\nprint 'old'\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    (tmp_path / "latin.py").write_bytes(b"# Adam \xff\xfe\n")
    (tmp_path / "huge.py").write_text("x = 1\n" * 300_000 + BAD)
    (tmp_path / "deep.py").write_text("import torch  # Adam\nx = " + "(" * 5000 + ")" * 5000 + "\n")
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook = {"cells": [dict(cell, source=["import torch\n"]), dict(cell, source=["x = (\n"]),
                          dict(cell, source=["opt = torch.optim.Adam(p, weight_decay=1e-4)\n"])],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    (tmp_path / "broken.ipynb").write_text('{"cells": [ "Adam"')
    outputs = {}
    for jobs in ("1", "2"):
        result = run_cli("check", "-j", jobs, str(tmp_path))
        _assert_clean_run(result, 300, time.monotonic())
        outputs[jobs] = result
    assert outputs["1"].stdout == outputs["2"].stdout and outputs["1"].stderr == outputs["2"].stderr
    result = outputs["1"]
    assert result.returncode == 2
    assert result.stdout.count(" AWL101 ") == 40 + 1 + 1  # the packages, huge.py, the notebook's good cell
    for name in ("py2.py", "latin.py", "deep.py", "nb.ipynb: cell 2", "broken.ipynb"):
        assert name in result.stderr, name


def test_ten_megabyte_file(tmp_path):
    target = tmp_path / "big.py"
    target.write_bytes(b"x = 1\n" * (10 * 2**20 // 6) + BAD.encode())
    result = run_cli("check", str(target))
    assert result.returncode == 1 and result.stdout.count("AWL101") == 1

"""Never corrupt a file, never crash, never run user code (large real trees, adversarial inputs)."""
import json
import os
import signal
import subprocess
import sys
import sysconfig
import time

import pytest


from helpers import BAD, ROOT, cli

FIXED = "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-4)\n"



def _torch_tree():
    try:
        import torch
    except ImportError:
        return None
    return os.path.dirname(torch.__file__)


@pytest.mark.parametrize("tree", [sysconfig.get_paths()["stdlib"], _torch_tree()], ids=["stdlib", "torch"])
def test_real_trees_no_tracebacks_and_same_results_serial_and_parallel(tree, capsys):
    if tree is None:
        pytest.skip("torch is not installed")
    results = {}
    for jobs in ("1", "2"):
        code, out, err = cli(capsys, "check", "--format", "json", "-j", jobs, tree)
        assert "Traceback" not in err and code in (0, 1, 2)
        for line in err.splitlines():  # every problem names its file and says why
            assert line.startswith("adamw-lint: error: ") and (".py" in line or ".json" in line or ".yaml" in line or ".yml" in line or ".ipynb" in line), line
        results[jobs] = (json.loads(out), err)
    assert results["1"] == results["2"]
    code, out, err = cli(capsys, "fix", "--diff", tree)
    assert "Traceback" not in err and code in (0, 1, 2)


@pytest.mark.parametrize(
    "name,data",
    [
        ("empty.py", b""),
        ("mixed_endings.py", b"import torch\r\nx = 1\nopt = torch.optim.Adam(p, weight_decay=1e-4)\r\n"),
        ("nul.py", b"import torch # Adam\x00\n"),
        ("bad_utf8.py", b"import torch  # Adam \xff\xfe\n"),
        ("deep.py", b"import torch  # Adam\nx = " + b"-" * 100_000 + b"1\n"),
        ("nested.py", b"import torch  # Adam\nx = " + b"(" * 300 + b"1" + b")" * 300 + b"\n"),
        ("nb3.ipynb", json.dumps({"worksheets": [{"cells": []}], "nbformat": 3, "metadata": {}, "x": "Adam"}).encode()),
        ("dup.yaml", b"opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.0\n  weight_decay: 1.0e-4\n"),
    ],
)
def test_adversarial_inputs_are_errors_or_findings_never_crashes(tmp_path, capsys, name, data):
    target = tmp_path / name
    target.write_bytes(data)
    code, out, err = cli(capsys, "fix", str(tmp_path))
    assert code in (0, 1, 2) and "Traceback" not in err
    if code == 2:
        assert name in err
        assert target.read_bytes() == data  # an error never rewrites the file
    if name == "mixed_endings.py":
        assert target.read_bytes() == data.replace(b"optim.Adam(", b"optim.AdamW(")


def test_ten_megabyte_file(tmp_path, capsys):
    target = tmp_path / "big.py"
    target.write_bytes(b"x = 1\n" * (10 * 2**20 // 6) + BAD.encode())
    code, out, _ = cli(capsys, "check", str(target))
    assert code == 1 and out.count("AWL101") == 1


def test_symlinks_are_never_followed_or_written_through(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_text(BAD)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "own.py").write_text(BAD)
    (tree / "link.py").symlink_to(outside / "victim.py")
    (tree / "linkdir").symlink_to(outside)
    (tree / "loop").symlink_to(tree)
    code, out, err = cli(capsys, "fix", str(tree))
    assert (outside / "victim.py").read_text() == BAD
    assert (tree / "own.py").read_text() == FIXED
    assert (tree / "link.py").is_symlink()


def test_file_deleted_between_read_and_write_is_not_recreated(tmp_path, monkeypatch, capsys):
    import adamw_lint.cli as cli_module

    target = tmp_path / "t.py"
    target.write_text(BAD)
    original = cli_module.write_atomic

    def delete_first(path, data, expected):
        os.unlink(path)
        return original(path, data, expected)

    monkeypatch.setattr(cli_module, "write_atomic", delete_first)
    code, _, err = cli(capsys, "fix", str(tmp_path))
    assert code == 2 and "t.py" in err and not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_fix_leaves_files_original_or_fixed_and_no_temporaries(tmp_path, signum):
    for i in range(400):
        (tmp_path / f"m{i:03}.py").write_text(BAD + "x = 1\n" * 200)
    process = subprocess.Popen([sys.executable, "-m", "adamw_lint", "fix", "-j", "1", str(tmp_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(1.5)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    for path in tmp_path.iterdir():
        assert path.suffix == ".py", f"left behind: {path.name}"
        assert path.read_text() in (BAD + "x = 1\n" * 200, FIXED + "x = 1\n" * 200)
    assert len(list(tmp_path.iterdir())) == 400


def test_never_imports_or_runs_the_code_it_reads(tmp_path, capsys):
    marker = tmp_path / "MARKER"
    payload = f"open({str(marker)!r}, 'w').write('ran')\nimport torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    for name in ("pkg/__init__.py", "conftest.py", "setup.py"):
        (project / name).write_text(payload)
    (project / "cfg.yaml").write_text(
        f"evil: !!python/object/apply:builtins.open [{str(marker)!r}, 'w']\n"
        "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n"
    )
    assert cli(capsys, "check", str(project))[0] == 1
    assert cli(capsys, "fix", str(project))[0] == 0
    assert not marker.exists()
    assert "AdamW" in (project / "setup.py").read_text() and "AdamW" in (project / "cfg.yaml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]  # nothing written outside the tree

"""Where users run it: output formats, pyproject settings, notebooks, YAML/JSON configs, pre-commit."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


from helpers import BAD, FIXTURES, ROOT, cli




# --- CI output ---------------------------------------------------------------------------------

def test_github_annotations(tmp_path, capsys):
    (tmp_path / "t.py").write_text(BAD)
    code, out, _ = cli(capsys, "check", "--format", "github", str(tmp_path))
    assert code == 1
    assert out.startswith(f"::warning file={(tmp_path / 't.py').as_posix()},line=2,col=7,endLine=2,endColumn=45,title=AWL101::AWL101 ")


def test_sarif_validates_against_the_2_1_0_schema_and_carries_fixes(tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    (tmp_path / "t.py").write_text(BAD + "r = torch.optim.RMSprop(p, weight_decay=1e-4)\n")
    code, out, _ = cli(capsys, "check", "--format", "sarif", str(tmp_path))
    log = json.loads(out)
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"AWL101", "AWL103", "AWL201", "AWL301"}
    fixable, unfixable = run["results"]
    assert fixable["ruleId"] == "AWL101" and "fixes" in fixable and "fixes" not in unfixable
    replacement = fixable["fixes"][0]["artifactChanges"][0]["replacements"][0]
    source = (tmp_path / "t.py").read_text()
    start = replacement["deletedRegion"]["charOffset"]
    end = start + replacement["deletedRegion"]["charLength"]
    patched = source[:start] + replacement["insertedContent"]["text"] + source[end:]
    assert "torch.optim.AdamW(p, weight_decay=1e-4)" in patched and "RMSprop" in patched
    assert code == 1


def test_exit_zero_and_statistics(tmp_path, capsys):
    (tmp_path / "t.py").write_text(BAD + "b = torch.optim.Adam(p, weight_decay=1e-3)\nr = torch.optim.RMSprop(p, weight_decay=1e-4)\n")
    code, out, _ = cli(capsys, "check", "--exit-zero", "--statistics", str(tmp_path))
    assert code == 0
    assert "    2\tAWL101\t[ ] adam-coupled-weight-decay\n    1\tAWL103\t[ ] adaptive-coupled-weight-decay-no-switch\n" in out  # unsafe: not what --fix does


# --- configuration -------------------------------------------------------------------------------

def test_pyproject_settings_and_command_line_overrides(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.adamw-lint]\nignore = ["AWL103"]\nextend-select = ["AWL105"]\nformat = "json"\n'
        'exclude = ["vendored"]\nper-file-ignores = { "tests/*" = ["AWL101"] }\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(BAD)
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "v.py").write_text(BAD)
    (tmp_path / "m.py").write_text(BAD + "r = torch.optim.RMSprop(p, weight_decay=1e-4)\n"
                                   "reg = sum(q.pow(2).sum() for q in model.parameters())\n")
    code, out, _ = cli(capsys, "check", str(tmp_path))
    found = [(Path(r["path"]).name, r["code"]) for r in json.loads(out)]
    assert found == [("m.py", "AWL101"), ("m.py", "AWL105")]
    code, out, _ = cli(capsys, "check", "--format", "text", "--ignore", "AWL105", str(tmp_path / "m.py"))
    assert "AWL105" not in out and "AWL101" in out  # the command line overrides the file
    code, out, _ = cli(capsys, "config", str(tmp_path))
    assert 'ignore = ["AWL103"]' in out and str(tmp_path / "pyproject.toml") in out


@pytest.mark.parametrize("body,message", [
    ('selct = ["AWL1"]', "unknown key 'selct'"),
    ('select = "AWL101"', "select must be a list"),
    ('select = ["E501"]', "'E501' is not a code"),
    ('fix-style = "sideways"', "fix-style must be one of"),
])
def test_bad_settings_are_clear_errors(tmp_path, capsys, body, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.adamw-lint]\n{body}\n")
    (tmp_path / "m.py").write_text(BAD)
    code, _, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and message in err and "pyproject.toml" in err


# --- notebooks -----------------------------------------------------------------------------------

def test_notebook_findings_name_the_cell(capsys):
    code, out, _ = cli(capsys, "check", "--format", "json", str(FIXTURES / "finetune.ipynb"))
    rows = [(r["cell"], r["line"], r["col"], r["code"]) for r in json.loads(out)]
    assert rows == [(3, 4, 7, "AWL101"), (4, 1, 9, "AWL103")]
    _, out, _ = cli(capsys, "check", str(FIXTURES / "finetune.ipynb"))
    assert out.splitlines()[0].endswith("finetune.ipynb:cell 3:4:7: AWL101 torch.optim.Adam(weight_decay=1e-4) adds L2 "
                                        "to the gradient (coupled), not decoupled weight decay; use torch.optim.AdamW "
                                        "and re-tune weight_decay")


def test_notebook_fix_rewrites_only_the_changed_cell_and_keeps_the_layout(tmp_path, capsys):
    nbformat = pytest.importorskip("nbformat")
    target = tmp_path / "nb.ipynb"
    shutil.copy(FIXTURES / "finetune.ipynb", target)
    before = json.loads(target.read_text())
    assert cli(capsys, "fix", str(tmp_path))[0] == 1  # the RMSprop finding remains
    after_text = target.read_text(encoding="utf-8")
    after = json.loads(after_text)
    changed = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
    assert changed == [2]
    assert after["cells"][2]["source"][-1] == "opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)  # été"
    assert after["cells"][2]["source"][:3] == before["cells"][2]["source"][:3]  # magics restored
    assert after["cells"][1]["outputs"] == before["cells"][1]["outputs"] and after["metadata"] == before["metadata"]
    original = (FIXTURES / "finetune.ipynb").read_text(encoding="utf-8")
    assert after_text == original.replace("opt = optim.Adam(", "opt = optim.AdamW(")  # layout byte for byte
    nbformat.validate(nbformat.reads(after_text, as_version=4))


def test_invalid_notebook_json_is_reported_never_rewritten(tmp_path, capsys):
    target = tmp_path / "broken.ipynb"
    target.write_text('{"cells": [ {"source": "torch.optim.Adam(p, weight_decay=1e-4)"')
    code, _, err = cli(capsys, "fix", str(tmp_path))
    assert code == 2 and "broken.ipynb: is not valid notebook JSON" in err
    assert target.read_text().endswith('1e-4)"')


def test_magics_do_not_hide_the_rest_of_the_cell():
    from adamw_lint.notebook import mask, unmask

    cell = "%load_ext autoreload\n!nvidia-smi\nfiles = !ls\nif True:\n    %time x = 1\nobj?\nx = 1  # why?\n"
    masked, originals = mask(cell)
    compile(masked, "<cell>", "exec")
    assert "x = 1  # why?" in masked
    assert unmask(masked, originals) == cell


def test_notebook_via_stdin_filename():
    from helpers import run_cli

    result = run_cli("check", "--stdin-filename", "nb.ipynb", "-", stdin=(FIXTURES / "finetune.ipynb").read_text())
    assert result.returncode == 1 and result.stdout.startswith("nb.ipynb:cell 3:4:7: AWL101")


# --- config files ----------------------------------------------------------------------------------

def test_hydra_lightning_and_deepspeed_configs(capsys):
    code, out, _ = cli(capsys, "check", "--format", "json", str(FIXTURES / "configs"))
    rows = sorted((Path(r["path"]).name, r["line"], r["code"]) for r in json.loads(out))
    assert rows == [("ds_config.json", 4, "AWL101"), ("lightning_cli.yaml", 4, "AWL102"), ("mnist.yaml", 5, "AWL101")]
    assert "${optim.wd}" in out and "if it is non-zero" in out


def test_config_fix_edits_only_the_span_and_keeps_comments(tmp_path, capsys):
    shutil.copytree(FIXTURES / "configs", tmp_path / "configs")
    cli(capsys, "fix", str(tmp_path))
    hydra = (tmp_path / "configs" / "model" / "mnist.yaml").read_text()
    original = (FIXTURES / "configs" / "model" / "mnist.yaml").read_text()
    assert hydra == original.replace("_target_: torch.optim.Adam  #", "_target_: torch.optim.AdamW  #")
    ds = (tmp_path / "configs" / "ds_config.json").read_text()
    assert ds == (FIXTURES / "configs" / "ds_config.json").read_text().replace('"adam_w_mode": false', '"adam_w_mode": true')


@pytest.mark.parametrize("text,expected", [
    ("opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0\n", []),
    ("opt:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.1\n", []),
    # _args_ are positional from the first parameter (params) on
    ("opt:\n  _target_: torch.optim.Adam\n  _args_: [0.001, [0.9, 0.999], 1.0e-8, 0.0001]\n", []),
    ("opt:\n  _target_: torch.optim.Adam\n  _args_: ['${params}', 0.001, [0.9, 0.999], 1.0e-8, 0.0001]\n", ["AWL101"]),
    ("opt:\n  _target_: torch.optim.Adam\n  weight_decay: 1e-4\n  decoupled_weight_decay: true\n", []),
    ("opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0e0\n", []),  # OmegaConf's float, not a string
    ("base: &opt\n  _target_: torch.optim.Adam\n  weight_decay: 1.0e-4\nother: *opt\n", ["AWL101"]),
    ("x: !!python/object/apply:os.system ['touch /tmp/pwned-by-adamw-lint']\n"
     "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n", ["AWL101"]),
    # noqa in a YAML comment, read as flake8 reads it (prefixes included)
    ("opt:\n  _target_: torch.optim.Adam  # noqa: AWL1\n  weight_decay: 0.01\n", []),
    ("opt:\n  _target_: torch.optim.Adam  # noqa: AWL102\n  weight_decay: 0.01\n", ["AWL101"]),
    ('{"optimizer": {"type": "AdamW", "params": {"weight_decay": 0.01}}}', []),
    ('{"optimizer": {"type": "Adam", "params": {"weight_decay": 0.01}}}', []),  # adam_w_mode defaults to true
])
def test_config_semantics(tmp_path, capsys, text, expected):
    target = tmp_path / ("c.json" if text.startswith("{") else "c.yaml")
    target.write_text(text)
    _, out, _ = cli(capsys, "check", "--format", "json", str(target))
    assert [r["code"] for r in json.loads(out)] == expected
    assert not os.path.exists("/tmp/pwned-by-adamw-lint")


def test_yaml_with_tabs_is_a_reported_error(tmp_path, capsys):
    # it names a weight decay: a config that does not would be passed over (README)
    (tmp_path / "c.yaml").write_text("opt:\n\t_target_: torch.optim.Adam\n\tweight_decay: 1e-4\n")
    code, _, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "c.yaml" in err and "cannot be parsed" in err


# --- pre-commit ------------------------------------------------------------------------------------

@pytest.mark.corpus  # slow (it builds a pre-commit environment): CI runs it with -m corpus
def test_pre_commit_hooks_end_to_end(tmp_path):
    if shutil.which("git") is None or subprocess.run([sys.executable, "-m", "pre_commit", "--version"]).returncode:
        pytest.skip("git or pre-commit is missing")
    repo = tmp_path / "project"
    repo.mkdir()
    shutil.copy(FIXTURES / "finetune.ipynb", repo / "nb.ipynb")
    shutil.copy(FIXTURES / "configs" / "model" / "mnist.yaml", repo / "optim.yaml")
    (repo / "train.py").write_text(BAD + "r = torch.optim.RMSprop(p, weight_decay=1e-4)\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
        subprocess.run(command, cwd=repo, check=True, env=env)

    def hook(name):
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), name, "--all-files"],
                              cwd=repo, capture_output=True, text=True, env=env)

    checked = hook("adamw-lint")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    for name in ("train.py:2:7: AWL101", "train.py:3:5: AWL103", "nb.ipynb:cell 3:4:7: AWL101", "optim.yaml:5:13: AWL101"):
        assert name in checked.stdout
    fixed = hook("adamw-lint-fix")
    assert fixed.returncode == 1  # files were modified, and findings without a fix remain
    again = hook("adamw-lint")
    remaining = sorted(line.split(": ")[1].split()[0] for line in again.stdout.splitlines() if ": AWL" in line)
    assert remaining == ["AWL103", "AWL103"]  # RMSprop in train.py and in the notebook
    assert "optim.AdamW(" in (repo / "train.py").read_text() + (repo / "nb.ipynb").read_text()

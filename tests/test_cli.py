"""The command line: formats, exit codes, noqa, selection, errors, stdin, parallelism."""
import json
import shutil

import pytest

from adamw_lint.cli import main

from helpers import BAD, FIXTURES, cli, git_repository, run_cli

CLEAN = "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-2)\n"



def test_exit_codes(tmp_path, capsys):
    (tmp_path / "clean.py").write_text(CLEAN)
    assert cli(capsys, "check", str(tmp_path))[0] == 0
    (tmp_path / "bad.py").write_text(BAD)
    code, out, _ = cli(capsys, "check", str(tmp_path))
    assert code == 1
    assert out == f"{(tmp_path / 'bad.py').as_posix()}:2:7: AWL101 torch.optim.Adam(weight_decay=1e-4) adds L2 " \
                  "to the gradient (coupled), not decoupled weight decay; use torch.optim.AdamW and re-tune weight_decay\n" \
                  "Found 1 finding.\n1 hidden fix can be enabled with `--unsafe-fixes` (they change training " \
                  "numerics: re-tune weight_decay), or applied with `adamw-lint fix`.\n"
    assert cli(capsys, "check", str(tmp_path / "missing"))[0] == 2


def test_unparsable_file_is_reported_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "py2.py").write_text("import torch\nprint 'Adam'\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    (tmp_path / "bad.py").write_text(BAD)
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2
    assert "bad.py:2:7: AWL101" in out
    assert "py2.py:2:" in err and "cannot be parsed" in err


def test_undecodable_and_null_byte_files_are_errors_not_crashes(tmp_path, capsys):
    (tmp_path / "latin.py").write_bytes(b"import torch\n# caf\xe9 Adam\n")
    (tmp_path / "nul.py").write_bytes(b"import torch\x00\nAdam\n")
    code, _, err = cli(capsys, "check", str(tmp_path))
    assert code == 2
    assert "latin.py: cannot be decoded" in err and "nul.py: cannot be parsed" in err


def test_json_format(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(BAD)
    code, out, _ = cli(capsys, "check", "--format", "json", str(tmp_path))
    rows = json.loads(out)
    assert code == 1 and len(rows) == 1
    row = rows[0]
    assert (row["line"], row["col"], row["end_line"], row["end_col"], row["code"]) == (2, 7, 2, 45, "AWL101")
    edits = row["fix"].pop("edits")
    assert row["fix"] == {"applicability": "unsafe", "description": "Replace torch.optim.Adam with torch.optim.AdamW"}
    fixed = BAD  # the edits, as character offsets into the file, turn it into its fixed form
    for edit in sorted(edits, key=lambda e: -e["offset"]):
        fixed = fixed[:edit["offset"]] + edit["content"] + fixed[edit["offset"] + edit["length"]:]
    assert fixed == BAD.replace("Adam(", "AdamW(")
    assert set(row) >= {"path", "line", "col", "end_line", "end_col", "code", "message", "fix"}


def test_json_fix_is_null_without_automatic_fix(tmp_path, capsys):
    (tmp_path / "r.py").write_text("import torch\ntorch.optim.RMSprop(p, weight_decay=1e-4)\n")
    _, out, _ = cli(capsys, "check", "--format", "json", str(tmp_path))
    assert json.loads(out)[0]["fix"] is None


@pytest.mark.parametrize(
    "comment,reported",
    [("# noqa", False), ("# noqa: AWL101", False), ("# NOQA:AWL1", False), ("# noqa: E501,AWL101", False),
     ("# noqa: AWL102", True), ("# noqa:E501", True), ("", True)],
)
def test_noqa_like_flake8(tmp_path, capsys, comment, reported):
    (tmp_path / "n.py").write_text(f"import torch\ntorch.optim.Adam(p, weight_decay=1e-4)  {comment}\n")
    assert (cli(capsys, "check", str(tmp_path))[0] == 1) is reported


def test_select_and_ignore(tmp_path, capsys):
    (tmp_path / "m.py").write_text(BAD + "torch.optim.RMSprop(p, weight_decay=1e-4)\n")
    assert cli(capsys, "check", "--select", "AWL103", str(tmp_path))[1].count("AWL103") == 1
    _, out, _ = cli(capsys, "check", "--ignore", "AWL1", str(tmp_path))
    assert out == "All checks passed!\n"
    _, out, _ = cli(capsys, "check", "--ignore", "AWL103", str(tmp_path))
    assert "AWL101" in out and "AWL103" not in out
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--select", "E501", str(tmp_path)])
    assert exit_info.value.code == 2


def test_walk_skips_virtualenvs_hidden_and_excluded(tmp_path, capsys):
    for folder in (".git", "venv", "node_modules", "build", "sub/.hidden", "keep", "generated"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "m.py").write_text(BAD)
    (tmp_path / "myenv").mkdir()
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "myenv" / "m.py").write_text(BAD)
    _, out, _ = cli(capsys, "check", "--quiet", "--extend-exclude", "generated", str(tmp_path))
    # ruff's default excludes and virtual environments are skipped; other dot-folders (.github) are not
    assert sorted(line.split(":")[0].rsplit("/", 2)[-2] for line in out.splitlines()) == [".hidden", "keep"]


def test_stdin(capsys):
    result = run_cli("check", "--stdin-filename", "train.py", "-", stdin=BAD)
    assert result.returncode == 1
    assert result.stdout.startswith("train.py:2:7: AWL101")
    assert run_cli("check", "-", stdin=CLEAN).returncode == 0



def test_stdin_named_in_a_folder_whose_name_is_too_long_is_still_checked():
    # a configuration is looked for in each folder above the name: one that cannot exist is none
    name = "x" * 300 + "/train.py"
    result = run_cli("check", "--stdin-filename", name, "-", stdin=BAD)
    assert result.returncode == 1 and ": AWL101" in result.stdout, result.stderr

def test_parallel_and_serial_runs_agree(tmp_path, capsys):
    for i in range(40):
        shutil.copy(FIXTURES / "train_resnet.py", tmp_path / f"t{i}.py")
    serial = cli(capsys, "check", "-j", "1", str(tmp_path))
    parallel = cli(capsys, "check", "-j", "2", str(tmp_path))
    assert serial == parallel and serial[1].count(": AWL") == 40 * 5
    for extra in range(5, 40):  # JSON (each finding's own fix computed too) on a few of them
        (tmp_path / f"t{extra}.py").unlink()
    serial = cli(capsys, "check", "--format", "json", "-j", "1", str(tmp_path))
    parallel = cli(capsys, "check", "--format", "json", "-j", "2", str(tmp_path))
    assert serial == parallel and len(json.loads(serial[1])) == 5 * 5


def test_rules_lists_every_code(capsys):
    code, out, _ = cli(capsys, "rules")
    from adamw_lint.catalog import RULES

    assert code == 0 and [line.split()[0] for line in out.splitlines()] == [rule.code for rule in RULES]
    assert "(off by default)" in out.splitlines()[4]  # AWL105


def test_explain_unknown_code(capsys):
    assert cli(capsys, "explain", "AWL999")[0] == 2


def test_console_script_runs_on_the_fixtures():
    result = run_cli("check", "fixtures")
    assert result.returncode == 1
    assert "fixtures/train_resnet.py:28:16: AWL101" in result.stdout
    assert result.stderr == ""


def test_permission_denied_is_reported(tmp_path, capsys, monkeypatch):
    import adamw_lint.files as files

    target = tmp_path / "secret.py"
    target.write_text(BAD)
    real_open = files.os.open

    def denied(path, *args, **kwargs):  # chmod 0 does not stop root, so deny at the call
        if str(path) == str(target):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", denied)
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "secret.py: cannot be read: Permission denied" in err and out == ""


def test_directory_named_like_a_file_is_an_error_when_named(tmp_path, capsys):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_text(BAD)
    code, out, _ = cli(capsys, "check", str(tmp_path))
    assert code == 1 and "inner.py" in out


@pytest.mark.parametrize("flags,on", [
    (["--select", "AWL1"], False), (["--select", "AWL105"], True), (["--select", "ALL"], True),
    (["--extend-select", "AWL1"], False), (["--extend-select", "AWL105"], True), ([], False),
])
def test_off_by_default_rules_need_their_full_code_as_in_flake8(tmp_path, capsys, flags, on):
    (tmp_path / "l.py").write_text("import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                                   "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n")
    _, out, _ = cli(capsys, "check", *flags, str(tmp_path))
    assert ("AWL105" in out) is on


def test_a_diff_of_a_file_whose_name_has_a_space_applies_with_patch(tmp_path):
    import shutil
    import subprocess

    source = "import torch\nopt = torch.optim.Adam(params, weight_decay=1e-4)\n"
    repo = git_repository(tmp_path, {"trainer copy.py": source, "trainer.py": source})
    result = run_cli("fix", "--diff", ".", cwd=repo)
    assert result.returncode == 1, result.stderr
    headers = [line for line in result.stdout.splitlines(keepends=True) if line.startswith(("--- ", "+++ "))]
    assert "--- a/trainer copy.py\t\n" in headers and "--- a/trainer.py\n" in headers  # as git and GNU diff end them
    if shutil.which("patch"):  # the diff is meant to be applied as it is printed
        applied = subprocess.run(["patch", "-p1", "--batch"], input=result.stdout, cwd=repo, capture_output=True, text=True)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "AdamW" in (repo / "trainer copy.py").read_text() and "AdamW" in (repo / "trainer.py").read_text()

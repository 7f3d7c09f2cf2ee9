"""Regression tests for the second adversarial round (``hostile-inputs-2.md``); each test names its
case (H24, H28a, …). Inputs are generated in temporary directories; what a user sees at the level
of a repository is run through the real command (``run_cli``)."""
import ast
import json
import os

import pytest
from helpers import BAD, cli, run_cli

FIXED = BAD.replace("Adam(", "AdamW(")


# --- data loss and wrong code ----------------------------------------------------------------

def test_h24_noqa_in_a_cr_only_file_is_honoured_by_check_and_fix(tmp_path, capsys):
    inline = tmp_path / "cr.py"
    source = b"import torch\ropt = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: AWL101\rx = 1\r"
    inline.write_bytes(source)
    whole = tmp_path / "whole.py"
    whole.write_bytes(b"import torch\r# flake8: noqa\ropt = torch.optim.Adam(p, weight_decay=1e-4)\r")
    assert cli(capsys, "check", str(inline), str(whole))[0] == 0
    assert cli(capsys, "fix", str(inline), str(whole))[0] == 0
    assert inline.read_bytes() == source  # the excluded call is not rewritten
    assert b"AdamW" not in whole.read_bytes()


def test_h24_a_cr_only_finding_without_noqa_is_still_reported(tmp_path, capsys):
    target = tmp_path / "cr.py"
    target.write_bytes(b"import torch\r# a comment\ropt = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: E501\r")
    code, out, _ = cli(capsys, "check", str(target))
    assert code == 1 and "cr.py:3:7: AWL101" in out


def test_h28a_add_noqa_after_a_cr_only_line_continuation_keeps_the_file_parsing(tmp_path, capsys):
    target = tmp_path / "c.py"
    target.write_bytes(b"import torch\ropt = torch.optim.Adam(p, \\\r    weight_decay=1e-4)\r")
    code, _, err = cli(capsys, "check", "--add-noqa", str(target))
    assert code == 0 and "Added 1 noqa directive to 1 file." in err
    written = target.read_bytes()
    assert written == b"import torch\ropt = torch.optim.Adam(p, \\\r    weight_decay=1e-4)  # noqa: AWL101\r"
    ast.parse(written)
    assert cli(capsys, "check", str(target))[0] == 0


def test_h28a_add_noqa_never_writes_a_file_that_would_not_parse(tmp_path, monkeypatch, capsys):
    import adamw_lint.noqa as noqa

    target = tmp_path / "a.py"
    source = "import torch\nopt = torch.optim.Adam(p, \\\n    weight_decay=1e-4)\n"
    target.write_text(source)
    # a layout that puts the comment after the backslash (the bug H28a found): it would not parse
    monkeypatch.setattr(noqa, "_layout", lambda source: ({2: 2}, {}))
    code, _, err = cli(capsys, "check", "--add-noqa", str(target))
    assert code == 2 and "a.py: adding noqa would make the file unparseable" in err
    assert target.read_text() == source


def test_h28b_add_noqa_never_edits_a_string_that_looks_like_a_noqa(tmp_path, capsys):
    plain = tmp_path / "s.py"
    plain.write_text('import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4); s = "use # noqa:E501 here"\n')
    merged = tmp_path / "m.py"
    merged.write_text('import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4); s = "# noqa:E501 x"  # noqa:E731\n')
    assert cli(capsys, "check", "--add-noqa", str(plain), str(merged))[0] == 0
    assert plain.read_text().splitlines()[1].endswith('s = "use # noqa:E501 here"  # noqa: AWL101')
    assert merged.read_text().splitlines()[1].endswith('s = "# noqa:E501 x"  # noqa: AWL101, E731')


def _calibration(tmp_path, suggested="0.5", search="null", weight_decay="0.0001"):
    path = tmp_path / "c.json"
    path.write_text('[{"site": "a.py:2", "groups": [{"index": 0, "weight_decay": %s, '
                    '"suggested_weight_decay": %s, "search": %s}]}]' % (weight_decay, suggested, search))
    return path


@pytest.mark.parametrize("values,message", [
    (dict(suggested="-0.5"), "suggested_weight_decay -0.5 is not a weight decay: it must be 0 or from 1e-12 to 1000"),  # H18a
    (dict(suggested="1e308"), "suggested_weight_decay 1e+308 is not a weight decay"),  # H18b
    (dict(suggested="5e-324"), "suggested_weight_decay 5e-324 is not a weight decay"),
    (dict(search="[1e-200, 1e200]"), "search[0] 1e-200 is not a weight decay"),  # H18c
    (dict(search="[-1, 1]"), "search[0] -1 is not a weight decay"),
    (dict(weight_decay="-0.0001"), "weight_decay -0.0001 is not a weight decay"),
    (dict(suggested="1e999"), "'suggested_weight_decay' must be a number"),  # JSON's overflow to inf
    (dict(weight_decay="9" * 400), "a number 'weight_decay'"),  # H18d: beyond any float
    (dict(suggested="9" * 400), "'suggested_weight_decay' must be a number"),
    (dict(weight_decay="9" * 5000), "not a JSON calibration file"),  # H18f: Python's digit limit
])
def test_h18_an_implausible_calibration_is_refused_naming_the_file_and_nothing_is_written(tmp_path, capsys, monkeypatch, values, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    calibration = _calibration(tmp_path, **values)
    code, _, err = cli(capsys, "fix", "--weight-decay-from", str(calibration), "a.py")
    assert code == 2 and f"adamw-lint: error: {calibration}: " in err and message in err and "Traceback" not in err
    assert (tmp_path / "a.py").read_text() == BAD


@pytest.mark.parametrize("text,message", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # H18e
    ('[{"site": "a.py:\u00b2", "groups": []}]', "'site' must be 'path:line'"),  # H18f
])
def test_h18e_f_a_broken_calibration_is_an_error_naming_the_file(tmp_path, capsys, text, message):
    (tmp_path / "a.py").write_text(BAD)
    calibration = tmp_path / "c.json"
    calibration.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "fix", "--weight-decay-from", str(calibration), str(tmp_path / "a.py"))
    assert code == 2 and err.startswith(f"adamw-lint: error: {calibration}: ") and message in err


def test_h18c_the_scaled_value_is_a_finite_point_of_the_range(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    calibration = _calibration(tmp_path, suggested="100", search="[1e-12, 100]")
    code, _, _ = cli(capsys, "fix", "--weight-decay-from", str(calibration), "--weight-decay-scale", "0.5", "a.py")
    assert code == 0 and "weight_decay=1e-05)" in (tmp_path / "a.py").read_text()  # √(1e-12 · 1e2)


# --- what is read: regular files only, bounded -----------------------------------------------

def test_h02b_h04_a_fifo_or_a_device_named_on_the_command_line_is_an_error_and_the_rest_is_checked(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    os.mkfifo(tmp_path / "x.py")
    os.symlink("/dev/zero", tmp_path / "z.py")
    result = run_cli("check", "x.py", "z.py", "a.py", cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "a.py:2:7: AWL101" in result.stdout
    assert "x.py: is not a regular file (a FIFO); not read" in result.stderr
    assert "z.py: is not a regular file (a device); not read" in result.stderr and "Traceback" not in result.stderr


def test_h06_a_huge_data_file_is_scanned_in_chunks_never_held_and_a_huge_candidate_is_skipped(tmp_path, monkeypatch):
    import adamw_lint.files as files
    import adamw_lint.runner as runner

    (tmp_path / "b.py").write_text(BAD)
    (tmp_path / "data.json").write_bytes(b'{"rows": [' + b"1, " * 300_000 + b"1]}")  # no optimizer named
    (tmp_path / "big.py").write_text(BAD + "x = 1\n" * 200_000)
    monkeypatch.setattr(runner, "_HOLD_BYTES", 64 * 1024)  # the real limits, scaled down
    monkeypatch.setattr(files, "MAX_SOURCE_BYTES", 1024 * 1024)
    largest = []
    real = files.scan

    def scan(path, test, chunk=4 * files.MB):
        return real(path, lambda raw: largest.append(len(raw)) or test(raw), 256 * 1024)

    monkeypatch.setattr(runner, "scan", scan)
    rows = list(runner.run([str(tmp_path / n) for n in ("b.py", "big.py", "data.json")], lambda p: _selection(),
                           jobs=1))
    assert [(os.path.basename(r.path), [f.code for f in r.findings], [e.reason for e in r.errors]) for r in rows] == [
        ("b.py", ["AWL101"], []), ("big.py", [], ["skipped: larger than 1 MB (not analyzed)"])]
    assert max(largest) <= 256 * 1024 + 4096  # a chunk and the overlap, never the whole file


def _selection():
    from adamw_lint.selection import Selection

    return Selection()


def test_h36_running_out_of_memory_is_said_as_such(tmp_path, capsys, monkeypatch):
    import ast

    parse = ast.parse

    def exhausted(source, filename="<unknown>", *args, **kwargs):
        if str(filename).endswith(f"{os.sep}a.py"):  # the file checked; whatever else is parsed, as ever
            raise MemoryError
        return parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", exhausted)
    (tmp_path / "a.py").write_text(BAD)
    code, _, err = cli(capsys, "check", str(tmp_path / "a.py"))
    assert code == 2 and "a.py: cannot be parsed: ran out of memory" in err and "nested" not in err


def test_stdin_is_read_up_to_the_limit(monkeypatch):
    result = run_cli("check", "--fix", "--stdin-filename", "x.py", "-", stdin="x = 1\n" * 3_000_000, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert "x.py: skipped: larger than 16 MB (not analyzed)" in result.stderr


def test_h09_an_output_file_that_is_an_input_is_refused_and_left_as_it_was(tmp_path):
    source = BAD + "# precious\n"
    (tmp_path / "a.py").write_text(source)
    os.link(tmp_path / "a.py", tmp_path / "same.txt")
    for args in (("check", "-o", "a.py", "a.py"), ("fix", "--diff", "-o", "./a.py", "."), ("check", "-o", "same.txt", ".")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and "is the input a.py; not overwritten" in result.stderr, args
        assert (tmp_path / "a.py").read_text() == source
    result = run_cli("check", "-o", "report.txt", "a.py", cwd=tmp_path)  # another file is fine
    assert result.returncode == 1 and "AWL101" in (tmp_path / "report.txt").read_text()


@pytest.mark.parametrize("output,message", [
    ("/nonexistent/x", "cannot write the output to /nonexistent/x: No such file or directory"),
    (".", "cannot write the output to .: Is a directory"),
])
def test_h25_an_output_file_that_cannot_be_written_is_exit_2_with_a_message(tmp_path, output, message):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_cli("check", "-o", output, "a.py", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == f"adamw-lint: error: {message}\n"


def test_h25_a_full_stdout_is_exit_2_with_a_message(tmp_path):
    import subprocess
    import sys

    from helpers import ROOT

    (tmp_path / "a.py").write_text("x = 1\n")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "adamw_lint", "check", "a.py"], cwd=tmp_path, stdout=full,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr == "adamw-lint: error: cannot write the output: No space left on device\n"


def test_h39_a_deleted_working_directory_is_exit_2_with_a_message(tmp_path):
    import subprocess
    import sys

    from helpers import ROOT

    (tmp_path / "a.py").write_text(BAD)
    gone = tmp_path / "gone"
    gone.mkdir()
    # the child changes into the directory, which is then removed under it
    script = f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); sys.argv = ['adamw-lint', 'check', {str(tmp_path / 'a.py')!r}]; " \
             "import runpy; runpy.run_module('adamw_lint', run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the current directory cannot be read (No such file or directory); was it deleted?" in result.stderr


# --- configuration and ignore files ------------------------------------------------------------

def test_h12_a_broken_configuration_below_the_root_costs_only_its_folder(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "pyproject.toml").write_text("[project\n")
    (tmp_path / "fx" / "b.py").write_text(BAD)
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "c.py").write_text(BAD)
    for args in (("check", "."), ("check", "a.py", "fx/b.py", "z/c.py")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
        assert "a.py:2:7: AWL101" in result.stdout and "c.py:2:7: AWL101" in result.stdout
        assert "b.py:2" not in result.stdout
        assert "fx/pyproject.toml: cannot read it: Expected ']'" in result.stderr
        assert result.stderr.count("adamw-lint: error:") == 1
    result = run_cli("check", "--stdin-filename", "fx/x.py", "-", cwd=tmp_path, stdin=BAD)
    assert result.returncode == 2 and "fx/x.py: not checked: " in result.stderr and "Traceback" not in result.stderr


def test_h11_a_deeply_nested_configuration_is_an_error_naming_it(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / ".adamw-lint.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"adamw-lint: error: {tmp_path / '.adamw-lint.toml'}: cannot read it: nested too deeply\n"


def test_h23_gitignore_lines_git_cannot_use_are_dropped_and_the_others_apply(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "ignored.py").write_text(BAD)
    (tmp_path / ".gitignore").write_text("a\\\n!\n[z-a]\n[[:alpha:]]\nignored.py\n")
    result = run_cli("check", ".", cwd=tmp_path, env={"PYTHONWARNINGS": "default"})
    assert result.returncode == 1 and "a.py:2:7: AWL101" in result.stdout and "ignored.py" not in result.stdout
    assert result.stderr == ""  # no traceback, and no FutureWarning from `[[:alpha:]]`


@pytest.mark.parametrize("setting", ['extend-exclude = ["[z-a]"]', 'per-file-ignores = {"a\\\\" = ["AWL101"]}'])
def test_h23_an_invalid_pattern_in_our_settings_is_an_error_naming_it(tmp_path, setting):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text(f"[tool.adamw-lint]\n{setting}\n")
    result = run_cli("check", ".", cwd=tmp_path)
    key = setting.split(" ")[0]
    assert result.returncode == 2 and f"pyproject.toml: [tool.adamw-lint] {key} has an invalid pattern" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("check", "--isolated", "--extend-exclude", "[z-a]", ".", cwd=tmp_path)
    assert result.returncode == 2 and "--extend-exclude has an invalid pattern '[z-a]'" in result.stderr


def test_h01_h03_h05_h29_ignore_files_that_are_fifos_or_devices_are_passed_over(tmp_path):
    import subprocess

    (tmp_path / "a.py").write_text(BAD)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    os.mkfifo(tmp_path / ".gitignore")
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    exclude = tmp_path / ".git" / "info" / "exclude"
    if exclude.exists():
        exclude.unlink()
    os.mkfifo(exclude)
    os.mkdir(tmp_path / "sub")
    os.symlink("/dev/zero", tmp_path / "sub" / ".gitignore")
    (tmp_path / "sub" / "b.py").write_text(BAD)
    subprocess.run(["git", "config", "core.excludesFile", "/dev/zero"], cwd=tmp_path, check=True)
    result = run_cli("check", ".", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "a.py:2:7: AWL101" in result.stdout and "sub/b.py:2:7: AWL101" in result.stdout
    assert result.stderr == ""


def test_h07_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    deep = str(tmp_path)
    for _ in range(1000):  # 2 kB of path: below PATH_MAX, above Python's recursion limit
        deep = os.path.join(deep, "d")
        os.mkdir(deep)  # one by one: os.makedirs and pathlib recurse
    with open(os.path.join(deep, "deep.py"), "w") as handle:
        handle.write(BAD)
    with open(os.path.join(deep, ".gitignore"), "w") as handle:
        handle.write("nothing.py\n")
    try:
        result = run_cli("check", "-q", ".", cwd=tmp_path)
        assert result.returncode == 1 and result.stderr == ""
        assert result.stdout.count("AWL101") == 2 and "d/d/deep.py:2:7" in result.stdout
        named = run_cli("check", "-q", os.path.join(deep, "deep.py"), cwd=tmp_path)
        assert named.returncode == 1 and named.stdout.count("AWL101") == 1
    finally:  # bottom up: shutil.rmtree (pytest's clean-up of old temporary folders) recurses
        for name in ("deep.py", ".gitignore"):
            os.remove(os.path.join(deep, name))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_h07_a_scan_of_every_project_module_walks_a_tree_deeper_than_the_recursion_limit(tmp_path):
    """A component config sends the run over every module of the project (``ProjectIndex.modules``),
    whose walk recursed: the config was then "nested too deeply to analyze"."""
    import subprocess
    import textwrap

    from test_reach_component_config import MODEL

    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "model.py").write_text(textwrap.dedent(MODEL))
    (tmp_path / "coupled.yaml").write_text(
        "chainer:\n  pipe:\n    - class_name: classifier\n      optimizer: Adam\n      coef_reg_den: 0.001\n")
    deep = str(tmp_path)
    for _ in range(1000):
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    with open(os.path.join(deep, "deep.py"), "w") as handle:
        handle.write("x = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    try:
        result = run_cli("check", "-q", "--no-cache", ".", cwd=tmp_path)
        assert result.returncode == 1 and result.stderr == "", result.stderr
        assert result.stdout.startswith("coupled.yaml:4:18: AWL201 ") and "proj/model.py:13" in result.stdout
    finally:  # bottom up: shutil.rmtree (pytest's clean-up of old temporary folders) recurses
        os.remove(os.path.join(deep, "deep.py"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_the_project_walk_keeps_os_walks_order_and_links(tmp_path):
    """``project_index._walk`` replaces a recursive ``os.walk``: the same folders, files and order
    (the 20,000-module cap keeps the same ones), links to folders not entered."""
    from adamw_lint.project_index import _SKIPPED_DIRS, _walk

    for folder in ("a/b", "a/c", "B", ".hidden", "venv", "z"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "m.py").write_text("")
    (tmp_path / "a" / "n.py").write_text("")
    os.symlink(tmp_path / "a", tmp_path / "linked")
    os.symlink(tmp_path, tmp_path / "z" / "loop")
    os.symlink("nowhere", tmp_path / "broken.py")

    def recursive(base):
        for directory, subdirs, files in os.walk(base):
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith("."))
            yield directory, sorted(files)

    walked = list(_walk(str(tmp_path)))
    assert walked == list(recursive(str(tmp_path)))
    assert [os.path.relpath(d, tmp_path) for d, _ in walked] == [".", "B", "a", "a/b", "a/c", "z"]
    assert walked[0][1] == ["broken.py"]  # a link to a folder is neither a file nor entered


def test_h10_a_catastrophic_gitignore_glob_is_matched_in_linear_time(tmp_path):
    from adamw_lint.gitignore import Patterns

    name = "a" * 80 + ".py"
    (tmp_path / name).write_text(BAD)
    (tmp_path / ".gitignore").write_text("*a" * 30 + "*b\n" + "*a" * 30 + "*y\n")
    # the same verdicts as the backtracking expression, on inputs small enough for it
    for pattern, path, expected in (("*a*a*b", "xaxab", True), ("*a*a*b", "aab.py", None), ("*a*a*.py", "aa.py", True),
                                    ("*a?c*d", "xabcd", True), ("*a[bc]c*d", "aacxd", None), ("x*a*a*/", "xaa/", True)):
        assert Patterns([pattern]).check(path) == expected, (pattern, path)
    result = run_cli("check", "-q", ".", cwd=tmp_path, timeout=60)  # pathspec's own expression: hours
    assert result.returncode == 0 and result.stdout == ""  # the 61-star pattern ending in y matches .py


def test_h38_a_long_gitignore_of_plain_names_is_one_lookup(tmp_path):
    from adamw_lint.gitignore import Names, Patterns

    lines = [f"generated_file_{i}.bin" for i in range(50_000)] + ["keep/", "!generated_file_7.bin"]
    patterns = Patterns(lines)
    assert [type(e) for e in patterns._entries][:1] == [Names] and len(patterns._entries) == 3
    assert patterns.check("x/generated_file_49999.bin") is True and patterns.check("generated_file_7.bin") is False
    assert patterns.check("generated_file_1.bin/x.py") is True and patterns.check("other.py") is None
    (tmp_path / ".gitignore").write_text("\n".join(lines) + "\n")
    for i in range(50):
        (tmp_path / f"m{i}.py").write_text("x = 1\n")
    (tmp_path / "generated_file_3.bin").mkdir()
    (tmp_path / "generated_file_3.bin" / "a.py").write_text(BAD)
    (tmp_path / "a.py").write_text(BAD)
    result = run_cli("check", "-q", ".", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and result.stdout.count("AWL101") == 1 and "generated" not in result.stdout


# --- H26: an edit made while fix writes the file ----------------------------------------------

def _append(path):
    with open(path, "a") as handle:
        handle.write("# user edit\n")


def _save_as_editors_do(path):
    with open(str(path) + ".new", "w") as handle:
        handle.write(BAD + "# saved by an editor\n")
    os.replace(str(path) + ".new", path)


# Without renameat2, an editor's save (a new file renamed over) in the instant between the last
# check and os.replace cannot be seen afterwards: docs/reliability.md says so; that pair is not listed.
@pytest.mark.parametrize("edit,moment", [
    (_append, "before the temporary file"), (_save_as_editors_do, "before the temporary file"),
    (_append, "just before the exchange"), (_save_as_editors_do, "just before the exchange"),
    (_append, "replace without exchange"),
])
def test_h26_an_edit_made_while_fix_writes_is_never_lost(tmp_path, capsys, monkeypatch, edit, moment):
    import adamw_lint.files as files

    target = tmp_path / "a.py"
    target.write_text(BAD)
    fired = []

    def once():
        if not fired:
            fired.append(True)
            edit(target)

    if moment == "before the temporary file":
        import tempfile  # files imports it when it writes

        real_mkstemp = tempfile.mkstemp
        monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: (once(), real_mkstemp(**kw))[1])
    elif moment == "just before the exchange":  # after the last check: only the exchange can tell
        real_exchange = files._exchange
        monkeypatch.setattr(files, "_exchange", lambda a, b: (once(), real_exchange(a, b))[1])
    else:  # a system without renameat2: os.replace, then the old file is compared
        real_replace = os.replace
        monkeypatch.setattr(files, "_exchange", lambda a, b: False)
        monkeypatch.setattr(files.os, "replace", lambda a, b: (once(), real_replace(a, b))[1])
    code, _, err = cli(capsys, "fix", str(target))
    assert fired and code == 2 and "a.py: changed on disk since it was read; not written" in err
    expected = BAD + ("# user edit\n" if edit is _append else "# saved by an editor\n")
    assert target.read_text() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]  # no temporary file left


def test_h26_without_a_concurrent_edit_the_fix_is_written_by_exchange(tmp_path, capsys, monkeypatch):
    import adamw_lint.files as files

    used = []
    real_exchange = files._exchange
    monkeypatch.setattr(files, "_exchange", lambda a, b: used.append(b) or real_exchange(a, b))
    target = tmp_path / "a.py"
    target.write_text(BAD)
    os.chmod(target, 0o640)
    assert cli(capsys, "fix", str(target))[0] == 0
    assert used and target.read_text() == FIXED and os.stat(target).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


# --- what is printed ------------------------------------------------------------------------------

def test_h08_a_file_name_that_is_not_utf8_is_escaped_in_every_format(tmp_path):
    (tmp_path.joinpath(os.fsdecode(b"\xff\xfe.py"))).write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    env = {"PYTHONIOENCODING": "utf-8"}  # strict: a lone surrogate cannot be printed
    text = run_cli("check", "-o", "out.txt", ".", cwd=tmp_path, env=env)
    assert text.returncode == 1 and text.stderr == ""
    assert "\\xff\\xfe.py:2:7: AWL101" in (tmp_path / "out.txt").read_text(encoding="utf-8")
    as_json = run_cli("check", "--format", "json", ".", cwd=tmp_path, env=env)
    assert as_json.returncode == 1 and as_json.stderr == ""
    assert sorted(row["path"] for row in json.loads(as_json.stdout)) == ["\\xff\\xfe.py", "b.py"]
    sarif = run_cli("check", "--format", "sarif", ".", cwd=tmp_path, env=env)
    assert sarif.returncode == 1 and sarif.stderr == ""
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in json.loads(sarif.stdout)["runs"][0]["results"])
    assert uris == ["%FF%FE.py", "b.py"]  # both relative to %SRCROOT%, the name's bytes percent-encoded
    github = run_cli("check", "--format", "github", ".", cwd=tmp_path, env=env)
    assert github.returncode == 1 and "file=\\xff\\xfe.py," in github.stdout


def test_h31_newlines_tabs_and_escapes_in_file_names_cannot_forge_output_lines(tmp_path):
    forged = "z.py:1:1: AWL999 forged finding\nreal\t\x1b[31m.py"
    (tmp_path / forged).write_text(BAD)
    text = run_cli("check", ".", cwd=tmp_path)
    assert text.returncode == 1 and "\n".join(text.stdout.splitlines()[:1]).startswith(
        "z.py:1:1: AWL999 forged finding\\nreal\\t\\x1b[31m.py:2:7: AWL101")
    assert not any(line.startswith("z.py:1:1") and "AWL101" not in line for line in text.stdout.splitlines())
    github = run_cli("check", "--format", "github", ".", cwd=tmp_path)
    assert "\x1b" not in github.stdout and len(github.stdout.splitlines()) == 1
    assert "file=z.py%3A1%3A1%3A AWL999 forged finding\\nreal\\t\\x1b[31m.py," in github.stdout


# --- junk in the project's metadata is ignored, as other junk is --------------------------------

@pytest.mark.parametrize("name,text", [
    ("setup.cfg", "[flake8]\nmax-line-length = \u00b2\n"),  # H43b: str.isdigit accepts "²"
    ("pyproject.toml", "[project]\nname = 'x'\ndependencies = 5\n"),  # H43c
    ("pyproject.toml", "[project]\nname = 'x'\ndependencies = true\n"),
])
def test_h43_junk_metadata_is_ignored_not_an_internal_error(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    check = run_cli("check", "-q", ".", cwd=tmp_path)
    assert check.returncode == 1 and check.stdout.count("AWL101") == 2 and check.stderr == ""
    fix = run_cli("fix", ".", cwd=tmp_path)
    assert fix.returncode == 0 and "internal error" not in fix.stderr
    assert (tmp_path / "a.py").read_text() == FIXED


# --- time and memory bounded by what a configuration can be ---------------------------------------

def test_h22_an_unterminated_jsonnet_comment_stops_the_scan_at_once(tmp_path, capsys, monkeypatch):
    import adamw_lint.configs as configs

    calls = []
    real = configs._JSONNET_SPACE

    class Counting:
        def match(self, text, index):
            calls.append(index)
            return real.match(text, index)

    monkeypatch.setattr(configs, "_JSONNET_SPACE", Counting())
    target = tmp_path / "c.jsonnet"
    target.write_text("// trainer optimizer Adam\n{a: x " + "/* " * 10_000 + "}\n")
    code, out, err = cli(capsys, "check", str(target))
    assert code == 0 and err == ""  # not plain Jsonnet: not analyzed, silently, as before
    assert len(calls) < 20  # was two scans to the end of the file per `/*`: 20,000


def test_h30_a_yaml_data_file_is_composed_only_up_to_the_node_limit(tmp_path, capsys, monkeypatch):
    import adamw_lint.configs as configs

    monkeypatch.setattr(configs, "MAX_YAML_NODES", 1_000)  # the real limit is 100,000: the same path, scaled
    composed = []
    real = configs._BoundedLoader.compose_node
    monkeypatch.setattr(configs._BoundedLoader, "compose_node", lambda self, *a: composed.append(1) or real(self, *a))
    data = tmp_path / "b.yaml"
    data.write_text("optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 0.0001\ndata:\n"
                    + "".join(f"  - {{id: {i}, name: item{i}, tags: [a, b, c]}}\n" for i in range(2_000)))
    small = tmp_path / "c.yaml"
    small.write_text("optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 0.0001\n")
    code, out, err = cli(capsys, "check", "-j", "1", str(data), str(small))
    assert code == 2 and "c.yaml:2:13: AWL101" in out
    assert "b.yaml: skipped: more than 1,000 YAML nodes (a data file, not a configuration; not analyzed)" in err
    assert len(composed) <= 1_001 + 10  # b.yaml stopped at the limit; c.yaml has a few nodes


def test_h35_config_prints_valid_toml_whatever_the_patterns_hold(tmp_path):
    import tomllib

    odd = tmp_path / "odd\ndir"
    odd.mkdir()
    (odd / "pyproject.toml").write_text(
        '[tool.adamw-lint]\nextend-exclude = ["\\u007f", "tab\\there", "quote\\"back\\\\x"]\n'
        'per-file-ignores = {"a\\nb/**" = ["AWL101"], "\\u0001" = ["AWL102"]}\n')
    result = run_cli("config", str(odd), cwd=tmp_path)
    assert result.returncode == 0
    printed = tomllib.loads(result.stdout)["tool"]["adamw-lint"]
    assert printed["extend-exclude"] == ["\x7f", "tab\there", 'quote"back\\x']
    assert printed["per-file-ignores"] == {"a\nb/**": ["AWL101"], "\x01": ["AWL102"]}
    assert result.stdout.splitlines()[0] == f"# settings from {odd}/pyproject.toml".replace("\n", "\\x0a")


def test_h10_h38_bounded_matching_gives_pathspecs_verdicts(tmp_path):
    """The set lookup and the atomic wildcards against pathspec's own expressions, pattern by
    pattern (its 0.12 rule: the last match decides, a folder pattern that ignores wins)."""
    import random

    import pathspec

    from adamw_lint.gitignore import Patterns

    def reference(lines, path):
        verdict, priority = None, 0
        for pattern in pathspec.GitIgnoreSpec.from_lines(lines).patterns:
            match = pattern.match_file(path) if pattern.include is not None else None
            if match is not None:
                dir_mark = getattr(match, "match", match).groupdict().get("ps_d")
                found = 1 if dir_mark else 2
                if (pattern.include and dir_mark) or found >= priority:
                    verdict, priority = pattern.include, found
        return verdict

    pool = ["build", "*.pyc", "!keep.pyc", "data", "/top", "a/**/b", "docs/", "x*y*z", "!build", "*a*a*b", "foo",
            "bar/", "!foo", "**/c", "?a", "[ab]*", "name.bin", "*a*a*.py", "x*[ab]?c*d", "foo "]
    paths = ["build", "a/build/x.py", "x.pyc", "keep.pyc", "data/1", "top", "q/top", "a/b", "a/z/b", "docs/", "docs/x",
             "xayaz", "aab", "foo/", "foo", "bar/x", "c/d", "za", "name.bin", "d/name.bin/", "build/foo", "aa.py",
             "q/aaxa.py", "xbbcqd", "xaacd/", "foo/build/"]
    chooser = random.Random(23)
    for _ in range(300):
        lines = chooser.choices(pool, k=chooser.randint(1, 8))
        patterns = Patterns(lines + ["a\\", "[z-a]"])  # invalid lines are dropped
        for path in paths:
            assert patterns.check(path) == reference(lines, path), (lines, path)

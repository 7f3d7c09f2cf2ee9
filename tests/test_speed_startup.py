"""Start-up (issue 20): `--version`, `rules` and a check that finds no candidate import only what
they use. Checked by the modules a run leaves loaded, not by time."""

import json
import subprocess
import sys

import pytest
from helpers import BAD, ROOT

_PROBE = """
import contextlib, io, json, sys
from adamw_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]))
"""

HEAVY = ("libcst", "yaml", "adamw_lint.engine", "adamw_lint.checkers", "adamw_lint.scope", "adamw_lint.fix",
         "adamw_lint.project_index", "adamw_lint.context")


def _loaded(tmp_path, *args, site=True):
    """The exit code and the modules loaded; without ``site``, none that a site-packages ``.pth``
    file loads (an editable install's finder imports shutil and pathlib, a user's does not)."""
    python = [sys.executable] if site else [sys.executable, "-S"]
    result = subprocess.run([*python, "-c", _PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    code, modules = json.loads(result.stdout)
    return code, set(modules)


def _has(modules, prefix):
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


def test_version_imports_nothing_of_the_tool(tmp_path):
    code, modules = _loaded(tmp_path, "--version")
    assert code == 0
    assert {m for m in modules if m.startswith("adamw_lint")} == {"adamw_lint", "adamw_lint.cli"}


def test_rules_loads_the_rules_not_the_optimizer_rows(tmp_path):
    code, modules = _loaded(tmp_path, "rules")
    assert code == 0 and "adamw_lint.catalog.rules" in modules
    assert not any(_has(modules, m) for m in HEAVY + ("adamw_lint.catalog.pytorch", "adamw_lint.runner"))


def test_a_check_without_candidates_imports_no_engine(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    code, modules = _loaded(tmp_path, "check", "a.py")
    assert code == 0
    assert not any(_has(modules, m) for m in HEAVY)
    (tmp_path / "pkg").mkdir()  # a package's modules wait for the second pass, which has nothing to follow
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "b.py").write_text("from pkg import c\n")
    code, modules = _loaded(tmp_path, "check", "--no-cache", ".")
    assert code == 0
    assert not any(_has(modules, m) for m in HEAVY)


def test_a_check_with_a_finding_loads_the_engine_but_not_the_fixer(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    code, modules = _loaded(tmp_path, "check", "--no-cache", "a.py")
    assert code == 1 and "adamw_lint.engine" in modules
    assert not _has(modules, "libcst") and "adamw_lint.fix" not in modules
    assert not _has(modules, "yaml")  # the project's Python configs are read without PyYAML


def test_a_check_imports_no_standard_module_it_does_not_use(tmp_path):
    # each is milliseconds of every run: argparse's help formatter asks shutil for the terminal's
    # width; pathlib (with urllib) serves SARIF's URIs, its only user left (the paths shown are
    # written as pathlib writes them: ``files.display``);
    # pickle (with struct) reads the results of worker processes, which a run of two files never starts
    unused = ("shutil", "dataclasses", "inspect", "pickle")
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text(BAD)
    for args, expected, shown in ((("a.py",), 0, False), (("--no-cache", "b.py"), 1, True)):
        code, modules = _loaded(tmp_path, "check", *args, site=False)
        assert code == expected and not any(_has(modules, m) for m in unused)
        assert not _has(modules, "pathlib") and not _has(modules, "urllib")
        assert ("ast" in modules) == shown  # a file is parsed only when it may hold a finding


def test_only_the_named_command_gets_its_arguments():
    # the other commands' arguments were most of what building the parser cost
    from adamw_lint.cli import _parser

    assert _parser("check").parse_args(["check", "--no-cache", "."]).no_cache
    assert _parser("fix").parse_args(["fix", "--diff", "."]).diff
    with pytest.raises(SystemExit):  # fix is a command of the parser for check, without its arguments
        _parser("check").parse_args(["fix", "--diff", "."])


def test_help_is_laid_out_to_the_terminal_width_as_shutil_finds_it(monkeypatch):
    import shutil

    from adamw_lint.cli import _terminal_columns

    for columns in ("50", "120", "0", "wide"):
        monkeypatch.setenv("COLUMNS", columns)
        assert _terminal_columns() == shutil.get_terminal_size().columns
    monkeypatch.delenv("COLUMNS")
    assert _terminal_columns() == shutil.get_terminal_size().columns
    shown = {}
    for columns in ("50", "120"):
        done = subprocess.run([sys.executable, "-m", "adamw_lint", "check", "--help"], capture_output=True, text=True,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "COLUMNS": columns})
        assert done.returncode == 0, done.stderr
        shown[columns] = done.stdout.splitlines()
    assert max(map(len, shown["120"])) > 80 and len(shown["50"]) > len(shown["120"])


@pytest.mark.parametrize("args", [(), ("--format", "json"), ("--format", "sarif"), ("--fix", "--unsafe-fixes")])
def test_a_check_defines_no_dataclass(tmp_path, args):
    # ``dataclasses`` imports ``inspect`` (~6 ms), and a frozen dataclass compiles four or five
    # methods when it is defined: the records on the lint path are NamedTuples or slotted classes.
    # (A fix or a fix's edits that need libcst load it, and it imports both.)
    (tmp_path / "a.py").write_text(BAD)
    code, modules = _loaded(tmp_path, "check", "--no-cache", *args, "a.py")
    assert code == (0 if "--fix" in args else 1) and "adamw_lint.engine" in modules
    assert "dataclasses" not in modules and "inspect" not in modules


def test_ignore_patterns_are_matched_without_pathspec(tmp_path):
    # pathspec takes ~45 ms to import (1.x imports asyncio and ssl): the patterns are our own
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / ".gitignore").write_text("build/\n*.ckpt\n!keep.ckpt\nlogs\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "b.py").write_text(BAD)
    code, modules = _loaded(tmp_path, "check", "--no-cache", ".")
    assert code == 1 and "adamw_lint.gitignore" in modules and not _has(modules, "pathspec")


def test_the_command_skips_teardown_and_loses_no_output(tmp_path):
    """``python -m adamw_lint`` exits without freeing what the run built (``cli.run``): every
    byte of a long output still arrives, through a pipe and in ``-o`` files, with the exit code."""
    for i in range(40):
        (tmp_path / f"train_{i}.py").write_text(BAD * 5)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "adamw_lint", "check", "--no-cache", "--format", "json"]
    piped = subprocess.run([*command, "."], cwd=tmp_path, capture_output=True, text=True, env=env)
    written = subprocess.run([*command, "-o", "out.json", "."], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert piped.returncode == written.returncode == 1, piped.stderr + written.stderr
    findings = json.loads(piped.stdout)
    assert len(findings) == 200 and findings == json.loads((tmp_path / "out.json").read_text())
    text = subprocess.run([sys.executable, "-m", "adamw_lint", "check", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True, env=env)
    assert text.returncode == 1 and text.stdout.count("AWL101") == 200 and "Found 200" in text.stdout


def test_a_path_is_shown_as_pathlib_shows_it():
    import itertools
    from pathlib import Path

    from adamw_lint.files import display

    pieces = ["", "/", "//", "///", ".", "./", "..", "../", "a", "a/", "a//", "b.py", "./b.py", "/./", "é"]
    for parts in itertools.product(pieces, repeat=3):
        path = "".join(parts)
        assert display(path) == Path(path).as_posix(), path

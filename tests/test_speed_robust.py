"""Runs that must not fail a CI job for the wrong reason (issue 20): workers shadowed by the tree's
own modules, configuration files that are not YAML, syntax newer than the running Python."""

import sys

import pytest

from helpers import BAD, run_cli


@pytest.mark.skipif(sys.version_info < (3, 11), reason="PYTHONSAFEPATH exists from Python 3.11 (README says so)")
def test_workers_are_not_shadowed_by_the_trees_multiprocessing_package(tmp_path):
    (tmp_path / "multiprocessing").mkdir()
    (tmp_path / "multiprocessing" / "__init__.py").write_text("raise ImportError('the tree shadows the stdlib')\n")
    for i in range(30):
        (tmp_path / f"m{i}.py").write_text(BAD)
    serial = run_cli("check", "--no-cache", "-j", "1", ".", cwd=tmp_path)
    parallel = run_cli("check", "--no-cache", "-j", "2", ".", cwd=tmp_path)
    assert parallel.returncode == 1 and "worker" not in parallel.stderr and "internal error" not in parallel.stderr
    assert (parallel.returncode, parallel.stdout) == (serial.returncode, serial.stdout)
    assert parallel.stdout.count("AWL101") == 30


def test_a_yaml_file_that_is_not_yaml_and_names_no_decay_is_not_an_error(tmp_path):
    (tmp_path / "sweep.yaml").write_text('"""A sweep over Adam and AdamW."""\nprogram: train.py\nmethod: grid\n')
    (tmp_path / "chart.yaml").write_text("optimizer: {{ .Values.optimizer }}\nname: Adam\n  bad: [\n")
    result = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_a_broken_yaml_that_sets_a_weight_decay_is_still_an_error(tmp_path):
    (tmp_path / "opt.yaml").write_text("optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 1e-4\n  lr: [\n")
    result = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 2 and "opt.yaml:" in result.stderr and "cannot be parsed as YAML" in result.stderr


NEWER = {
    "fstring_quotes.py": ('x = f"{a["b"]}"\n', "(PEP 701) needs Python 3.12"),
    "fstring_backslash.py": ("x = f'{\"\\n\".join(a)}'\n", "(PEP 701) needs Python 3.12"),
    "type_statement.py": ("type Vector = list[float]\n", "a type statement (PEP 695) needs Python 3.12"),
    "generic.py": ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", "(PEP 695) needs Python 3.12"),
}


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 parses these files")
@pytest.mark.parametrize("name", sorted(NEWER))
def test_syntax_newer_than_the_running_python_names_the_version_it_needs(tmp_path, name):
    source, said = NEWER[name]
    (tmp_path / name).write_text(BAD + source)
    result = run_cli("check", "--no-cache", name, cwd=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and f"runs on Python {sys.version_info[0]}.{sys.version_info[1]}" in result.stderr


def test_a_plain_syntax_error_is_not_blamed_on_the_python_version(tmp_path):
    (tmp_path / "a.py").write_text(BAD + "x = (\n")
    result = run_cli("check", "--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 2 and "'(' was never closed" in result.stderr and "needs Python" not in result.stderr

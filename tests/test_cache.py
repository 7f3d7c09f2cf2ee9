"""The results cache (issue 20): a repeat check re-analyzes only what changed, including a
project module that another file's analysis read; a corrupt, concurrent or foreign cache is never
trusted and never a crash."""

import glob
import json
import os
import subprocess
import sys

import pytest

from adamw_lint import cache, runner
from helpers import BAD, ROOT, cli

WRAPPER = ("import torch\n\ndef make(params, weight_decay=0.0):\n"
           "    return torch.optim.Adam(params, lr=1e-3, weight_decay=weight_decay)\n")
CALLER = "# trains with Adam\nfrom lib.optim import make\n\nopt = make(params, weight_decay=1e-4)\n"


@pytest.fixture
def analyzed(monkeypatch):
    """The paths analyzed (not taken from the cache) by in-process runs."""
    seen = []
    original = runner.check_one

    def check_one(path, raw, selection, options=runner.Options()):
        seen.append(os.path.basename(path))
        return original(path, raw, selection, options)

    monkeypatch.setattr(runner, "check_one", check_one)
    return seen


def _project(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "optim.py").write_text(WRAPPER)
    (tmp_path / "train.py").write_text(CALLER)
    (tmp_path / "other.py").write_text(BAD)
    (tmp_path / "clean.py").write_text("import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-2)\n")


def _check(capsys, monkeypatch, where, *args):
    monkeypatch.chdir(where)
    return cli(capsys, "check", "-j", "1", *args)


def test_a_repeat_run_analyzes_nothing_and_says_the_same(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    first = _check(capsys, monkeypatch, tmp_path, ".")
    assert first[0] == 1 and sorted(analyzed) == ["clean.py", "optim.py", "other.py", "train.py"]
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".") == first
    assert analyzed == []
    for form in ("json", "sarif"):  # each format's settings are their own entries
        once = _check(capsys, monkeypatch, tmp_path, "--format", form, ".")
        analyzed.clear()
        assert _check(capsys, monkeypatch, tmp_path, "--format", form, ".") == once and analyzed == []
    ignore = tmp_path / ".adamw_lint_cache" / ".gitignore"
    assert "*" in ignore.read_text().splitlines()


def test_an_edited_file_is_analyzed_again(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    _check(capsys, monkeypatch, tmp_path, ".")
    analyzed.clear()
    (tmp_path / "other.py").write_text(BAD.replace("Adam(", "AdamW("))
    code, out, _ = _check(capsys, monkeypatch, tmp_path, ".")
    assert analyzed == ["other.py"] and "other.py" not in out and code == 1


@pytest.mark.parametrize("named", [["."], ["train.py"]], ids=["tree", "caller-alone"])
def test_editing_the_wrapper_module_changes_the_callers_finding(tmp_path, capsys, monkeypatch, analyzed, named):
    _project(tmp_path)
    wrapper = tmp_path / "lib" / "optim.py"
    code, out, _ = _check(capsys, monkeypatch, tmp_path, *named)
    assert code == 1 and "train.py:4:7: AWL101" in out
    wrapper.write_text(WRAPPER.replace("optim.Adam(", "optim.AdamW("))
    analyzed.clear()
    code, out, _ = _check(capsys, monkeypatch, tmp_path, *named)
    assert "train.py" not in out and "train.py" in analyzed  # the caller's own bytes did not change
    wrapper.write_text(WRAPPER)
    code, out, _ = _check(capsys, monkeypatch, tmp_path, *named)
    assert code == 1 and "train.py:4:7: AWL101" in out


def test_editing_a_star_imported_module_changes_the_callers_finding(tmp_path, capsys, monkeypatch, analyzed):
    # ``from lib.models import *`` names no class: what it brings is read in the module, and noted
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    models = tmp_path / "lib" / "models.py"
    models.write_text("import torch\n\nclass Tuned(torch.optim.Adam):\n    pass\n")
    (tmp_path / "train.py").write_text("from lib.models import *\n\nopt = Tuned(params, weight_decay=1e-4)\n")
    code, out, _ = _check(capsys, monkeypatch, tmp_path, "train.py")
    assert code == 1 and "train.py:3:7: AWL101" in out
    models.write_text("import torch\n\nclass Tuned(torch.optim.AdamW):\n    pass\n")
    analyzed.clear()
    code, out, _ = _check(capsys, monkeypatch, tmp_path, "train.py")
    assert code == 0 and analyzed == ["train.py"]


def test_a_module_that_appears_later_is_followed(tmp_path, capsys, monkeypatch):
    (tmp_path / "train.py").write_text(CALLER)
    code, out, _ = _check(capsys, monkeypatch, tmp_path, "train.py")
    assert code == 0  # lib.optim does not exist: nothing to follow
    _project(tmp_path)
    code, out, _ = _check(capsys, monkeypatch, tmp_path, "train.py")
    assert code == 1 and "train.py:4:7: AWL101" in out


BY_NAME = ("import torch\n\ndef build(cfg, params):\n"
           "    return getattr(torch.optim, cfg.optim.name)(params, weight_decay=cfg.optim.weight_decay)\n")
CONFIG = "optim:\n  name: Adam\n  weight_decay: 0.01\n"


SETTINGS = '_C.optim.name = "Adam"\n_C.optim.weight_decay = 0.01\n'  # a Python module of settings, yacs-style


@pytest.mark.parametrize("config, found", [("a.yaml", "a.yaml:2:9: AWL101"),
                                           ("defaults.py", "defaults.py:1:17: AWL101")], ids=["yaml", "python-settings"])
@pytest.mark.parametrize("where", ["train.py", "my-tools/train.py"], ids=["module", "outside-any-package-name"])
def test_a_config_follows_the_modules_that_build_by_name_appearing_changing_and_going(
        tmp_path, capsys, monkeypatch, analyzed, where, config, found):
    """A config's finding comes from a scan of every project module for code that builds the
    class it names: a module added, edited or removed reaches it through the cache (also one in a
    folder whose name is no module name, which no import can find)."""
    (tmp_path / config).write_text(CONFIG if config.endswith(".yaml") else SETTINGS)
    (tmp_path / "util.py").write_text("import torch\n")
    assert _check(capsys, monkeypatch, tmp_path, ".")[0] == 0
    module = tmp_path / where
    module.parent.mkdir(exist_ok=True)
    module.write_text(BY_NAME)
    analyzed.clear()
    code, out, _ = _check(capsys, monkeypatch, tmp_path, ".")
    assert code == 1 and found in out and config in analyzed
    module.write_text(BY_NAME.replace(", weight_decay=cfg.optim.weight_decay", ""))
    assert _check(capsys, monkeypatch, tmp_path, ".")[0] == 0
    module.write_text(BY_NAME)
    assert found in _check(capsys, monkeypatch, tmp_path, ".")[1]
    module.unlink()
    assert _check(capsys, monkeypatch, tmp_path, ".")[0] == 0
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".")[0] == 0 and analyzed == []  # nothing changed since


def test_a_module_rewritten_to_the_same_size_and_time_still_reaches_the_config(tmp_path, capsys, monkeypatch):
    """The listing of the project's modules holds their change times: an edit that puts the
    size and the modification time back is still seen."""
    (tmp_path / "a.yaml").write_text(CONFIG)
    before = "import torch\nKINDS = {'Adam': torch.optim.Adam}\n"
    after = BY_NAME.replace("getattr(torch.optim, cfg.optim.name)", "KINDS[cfg.optim.name]")
    after = before + after[after.index("\n\ndef"):]
    module = tmp_path / "zoo.py"
    module.write_text(before + "#" * (len(after) - len(before) - 1) + "\n")
    assert _check(capsys, monkeypatch, tmp_path, ".")[0] == 0
    times = os.stat(module)
    module.write_text(after)
    os.utime(module, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert os.stat(module).st_size == times.st_size and os.stat(module).st_mtime_ns == times.st_mtime_ns
    code, out, _ = _check(capsys, monkeypatch, tmp_path, ".")
    assert code == 1 and "a.yaml:2:9: AWL101" in out, out


def _cache_files(tmp_path):
    return glob.glob(str(tmp_path / ".adamw_lint_cache" / "*" / "*.cache"))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong-shape", "wrong-types", "empty"])
def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path, capsys, monkeypatch, analyzed, damage):
    _project(tmp_path)
    first = _check(capsys, monkeypatch, tmp_path, ".")
    [path] = _cache_files(tmp_path)
    text = open(path, encoding="utf-8").read()
    document = json.loads(text)
    entry = document["files"][str(tmp_path / "other.py")]
    if damage == "truncated":
        text = text[:len(text) // 2]
    elif damage == "garbage":
        text = "\x00\xff not json"
    elif damage == "wrong-shape":
        text = json.dumps({"files": [1, 2, 3]})
    elif damage == "wrong-types":
        entry["result"]["findings"] = [[1, None, "x", 5, 6, "cell", {}, 0]]
        entry["deps"] = [[7, 8]]
        text = json.dumps(document)
    else:
        text = ""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".") == first
    assert "other.py" in analyzed
    json.loads(open(_cache_files(tmp_path)[0], encoding="utf-8").read())  # rebuilt, whole
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".") == first and analyzed == []


def test_a_cache_from_another_version_is_not_read(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    monkeypatch.setattr(cache, "__version__", "0.0.1")
    first = _check(capsys, monkeypatch, tmp_path, ".")
    [path] = _cache_files(tmp_path)
    document = json.load(open(path, encoding="utf-8"))
    for entry in document["files"].values():  # another version's results, which this one must not show
        for finding in entry["result"]["findings"]:
            finding[1] = "AWL101 from another version"
    json.dump(document, open(path, "w", encoding="utf-8"))
    monkeypatch.setattr(cache, "__version__", "0.0.2")
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".") == first
    assert sorted(analyzed) == ["clean.py", "optim.py", "other.py", "train.py"]
    assert len(_cache_files(tmp_path)) == 2


def test_no_cache_neither_reads_nor_writes(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    _check(capsys, monkeypatch, tmp_path, "--no-cache", ".")
    assert not (tmp_path / ".adamw_lint_cache").exists()
    _check(capsys, monkeypatch, tmp_path, ".")
    analyzed.clear()
    _check(capsys, monkeypatch, tmp_path, "--no-cache", ".")
    assert len(analyzed) == 4


def test_cache_dir_setting_and_option(tmp_path, capsys, monkeypatch):
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.adamw-lint]\ncache-dir = "build/lint-cache"\n')
    _check(capsys, monkeypatch, tmp_path, ".")
    assert (tmp_path / "build" / "lint-cache" / ".gitignore").is_file()
    assert not (tmp_path / ".adamw_lint_cache").exists()
    _check(capsys, monkeypatch, tmp_path, "--cache-dir", str(tmp_path / "elsewhere"), ".")
    assert (tmp_path / "elsewhere" / ".gitignore").is_file()


def test_fix_and_stdin_do_not_use_the_cache(tmp_path, capsys, monkeypatch):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "fix", "--diff", ".")[0] == 1
    assert cli(capsys, "check", "--fix", ".")[0] == 1
    assert not (tmp_path / ".adamw_lint_cache").exists()


def test_two_runs_at_once_on_one_tree(tmp_path):
    for i in range(60):
        (tmp_path / f"m{i}.py").write_text(BAD if i % 2 else BAD.replace("Adam(", "AdamW("))
    command = [sys.executable, "-m", "adamw_lint", "check", "-j", "2", "--format", "json", "."]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # the first pair writes at the same time; the second reads what won
        runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
        outputs = [run.communicate() + (run.returncode,) for run in runs]
        assert outputs[0] == outputs[1]
        assert outputs[0][2] == 1 and len(json.loads(outputs[0][0])) == 30 and "Traceback" not in outputs[0][1]
    [path] = _cache_files(tmp_path)
    assert len(json.load(open(path, encoding="utf-8"))["files"]) == 60
    leftovers = [n for n in os.listdir(os.path.dirname(path)) if not n.endswith(".cache") or n.startswith(".tmp")]
    assert leftovers == []


# --- what the cache also covers: second-pass files, the libraries' versions, stale entries --------

SECOND = "from lib.optim import make\n\nopt = make(params, weight_decay=1e-4)\n"  # names no optimizer


def test_a_file_of_the_second_pass_is_cached_and_follows_its_wrapper(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    (tmp_path / "train.py").write_text(SECOND)
    code, out, _ = _check(capsys, monkeypatch, tmp_path, ".")
    assert code == 1 and "train.py:3:7: AWL101" in out and "train.py" in analyzed
    analyzed.clear()
    assert _check(capsys, monkeypatch, tmp_path, ".") == (code, out, _) and analyzed == []
    (tmp_path / "lib" / "optim.py").write_text(WRAPPER.replace("optim.Adam(", "optim.AdamW("))
    code, out, _ = _check(capsys, monkeypatch, tmp_path, ".")
    assert "train.py" not in out and "train.py" in analyzed


def test_the_build_key_follows_the_libraries_results_depend_on(tmp_path, monkeypatch):
    assert set(cache._LIBRARIES) == {"libcst", "yaml"}  # fixes (JSON/SARIF) and configs
    (tmp_path / "fakelib.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "_LIBRARIES", ("fakelib",))
    before = cache._build()
    os.utime(tmp_path / "fakelib.py", ns=(1, 1))  # another version installed
    assert cache._build() != before
    monkeypatch.setattr(cache, "_LIBRARIES", ("no_such_library_here",))
    assert cache._build() not in (before, "")


def test_entries_of_deleted_files_and_old_builds_are_pruned(tmp_path, capsys, monkeypatch, analyzed):
    _project(tmp_path)
    folder = tmp_path / ".adamw_lint_cache"
    old, recent, foreign = (folder / f"0.0.1-{c * 32}" for c in "abc")
    for build in (old, recent, foreign):
        build.mkdir(parents=True)
        (build / "x.cache").write_text("{}")
    (foreign / "notes.txt").write_text("not a cache file")
    for path in (old / "x.cache", foreign / "x.cache", foreign / "notes.txt"):
        os.utime(path, (1, 1))
    _check(capsys, monkeypatch, tmp_path, ".")
    assert not old.exists() and recent.exists() and foreign.exists()
    [path] = [p for p in _cache_files(tmp_path) if not p.endswith("x.cache")]
    assert str(tmp_path / "other.py") in json.load(open(path, encoding="utf-8"))["files"]
    (tmp_path / "other.py").unlink()
    (tmp_path / "clean.py").write_text("import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-3)\n")
    _check(capsys, monkeypatch, tmp_path, ".")  # a file changed: the cache is written again, without other.py
    assert str(tmp_path / "other.py") not in json.load(open(path, encoding="utf-8"))["files"]

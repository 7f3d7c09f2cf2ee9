"""Repository-level behaviour, as a ruff user expects it: the real CLI in real git repositories
built in a temporary directory (which files, which settings, what is printed)."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import BAD, GIT_ENV, ROOT, git_repository, make_repo, run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

CLEAN = "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-2)\n"


def checked(result):
    """The files named in text findings, relative, sorted."""
    return sorted({line.split(":")[0] for line in result.stdout.splitlines() if ": AWL" in line})


def lint(repo, *args):
    return run_cli(*args, cwd=repo, env=GIT_ENV)


def test_gitignored_run_records_and_vendored_code_are_neither_checked_nor_fixed(tmp_path):
    repo = make_repo(tmp_path / "r", {
        ".gitignore": "wandb/\nlightning_logs/\n*.tmp.py\n!keep.tmp.py\n",
        ".git/info/exclude": "scratch/\n",
        "train.py": BAD,
        "wandb/run-1/files/code/train.py": BAD,
        "lightning_logs/version_0/config.yaml": "opt:\n  _target_: torch.optim.Adam\n  weight_decay: 0.01\n",
        "scratch/try.py": BAD,
        "a.tmp.py": BAD,
        "keep.tmp.py": BAD,
        "sub/.gitignore": "generated/\n",
        "sub/generated/g.py": BAD,
        "sub/own.py": BAD,
    })
    assert checked(lint(repo, "check", ".")) == ["keep.tmp.py", "sub/own.py", "train.py"]
    assert lint(repo, "check", "--show-files", ".").stdout.splitlines() == ["keep.tmp.py", "sub/own.py", "train.py"]
    fixed = lint(repo, "fix", ".")
    assert fixed.returncode == 0 and (repo / "wandb/run-1/files/code/train.py").read_text() == BAD
    assert "AdamW" in (repo / "train.py").read_text()
    every = lint(repo, "check", "--no-respect-gitignore", ".")
    assert checked(every) == ["a.tmp.py", "lightning_logs/version_0/config.yaml", "scratch/try.py",
                              "sub/generated/g.py", "wandb/run-1/files/code/train.py"]
    # a run from a subdirectory still obeys the .gitignore files above it
    (repo / "sub" / "x.tmp.py").write_text(BAD)
    (repo / "sub" / "fresh.py").write_text(BAD)
    assert checked(lint(repo / "sub", "check", ".")) == ["fresh.py"]


def test_default_excludes_are_ruffs_and_other_folders_are_checked(tmp_path):
    files = {f"{folder}/m.py": BAD for folder in (".venv", "venv", "node_modules", "build", "dist", ".tox",
                                                  "site-packages", "__pypackages__", ".mypy_cache", ".git2")}
    files.update({".github/scripts/m.py": BAD, "env/m.py": BAD, "src/build_utils/m.py": BAD,
                  "myenv/pyvenv.cfg": "home = /usr\n", "myenv/m.py": BAD})
    repo = make_repo(tmp_path / "r", files)
    assert checked(lint(repo, "check", ".")) == [".git2/m.py", ".github/scripts/m.py", "env/m.py", "src/build_utils/m.py"]
    # exclude replaces the defaults (as in ruff); extend-exclude adds to them
    assert "venv/m.py" in checked(lint(repo, "check", "--exclude", "env/", "."))
    assert checked(lint(repo, "check", "--extend-exclude", ".github/", "--extend-exclude", "env", ".")) == [
        ".git2/m.py", "src/build_utils/m.py"]


def test_exclude_patterns_in_config_and_force_exclude_for_named_files(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "pyproject.toml": '[tool.adamw-lint]\nextend-exclude = ["wandb/", "third_party/**/*.py"]\n',
        "train.py": BAD, "wandb/t.py": BAD, "third_party/x/y.py": BAD,
    })
    assert checked(lint(repo, "check", ".")) == ["train.py"]
    # a file named on the command line is checked, unless --force-exclude (what pre-commit needs)
    assert checked(lint(repo, "check", "wandb/t.py", "train.py")) == ["train.py", "wandb/t.py"]
    assert checked(lint(repo, "check", "--force-exclude", "wandb/t.py", "train.py")) == ["train.py"]
    assert lint(repo, "check", "--force-exclude", "wandb/t.py").returncode == 0


def test_settings_are_resolved_per_file_whatever_the_argument_order(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "pyproject.toml": '[tool.adamw-lint]\nper-file-ignores = { "src/agents/*" = ["AWL101"] }\n',
        "src/pyproject.toml": "[tool.ruff]\nline-length = 100\n",  # no [tool.adamw-lint]: passed over
        "train_top.py": BAD, "src/agents/ppo.py": BAD,
        "lib/adamw-lint.toml": 'ignore = ["AWL101"]\n', "lib/m.py": BAD,
        "tools/.adamw-lint.toml": 'select = ["AWL103"]\n', "tools/adamw-lint.toml": 'select = ["AWL101"]\n',
        "tools/m.py": BAD + "r = torch.optim.RMSprop(p, weight_decay=1e-4)\n",
    })
    one = lint(repo, "check", "train_top.py", "src/agents/ppo.py")
    other = lint(repo, "check", "src/agents/ppo.py", "train_top.py")
    assert checked(one) == checked(other) == ["train_top.py"]
    everything = lint(repo, "check", ".")
    assert checked(everything) == ["tools/m.py", "train_top.py"]  # lib ignores AWL101
    assert "tools/m.py:3:5: AWL103" in everything.stdout and "tools/m.py:2" not in everything.stdout  # .adamw-lint.toml wins
    assert checked(lint(repo, "check", "--isolated", ".")) == ["lib/m.py", "src/agents/ppo.py", "tools/m.py", "train_top.py"]
    assert checked(lint(repo, "check", "--config", "lib/adamw-lint.toml", ".")) == ["tools/m.py"]


@pytest.mark.parametrize("config,message", [
    ('[tool.adamw-lint]\nselect = ["AWL999"]\n', "select : 'AWL999' matches no rule"),
    ('[tool.adamw-lint]\nignore = ["AWL110"]\n', "'AWL110' matches no rule"),
    ('tool = "x"\n', "'tool' must be a table"),
    ('[tool]\nadamw-lint = 5\n', "[tool.adamw-lint] must be a table"),
    ('[tool.adamw-lint]\nper-file-ignores = {"x.py" = [101]}\n', "per-file-ignores.'x.py' must be a list of strings"),
    ('[tool.adamw-lint]\nrespect-gitignore = "no"\n', "respect-gitignore must be true or false"),
    ('[tool.adamw-lint]\ncolour = 1\n', "unknown key 'colour'"),
])
def test_bad_settings_are_errors_naming_the_key_and_file(tmp_path, config, message):
    repo = make_repo(tmp_path / "r", {"pyproject.toml": config, "t.py": BAD})
    result = lint(repo, "check", ".")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pyproject.toml" in result.stderr and message in result.stderr, result.stderr


@pytest.mark.parametrize("flag", [["--select", "AWL999"], ["--ignore", "AWL110"], ["--extend-select", "XYZ1"]])
def test_unknown_codes_in_flags_are_usage_errors(tmp_path, flag):
    result = lint(make_repo(tmp_path / "r", {"t.py": BAD}), "check", *flag, ".")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_config_prints_valid_toml_that_reads_back(tmp_path):
    repo = make_repo(tmp_path / "r", {"pyproject.toml": '[tool.adamw-lint]\nextend-exclude = ["a\\"b", "c\\\\d"]\n'})
    printed = lint(repo, "config").stdout
    import tomllib

    assert tomllib.loads(printed)["tool"]["adamw-lint"]["extend-exclude"] == ['a"b', "c\\d"]


def test_flake8_file_level_noqa_and_per_file_ignores_agree_with_flake8(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "skipped.py": "# flake8: noqa\n" + BAD,
        "also_skipped.py": "  # flake8: noqa: AWL101\n" + BAD,  # flake8 skips the file whatever follows
        "not_skipped.py": "x = 1  # flake8: noqa\n" + BAD,  # after code: flake8 warns and ignores it
        "line.py": BAD.rstrip("\n") + "  # noqa: AWL101\n",
    })
    assert checked(lint(repo, "check", ".")) == ["not_skipped.py"]
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "AWL", "."], cwd=repo, capture_output=True, text=True)
    assert sorted({line.split(":")[0].lstrip("./") for line in flake8.stdout.splitlines()}) == ["not_skipped.py"]


def test_text_output_summary_colour_quiet_and_output_file(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": BAD + "r = torch.optim.RMSprop(p, weight_decay=1e-4)\n"})
    result = lint(repo, "check", ".")
    assert result.stdout.splitlines() == [
        "t.py:2:7: AWL101 torch.optim.Adam(weight_decay=1e-4) adds L2 to the gradient (coupled), not decoupled "
        "weight decay; use torch.optim.AdamW and re-tune weight_decay",
        result.stdout.splitlines()[1],
        "Found 2 findings.",
        "1 hidden fix can be enabled with `--unsafe-fixes` (they change training numerics: re-tune weight_decay), "
        "or applied with `adamw-lint fix`.",
    ]
    assert result.stdout.splitlines()[1].startswith("t.py:3:5: AWL103 torch.optim.RMSprop")
    assert "\x1b[" not in result.stdout  # not a terminal
    coloured = run_cli("check", ".", cwd=repo, env={**GIT_ENV, "FORCE_COLOR": "1"})
    assert "\x1b[1;31mAWL101\x1b[0m" in coloured.stdout
    assert "\x1b[" not in run_cli("check", ".", cwd=repo, env={**GIT_ENV, "FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    with_unsafe = lint(repo, "check", "--unsafe-fixes", ".").stdout.splitlines()
    assert " AWL101 [*] " in with_unsafe[0] and with_unsafe[-1] == "Found 2 findings (1 fixable with `--fix`)."
    quiet = lint(repo, "check", "--quiet", ".")
    assert quiet.returncode == 1 and len(quiet.stdout.splitlines()) == 2
    to_file = lint(repo, "check", "--output-file", "report.txt", "--format", "json", ".")
    assert to_file.returncode == 1 and to_file.stdout == ""
    assert len(json.loads((repo / "report.txt").read_text())) == 2
    assert lint(repo, "check", "--select", "AWL2", ".").stdout == "All checks passed!\n"


def test_statistics_never_corrupts_json_or_sarif(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": BAD})
    as_json = lint(repo, "check", "--statistics", "--format", "json", ".")
    assert json.loads(as_json.stdout) == [{"code": "AWL101", "name": "adam-coupled-weight-decay", "count": 1, "fixable": 0}]
    sarif = lint(repo, "check", "--statistics", "--format", "sarif", ".")
    assert sarif.returncode == 2 and sarif.stdout == "" and "--statistics" in sarif.stderr


def test_sarif_is_placed_from_any_working_directory(tmp_path):
    repo = make_repo(tmp_path / "r", {"src/100%.py": BAD, "src/notes#1.py": BAD, "src/c:d.py": BAD, "src/bad.py": "x = (  # Adam\n"})
    shutil.copy(ROOT / "fixtures" / "finetune.ipynb", repo / "src" / "nb.ipynb")
    for cwd in (repo, repo / "src"):
        result = run_cli("check", "--format", "sarif", str(repo / "src"), cwd=cwd, env=GIT_ENV)
        log = json.loads(result.stdout)
        run = log["runs"][0]
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
        locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
        assert sorted(loc["uri"] for loc in locations) == ["src/100%25.py", "src/c%3Ad.py", "src/nb.ipynb", "src/nb.ipynb",
                                                           "src/notes%231.py"]
        assert all(loc["uriBaseId"] == "%SRCROOT%" for loc in locations)
        notes = run["invocations"][0]["toolExecutionNotifications"]
        assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["src/bad.py"]
        assert run["invocations"][0]["executionSuccessful"] is False and result.returncode == 2
        # what GitHub code scanning needs to place a result: a rule id, a message, a relative URI
        # under a base id it can resolve, and a region that starts on a line of the file
        for r in run["results"]:
            location = r["locations"][0]["physicalLocation"]
            assert r["ruleId"] and r["message"]["text"] and location["region"]["startLine"] >= 1
            assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} >= {r["ruleId"] for r in run["results"]}


def test_add_noqa_silences_every_finding_for_check_and_flake8(tmp_path):
    source = (BAD + "b = torch.optim.Adam(\n    p, weight_decay=1e-4)\n"
              "c = torch.optim.Adagrad(p, weight_decay=1)  # noqa: AWL101\n")
    repo = make_repo(tmp_path / "r", {"t.py": source})
    added = lint(repo, "check", "--add-noqa", ".")
    assert added.returncode == 0 and "Added 3 noqa directives to 1 file." in added.stderr
    text = (repo / "t.py").read_text()
    assert "torch.optim.Adam(  # noqa: AWL101\n" in text and "# noqa: AWL101, AWL103\n" in text
    assert lint(repo, "check", ".").returncode == 0
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "AWL", "t.py"], cwd=repo, capture_output=True, text=True)
    assert flake8.stdout == "" and flake8.returncode == 0
    assert "Added 0 noqa directives" in lint(repo, "check", "--add-noqa", ".").stderr  # idempotent


def test_exit_zero_missing_paths_and_parse_errors(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": BAD, "old.py": "print 'py2'\n# Adam\n"})
    result = lint(repo, "check", "missing.py", "t.py", "old.py")
    assert result.returncode == 2 and "t.py:2:7: AWL101" in result.stdout
    assert "missing.py: no such file or directory" in result.stderr and "old.py:1" in result.stderr
    assert lint(repo, "check", "--exit-zero", "missing.py", "t.py", "old.py").returncode == 0


@pytest.mark.corpus  # slow (it builds a pre-commit environment): CI runs it with -m corpus
def test_pre_commit_passes_files_in_batches_with_force_exclude_and_per_file_settings(tmp_path):
    if subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True).returncode:
        pytest.skip("pre-commit is missing")
    files = {f"pkg{i}/m{j}.py": BAD for i in range(4) for j in range(30)}  # enough files for several batches
    files.update({
        "pyproject.toml": '[tool.adamw-lint]\nextend-exclude = ["vendored/"]\n',
        "vendored/v.py": BAD,
        "pkg3/adamw-lint.toml": 'ignore = ["AWL101"]\n',
    })
    repo = make_repo(tmp_path / "r", files)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True, env=env)
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "adamw-lint", "--all-files"],
                          cwd=repo, capture_output=True, text=True, env=env)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    reported = {line.split(":")[0] for line in hook.stdout.splitlines() if " AWL101 " in line}
    assert reported == {f"pkg{i}/m{j}.py" for i in range(3) for j in range(30)}  # not vendored/, not pkg3/


def test_project_modules_are_followed_from_code_and_configs(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "myproj/__init__.py": "",
        "myproj/optim.py": "import torch\n\n\ndef build_adam(params, **kw):\n    return torch.optim.Adam(params, **kw)\n",
        "conf/optim.yaml": "opt:\n  _target_: myproj.optim.build_adam\n  weight_decay: 0.01\n",
        "conf/clean.yaml": "opt:\n  _target_: myproj.optim.build_adam\n  weight_decay: 0.0\n",
    })
    for jobs in ("1", "2"):
        result = lint(repo, "check", "-j", jobs, ".")
        assert result.returncode == 1 and checked(result) == ["conf/optim.yaml"]
        assert "(via myproj/optim.py:5 → torch.optim.Adam)" in result.stdout


def test_a_wrapper_in_a_module_the_run_was_not_given_is_followed_as_pre_commit_needs(tmp_path):
    """pre-commit names the changed files only: a call that passes a decay to a project wrapper
    is found whether or not the wrapper's module is among the paths (imports from the top of the
    repository resolve too), and calls the wrapper does not make coupled are not reported."""
    repo = make_repo(tmp_path / "r", {
        "lib/__init__.py": "",
        "lib/optim.py": "import torch\n\n\ndef make_opt(params, **kw):\n    return torch.optim.Adam(params, **kw)\n",
        "lib/plain.py": "def make_plain(params, **kw):\n    return object()\n",
        "scripts/train.py": "from lib.optim import make_opt\n\nopt = make_opt(model.parameters(), weight_decay=1e-4)\n",
        "scripts/zero.py": "from lib.optim import make_opt\n\nopt = make_opt(model.parameters(), weight_decay=0.0)\n",
        "scripts/plain.py": "from lib.plain import make_plain\n\nopt = make_plain(model.parameters(), weight_decay=1e-4)\n",
        "scripts/relative.py": "from .helpers import make\n\nopt = make(model.parameters(), weight_decay=1e-4)\n",
    })
    whole = lint(repo, "check", ".")
    assert checked(whole) == ["scripts/train.py"] and "(via lib/optim.py:5 → torch.optim.Adam)" in whole.stdout
    for jobs in ("1", "2"):
        alone = lint(repo, "check", "-j", jobs, "scripts/train.py", "scripts/zero.py", "scripts/plain.py",
                     "scripts/relative.py")
        assert checked(alone) == ["scripts/train.py"], alone.stdout + alone.stderr
        assert alone.stdout.splitlines()[0] == whole.stdout.splitlines()[0]


def test_a_buffer_from_an_editor_follows_the_project_as_its_file_does(tmp_path):
    """``--stdin-filename`` places the buffer: its imports of the project's modules are followed
    from there, as ``check path`` follows them; the buffer's own text is what is checked."""
    repo = make_repo(tmp_path / "r", {
        "src/pkg/__init__.py": "",
        "src/pkg/factory.py": "import torch\n\n\ndef make(params, **kw):\n    return torch.optim.Adam(params, **kw)\n",
        "src/pkg/plain.py": "def make(params, **kw):\n    return object()\n",
        "src/pkg/train.py": "from pkg.factory import make\n\nopt = make(model.parameters(), weight_decay=0.0)\n",
    })
    edited = "from pkg.factory import make\n\nopt = make(model.parameters(), weight_decay=1e-4)\n"
    piped = run_cli("check", "-q", "--stdin-filename", "src/pkg/train.py", "-", cwd=repo, stdin=edited, env=GIT_ENV)
    assert piped.returncode == 1 and "src/pkg/train.py:3:7: AWL101" in piped.stdout, piped.stdout + piped.stderr
    assert "(via src/pkg/factory.py:5 → torch.optim.Adam)" in piped.stdout
    (repo / "src/pkg/edited.py").write_text(edited)
    named = lint(repo, "check", "--no-cache", "-q", "src/pkg/edited.py")
    assert named.stdout.replace("edited.py", "train.py") == piped.stdout
    plain = edited.replace("pkg.factory", "pkg.plain")
    for args in (("--stdin-filename", "src/pkg/train.py", "-"), ("-",)):
        quiet = run_cli("check", "-q", *args, cwd=repo, stdin=plain if args[0] != "-" else edited, env=GIT_ENV)
        assert quiet.returncode == 0 and quiet.stdout == "", quiet.stdout  # no wrapper reached; no place given
    for name in ("src/pkg/typing_now.py", "notes.txt"):  # a buffer mid-edit that cannot hold a finding: as its file
        unparsed = run_cli("fix", "--stdin-filename", name, "-", cwd=repo, stdin="import os\n\ndef f(:\n", env=GIT_ENV)
        assert unparsed.returncode == 0 and unparsed.stdout == "import os\n\ndef f(:\n", unparsed.stderr


def test_a_named_directory_inside_an_ignored_folder_is_walked_as_ruff_does(tmp_path):
    repo = make_repo(tmp_path / "r", {".gitignore": "/vendored\n*.gen.py\n",
                                      "vendored/lib/a.py": BAD, "vendored/lib/b.gen.py": BAD})
    assert checked(lint(repo, "check", ".")) == []
    # named explicitly, it is checked; the patterns that do not merely cover it still apply inside
    assert checked(lint(repo, "check", "vendored/lib")) == ["vendored/lib/a.py"]
    assert checked(lint(repo, "check", "--force-exclude", "vendored/lib")) == []


def test_check_fix_applies_safe_fixes_and_unsafe_ones_only_when_asked(tmp_path):
    source = ("import torch\nfrom transformers import AdamW\n"
              "a = AdamW(p, lr=1e-3)\nb = torch.optim.Adam(p, weight_decay=1e-4)\n")
    repo = make_repo(tmp_path / "r", {"t.py": source})
    safe = lint(repo, "check", "--fix", ".")
    assert safe.returncode == 1 and "Found 2 findings (1 fixed, 1 remaining)." in safe.stdout
    text = (repo / "t.py").read_text()
    assert "torch.optim.AdamW(p, lr=1e-3, eps=1e-6, weight_decay=0.0)" in text  # AWL104: safe, old defaults kept
    assert "torch.optim.Adam(p, weight_decay=1e-4)" in text  # AWL101 changes numerics: not without asking
    (repo / "pyproject.toml").write_text("[tool.adamw-lint]\nunsafe-fixes = true\n")
    unsafe = lint(repo, "check", "--fix", ".")
    assert unsafe.returncode == 0 and "torch.optim.AdamW(p, weight_decay=1e-4)" in (repo / "t.py").read_text()
    assert "(1 fixed, 0 remaining)" in unsafe.stdout


def test_fix_marks_follow_each_files_own_configuration(tmp_path):
    """``[*]`` and the summary count what ``check --fix`` does to each file: with the unsafe fixes
    where that file's configuration turns them on, not where the first path's does."""
    source = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
    repo = make_repo(tmp_path / "r", {
        "a/pyproject.toml": "[tool.adamw-lint]\n", "a/t.py": source,
        "b/pyproject.toml": "[tool.adamw-lint]\nunsafe-fixes = true\n", "b/t.py": source,
    })
    for order in (("a", "b"), ("b", "a")):
        result = lint(repo, "check", *order)
        marked = {line.split(":")[0]: " [*] " in line for line in result.stdout.splitlines() if ": AWL101" in line}
        assert marked == {"a/t.py": False, "b/t.py": True}, result.stdout
        assert "Found 2 findings (1 fixable with `--fix`)." in result.stdout
        assert "1 hidden fix can be enabled" in result.stdout
    statistics = lint(repo, "check", "--statistics", "--format", "json", "a", "b").stdout
    assert json.loads(statistics)[0]["fixable"] == 1
    fixed = lint(repo, "check", "--fix", "a", "b")  # and --fix does what the marks said
    assert "torch.optim.Adam(" in (repo / "a/t.py").read_text() and "AdamW" in (repo / "b/t.py").read_text()
    assert "(1 fixed, 1 remaining)" in fixed.stdout


def test_fixes_respect_the_projects_torch_version(tmp_path):
    source = "import torch\nopt = torch.optim.NAdam(p, weight_decay=1e-4)\n"
    repo = make_repo(tmp_path / "r", {"t.py": source, "requirements.txt": "torch>=2.0,<3\n"})
    old = lint(repo, "fix", "--diff", ".")
    assert old.returncode == 0 and old.stdout == "" and "torch 2.1" in old.stderr  # the switch needs 2.1: not offered
    assert "decoupled_weight_decay=True" in lint(repo, "fix", "--diff", "--target-torch", "2.4", ".").stdout
    (repo / "requirements.txt").write_text("torch>=2.3\n")
    assert "decoupled_weight_decay=True" in lint(repo, "fix", "--diff", ".").stdout
    bad = lint(repo, "check", "--target-torch", "two", ".")
    assert bad.returncode == 2 and "is not a torch version" in bad.stderr


def test_fix_writes_the_calibrated_weight_decay_where_it_was_measured(tmp_path):
    calibration = [{"site": "train.py:2", "optimizer": "torch.optim.Adam",
                    "groups": [{"index": 0, "weight_decay": 0.01, "suggested_weight_decay": 1.03, "search": [0.72, 1.03]}]}]
    repo = make_repo(tmp_path / "r", {
        "train.py": "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-2)\nd = torch.optim.Adam(q, weight_decay=1e-2)\n",
        "adamw-calibration.json": json.dumps(calibration),
    })
    top = lint(repo, "fix", "--diff", "--weight-decay-from", "adamw-calibration.json", ".")
    assert "+opt = torch.optim.AdamW(p, weight_decay=1.03)\n" in top.stdout
    assert "+d = torch.optim.AdamW(q, weight_decay=1e-2)\n" in top.stdout  # not measured: λ kept
    assert "calls without a measurement keep their weight_decay" in top.stderr
    bottom = lint(repo, "fix", "--diff", "--weight-decay-from", "adamw-calibration.json", "--weight-decay-scale", "0", ".")
    assert "+opt = torch.optim.AdamW(p, weight_decay=0.72)\n" in bottom.stdout
    (repo / "bad.json").write_text("[1]")
    bad = lint(repo, "fix", "--weight-decay-from", "bad.json", ".")
    assert bad.returncode == 2 and "bad.json" in bad.stderr and "Traceback" not in bad.stderr
    assert "Adam(p" in (repo / "train.py").read_text()  # nothing written


def test_check_fix_from_stdin_writes_the_code_to_stdout_and_the_report_to_stderr(tmp_path):
    source = "import torch\nfrom transformers import AdamW\no = AdamW(p)\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
    result = run_cli("check", "--fix", "-", stdin=source, cwd=tmp_path)
    assert result.returncode == 1  # the unsafe finding remains
    assert result.stdout == source.replace("from transformers import AdamW\n", "").replace(
        "AdamW(p)", "torch.optim.AdamW(p, eps=1e-6, weight_decay=0.0)")
    assert "-:3:7: AWL101" in result.stderr and "(1 fixed, 1 remaining)" in result.stderr
    clean = run_cli("check", "--fix", "-", stdin="x = 1\n", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == "x = 1\n"  # unchanged code, never the report
    noqa = run_cli("check", "--add-noqa", "--stdin-filename", "other.py", "-", stdin=source, cwd=tmp_path)
    assert noqa.returncode == 2 and not (tmp_path / "other.py").exists()


def test_statistics_count_as_fixable_what_fix_would_fix(tmp_path):
    repo = make_repo(tmp_path / "r", {"t.py": BAD})
    assert "[ ] adam-coupled-weight-decay" in lint(repo, "check", "--statistics", ".").stdout
    assert "[*] adam-coupled-weight-decay" in lint(repo, "check", "--statistics", "--unsafe-fixes", ".").stdout


def test_fix_settings_come_from_each_files_own_configuration_in_any_order(tmp_path):
    repo = make_repo(tmp_path / "r", {"a/x.py": BAD, "b/y.py": BAD,
                                      "b/pyproject.toml": '[tool.adamw-lint]\nfix-style = "flag"\ntarget-torch = "2.8"\n'})
    for order in (("a", "b"), ("b", "a")):
        diff = lint(repo, "fix", "--diff", *order).stdout
        assert "+opt = torch.optim.AdamW(p, weight_decay=1e-4)" in diff  # a: no config, the rename
        assert "+opt = torch.optim.Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)" in diff  # b: flag


def test_notebooks_and_configs_respect_the_torch_version_and_fix_applicability(tmp_path):
    import nbformat

    cells = ["import torch\nfrom transformers import AdamW\n",
             "o = AdamW(m.parameters(), lr=1e-3)\nopt = torch.optim.RAdam(m.parameters(), weight_decay=1e-4)\n"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    repo = make_repo(tmp_path / "r", {"nb.ipynb": nbformat.writes(notebook),
                                      "conf.yaml": "opt:\n  _target_: torch.optim.RAdam\n  weight_decay: 0.01\n"})
    old = lint(repo, "fix", "--diff", "--style", "flag", "--target-torch", "2.0", ".")
    assert "decoupled_weight_decay" not in old.stdout  # RAdam's switch needs torch 2.2
    safe = lint(repo, "check", "--fix", "nb.ipynb")
    text = (repo / "nb.ipynb").read_text()
    assert "torch.optim.AdamW(m.parameters(), lr=1e-3" in text and "torch.optim.RAdam(" in text  # AWL104 only
    assert "(1 fixed, 1 remaining)" in safe.stdout


def test_allennlp_configs_are_found_from_the_cli(tmp_path):
    config = {"dataset_reader": {"type": "text"}, "model": {"type": "classifier"},
              "trainer": {"optimizer": {"type": "adam", "lr": 1e-3, "weight_decay": 0.01}}}
    repo = make_repo(tmp_path / "r", {"experiment.json": json.dumps(config, indent=2),
                                      "experiment.jsonnet": "// a comment\n" + json.dumps(config, indent=2),
                                      "package.json": json.dumps({"name": "x", "optimizer": {"type": "adam"}})})
    result = lint(repo, "check", ".")
    assert checked(result) == ["experiment.json", "experiment.jsonnet"] and " AWL101 " in result.stdout
    stdin = run_cli("check", "--stdin-filename", "experiment.json", "-", stdin=json.dumps(config), cwd=repo)
    assert stdin.returncode == 1 and "AWL101" in stdin.stdout


def test_fix_diff_lists_what_remains_at_its_place_in_the_file_as_read(tmp_path):
    source = ("import torch\nopt = torch.optim.Adam(\n    [{'params': a, 'weight_decay': 1e-4}, {'params': b}],\n"
              "    lr=1e-3,\n)\nada = torch.optim.Adagrad(m, weight_decay=1e-4)\n")
    repo = make_repo(tmp_path / "r", {"d.py": source})
    diff = lint(repo, "fix", "--diff", ".")
    assert "+    weight_decay=0,\n" in diff.stdout and "d.py:6:7: AWL103" in diff.stderr  # the file as read
    written = lint(repo, "fix", ".")
    assert "d.py:7:7: AWL103" in written.stderr  # the file as written: one line longer


def test_a_second_run_in_one_process_reads_the_projects_torch_version_anew(tmp_path, monkeypatch, capsys):
    """The metadata is read once per directory and run: an editor or a test that runs the
    command again in its process sees the requirement as it is now."""
    from adamw_lint.cli import main

    repo = make_repo(tmp_path / "r", {"t.py": "import torch\nopt = torch.optim.NAdam(p, weight_decay=1e-4)\n",
                                      "requirements.txt": "torch>=2.0,<3\n"})
    monkeypatch.chdir(repo)
    assert main(["fix", "--diff", "."]) == 0 and "torch 2.1" in capsys.readouterr().err
    (repo / "requirements.txt").write_text("torch>=2.3\n")
    assert main(["fix", "--diff", "."]) == 1 and "decoupled_weight_decay=True" in capsys.readouterr().out


def test_keras_decay_argument_is_not_reported_where_the_requirements_keep_to_keras_2_10(tmp_path):
    """``decay=`` is learning-rate decay in TF/Keras <= 2.10; the cache notices the requirement's edit."""
    source = ("import tensorflow as tf\n"
              "opt = tf.keras.optimizers.SGD(learning_rate=0.01, decay=1e-6, momentum=0.9)\n")
    repo = make_repo(tmp_path / "r", {"requirements.txt": "tensorflow~=2.8.0\n", "train.py": source})
    pinned = lint(repo, "check", ".")
    assert (pinned.returncode, pinned.stdout.count("AWL203")) == (0, 0), pinned.stdout + pinned.stderr
    (repo / "requirements.txt").write_text("tensorflow>=2.11\n")
    opened = lint(repo, "check", ".")
    assert (opened.returncode, opened.stdout.count("AWL203")) == (1, 1), opened.stdout + opened.stderr
    (repo / "requirements.txt").write_text("tensorflow==2.10.0\n")
    assert lint(repo, "check", "--format", "json", ".").stdout.strip() == "[]"
    # every front end reads the requirements: a notebook, flake8
    cell = {"cell_type": "code", "source": [source], "metadata": {}, "outputs": [], "execution_count": None}
    (repo / "nb.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert lint(repo, "check", "nb.ipynb").returncode == 0
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "AWL", "."], cwd=repo, capture_output=True, text=True)
    assert flake8.stdout == "", flake8.stdout + flake8.stderr
    # Keras 2.9/2.10's experimental optimizers ignore decay= with a warning, as Keras 3's do
    (repo / "train.py").write_text(source.replace("keras.optimizers.SGD", "keras.optimizers.experimental.SGD"))
    assert lint(repo, "check", ".").stdout.count("AWL203") == 1


def test_a_wrapper_in_another_module_is_followed_whatever_its_decay_argument_is_called(tmp_path):
    """Which argument of a project wrapper becomes the optimizer's decay is the wrapper's to say:
    a keyword without "decay" in its name, a positional one, a file that never says "decay"."""
    repo = make_repo(tmp_path / "r", {
        "lib/__init__.py": "",
        "lib/optim.py": "import torch\n\n\ndef build(params, lr=1e-3, wd=0.0):\n"
                        "    return torch.optim.Adam(params, lr=lr, weight_decay=wd)\n",
        "lib/tuned.py": "import torch\n\n\nclass Tuned(torch.optim.Adam):\n"
                        "    def __init__(self, params, lr=1e-3, wd=0.0):\n"
                        "        super().__init__(params, lr=lr, weight_decay=wd)\n",
        "lib/plain.py": "def build(params, lr=1e-3, wd=0.0):\n    return object()\n",
        "keyword.py": "from lib.optim import build\n\nopt = build(model.parameters(), wd=1e-4)\n",
        "positional.py": "from lib.optim import build\n\nweight_decay = 1e-4\nopt = build(model.parameters(), 1e-3, weight_decay)\n",
        "subclass.py": "from lib.tuned import Tuned\n\nopt = Tuned(model.parameters(), 1e-3, 1e-4)\n",
        "lr_only.py": "from lib.optim import build\n\nopt = build(model.parameters(), 3e-4)\n",
        "zero.py": "from lib.optim import build\n\nopt = build(model.parameters(), wd=0.0)\n",
        "plain.py": "from lib.plain import build\n\nopt = build(model.parameters(), wd=1e-4)\n",
        "tuned_plainly.py": "from lib.tuned import Tuned\n\nopt = Tuned(model.parameters(), 1e-3)\n",
        # the wrapper's own decay (a default, an attribute of what it is handed): reported there, not here
        "lib/own.py": "import torch\n\n\ndef preset(params, lr=1e-3, wd=1e-4):\n"
                      "    return torch.optim.Adam(params, lr=lr, weight_decay=wd)\n\n\n"
                      "def configured(model, cfg):\n    return torch.optim.Adam(model.parameters(), weight_decay=cfg.weight_decay)\n",
        "own.py": "from lib.own import configured, preset\n\nopt = preset(model.parameters())\n"
                  "cfg.weight_decay = 0.0\nopt2 = configured(model, cfg)\n",
    })
    for jobs in ("1", "2"):
        result = lint(repo, "check", "--no-cache", "-j", jobs, ".")
        assert checked(result) == ["keyword.py", "lib/optim.py", "lib/own.py", "lib/tuned.py", "positional.py",
                                   "subclass.py"], \
            result.stdout + result.stderr
        assert result.stdout.count("(via lib/optim.py:5 → torch.optim.Adam)") == 2


def test_fix_takes_the_unsafe_fixes_option_that_checks_hint_names(tmp_path):
    # check's summary says a hidden fix "can be enabled with `--unsafe-fixes`": a user who adds it to fix is obeyed
    repository = git_repository(tmp_path, {"train.py": "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"})
    hint = run_cli("check", ".", cwd=repository)
    assert hint.returncode == 1 and "--unsafe-fixes" in hint.stdout + hint.stderr
    fixed = run_cli("fix", "--unsafe-fixes", ".", cwd=repository)
    assert fixed.returncode == 0, fixed.stderr
    assert (repository / "train.py").read_text() == "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-4)\n"

"""Shared test helpers (imported by test modules; pytest fixtures would live in conftest.py)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def run_cli(*args, cwd=None, stdin=None, env=None, timeout=None):
    """Run the command in a subprocess, as users and CI do (``env``: extra environment variables;
    ``timeout``: seconds, a guard for tests of what used to hang)."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "adamw_lint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=timeout,
    )


def git_repository(root, files):
    """A git repository at ``root`` holding ``files`` (relative path → text), as a user's is."""
    import subprocess

    for name, text in files.items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def devices():
    """CPU always; CUDA where present (marked, so ``pytest -m cuda`` runs only those)."""
    import pytest

    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    return ["cpu", pytest.param("cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(not has_cuda, reason="needs CUDA")])]


# git without the user's configuration: the same repository on every machine
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def make_repo(root, files):
    """A git repository at ``root`` holding ``files`` (relative name → text)."""
    import subprocess

    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, env={**os.environ, **GIT_ENV})
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


BAD = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"  # one AWL101, fixable


def cli(capsys, *args):
    """Run ``adamw-lint`` in-process: (exit code, stdout, stderr)."""
    from adamw_lint.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def start_methods():
    """The ways the worker pool starts its processes here: spawned everywhere, forked on Linux
    (``pool.start_method``: only in the command's own process). Each as a pytest parameter."""
    return ["spawn", "fork"] if sys.platform.startswith("linux") else ["spawn"]


def as_own_process(monkeypatch, method):
    """Makes the pool start workers by ``method``, as the command's own process would."""
    from adamw_lint import pool

    monkeypatch.setattr(pool, "_own_process", method == "fork")
    assert pool.start_method() == method


def pools_started(monkeypatch):
    """The start method of every worker pool created from now on, in a list that fills as they
    start (a run that finds its results in the cache, or too few candidates, starts none)."""
    from adamw_lint import pool

    started = []
    original = pool.Pool.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        started.append(self._context.get_start_method())

    monkeypatch.setattr(pool.Pool, "__init__", spy)
    return started


def slowly(item):
    """A task that keeps its worker busy for a moment, so the next one starts another worker."""
    import time

    time.sleep(0.3)
    return item * 2


# A file the pool tests' helper (the main process) creates as it begins its own task
# (``test_reliability._helped_until``): a forked worker's ``paced`` and "die late" tasks wait for
# it, so what they do happens while the helper runs, however slowly the tasks were submitted.
HELPER_BEGAN = None


def _once_the_helper_began():
    import time

    deadline = time.monotonic() + 30  # a bound: a test that never begins its helper fails, not hangs
    while HELPER_BEGAN and not os.path.exists(HELPER_BEGAN) and time.monotonic() < deadline:
        time.sleep(0.001)


def paced(item):
    """``stamped``, once the helper began, after 20 ms of work."""
    import time

    _once_the_helper_began()
    time.sleep(0.02)
    return stamped(item)


def stamped(item):
    """A task for adamw_lint.pool tests: dies on "die" ("die late": once the helper began), else
    says when it ran (the monotonic clock is the machine's: comparable across processes)."""
    import time

    if item == "die late":
        _once_the_helper_began()
    if item in ("die", "die late"):
        os._exit(3)
    return item, time.monotonic()


class _Unloadable:
    """A result that pickles in a worker but cannot be unpickled by the parent."""

    def __reduce__(self):
        return (_refuse, ())


def _refuse():
    raise ValueError("cannot be loaded here")


def unloadable_on(item):
    """A task for adamw_lint.pool tests: its result for "bad" cannot be read by the parent."""
    return _Unloadable() if item == "bad" else item * 2


def die_on(item):
    """A task for adamw_lint.pool tests: the worker process dies on "die" (importable by spawned workers)."""
    if item == "die":
        os._exit(3)
    return item * 2


def findings(source: str):
    """The engine's findings for a dedented snippet."""
    import textwrap

    from adamw_lint.analysis import analyze_source

    return analyze_source(textwrap.dedent(source))


def codes(source: str):
    return [(f.line, f.code) for f in findings(source)]


def fixed(source: str) -> str:
    """A dedented snippet after every fix."""
    import textwrap

    from adamw_lint.fix import fix_source
    from adamw_lint.selection import Selection

    return fix_source(textwrap.dedent(source), "rename", Selection()).source

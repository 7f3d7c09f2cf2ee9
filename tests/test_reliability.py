"""Never corrupt a file, never crash, never run user code (large real trees, adversarial inputs)."""
import json
import os
import signal
import threading
import subprocess
import sys
import sysconfig
import time

import pytest


from helpers import BAD, ROOT, as_own_process, cli, pools_started, start_methods

FIXED = "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-4)\n"



def _torch_tree():
    try:
        import torch
    except ImportError:
        return None
    return os.path.dirname(torch.__file__)


@pytest.mark.parametrize("tree", [sysconfig.get_paths()["stdlib"], _torch_tree()], ids=["stdlib", "torch"])
def test_real_trees_no_tracebacks_and_same_results_serial_and_parallel(tree, capsys, monkeypatch):
    if tree is None:
        pytest.skip("torch is not installed")
    results = {}
    started = pools_started(monkeypatch)
    for jobs, method in (("1", "spawn"), *(("2", m) for m in start_methods())):
        as_own_process(monkeypatch, method)
        code, out, err = cli(capsys, "check", "--no-cache", "--format", "json", "-j", jobs, tree)
        assert "Traceback" not in err and code in (0, 1, 2)
        for line in err.splitlines():  # every problem names its file and says why
            assert line.startswith("adamw-lint: error: ") and (".py" in line or ".json" in line or ".yaml" in line or ".yml" in line or ".ipynb" in line), line
        results[jobs, method] = (json.loads(out), err)
    assert all(found == results["1", "spawn"] for found in results.values())
    # each parallel run over torch had workers (the cache answers none); the standard library
    # holds too few candidates for any
    assert started == ([] if tree == sysconfig.get_paths()["stdlib"] else start_methods())
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
    import adamw_lint.files as files_module  # the CLI imports write_atomic where it writes

    target = tmp_path / "t.py"
    target.write_text(BAD)
    original = files_module.write_atomic

    def delete_first(path, data, expected):
        os.unlink(path)
        return original(path, data, expected)

    monkeypatch.setattr(files_module, "write_atomic", delete_first)
    code, _, err = cli(capsys, "fix", str(tmp_path))
    assert code == 2 and "t.py" in err and not target.exists()
    assert list(tmp_path.iterdir()) == []


def _start_fix(tmp_path, jobs, files=400):
    """A fix run over ``files`` files, returned once it has written at least one of them."""
    for i in range(files):
        (tmp_path / f"m{i:03}.py").write_text(BAD + "x = 1\n" * 200)
    process = subprocess.Popen([sys.executable, "-m", "adamw_lint", "fix", "-j", jobs, str(tmp_path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not any("AdamW" in p.read_text() for p in tmp_path.glob("m*.py")):
        assert process.poll() is None, "the run ended before it had written a file"
        assert time.monotonic() < deadline, "no file was fixed within 60 s"
        time.sleep(0.05)
    return process


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(c) for c in handle.read().split()]
    except OSError:
        return []


def _gone(pids, within):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().split()[2] != "Z" for p in pids):
            return True
        time.sleep(0.05)
    return False


def _assert_each_file_original_or_fixed(tmp_path, files=400, killed=False):
    for path in list(tmp_path.iterdir()):
        if killed and path.name.startswith(".awl-") and path.suffix == ".tmp":
            path.unlink()  # SIGKILL allows no clean-up: a temporary file may stay, never a half-written file
            continue
        assert path.suffix == ".py", f"left behind: {path.name}"
        assert path.read_text() in (BAD + "x = 1\n" * 200, FIXED + "x = 1\n" * 200)
    assert len(list(tmp_path.iterdir())) == files


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_fix_stops_at_once_leaving_files_original_or_fixed(tmp_path, signum, jobs):
    process = _start_fix(tmp_path, jobs)
    workers = _children(process.pid)
    started = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 10  # "within a second" on an idle machine; CI may be busy
    assert process.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    assert _gone(workers, within=5), "worker processes outlived the run"
    _assert_each_file_original_or_fixed(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_killing_the_parent_kills_its_workers(tmp_path):
    process = _start_fix(tmp_path, "2")
    workers = _children(process.pid)
    assert len(workers) >= 2  # spawn's resource tracker aside, the two workers
    process.kill()
    process.wait(timeout=10)
    assert _gone(workers, within=5), "workers survived a SIGKILL of the main process"
    _assert_each_file_original_or_fixed(tmp_path, killed=True)


def test_one_unparsable_candidate_costs_nothing_else_serial_equals_parallel(tmp_path, capsys):
    """The smoke test of the before-stop hook, in both modes: a Python 2 file among 30 findings."""
    for i in range(30):
        (tmp_path / f"t{i:02}.py").write_text(BAD)
    (tmp_path / "old.py").write_text("import torch\nprint 'py2'\nopt = torch.optim.Adam([], weight_decay=1e-4)\n")
    outputs = {}
    for jobs in ("1", "2", "0"):
        code, out, err = cli(capsys, "check", "-j", jobs, str(tmp_path))
        assert code == 2 and out.count("AWL101") == 30 and "Traceback" not in err
        assert err.count("adamw-lint: error:") == 1 and "old.py:2" in err
        outputs[jobs] = (out, err)
    assert outputs["1"] == outputs["2"] == outputs["0"]


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="signal masks are POSIX")
def test_an_interrupt_while_the_temporary_file_is_created_leaves_nothing_behind(tmp_path, monkeypatch):
    """Found by CI: SIGINT mid-`fix -j 2` once left a `.awl-*.tmp` file: the interrupt landed
    after the temporary file existed and before its name was recorded for clean-up."""
    import tempfile

    from adamw_lint import files

    target = tmp_path / "t.py"
    target.write_bytes(BAD.encode())
    create = tempfile.mkstemp

    def interrupted_mkstemp(*args, **kwargs):
        created = create(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # arrives before the caller has the name
        return created

    monkeypatch.setattr(tempfile, "mkstemp", interrupted_mkstemp)  # files imports it when it writes
    other = threading.Event()  # another thread alive, as in a pytest run: the signal may land there
    waiting = threading.Thread(target=other.wait, daemon=True)
    waiting.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            files.write_atomic(str(target), FIXED.encode(), BAD.encode())
    finally:
        other.set()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.py"] and target.read_text() == BAD
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler given back


def test_a_run_outside_the_main_thread_replaces_no_signal_handler(tmp_path, capsys):
    """Python lets only the main thread replace signal handlers: a host program's thread runs a
    check and a fix all the same, and the handlers stay as they were."""
    from adamw_lint.cli import main

    target = tmp_path / "t.py"
    target.write_text(BAD)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    codes = []

    def run():
        codes.append(main(["check", "--no-cache", str(target)]))
        codes.append(main(["fix", str(target)]))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert codes == [1, 0] and target.read_text() == FIXED
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


@pytest.mark.parametrize("library", ["swallows", "turns it into a KeyError"])
def test_an_interrupt_lost_in_library_clean_up_still_stops_the_run(tmp_path, capsys, monkeypatch, library):
    """Ctrl-C can arrive inside libcst, whose clean-up code raised KeyError instead (the file was
    then reported as an internal error and the run went on, 70 s of fixing in the test above):
    the interrupt is remembered, and the run stops at that file."""
    import signal

    import adamw_lint.runner as runner

    for i in range(5):
        (tmp_path / f"m{i}.py").write_text(BAD)
    seen = []
    original = runner.check_one

    def interrupted_inside(path, raw, selection, options=runner.Options()):
        seen.append(path)
        if len(seen) == 2:
            try:
                signal.raise_signal(signal.SIGINT)
            except KeyboardInterrupt:
                if library != "swallows":
                    raise KeyError("Assign(...)") from None
        return original(path, raw, selection, options)

    monkeypatch.setattr(runner, "check_one", interrupted_inside)
    # --no-cache: a result cached by an earlier run of this test (same paths) would never reach check_one
    code, out, err = cli(capsys, "check", "--no-cache", "-j", "1", str(tmp_path))
    assert code == 130 and "interrupted" in err and "internal error" not in err and len(seen) == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler given back
    monkeypatch.setattr(runner, "check_one", original)
    assert cli(capsys, "check", "-j", "1", str(tmp_path))[0] == 1  # and the next run is not "interrupted"


def test_an_engine_bug_in_one_file_is_an_error_for_that_file_only(tmp_path, capsys, monkeypatch):
    import adamw_lint.runner as runner

    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD + "# boom\n")
    original = runner.check_one

    def buggy(path, raw, selection, options=runner.Options()):
        if b"boom" in raw:
            raise KeyError("surprise")
        return original(path, raw, selection, options)

    monkeypatch.setattr(runner, "check_one", buggy)
    code, out, err = cli(capsys, "check", "-j", "1", str(tmp_path))
    assert code == 2 and "a.py:2:7: AWL101" in out
    assert "b.py: internal error: KeyError: 'surprise'" in err and "Traceback" not in err
    code, out, err = cli(capsys, "check", "-j", "1", "--verbose", str(tmp_path))
    assert code == 2 and "Traceback (most recent call last)" in err and "KeyError: 'surprise'" in err
    monkeypatch.setenv("ADAMW_LINT_VERBOSE", "1")
    assert "Traceback (most recent call last)" in cli(capsys, "check", "-j", "1", str(tmp_path))[2]
    monkeypatch.setenv("ADAMW_LINT_VERBOSE", "0")
    code, _, err = cli(capsys, "check", "--exit-zero", "-j", "1", str(tmp_path))
    assert code == 0 and "internal error" in err  # as ruff: --exit-zero means 0, and errors are still printed


@pytest.mark.parametrize("method", start_methods())
def test_a_worker_that_dies_costs_only_its_task(monkeypatch, method):
    from adamw_lint.pool import Crashed, imap
    from helpers import die_on

    as_own_process(monkeypatch, method)

    results = list(imap(die_on, ["a", "die", "b", "c", "die", "d"], 2))
    assert [r for r in results if not isinstance(r, Crashed)] == ["aa", "bb", "cc", "dd"]
    assert [results[1], results[4]] == [Crashed("the worker process died (exit code 3)")] * 2
    assert results[2] == "bb" and results[5] == "dd"  # in order


@pytest.mark.parametrize("method", start_methods())
def test_the_tasks_sent_to_a_worker_that_dies_after_its_task_are_sent_again(monkeypatch, method):
    """A worker holds its next task before it finishes one (``_IN_FLIGHT``): when it dies, the
    tasks it held but never ran go to its successor."""
    from adamw_lint import pool
    from helpers import die_on

    as_own_process(monkeypatch, method)
    assert pool._IN_FLIGHT >= 2
    runs = []  # one worker: "b" was sent with "die"; lost, the results would wait for it forever

    def run():  # a few times: the parent reads end-of-file or a connection reset, as it happens
        for _ in range(4):
            runs.append(list(pool.imap(die_on, ["a", "die", "b", "c"], 1)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert runs == [["aa", pool.Crashed("the worker process died (exit code 3)"), "bb", "cc"]] * 4


@pytest.mark.parametrize("method", start_methods())
def test_a_result_that_cannot_be_read_costs_only_its_task_and_not_the_worker(monkeypatch, method):
    from adamw_lint.pool import Crashed, Pool
    from helpers import unloadable_on

    as_own_process(monkeypatch, method)
    pool = Pool(unloadable_on, 1)
    try:
        for item in ("a", "bad", "b", "c"):
            pool.submit(item)
        first = pool._pool[0].process
        assert list(pool.results()) == ["aa", Crashed("the result could not be read: ValueError: cannot be loaded here"),
                                        "bb", "cc"]
        assert pool._pool[0].process is first and first.is_alive()  # its stream is whole: it goes on
    finally:
        pool.close()


@pytest.mark.parametrize("method", start_methods())
def test_results_stopped_early_and_asked_again_miss_nothing(monkeypatch, method):
    from adamw_lint.pool import Pool
    from helpers import die_on

    as_own_process(monkeypatch, method)
    pool = Pool(die_on, 1)
    got = []

    def run():
        for item in "abc":
            pool.submit(item)
        results = pool.results()
        got.append(next(results))
        results.close()  # the caller stops after the first result
        got.extend(pool.results())

    try:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout=60)
        assert got == ["aa", "bb", "cc"]  # none lost, and no loop that never ends
    finally:
        pool.close()


def test_everything_that_crosses_the_process_boundary_pickles():
    import pickle

    from adamw_lint.findings import Edit, Finding, Fix
    from adamw_lint.pool import Crashed
    from adamw_lint.runner import FileResult, Options, internal_error
    from adamw_lint.selection import Selection
    from adamw_lint.files import SourceError

    fix = Fix("Replace", (Edit("replace", (1, 0, 1, 4), "AdamW"),), (("torch.optim", "AdamW"),))
    values = [
        SourceError("a.py", "cannot be parsed: invalid syntax", 3, 4),
        SourceError("a.py", "is a directory"),
        internal_error("a.py", "KeyError: 'x'", "Traceback ..."),
        Crashed("the worker process died (exit code -9)", "detail"),
        ("a.py", Selection(("AWL1",), ("AWL103",), ()), Options("flag", True, True)),
        FileResult("a.py", [Finding("AWL101", "m", (1, 0, 1, 4), fix)], errors=[SourceError("a.py", "x", 1, 2)],
                   replacements={(1, 0, 1, 4): [(0, 4, "AdamW")]}),
    ]
    values[-1].new_data = b"x"
    for value in values:
        copy = pickle.loads(pickle.dumps(value))
        assert type(copy) is type(value)
        if isinstance(value, SourceError):
            assert str(copy) == str(value) and (copy.path, copy.reason, copy.line, copy.col, copy.detail) == (
                value.path, value.reason, value.line, value.col, value.detail)
        elif isinstance(value, FileResult):  # a plain class: compared slot by slot
            assert [getattr(copy, name) for name in FileResult.__slots__] == [
                getattr(value, name) for name in FileResult.__slots__]
        else:
            assert copy == value and str(copy) == str(value)


@pytest.mark.parametrize("jobs", ["-1", "1000", "x", "1.5"])
def test_jobs_out_of_range_is_a_usage_error(capsys, jobs):
    with pytest.raises(SystemExit) as exit_info:
        cli(capsys, "check", "-j", jobs, ".")
    assert exit_info.value.code == 2 and "from 1 to" in capsys.readouterr().err


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


@pytest.mark.parametrize("method", start_methods())
def test_a_worker_that_dies_while_idle_is_replaced(monkeypatch, method):
    from adamw_lint.pool import Pool
    from helpers import die_on

    as_own_process(monkeypatch, method)
    pool = Pool(die_on, 1)
    try:
        pool.submit("a")
        assert list(pool.results()) == ["aa"]
        idle = pool._pool[0].process
        idle.kill()
        idle.join(timeout=5)
        pool.submit("b")
        assert list(pool.results()) == ["bb"]
    finally:
        pool.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_forked_worker_keeps_no_end_of_a_pipe_but_its_own(monkeypatch):
    """Without the parent-death signal, a worker ends when its pipe closes: a worker forked after
    another must not keep that one's parent end open (nor its own: it would never see the end)."""
    from adamw_lint.pool import Pool
    from helpers import slowly

    as_own_process(monkeypatch, "fork")
    pool = Pool(slowly, 2)
    try:
        pool.submit("a")
        pool.submit("b")  # the first worker is busy: a second one is forked, holding a copy of its pipe
        assert list(pool.results()) == ["aa", "bb"] and len(pool._pool) == 2
        first, second = pool._pool
        first.conn.close()  # the parent's end of the first worker's pipe, while it waits for a task
        first.process.join(timeout=10)
        assert first.process.exitcode == 0  # it saw the end of its pipe and returned
        assert second.process.is_alive()
    finally:
        pool.close()


@pytest.mark.parametrize("method", start_methods())
def test_the_helper_takes_the_last_waiting_tasks_and_the_workers_the_first(monkeypatch, method):
    """Tasks submitted near each other stay in one process; the results still come in order."""
    from adamw_lint.pool import Pool
    from helpers import slowly

    as_own_process(monkeypatch, method)
    helped = []

    def helper(item):
        helped.append(item)
        return item * 2

    pool = Pool(slowly, 1, helper=helper)
    try:
        for item in range(6):
            pool.submit(item)  # the worker is sent items 0 and 1 at once (``_IN_FLIGHT``): busy with 0
        assert list(pool.results()) == [0, 2, 4, 6, 8, 10]
        assert helped == [5, 4, 3, 2]  # from the back, while the worker was busy
        pool.submit(6)
        pool.submit(7)
        assert list(pool.results()) == [12, 14]  # more tasks after results(): none is left out
    finally:
        pool.close()


def _helped_until(monkeypatch, tmp_path, items, done, task="stamped"):
    """A pool of one forked worker, running ``task`` from helpers, whose helper (the main process)
    holds the first task it takes until ``done(pool)`` (10 s at most): the results, when the
    helper's tasks ran, and when workers were started. The helper creates ``helpers.HELPER_BEGAN``
    as it begins, which the worker's waiting tasks wait for. A pool that hangs ends the test run
    with every thread's stack after 120 s (feeding needs the main thread: no thread to join with
    a timeout)."""
    import faulthandler

    import helpers
    from adamw_lint import pool as pool_module

    as_own_process(monkeypatch, "fork")
    monkeypatch.setattr(helpers, "HELPER_BEGAN", str(tmp_path / "helper-began"))
    helped, starts = [], []

    def helper(item):
        began = time.monotonic()
        if not helped:
            open(helpers.HELPER_BEGAN, "w").close()
        while not helped and not done(pool) and time.monotonic() < began + 10:  # the first task only
            time.sleep(0.01)  # a sleep interrupted by the timer's signal goes on (PEP 475)
        helped.append((began, time.monotonic()))
        return item, began

    pool = pool_module.Pool(getattr(helpers, task), 1, helper=helper)
    original = pool._start
    pool._start = lambda: (starts.append(time.monotonic()), original())[1]
    faulthandler.dump_traceback_later(120, exit=True)
    try:
        for item in items:
            pool.submit(item)
        return list(pool.results()), helped, starts
    finally:
        faulthandler.cancel_dump_traceback_later()
        pool.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fed in the command's own process: on Linux")
def test_workers_are_fed_while_the_main_process_runs_a_task_of_its_own(monkeypatch, tmp_path):
    """The helper takes the last task and holds it until the other eleven are done: the worker,
    which holds two tasks at once, is sent the others meanwhile (it used to wait for the helper,
    idle after two, and the helper then waited 10 s), and the handler of SIGALRM is the one
    before the pool once it is closed."""
    before = signal.getsignal(signal.SIGALRM)
    # the worker's tasks wait for the helper to begin (a loaded CI once finished some while they
    # were submitted, and the helper waited for results already yielded)
    eleven_done = lambda pool: pool._next_result + len(pool._results) >= 11  # noqa: E731
    results, helped, _ = _helped_until(monkeypatch, tmp_path, range(12), eleven_done, task="paced")
    assert [item for item, _ in results] == list(range(12))
    (began, ended), = helped
    assert results[11][1] == began  # the helper took the last task
    assert all(began < at < ended for _, at in results[:11])  # the worker ran the rest meanwhile
    assert ended - began < 9
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.setitimer(signal.ITIMER_REAL, 0) == (0.0, 0.0)  # no timer left running


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fed in the command's own process: on Linux")
def test_a_worker_that_dies_while_fed_is_replaced_by_the_loop_not_by_the_signal(monkeypatch, tmp_path):
    # a fork from the signal would copy the helper's half-done analysis into the new worker; the
    # helper holds its task until the worker has been dead for 0.2 s (40 feeds). It dies once the
    # helper began: a death seen while the tasks were submitted was replaced before (CI, loaded)
    from adamw_lint.pool import Crashed

    died = []

    def dead_a_while(pool):
        if pool._pool[0].process.exitcode is not None and not died:
            died.append(time.monotonic())
        return bool(died) and time.monotonic() > died[0] + 0.2

    results, helped, starts = _helped_until(monkeypatch, tmp_path, ["a", "b", "die late", "c", "d", "e"], dead_a_while)
    assert [r if isinstance(r, Crashed) else r[0] for r in results] == [
        "a", "b", Crashed("the worker process died (exit code 3)"), "c", "d", "e"]
    (began, ended), = helped
    assert died and ended - began < 9
    assert len(starts) == 2 and not any(began < at < ended for at in starts)


class _Reentered:
    """A worker's connection whose reads first run the pool's feed again, as a timer's signal
    caught in the middle of a read would."""

    def __init__(self, conn, pool):
        self._conn, self._pool = conn, pool

    def recv_bytes(self):
        self._pool._feed(signal.SIGALRM, None)
        return self._conn.recv_bytes()

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fed in the command's own process: on Linux")
def test_a_feed_entered_again_from_inside_itself_does_nothing(monkeypatch):
    # it read the rest of the message being read as another one, and the outer read then waited
    # forever for bytes already taken (a hang seen once in about a thousand runs)
    from adamw_lint.pool import Pool
    from helpers import stamped

    as_own_process(monkeypatch, "fork")
    pool = Pool(stamped, 1)
    got = []
    try:
        for item in "abcd":
            pool.submit(item)
        worker = pool._pool[0]
        worker.conn = _Reentered(worker.conn, pool)
        assert worker.conn._conn.poll(30)  # a result waits in the pipe
        time.sleep(0.2)  # and the second one with it

        def run():
            pool._fed = True  # as inside ``_feeding``, where the signal calls ``_feed``
            pool._feed(signal.SIGALRM, None)
            pool._fed = False
            got.extend(item for item, _ in pool.results())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout=30)
        assert got == list("abcd")
    finally:
        worker.conn = worker.conn._conn
        pool.close()


def test_reads_end_at_the_limit_or_the_end_of_the_file_whatever_the_size_said(tmp_path, monkeypatch):
    from adamw_lint import files

    path = tmp_path / "f.py"
    path.write_bytes(b"x" * 100)
    with files._regular(str(path)) as (fd, size):
        assert size == 100 and files._read_at_most(fd, 101, size) == b"x" * 100
    with files._regular(str(path)) as (fd, size):
        assert files._read_at_most(fd, 40, size) == b"x" * 40  # at most: a limit below the size
    for said in (0, 10):  # /proc says 0; a file may have grown since fstat
        with files._regular(str(path)) as (fd, _):
            assert files._read_at_most(fd, 101, said) == b"x" * 100
    with files._regular(str(path)) as (fd, _):
        assert files._read_at_most(fd, 51, 10) == b"x" * 51  # grown past the limit: one byte over, TooLarge
    (tmp_path / "empty.py").write_bytes(b"")
    assert files.read_bytes(str(tmp_path / "empty.py")) == b""
    # reads that come back short (FUSE, network file systems) still see a word split between them
    path.write_bytes(b"a" * 5000 + b"AdamW" + b"b" * 5000)
    read = os.read

    def short(sizes):
        sizes = iter(sizes)
        monkeypatch.setattr(os, "read", lambda fd, n: read(fd, min(n, next(sizes, n))))
    short([5001, 2])  # "...A", "da", "mWbbb..."
    assert files.scan(str(path), lambda block: b"AdamW" in block, chunk=6000)
    short([5001, 2])
    with files._regular(str(path)) as (fd, size):
        assert files._read_at_most(fd, 20_000, size) == path.read_bytes()


def test_a_fix_attached_without_its_rule_is_reported_unsafe_in_json_as_in_sarif():
    # Finding.with_fix settles a fix's applicability; one built without it is never shown as safe
    from adamw_lint.findings import Finding, Fix
    from adamw_lint.report import finding_dict

    finding = Finding("AWL101", "m", (1, 0, 1, 4), Fix("Use AdamW", ()))
    assert finding_dict("a.py", finding)["fix"]["applicability"] == "unsafe"

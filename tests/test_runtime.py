"""The runtime check: probe verdicts, catalog verdicts, warnings, the global hook, the launcher."""
import os
import subprocess
import sys
import warnings

import pytest

torch = pytest.importorskip("torch")

from adamw_lint import runtime, verify  # noqa: E402
from adamw_lint.optim import AdamW  # noqa: E402

from helpers import ROOT, devices  # noqa: E402

CASES = verify.expected_verdicts()


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("label,make,expected", CASES, ids=[c[0] for c in CASES])
def test_probe_classifies_every_torch_optimizer(device, label, make, expected):
    params = [torch.nn.Parameter(torch.randn(8, device=device))]
    optimizer = make(params)
    reports = runtime.probe(optimizer)
    assert [r.verdict for r in reports] == [expected], reports[0].evidence
    # the catalog agrees wherever it knows the class
    assert [r.verdict for r in runtime.classify(optimizer)] == [expected]


def test_probe_never_touches_the_real_parameters_or_state():
    param = torch.nn.Parameter(torch.randn(8))
    optimizer = torch.optim.Adam([param], weight_decay=1e-2)
    before = param.detach().clone()
    runtime.probe(optimizer)
    assert torch.equal(param.detach(), before) and len(optimizer.state) == 0 and param.grad is None


def test_probe_for_a_subclass_and_an_unbuildable_optimizer():
    class MyAdam(torch.optim.Adam):  # not in the catalog: the probe decides
        pass

    p = [torch.nn.Parameter(torch.randn(4))]
    assert runtime.check(MyAdam(p, weight_decay=0.0))[0].verdict == "none"
    with pytest.warns(runtime.CoupledWeightDecayWarning):
        assert runtime.check(MyAdam(p, weight_decay=1e-3))[0].verdict == "coupled"

    class NeedsExtra(torch.optim.SGD):
        def __init__(self, params, required, lr=0.1, weight_decay=0.0):
            super().__init__(params, lr=lr, weight_decay=weight_decay)

    report = runtime.probe(NeedsExtra(p, "x", weight_decay=1e-4))[0]
    assert report.verdict == "unknown" and "could not rebuild" in report.evidence


def test_check_warns_or_raises_with_the_rule_code():
    p = [torch.nn.Parameter(torch.randn(4))]
    with pytest.warns(runtime.CoupledWeightDecayWarning, match="AWL101"):
        runtime.check(torch.optim.Adam(p, weight_decay=1e-4))
    with pytest.raises(runtime.CoupledWeightDecayError, match="AWL103"):
        runtime.check(torch.optim.RMSprop(p, weight_decay=1e-4), on_coupled="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runtime.check(torch.optim.AdamW(p))
        runtime.check(torch.optim.SGD(p, lr=0.1, weight_decay=1e-4))


def test_install_reports_torch_classes_at_their_construction_line_once():
    p = torch.nn.Parameter(torch.randn(4))
    handle = runtime.install(on_coupled="warn")
    try:
        with pytest.warns(runtime.CoupledWeightDecayWarning) as caught:
            optimizer = torch.optim.Adam([p], weight_decay=1e-4)
            line = sys._getframe().f_lineno - 1
        assert [w.lineno for w in caught] == [line] and caught[0].filename.endswith("test_runtime.py")
        assert runtime.construction_site(optimizer).line == line
        assert "AWL101 torch.optim.Adam applies coupled L2 in param group(s) 0" in str(caught[0].message)
        p.grad = torch.ones(4)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            optimizer.step()  # reported already: silent
            AdamW([p]).step()  # decoupled: silent
    finally:
        handle.remove()
    assert torch.optim.Optimizer.__init__.__module__ == "torch.optim.optimizer"  # the constructor is restored


def test_each_optimizer_is_reported_never_merged_by_the_warnings_registry():
    # a GAN: two coupled optimizers, and two built by one line in a loop (the default filter dedups by text)
    p, q = torch.nn.Parameter(torch.randn(2)), torch.nn.Parameter(torch.randn(2))
    handle = runtime.install(on_coupled="warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            first = sys._getframe().f_lineno + 1
            torch.optim.Adam([p], weight_decay=1e-4)
            torch.optim.Adam([q], weight_decay=1e-4)
            for _ in range(2):
                torch.optim.RMSprop([q], weight_decay=1e-4)
    finally:
        handle.remove()
    assert [w.lineno for w in caught] == [first, first + 1, first + 3, first + 3]
    assert "AWL103 torch.optim.RMSprop" in str(caught[-1].message)


class Counting(torch.optim.Adam):
    """A subclass with its own step(), whose constructor and step() a user could observe."""

    constructed = steps = 0

    def __init__(self, *args, **kwargs):
        type(self).constructed += 1
        super().__init__(*args, **kwargs)

    def step(self, closure=None):
        type(self).steps += 1
        self.seen_probing = runtime.probing()
        return super().step(closure)


def test_a_subclass_that_inherits_step_is_judged_without_running_it():
    class Inherits(torch.optim.Adam):
        constructed = 0

        def __init__(self, params, **kwargs):
            Inherits.constructed += 1
            super().__init__(params, **kwargs)

    optimizer = Inherits([torch.nn.Parameter(torch.randn(3))], weight_decay=1e-3)
    report = runtime.classify(optimizer)[0]
    assert report.verdict == "coupled" and "inherits step() from torch.optim.Adam" in report.evidence
    assert Inherits.constructed == 1  # only the user's construction


def test_the_probe_runs_a_class_with_its_own_step_once_per_distinct_group():
    Counting.constructed = Counting.steps = 0
    params = [torch.nn.Parameter(torch.randn(3)) for _ in range(3)]
    optimizer = Counting([{"params": [params[0]]}, {"params": [params[1]]}, {"params": [params[2]], "lr": 1e-2}],
                         weight_decay=1e-3)
    assert (Counting.constructed, Counting.steps) == (1, 0)
    assert [r.verdict for r in runtime.classify(optimizer, probe=False)] == ["unknown"] * 3
    assert (Counting.constructed, Counting.steps) == (1, 0)  # inspect-only: nothing ran
    assert [r.verdict for r in runtime.classify(optimizer)] == ["coupled"] * 3
    assert (Counting.constructed, Counting.steps) == (3, 20)  # two distinct groups: 1 + 10 each
    params[0].grad = torch.ones(3)
    optimizer.step()
    assert optimizer.seen_probing is False


def test_wrappers_are_never_probed():
    class Wrapper(torch.optim.Optimizer):
        def __init__(self, inner):
            self.inner = inner
            groups = [{"params": g["params"], "weight_decay": g["weight_decay"]} for g in inner.param_groups]
            super().__init__(groups, {})

        def step(self, closure=None):
            raise AssertionError("the probe must not step a wrapper")

    inner = torch.optim.Adam([torch.nn.Parameter(torch.randn(3))], weight_decay=1e-3)
    report = runtime.classify(Wrapper(inner))[0]
    assert report.verdict == "unknown" and "wraps torch.optim.adam.Adam" in report.evidence


def test_construction_site_skips_library_factories(tmp_path, monkeypatch):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "factory_lib.py").write_text(
        "import torch\n\ndef build(params):\n    return torch.optim.Adam(params, weight_decay=1e-4)\n")
    monkeypatch.syspath_prepend(str(library))
    monkeypatch.setattr(runtime, "_LIBRARIES", runtime._LIBRARIES + (str(library) + os.sep,))
    import factory_lib

    found = []
    handle = runtime.install(on_coupled="report", report=lambda optimizer, coupled: found.append(coupled))
    try:
        line = sys._getframe().f_lineno + 1
        optimizer = factory_lib.build([torch.nn.Parameter(torch.randn(2))])
    finally:
        handle.remove()
    site = runtime.construction_site(optimizer)
    assert site.line == line and site.via.endswith("factory_lib.py:4")
    assert found[0].site == site and "(through " in found[0].message()


@pytest.fixture
def launch(monkeypatch, capsys):
    """Run the launcher in this process (a subprocess pays for importing torch again):
    (exit status, stdout, stderr); sys.argv and sys.path are restored afterwards."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))

    def run(*args, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        try:
            code = runtime.main(list(args))
        except SystemExit as exit:
            code = exit.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_launcher_checks_a_training_script_it_does_not_edit(tmp_path, launch):
    script = tmp_path / "train.py"
    script.write_text(
        "import sys, torch\n"
        "p = torch.nn.Parameter(torch.randn(3))\n"
        "opt = getattr(torch.optim, sys.argv[1])([p], weight_decay=1e-4)\n"
        "p.grad = torch.ones(3)\n"
        "opt.step()\n"
        "print('trained', sys.argv[1:])\n"
    )
    result = subprocess.run([sys.executable, "-m", "adamw_lint.runtime", str(script), "Adam", "--help"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and "trained ['Adam', '--help']" in result.stdout  # the script's arguments
    assert f"{script}:3: CoupledWeightDecayWarning: AWL101" in result.stderr
    with pytest.raises(runtime.CoupledWeightDecayError, match=r"train\.py:3: AWL103 torch.optim.Adagrad"):
        launch("--raise", str(script), "Adagrad")


def test_launcher_behaves_like_python(tmp_path, launch):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "helper_for_launcher.py").write_text("VALUE = 7\n")
    (project / "train_launched.py").write_text(
        "import sys, helper_for_launcher\nprint(sys.argv, helper_for_launcher.VALUE)\nsys.exit(3)\n")
    code, out, _ = launch("proj/train_launched.py", "a", cwd=tmp_path)  # the script's directory is on sys.path
    assert code == 3 and "['proj/train_launched.py', 'a'] 7" in out
    sys.modules.pop("helper_for_launcher")
    code, out, _ = launch("-m", "train_launched", "b", cwd=project)
    assert code == 3 and "train_launched.py', 'b'] 7" in out
    sys.modules.pop("helper_for_launcher")
    code, out, _ = launch("--help")
    assert code == 0 and "usage: python -m adamw_lint.runtime" in out and "--inspect-only" in out
    for args in (["-m"], [], ["--calibrate=0", "x.py"], ["--no-such-option", "x.py"]):
        code, _, err = launch(*args)
        assert code == 2 and "usage:" in err, args
    code, _, err = launch("nothere.py")
    assert code == 2 and "nothere.py" in err and "No such file" in err


def test_verify_and_demo_commands():
    from helpers import run_cli

    result = run_cli("verify", "--device", "cpu", "--steps", "100")
    assert result.returncode == 0, result.stdout
    assert "torch AdamW foreach" in result.stdout and "all checks passed" in result.stdout
    demo = run_cli("explain", "AWL101", "--demo")
    assert demo.returncode == 0
    rows = [line.split() for line in demo.stdout.splitlines() if line.strip()[:1].isdigit() and "%" in line]
    coupled = [float(r[1].rstrip("%")) for r in rows]
    decoupled = [float(r[2].rstrip("%")) for r in rows]
    assert len(rows) == 5
    calibrated = [float(r[3].rstrip("%")) for r in rows]
    assert coupled[0] > 10 * coupled[-1]  # coupled L2 barely decays large-gradient weights
    assert max(decoupled) / min(decoupled) < 1.1  # AdamW decays every weight alike
    # AdamW with the calibrated decay: alike, and as strong as coupled L2 on average
    assert max(calibrated) / min(calibrated) < 1.1 and min(calibrated) > 3 * max(decoupled)
    assert "AdamW needs weight_decay=" in demo.stdout and "search range [" in demo.stdout


def test_verify_rejects_zero_steps_and_the_demo_an_unwritable_plot(tmp_path):
    from adamw_lint import demo

    with pytest.raises(ValueError, match="steps must be at least 1"):
        verify.run("cpu", 0, lambda text: None)
    with pytest.raises(RuntimeError, match="does not exist"):  # before the experiment runs
        demo.run(lambda text: None, plot=str(tmp_path / "no" / "dir" / "x.png"))


def test_importing_the_linter_does_not_import_torch():
    code = "import sys, adamw_lint.cli, adamw_lint.fix, adamw_lint.flake8_plugin; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def test_demo_plot(tmp_path):
    pytest.importorskip("matplotlib")
    from helpers import run_cli

    target = tmp_path / "decay.png"
    result = run_cli("explain", "AWL101", "--demo", "--plot", str(target))
    assert result.returncode == 0 and f"plot written to {target}" in result.stdout
    assert target.read_bytes().startswith(b"\x89PNG") and target.stat().st_size > 10_000


# --- torch.compile: every entry point (issue 21, item 1) ----------------------------------------

COMPILED = """
import sys, torch
from adamw_lint import runtime

DEVICE, BACKEND = {device!r}, {backend!r}  # inductor where it is fast to build (CUDA); eager on CPU


class OwnStep(torch.optim.Adam):  # its own step(): probed at its first (compiled) step
    def step(self, closure=None):
        if runtime.probing():  # the importable module's flag: the one the launcher's hooks set
            OwnStep.probed_while_compiling = torch.compiler.is_compiling()
        return super().step(closure)


model = torch.nn.Linear(4, 2).to(DEVICE)
compiled_model = torch.compile(model, backend=BACKEND)
optimizers = [torch.optim.Adam(model.parameters(), weight_decay=1e-4),
              OwnStep(model.parameters(), weight_decay=1e-4)]


@torch.compile(backend=BACKEND)
def opt_step(optimizer):
    optimizer.step()


for optimizer in optimizers:
    for _ in range(6):
        optimizer.zero_grad()
        compiled_model(torch.randn(8, 4, device=DEVICE)).sum().backward()
        opt_step(optimizer)
print("trained; the probe ran compiled:", getattr(OwnStep, "probed_while_compiling", "never"))
sys.exit(3)
"""


def compiled_script(directory, device: str) -> str:
    backend = "inductor" if device == "cuda" else "eager"  # eager: dynamo's guards without a C++ build
    (directory / "compiled_train.py").write_text(COMPILED.format(device=device, backend=backend))
    return "compiled_train"


@pytest.mark.parametrize("device", devices())
def test_compiled_step_and_model_under_the_launcher(tmp_path, device):
    # the launcher used to run the hooks in `__main__`, which runpy replaces by the script: dynamo's
    # guards then failed with "module '__main__' has no attribute '_reported'"
    module = compiled_script(tmp_path, device)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for launch in (["--calibrate=5", "--calibration-out", "cal.json", f"{module}.py"], ["-m", module]):
        result = subprocess.run([sys.executable, "-m", "adamw_lint.runtime", *launch], cwd=tmp_path, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 3, result.stderr[-3000:]
        assert "trained; the probe ran compiled: False" in result.stdout, result.stderr[-3000:]
        assert "compiled_train.py:17: CoupledWeightDecayWarning: AWL101 torch.optim.Adam" in result.stderr
        assert "compiled_train.py:18: CoupledWeightDecayWarning: AWL1 __main__.OwnStep" in result.stderr
    calibrated = (tmp_path / "cal.json").read_text()
    assert calibrated.count('"suggested_weight_decay": null') == 0 and calibrated.count('"site"') == 2


def test_install_with_a_compiled_step_probes_eagerly():
    class Compiled(torch.optim.Adam):
        def step(self, closure=None):
            if runtime.probing():
                Compiled.compiling = torch.compiler.is_compiling()
            return super().step(closure)

    p = torch.nn.Parameter(torch.randn(3))
    optimizer = Compiled([p], weight_decay=1e-3)
    step = torch.compile(optimizer.step, backend="eager")
    handle = runtime.install(on_coupled="report", report=lambda o, found: reports.append(found))
    reports = []
    try:
        for _ in range(3):
            p.grad = torch.ones(3)
            step()
    finally:
        handle.remove()
    assert Compiled.compiling is False and [r.groups[0].verdict for r in reports] == ["coupled"]


# --- hostile optimizers and launches (issue 23: H19c–H19h) ----------------------------------------

def test_a_constructor_that_blocks_gives_unknown_within_the_deadline(monkeypatch):
    import threading
    import time

    release = threading.Event()

    class Singleton(torch.optim.Adam):  # the second construction (the probe's) waits for ever
        made = 0

        def __init__(self, *args, **kwargs):
            Singleton.made += 1
            if Singleton.made == 2:
                release.wait()
            super().__init__(*args, **kwargs)

        def step(self, closure=None):
            return super().step(closure)

    monkeypatch.setattr(runtime, "PROBE_TIMEOUT", 0.5)
    optimizer = Singleton([torch.nn.Parameter(torch.randn(3))], weight_decay=1e-3)
    try:
        start = time.perf_counter()
        [report] = runtime.classify(optimizer)
        assert report.verdict == "unknown" and "did not finish within 0.5 s" in report.evidence
        assert time.perf_counter() - start < 5
        # the same class again is not waited for twice: with a 30 s deadline now, waiting would show
        monkeypatch.setattr(runtime, "PROBE_TIMEOUT", 30)
        start = time.perf_counter()
        [again] = runtime.classify(Singleton([torch.nn.Parameter(torch.randn(3))], weight_decay=1e-2))
        assert again.verdict == "unknown" and "earlier probe" in again.evidence and time.perf_counter() - start < 20
    finally:
        release.set()


HOSTILE = {
    # H19d: a "singleton" guard exits on the probe's construction
    "sysexit_in_init.py": (
        "import sys, torch\n"
        "class Strict(torch.optim.Adam):\n"
        "    made = 0\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        Strict.made += 1\n"
        "        if Strict.made > 1:\n"
        "            sys.exit('only one Strict optimizer')\n"
        "        super().__init__(*args, **kwargs)\n"
        "    def step(self, closure=None):\n"
        "        return super().step(closure)\n"
        "p = torch.nn.Parameter(torch.randn(3))\n"
        "opt = Strict([p], weight_decay=1e-3)\n"
        "p.grad = torch.ones(3)\n"
        "opt.step()\n"
        "print('training ok')\n"),
    # H19e: a param-group value whose repr raises
    "badrepr.py": (
        "import torch\n"
        "class Tag:\n"
        "    def __repr__(self):\n"
        "        raise RuntimeError('no repr')\n"
        "class Mine(torch.optim.Adam):\n"
        "    def step(self, closure=None):\n"
        "        return super().step(closure)\n"
        "q = torch.nn.Parameter(torch.randn(3))\n"
        "opt = Mine([{'params': [q], 'tag': Tag()}], weight_decay=1e-3)\n"
        "q.grad = torch.ones(3)\n"
        "opt.step()\n"
        "print('training ok')\n"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_probe_never_changes_what_the_program_does(tmp_path, launch, name):
    (tmp_path / name).write_text(HOSTILE[name])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, _ = launch(str(tmp_path / name))
    assert code == 0 and "training ok" in out
    coupled = [str(w.message) for w in caught if w.category is runtime.CoupledWeightDecayWarning]
    # the repr is not needed to measure; the class that exits cannot be measured, and is not reported
    expected = ["AWL1 __main__.Mine applies coupled L2 in param group(s) 0"] if name == "badrepr.py" else []
    assert [message.split(",")[0] for message in coupled] == expected


def test_a_check_that_fails_warns_and_training_goes_on(monkeypatch):
    def broken(optimizer, probe=True):
        raise RuntimeError("internal")

    monkeypatch.setattr(runtime, "classify", broken)
    p = torch.nn.Parameter(torch.randn(3))
    handle = runtime.install()
    try:
        message = "adamw-lint could not check torch.optim.adam.Adam: RuntimeError: internal"
        with pytest.warns(RuntimeWarning, match=message):
            optimizer = torch.optim.Adam([p], weight_decay=1e-3)
        p.grad = torch.ones(3)
        with pytest.warns(RuntimeWarning, match="could not check"):
            optimizer.step()
    finally:
        handle.remove()


def test_an_unwritable_calibration_file_is_refused_before_the_training(tmp_path, launch):
    script = tmp_path / "cal.py"
    script.write_text("raise AssertionError('the training must not start')\n")
    code, _, err = launch("--calibrate=3", "--calibration-out", str(tmp_path / "no" / "c.json"), str(script))
    assert code == 2 and f"directory {tmp_path / 'no'} does not exist" in err
    code, _, err = launch("--calibrate=3", "--calibration-out", str(tmp_path), str(script))
    assert code == 2 and "is a directory" in err


def test_a_calibration_file_that_cannot_be_written_at_the_end_is_kept(tmp_path, launch, monkeypatch):
    # the folder disappears during the training: the measurement goes to a temporary file, and the
    # script's own exit status stays
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "cal.py"
    script.write_text(
        "import shutil, sys, torch\n"
        "p = torch.nn.Parameter(torch.randn(3))\n"
        "opt = torch.optim.Adam([p], weight_decay=1e-3)\n"
        "for _ in range(6):\n"
        "    p.grad = torch.ones(3)\n"
        "    opt.step()\n"
        f"shutil.rmtree({str(out)!r})\n"
        "sys.exit(3)\n")
    with pytest.warns(runtime.CoupledWeightDecayWarning):
        code, _, err = launch("--calibrate=5", "--calibration-out", str(out / "c.json"), str(script))
    assert code == 3
    [kept] = tmp_path.glob("adamw-calibration-*.json")
    assert f"cannot write {out / 'c.json'}: No such file or directory; calibration written to {kept} instead" in err
    assert '"suggested_weight_decay"' in kept.read_text() and "cal.py:3" in kept.read_text()


def test_a_missing_module_gets_pythons_one_line_message(launch):
    code, _, err = launch("-m", "no_such_module_for_adamw_lint")
    assert code == 1 and err.endswith(": No module named no_such_module_for_adamw_lint\n") and "Traceback" not in err
    code, _, err = launch("-m", "json")
    assert code == 1 and "'json' is a package and cannot be directly executed" in err


def test_verify_compares_each_path_with_torchs_same_path():
    # fused rounds differently from foreach: the old fused row (reference foreach against torch
    # fused) drifted 1.1e-4 relative over 1000 CUDA steps and failed on a correct installation
    rows = {name: (abs_diff, ok) for name, abs_diff, _, ok in verify.parity(torch.device("cpu"), 50)}
    fused = [name for name in rows if "fused" in name]
    assert fused == ["torch AdamW fused", "torch AdamW fused, amsgrad", "torch AdamW fused, decay=schedule"]
    assert all(rows[name] == (0.0, True) for name in fused)


def test_no_probe_while_a_cuda_graph_is_captured(monkeypatch):
    # the probe allocates (in another thread, too): during capture it would break the graph
    Counting.constructed = Counting.steps = 0
    p = torch.nn.Parameter(torch.randn(3))
    optimizer = Counting([p], weight_decay=1e-3)
    found = []
    handle = runtime.install(on_coupled="report", report=lambda o, coupled: found.append(coupled))
    try:
        p.grad = torch.ones(3)
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_current_stream_capturing", lambda: True)
        optimizer.step()  # being captured
        assert Counting.constructed == 1 and not found
        monkeypatch.setattr(torch.cuda, "is_current_stream_capturing", lambda: False)
        optimizer.step()  # an eager step
    finally:
        handle.remove()
    assert Counting.constructed == 2 and [c.groups[0].verdict for c in found] == ["coupled"]

"""The runtime check: probe verdicts, catalog verdicts, warnings, the global hook, the launcher."""
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


def test_install_checks_each_optimizer_once_at_its_first_step():
    p = torch.nn.Parameter(torch.randn(4))
    handle = runtime.install(on_coupled="warn")
    try:
        optimizer = torch.optim.Adam([p], weight_decay=1e-4)
        p.grad = torch.ones(4)
        with pytest.warns(runtime.CoupledWeightDecayWarning):
            optimizer.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            optimizer.step()  # checked already: silent
            AdamW([p]).step()  # decoupled: silent
    finally:
        handle.remove()


def test_launcher_checks_a_training_script_it_does_not_edit(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import sys, torch\n"
        "p = torch.nn.Parameter(torch.randn(3))\n"
        "opt = getattr(torch.optim, sys.argv[1])([p], weight_decay=1e-4)\n"
        "p.grad = torch.ones(3)\n"
        "opt.step()\n"
        "print('trained', sys.argv[1:])\n"
    )
    env_path = {"PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "adamw_lint.runtime", str(script), "Adam"],
                            capture_output=True, text=True, env={**__import__("os").environ, **env_path})
    assert result.returncode == 0 and "trained ['Adam']" in result.stdout
    assert "CoupledWeightDecayWarning" in result.stderr and "AWL101" in result.stderr
    result = subprocess.run([sys.executable, "-m", "adamw_lint.runtime", "--raise", str(script), "Adagrad"],
                            capture_output=True, text=True, env={**__import__("os").environ, **env_path})
    assert result.returncode != 0 and "CoupledWeightDecayError" in result.stderr


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
    assert coupled[0] > 10 * coupled[-1]  # coupled L2 barely decays large-gradient weights
    assert max(decoupled) / min(decoupled) < 1.1  # AdamW decays every weight alike


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

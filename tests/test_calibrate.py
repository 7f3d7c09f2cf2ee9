"""Calibration: the decoupled weight decay that matches today's coupled L2, measured while training."""
import json

import pytest

torch = pytest.importorskip("torch")

from adamw_lint import calibrate, runtime  # noqa: E402
from adamw_lint.calibrate import Calibration  # noqa: E402

from helpers import devices  # noqa: E402

LAMBDA, LR, STEPS = 1e-2, 1e-2, 300


def train(make, device, steps=STEPS, calibrate=None):
    """A 8-32-1 tanh network on generated regression data, full batch: (|θ|, loss, calibration)."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 8, generator=generator)
    y = torch.sin(x @ torch.randn(8, 1, generator=generator)) + 0.1 * torch.randn(64, 1, generator=generator)
    x, y = x.to(device), y.to(device)
    init = torch.Generator().manual_seed(1)
    w1 = torch.nn.Parameter((torch.randn(8, 32, generator=init) / 8 ** 0.5).to(device))
    w2 = torch.nn.Parameter((torch.randn(32, 1, generator=init) / 32 ** 0.5).to(device))
    optimizer = make([w1, w2])
    calibration = runtime.calibrate(optimizer, **calibrate) if calibrate else None
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((torch.tanh(x @ w1) @ w2 - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    norm = (w1.detach().norm() ** 2 + w2.detach().norm() ** 2).sqrt().item()
    return norm, loss.item(), calibration, (w1, w2), optimizer


@pytest.mark.parametrize("device", devices())
def test_adamw_with_the_calibrated_decay_ends_near_the_coupled_run(device):
    coupled, coupled_loss, calibration, _, _ = train(
        lambda p: torch.optim.Adam(p, lr=LR, weight_decay=LAMBDA), device, calibrate={"steps": STEPS})
    [group] = calibration.groups()
    low, high = group.search
    assert group.suggested == high and 0 < low < high and high > 30 * LAMBDA
    same, same_loss, *_ = train(lambda p: torch.optim.AdamW(p, lr=LR, weight_decay=LAMBDA), device)
    calibrated, calibrated_loss, *_ = train(lambda p: torch.optim.AdamW(p, lr=LR, weight_decay=high), device)
    # on CPU (docs/runtime.md): |θ| coupled 3.53, AdamW(λ) 8.18, AdamW(λ′ = 1.03) 5.15
    assert abs(calibrated - coupled) < 0.5 * abs(same - coupled)
    assert same_loss < coupled_loss and calibrated_loss < 2 * coupled_loss


def test_calibrating_reads_only_and_stops_after_its_window():
    def make(p):
        return torch.optim.Adam(p, lr=LR, weight_decay=LAMBDA)

    *_, plain, _ = train(make, "cpu", steps=40)
    *_, calibration, watched, optimizer = train(make, "cpu", steps=40, calibrate={"steps": 20, "warmup": 5})
    assert all(torch.equal(a, b) for a, b in zip(plain, watched))  # bit for bit: it only reads
    assert calibration.done and calibration.measured == 15 and not optimizer._optimizer_step_post_hooks
    assert calibration.groups()[0].suggested > LAMBDA


def test_groups_without_decay_or_a_known_preconditioner():
    a, b = torch.nn.Parameter(torch.randn(3)), torch.nn.Parameter(torch.randn(3))
    adam = torch.optim.Adam([{"params": [a]}, {"params": [b], "weight_decay": 0.0}], weight_decay=1e-3)
    sgd = torch.optim.SGD([torch.nn.Parameter(torch.randn(3))], lr=0.1, momentum=0.9, weight_decay=1e-3)
    calibrations = [Calibration(adam, steps=3, warmup=0), Calibration(sgd, steps=3, warmup=0)]
    for _ in range(3):
        for optimizer in (adam, sgd):
            for group in optimizer.param_groups:
                group["params"][0].grad = torch.full((3,), 1e-3)
            optimizer.step()
    decayed, free = calibrations[0].groups()
    assert decayed.suggested > 0.1 and (free.suggested, free.search) == (0.0, (0.0, 0.0))
    [unknown] = calibrations[1].groups()
    assert unknown.suggested is None and "unknown state layout ['momentum_buffer']" in unknown.note
    with pytest.raises(ValueError):
        Calibration(adam, steps=0)


def test_launcher_writes_the_calibration_file_and_table(tmp_path, monkeypatch, capsys):
    script = tmp_path / "train.py"
    script.write_text(
        "import torch\n"
        "a, b = torch.nn.Parameter(torch.randn(4)), torch.nn.Parameter(torch.randn(4))\n"
        "opt = torch.optim.Adam([{'params': [a]}, {'params': [b], 'weight_decay': 0.0}], weight_decay=1e-3)\n"
        "for step in range(50):\n"
        "    opt.zero_grad()\n"
        "    ((a - 1) ** 2 + (b + 1) ** 2).sum().backward()\n"
        "    opt.step()\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", ["x"])
    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    with pytest.warns(runtime.CoupledWeightDecayWarning):
        assert runtime.main(["--calibrate=20", "--calibration-out", "cal.json", "train.py"]) == 0
    [entry] = json.loads((tmp_path / "cal.json").read_text())
    assert entry["site"] == "train.py:3" and entry["optimizer"] == "torch.optim.Adam"
    assert [sorted(g) for g in entry["groups"]] == [["index", "search", "suggested_weight_decay", "weight_decay"]] * 2
    first, second = entry["groups"]
    assert first["index"] == 0 and first["weight_decay"] == 1e-3
    assert first["search"][1] == first["suggested_weight_decay"] > first["search"][0] > 0
    assert second == {"index": 1, "weight_decay": 0.0, "suggested_weight_decay": 0.0, "search": [0.0, 0.0]}
    err = capsys.readouterr().err
    assert "train.py:3" in err and "16/16 steps" in err and "top of the range" in err


# --- cost and CUDA graphs (issue 21, items 3 and 4) ---------------------------------------------

@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name,make", [
    ("adam", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-2)),
    ("amsgrad", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ("fused", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-2, fused=True)),  # step counts on the device
    ("nadam", lambda p: torch.optim.NAdam(p, lr=1e-2, weight_decay=1e-2)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_foreach_sums_equal_the_per_tensor_ones(device, name, make):
    # the Adam layout is summed with a fixed number of foreach kernels per group; the per-tensor
    # path (one gain tensor per parameter) is the definition
    torch.manual_seed(0)
    shapes = ((64, 33), (17,), (3, 3, 3))
    params = [torch.nn.Parameter(torch.randn(*shape, device=device)) for shape in shapes]
    if name != "fused":  # torch's fused kernels reject complex parameters
        params.append(torch.nn.Parameter(torch.randn(5, dtype=torch.complex64, device=device)))
    optimizer = make(params)
    for step in range(5):
        for p in params:
            p.grad = torch.randn_like(p) * (1 + step)
        optimizer.step()
    calibration = Calibration(optimizer, steps=10, warmup=0)
    group = optimizer.param_groups[0]
    states = [optimizer.state[p] for p in params]
    fast = [t.item() for t in calibrate._adam_sums(group, params, states)]
    slow = [t.item() for t in calibration._per_tensor(0, group, params)]
    # float32 sums in another order: both are within 3e-5 of a float64 computation
    assert fast == pytest.approx(slow, rel=1e-4)


def test_step_counts_on_the_device_are_read_there(monkeypatch):
    # fused and capturable optimizers keep step counts on the device: the bias corrections are
    # computed there (no synchronisation); on CPU, force that path and compare
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(40, 7)), torch.nn.Parameter(torch.randn(9))]
    optimizer = torch.optim.Adam(params, lr=1e-2, weight_decay=1e-2)
    for _ in range(4):
        for p in params:
            p.grad = torch.randn_like(p)
        optimizer.step()
    group, states = optimizer.param_groups[0], [optimizer.state[p] for p in params]
    def ratios():  # what λ′ and the range's bottom are made of: Σ Pθ²/Σ θ² and Σ θ² log P/Σ θ²
        weighted, logs, total = (t.item() for t in calibrate._adam_sums(group, params, states))
        return weighted / total, logs / total

    expected = ratios()
    monkeypatch.setattr(calibrate, "_corrections", calibrate._device_corrections)
    assert ratios() == pytest.approx(expected, rel=1e-5, abs=1e-5)  # float32 corrections, float64 ones


def test_every_fourth_step_is_measured_and_the_table_says_so(capsys):
    theta = torch.nn.Parameter(torch.randn(4))
    optimizer = torch.optim.Adam([theta], weight_decay=1e-3)
    calibration = Calibration(optimizer, steps=21, warmup=1, every=4)
    measured = []
    original = calibration._measure
    calibration._measure = lambda index, group: (measured.append(calibration.seen), original(index, group))
    for _ in range(25):
        theta.grad = torch.ones(4)
        optimizer.step()
    assert measured == [2, 6, 10, 14, 18] and calibration.sampled == 5 and calibration.done
    assert "20/20 steps, 5 sampled" in calibrate.table([calibration])
    assert Calibration(optimizer, steps=3).every == calibrate.DEFAULT_EVERY == 8
    with pytest.raises(ValueError, match="every must be at least 1"):
        Calibration(optimizer, steps=3, every=0)


def test_steps_captured_in_a_cuda_graph_say_calibrate_before_capture(monkeypatch):
    # a replayed CUDA graph never calls step() in Python: the calibration saw only the capture
    theta = torch.nn.Parameter(torch.randn(4))
    optimizer = torch.optim.Adam([theta], weight_decay=1e-3)
    calibration = Calibration(optimizer, steps=10)
    theta.grad = torch.ones(4)
    optimizer.step()  # a warm-up step, eagerly
    monkeypatch.setattr(calibration, "_cuda", True)
    monkeypatch.setattr(torch.cuda, "is_current_stream_capturing", lambda: True)
    optimizer.step()  # the step being captured
    [group] = calibration.groups()
    assert calibration.captured and calibration.seen == 1 and group.suggested is None
    assert "replayed from a CUDA graph" in group.note and "calibrate before capture" in group.note
    assert "calibrate before capture" in calibrate.table([calibration])


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_real_cuda_graph_capture_is_named():
    theta = torch.nn.Parameter(torch.randn(1024, device="cuda"))
    optimizer = torch.optim.Adam([theta], lr=torch.tensor(1e-3, device="cuda"), weight_decay=1e-3, capturable=True)
    theta.grad = torch.ones_like(theta)
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            optimizer.step()
    torch.cuda.current_stream().wait_stream(stream)
    calibration = Calibration(optimizer, steps=20)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        optimizer.step()
    for _ in range(20):
        graph.replay()
    torch.cuda.synchronize()
    [group] = calibration.groups()
    assert calibration.captured and group.suggested is None and "calibrate before capture" in group.note

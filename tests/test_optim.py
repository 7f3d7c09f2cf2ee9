"""The reference AdamW: parity with torch.optim.AdamW, state_dict interchange, decay modes."""
import copy

import pytest

torch = pytest.importorskip("torch")

from adamw_lint.optim import AdamW  # noqa: E402

from helpers import devices  # noqa: E402


def train(make, device, steps=1000, dtype=torch.float32, groups=False, scheduler=False):
    torch.manual_seed(0)
    params = [torch.randn(33, 17, device=device, dtype=dtype, requires_grad=True),
              torch.randn(5, device=device, dtype=dtype, requires_grad=True)]
    spec = [{"params": [params[0]]}, {"params": [params[1]], "weight_decay": 0.0, "lr": 3e-3}] if groups else params
    optimizer = make(spec)
    sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5) if scheduler else None
    generator = torch.Generator().manual_seed(1)
    for step in range(steps):
        for p in params:
            p.grad = (torch.randn(p.shape, generator=generator) * (1 + step % 7)).to(device=device, dtype=dtype)
        optimizer.step()
        if sched:
            sched.step()
    return params, optimizer


def max_relative_error(ours, theirs):
    return max(((a - b).abs().max() / b.abs().max()).item() for a, b in zip(ours, theirs))


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_matches_torch_adamw_over_1000_steps(device, foreach, amsgrad, maximize, dtype):
    kwargs = dict(lr=1e-2, weight_decay=1e-2, amsgrad=amsgrad, maximize=maximize, foreach=foreach)
    ours, _ = train(lambda p: AdamW(p, **kwargs), device, dtype=dtype, groups=True, scheduler=True)
    theirs, _ = train(lambda p: torch.optim.AdamW(p, **kwargs), device, dtype=dtype, groups=True, scheduler=True)
    assert max_relative_error(ours, theirs) <= 1e-6


@pytest.mark.parametrize("device", devices())
def test_bfloat16_within_documented_tolerance(device):
    # bf16 keeps 8 bits of mantissa: the two implementations run the same ops in the same order,
    # so they agree exactly in practice; the documented tolerance is 1e-2 relative.
    ours, _ = train(lambda p: AdamW(p, lr=1e-2, weight_decay=1e-2), device, steps=200, dtype=torch.bfloat16)
    theirs, _ = train(lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=1e-2), device, steps=200, dtype=torch.bfloat16)
    assert max_relative_error([o.float() for o in ours], [t.float() for t in theirs]) <= 1e-2


@pytest.mark.parametrize("fused", [False, True], ids=["default", "fused"])
@pytest.mark.parametrize("device", devices())
def test_state_dict_is_interchangeable_with_torch(device, fused):
    options = {"fused": True} if fused else {}
    for first, second in ((AdamW, torch.optim.AdamW), (torch.optim.AdamW, AdamW)):
        params_a, opt_a = train(lambda p: first(p, lr=1e-2, weight_decay=1e-2, **options), device, steps=50)
        saved = copy.deepcopy(opt_a.state_dict())  # as if saved to disk: no shared tensors
        params_b = [p.detach().clone().requires_grad_() for p in params_a]
        opt_b = second(params_b, lr=1e-2, weight_decay=1e-2, **options)
        opt_b.load_state_dict(saved)
        generator = torch.Generator().manual_seed(7)
        for _ in range(50):
            for pa, pb in zip(params_a, params_b):
                grad = torch.randn(pa.shape, generator=generator).to(device)
                pa.grad, pb.grad = grad.clone(), grad.clone()
            opt_a.step()
            opt_b.step()
        assert all(torch.equal(a, b) for a, b in zip(params_a, params_b))


def test_only_the_documented_state():
    _, optimizer = train(lambda p: AdamW(p, amsgrad=True), "cpu", steps=2)
    for state in optimizer.state.values():
        assert set(state) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
        assert state["step"].device.type == "cpu"
    _, optimizer = train(lambda p: AdamW(p), "cpu", steps=2)
    assert all(set(s) == {"step", "exp_avg", "exp_avg_sq"} for s in optimizer.state.values())


def test_decay_modes():
    # zero gradient: only the decay moves θ
    for decay, lr, expected in (("lr", 0.1, 1 - 0.1 * 0.5), ("schedule", 0.1, 1 - 0.5)):
        theta = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
        optimizer = AdamW([theta], lr=lr, weight_decay=0.5, decay=decay)
        theta.grad = torch.zeros(3)
        optimizer.step()
        assert torch.allclose(theta.detach(), torch.tensor([1.0, -2.0, 3.0]) * expected)


def test_schedule_mode_follows_the_schedule_shape_not_the_lr_size():
    theta = torch.nn.Parameter(torch.ones(1))
    optimizer = AdamW([theta], lr=1e-3, weight_decay=0.1, decay="schedule")
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    theta.grad = torch.zeros(1)
    optimizer.step()  # η_t/η_0 = 1
    scheduler.step()
    optimizer.step()  # η_t/η_0 = 0.5
    assert torch.allclose(theta.detach(), torch.tensor([(1 - 0.1) * (1 - 0.05)]))
    # λ_schedule = η_0 · λ_lr gives the same first step as decay="lr"
    a = torch.nn.Parameter(torch.ones(1))
    b = torch.nn.Parameter(torch.ones(1))
    AdamW([a], lr=1e-3, weight_decay=10.0)
    opt_a, opt_b = AdamW([a], lr=1e-3, weight_decay=10.0), AdamW([b], lr=1e-3, weight_decay=1e-2, decay="schedule")
    a.grad, b.grad = torch.zeros(1), torch.zeros(1)
    opt_a.step()
    opt_b.step()
    assert torch.allclose(a.detach(), b.detach())


def test_foreach_and_per_tensor_paths_agree_bitwise():
    ours_f, _ = train(lambda p: AdamW(p, foreach=True, amsgrad=True), "cpu", steps=100, groups=True)
    ours_s, _ = train(lambda p: AdamW(p, foreach=False, amsgrad=True), "cpu", steps=100, groups=True)
    assert all(torch.equal(a, b) for a, b in zip(ours_f, ours_s))


def test_invalid_arguments():
    p = [torch.nn.Parameter(torch.ones(1))]
    with pytest.raises(ValueError):
        AdamW(p, decay="paper")
    with pytest.raises(ValueError):
        AdamW(p, lr=-1)
    with pytest.raises(ValueError):
        AdamW(p, betas=(1.0, 0.9))


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_complex_parameters_match_torch(device, foreach, amsgrad):
    # torch updates a complex parameter as a pair of reals: each part has its own second moment
    def run(cls):
        torch.manual_seed(0)
        params = [torch.randn(6, 5, dtype=torch.complex64, device=device, requires_grad=True),
                  torch.randn(4, device=device, requires_grad=True)]
        optimizer = cls(params, lr=1e-2, weight_decay=1e-2, amsgrad=amsgrad, foreach=foreach)
        generator = torch.Generator().manual_seed(1)
        for step in range(100):
            for p in params:
                grad = torch.randn(p.shape, generator=generator, dtype=p.dtype) * (1 + step % 3)
                if p.is_complex():  # a real part 100x the imaginary one: a mixed |g|² would show
                    grad = torch.complex(grad.real * 100, grad.imag)
                p.grad = grad.to(device)
            optimizer.step()
        return params, optimizer

    ours, ours_opt = run(AdamW)
    theirs, theirs_opt = run(torch.optim.AdamW)
    assert max_relative_error([torch.view_as_real(ours[0]), ours[1]],
                              [torch.view_as_real(theirs[0]), theirs[1]]) <= 1e-6
    assert ours_opt.state[ours[0]]["exp_avg_sq"].is_complex()  # state_dict stays torch's


@pytest.mark.parametrize("name", ["lr", "eps", "weight_decay"])
@pytest.mark.parametrize("value", [float("nan"), -1e-3])
def test_rejects_nan_and_negative_hyperparameters_like_torch(name, value):
    p = [torch.nn.Parameter(torch.ones(1))]
    with pytest.raises(ValueError, match="Invalid") as theirs:
        torch.optim.AdamW(p, **{name: value})
    with pytest.raises(ValueError, match="Invalid") as ours:
        AdamW(p, **{name: value})
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="Invalid beta"):
        AdamW(p, betas=(float("nan"), 0.999))


# --- the fused path (issue 21, item 5): torch's fused kernel, both decay forms exact --------------

@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_fused_equals_torch_fused_bit_for_bit(device, amsgrad, maximize, dtype):
    kwargs = dict(lr=1e-2, weight_decay=1e-2, amsgrad=amsgrad, maximize=maximize, fused=True)
    ours, ours_opt = train(lambda p: AdamW(p, **kwargs), device, dtype=dtype, groups=True, scheduler=True)
    theirs, theirs_opt = train(lambda p: torch.optim.AdamW(p, **kwargs), device, dtype=dtype, groups=True,
                               scheduler=True)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    for p, q in zip(ours, theirs):  # the same state, step on the parameter's device as torch keeps it
        mine, torchs = ours_opt.state[p], theirs_opt.state[q]
        assert set(mine) == set(torchs) and all(torch.equal(mine[k], torchs[k]) for k in mine)
        assert mine["step"].device == torchs["step"].device and mine["step"].dtype == torchs["step"].dtype


@pytest.mark.parametrize("device", devices())
def test_fused_schedule_decay_is_torch_fused_with_weight_decay_over_initial_lr(device):
    lr, lam = 1e-2, 1e-4  # decay="schedule": λ in the paper's units, λ/η_0 in torch's
    ours, _ = train(lambda p: AdamW(p, lr=lr, weight_decay=lam, decay="schedule", fused=True), device,
                    scheduler=True)
    theirs, _ = train(lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=lam / lr, fused=True), device,
                      scheduler=True)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    # and it is the same update as the other paths compute, to rounding
    other, _ = train(lambda p: AdamW(p, lr=lr, weight_decay=lam, decay="schedule", foreach=True), device,
                     scheduler=True)
    assert max_relative_error(ours, other) <= 1e-5


def test_default_path_is_torchs_cpu_default_and_fused_rejects_what_torch_rejects():
    ours, opt = train(lambda p: AdamW(p, lr=1e-2, weight_decay=1e-2), "cpu", steps=100)
    theirs, _ = train(lambda p: torch.optim.AdamW(p, lr=1e-2, weight_decay=1e-2), "cpu", steps=100)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))  # per tensor, as torch on CPU
    assert all(s["step"].device.type == "cpu" for s in opt.state.values())
    p = [torch.nn.Parameter(torch.ones(2))]
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        AdamW(p, fused=True, foreach=True)
    z = torch.nn.Parameter(torch.ones(2, dtype=torch.complex64))
    z.grad = torch.ones_like(z)
    with pytest.raises(RuntimeError, match="floating-point"):
        AdamW([z], fused=True).step()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_default_path_on_cuda_is_fused():
    theta = torch.nn.Parameter(torch.randn(8, device="cuda"))
    optimizer = AdamW([theta])
    theta.grad = torch.ones_like(theta)
    optimizer.step()
    assert optimizer.state[theta]["step"].device.type == "cuda"  # only the fused path keeps it there

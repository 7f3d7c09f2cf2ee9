"""``adamw-lint verify``: the reference AdamW against torch's, and the probe against known
answers, on a chosen device. Exit status 1 if any parity or classification check fails."""

from __future__ import annotations

from typing import Callable, List, Tuple

import torch

from . import runtime
from .optim import AdamW

PARITY_RTOL = 1e-6  # float32, relative to the weights' magnitude


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda: CUDA is not available here")
    return torch.device(name)


def _train(make: Callable, device: torch.device, steps: int, dtype=torch.float32) -> List[torch.Tensor]:
    torch.manual_seed(0)
    params = [torch.randn(64, 33, device=device, dtype=dtype, requires_grad=True),
              torch.randn(17, device=device, dtype=dtype, requires_grad=True)]
    optimizer = make(params)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    generator = torch.Generator(device="cpu").manual_seed(1)
    for step in range(steps):
        for p in params:
            p.grad = (torch.randn(p.shape, generator=generator) * (1 + step % 5)).to(device=device, dtype=dtype)
        optimizer.step()
        scheduler.step()
    return [p.detach() for p in params]


def parity(device: torch.device, steps: int) -> List[Tuple[str, float, float, bool]]:
    """(variant, max abs diff, max relative diff, ok) of each reference path against torch's same
    path. Paths are never compared across: torch's fused kernel computes the update in one pass and
    rounds differently from its foreach and per-tensor paths (over 1000 CUDA steps they drift
    apart by about 1e-4 relative), so a fused-against-foreach check would fail on a correct
    installation. The reference's fused path runs torch's kernel, so fused must equal fused."""
    lr, lam = 1e-2, 1e-2
    # (variant, torch's arguments, the reference's): decay="schedule" with λ is torch's update with λ/η_0
    variants = [("foreach", dict(foreach=True), {}), ("per-tensor", dict(foreach=False), {}),
                ("foreach, amsgrad", dict(foreach=True, amsgrad=True), {}),
                ("fused", dict(fused=True), {}), ("fused, amsgrad", dict(fused=True, amsgrad=True), {}),
                ("fused, decay=schedule", dict(fused=True, weight_decay=1e-4 / lr),
                 dict(decay="schedule", weight_decay=1e-4))]
    rows = []
    for name, extra, ours_only in variants:
        torch_kwargs = {"lr": lr, "weight_decay": lam, **extra}
        try:
            theirs = _train(lambda ps: torch.optim.AdamW(ps, **torch_kwargs), device, steps)
        except (RuntimeError, TypeError):  # no fused kernel for this device
            continue
        ours = _train(lambda ps: AdamW(ps, **{**torch_kwargs, **ours_only}), device, steps)
        rows.append(_compare(f"torch AdamW {name}", ours, theirs))
    return rows


def _compare(name, ours, theirs) -> Tuple[str, float, float, bool]:
    abs_diff = max((a - b).abs().max().item() for a, b in zip(ours, theirs))
    rel_diff = max(((a - b).abs() / b.abs().clamp_min(1e-12)).max().item() for a, b in zip(ours, theirs))
    scale = max(b.abs().max().item() for b in theirs)
    return name, abs_diff, rel_diff, abs_diff <= PARITY_RTOL * scale


def expected_verdicts() -> List[Tuple[str, Callable, str]]:
    """(label, optimizer factory, the verdict the probe must give)."""
    o = torch.optim
    return [
        ("Adam(weight_decay=1e-2)", lambda p: o.Adam(p, weight_decay=1e-2), runtime.COUPLED),
        ("Adam(..., decoupled_weight_decay=True)", lambda p: o.Adam(p, weight_decay=1e-2, decoupled_weight_decay=True), runtime.DECOUPLED),
        ("Adam(foreach=True)", lambda p: o.Adam(p, weight_decay=1e-2, foreach=True), runtime.COUPLED),
        ("Adam()", lambda p: o.Adam(p), runtime.NONE),
        ("AdamW()", lambda p: o.AdamW(p), runtime.DECOUPLED),
        ("AdamW(fused=True)", lambda p: o.AdamW(p, fused=True), runtime.DECOUPLED),
        ("AdamW group decoupled_weight_decay=False", lambda p: o.AdamW([{"params": p, "decoupled_weight_decay": False}]), runtime.COUPLED),
        ("NAdam(weight_decay=1e-4)", lambda p: o.NAdam(p, weight_decay=1e-4), runtime.COUPLED),
        ("NAdam(..., decoupled_weight_decay=True)", lambda p: o.NAdam(p, weight_decay=1e-4, decoupled_weight_decay=True), runtime.DECOUPLED),
        ("RAdam(weight_decay=1e-4)", lambda p: o.RAdam(p, weight_decay=1e-4), runtime.COUPLED),
        ("RAdam(..., decoupled_weight_decay=True)", lambda p: o.RAdam(p, weight_decay=1e-4, decoupled_weight_decay=True), runtime.DECOUPLED),
        ("Adamax(weight_decay=1e-4)", lambda p: o.Adamax(p, weight_decay=1e-4), runtime.COUPLED),
        ("Adagrad(weight_decay=1e-4)", lambda p: o.Adagrad(p, weight_decay=1e-4), runtime.COUPLED),
        ("RMSprop(weight_decay=1e-4)", lambda p: o.RMSprop(p, weight_decay=1e-4), runtime.COUPLED),
        ("Adadelta(weight_decay=1e-4)", lambda p: o.Adadelta(p, weight_decay=1e-4), runtime.COUPLED),
        ("SGD(momentum=0.9, weight_decay=5e-4)", lambda p: o.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4), runtime.NOT_ADAPTIVE),
        ("adamw_lint AdamW(decay='lr')", lambda p: AdamW(p, weight_decay=1e-2), runtime.DECOUPLED),
        ("adamw_lint AdamW(decay='schedule')", lambda p: AdamW(p, weight_decay=1e-4, decay="schedule"), runtime.DECOUPLED),
        ("adamw_lint AdamW(fused=True, decay='schedule')",
         lambda p: AdamW(p, weight_decay=1e-4, decay="schedule", fused=True), runtime.DECOUPLED),
    ]


def classifications(device: torch.device) -> List[Tuple[str, str, str, bool]]:
    """(label, expected, probed verdict, ok) for each optimizer in ``expected_verdicts``."""
    rows = []
    for label, make, expected in expected_verdicts():
        params = [torch.nn.Parameter(torch.randn(8, device=device))]
        try:
            verdict = runtime.probe(make(params))[0].verdict
        except (RuntimeError, TypeError) as error:  # e.g. no fused kernel on this device
            verdict = f"skipped ({str(error).splitlines()[0][:40]})"
            rows.append((label, expected, verdict, True))
            continue
        rows.append((label, expected, verdict, verdict == expected))
    return rows


def run(device_name: str, steps: int, write: Callable[[str], None]) -> int:
    if steps < 1:  # zero steps would compare untouched weights and pass every parity check
        raise ValueError(f"steps must be at least 1, not {steps}")
    device = resolve_device(device_name)
    write(f"device: {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}), "
          f"torch {torch.__version__}, {steps} steps\n\n")
    write(f"{'reference AdamW vs':<36} {'max abs diff':>13} {'max rel diff':>13}  result\n")
    failures = 0
    for name, abs_diff, rel_diff, ok in parity(device, steps):
        failures += not ok
        write(f"{name:<36} {abs_diff:>13.3e} {rel_diff:>13.3e}  {'ok' if ok else 'FAIL'}\n")
    write("each path against torch's same path: the fused kernel rounds differently from foreach and per-tensor\n")
    write(f"\n{'optimizer':<48} {'expected':<22} {'probe':<22} result\n")
    for label, expected, verdict, ok in classifications(device):
        failures += not ok
        write(f"{label:<48} {expected:<22} {verdict:<22} {'ok' if ok else 'FAIL'}\n")
    write(f"\n{'all checks passed' if not failures else f'{failures} check(s) failed'}\n")
    return 1 if failures else 0

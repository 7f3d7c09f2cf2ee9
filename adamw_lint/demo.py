"""``adamw-lint explain AWL101 --demo``: see coupled L2 fail to decay large-gradient weights.

Five weights start at 1.0 and receive zero-mean noise gradients whose scales differ by four
orders of magnitude. Each is trained for 500 steps by Adam+L2 and by AdamW at the same λ, and
by each optimizer without decay; the effective decay of a weight is how much smaller it ends up
than its no-decay twin. AdamW decays every weight alike; Adam+L2 decays the weights with small
gradients hard and those with large gradients hardly at all. A third run uses AdamW with the
weight decay that calibration (``adamw_lint.calibrate``) measured on the Adam+L2 run: it removes
as much of the weights' squared norm, spread evenly over the weights.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional, Tuple

import torch

from . import runtime

SCALES = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
STEPS, LR, WEIGHT_DECAY = 500, 1e-3, 1e-1


def _final(make: Callable, weight_decay: float, calibrate: bool = False):
    theta = torch.nn.Parameter(torch.ones(len(SCALES), dtype=torch.float64))
    optimizer = make([theta], weight_decay)
    calibration = runtime.calibrate(optimizer, steps=STEPS) if calibrate else None
    generator = torch.Generator().manual_seed(0)
    scales = torch.tensor(SCALES, dtype=torch.float64)
    for _ in range(STEPS):
        theta.grad = torch.randn(len(SCALES), generator=generator, dtype=torch.float64) * scales
        optimizer.step()
    return theta.detach(), calibration


def effective_decay() -> Tuple[Dict[str, List[float]], Tuple[float, float]]:
    """Effective decay per weight for each run, and the calibrated search range (low, λ′)."""
    def adam(p, wd):
        return torch.optim.Adam(p, lr=LR, weight_decay=wd)

    def adamw(p, wd):
        return torch.optim.AdamW(p, lr=LR, weight_decay=wd)

    coupled, calibration = _final(adam, WEIGHT_DECAY, calibrate=True)
    search = calibration.groups()[0].search
    runs = [("Adam + L2 (coupled)", coupled, _final(adam, 0.0)[0]),
            ("AdamW (decoupled)", _final(adamw, WEIGHT_DECAY)[0], _final(adamw, 0.0)[0]),
            (f"AdamW, calibrated {search[1]:.3g}", _final(adamw, search[1])[0], _final(adamw, 0.0)[0])]
    return {name: (1 - decayed / free).tolist() for name, decayed, free in runs}, search


def run(write: Callable[[str], None], plot: Optional[str] = None) -> int:
    if plot and not os.path.isdir(os.path.dirname(os.path.abspath(plot))):
        raise RuntimeError(f"--plot {plot}: directory {os.path.dirname(os.path.abspath(plot))} does not exist")
    decay, search = effective_decay()
    write(f"{STEPS} steps, lr={LR:g}, weight_decay={WEIGHT_DECAY:g}; each weight starts at 1.0\n")
    write("effective decay = 1 - (weight trained with decay) / (same weight trained without)\n\n")
    names = list(decay)
    write(f"{'gradient scale':>14}  " + "  ".join(f"{n:>20}" for n in names) + "\n")
    for i, scale in enumerate(SCALES):
        write(f"{scale:>14g}  " + "  ".join(f"{decay[n][i]:>20.2%}" for n in names) + "\n")
    coupled, decoupled = decay[names[0]], decay[names[1]]
    write(f"\nAdam + L2 decays the smallest-gradient weight {coupled[0] / max(coupled[-1], 1e-12):.0f}x more than the "
          f"largest-gradient one; AdamW's spread is {max(decoupled) / min(decoupled):.2f}x.\n")
    write(f"Calibrated on the Adam + L2 run, AdamW needs weight_decay={search[1]:.3g} (search range "
          f"[{search[0]:.3g}, {search[1]:.3g}]) to remove as much of |θ|² as weight_decay={WEIGHT_DECAY:g} did "
          "coupled: the same number in AdamW is far weaker regularization.\n")
    if plot:
        _plot(decay, plot)
        write(f"plot written to {plot}\n")
    return 0


def _plot(decay: Dict[str, List[float]], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install 'adamw-lint[plot]'") from None
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, values in decay.items():
        axes.plot(SCALES, [v * 100 for v in values], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_xlabel("gradient scale of the weight")
    axes.set_ylabel(f"effective decay after {STEPS} steps (%)")
    axes.set_title(f"Same weight_decay={WEIGHT_DECAY:g}: who actually gets decayed?")
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except OSError as error:
        raise RuntimeError(f"--plot {path}: {error.strerror or error}") from None
    finally:
        plt.close(figure)

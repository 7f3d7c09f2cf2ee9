"""Runtime check: what weight decay does an optimizer *actually* apply, on its own device?

Static analysis cannot see optimizers built from configs (Hydra ``_target_``,
``getattr(torch.optim, name)``, factories); this can. ``check`` trusts the catalog for the
classes it knows (reading each param group's own switch, so ``AdamW`` with a group
``"decoupled_weight_decay": False`` is caught) and ``probe``s anything else:

The probe rebuilds the optimizer's class with one group's hyper-parameters on a tiny tensor of
that group's device (float32 for low-precision groups, whose one-step shrink is below their
resolution), gives it a zero gradient and takes one step with and one without weight decay:

* decoupled decay shrinks every weight by the same fraction (lr·λ for torch's AdamW);
* coupled decay goes through the adaptive denominator: the shrink is about lr·sign(θ), so the
  fraction varies with |θ|;
* no decay leaves θ where it was.

A non-adaptive optimizer (SGD: a second probe step shows its update scales with the gradient)
is reported as ``coupled-not-adaptive``: for it L2 *is* weight decay. Anything that cannot be
rebuilt or stepped is ``unknown``, never a guess. The real parameters and state are never touched.

    python -m adamw_lint.runtime train.py [args]       # check every optimizer at its first step
    python -m adamw_lint.runtime -m package.train [args]
"""

from __future__ import annotations

import runpy
import sys
import threading
import warnings
import weakref
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from . import catalog

DECOUPLED = catalog.DECOUPLED
COUPLED = catalog.COUPLED
NOT_ADAPTIVE = catalog.NOT_ADAPTIVE
NONE = catalog.NO_DECAY
UNKNOWN = "unknown"

_PROBE = [[1.0, -4.0, 16.0, -0.25], [2.0, -8.0, 0.5, -1.0]]  # 2-D: Muon-style optimizers accept it
_state = threading.local()


class CoupledWeightDecayWarning(UserWarning):
    """An optimizer applies coupled L2 through an adaptive preconditioner."""


class CoupledWeightDecayError(RuntimeError):
    """Raised by ``check(..., on_coupled="raise")``."""


@dataclass(frozen=True)
class GroupReport:
    group: int
    verdict: str  # decoupled / coupled / coupled-not-adaptive / none / unknown
    evidence: str
    code: Optional[str] = None  # the lint rule that describes a coupled verdict
    shrink: Optional[List[float]] = None  # measured per-element shrink fraction (probe only)


def _hyperparameters(group: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("params", "initial_lr")}


_STEPS = 10  # enough for RAdam to leave its un-adapted warm-up (ρ_t > 5)


def _run(cls, hyper: Dict[str, Any], theta: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    param = torch.nn.Parameter(theta.clone())
    optimizer = cls([{"params": [param], **hyper}])
    _state.probing = True  # our own step hook must not check the probe
    try:
        for _ in range(_STEPS):
            param.grad = grad.clone()
            optimizer.step()
    finally:
        _state.probing = False
    return param.detach()


def probe(optimizer: torch.optim.Optimizer) -> List[GroupReport]:
    """Measure the decay each param group applies, on a probe tensor of its device."""
    return [_probe_group(type(optimizer), index, group) for index, group in enumerate(optimizer.param_groups)]


def _probe_group(cls, index: int, group: Dict[str, Any]) -> GroupReport:
    hyper = _hyperparameters(group)
    weight_decay = hyper.get("weight_decay")
    if not isinstance(weight_decay, (int, float)) or isinstance(weight_decay, bool):
        return GroupReport(index, NONE if "weight_decay" not in hyper else UNKNOWN,
                           "the group has no numeric weight_decay")
    if weight_decay == 0:
        return GroupReport(index, NONE, "weight_decay is 0")
    params = group["params"]
    device = params[0].device if params else torch.device("cpu")
    lr = float(hyper.get("lr", 1e-3))
    if lr <= 0:
        return GroupReport(index, UNKNOWN, f"lr={lr:g}: nothing to measure")
    # The mechanism does not depend on λ's size, so make the shrink clearly measurable
    # (lr·λ ≥ 1e-4 per step), and θ large enough that a coupled λθ dominates any ε.
    weight_decay = max(float(weight_decay), min(1e-4 / lr, 0.5))
    hyper["weight_decay"] = weight_decay
    scale = max(1.0, 0.1 / weight_decay)
    error: Optional[Exception] = None
    for dtype in _probe_dtypes(params):  # the most precise first: this is a measurement
        theta = torch.tensor(_PROBE, device=device, dtype=dtype) * scale
        zero = torch.zeros_like(theta)
        try:
            decayed = _run(cls, hyper, theta, zero)
            baseline = _run(cls, {**hyper, "weight_decay": 0.0}, theta, zero)
            adaptive = _is_adaptive(cls, hyper, device, dtype)
            break
        except Exception as caught:  # a foreign class may raise anything: we cannot tell, and say so
            error = caught
    else:
        return GroupReport(index, UNKNOWN, f"could not rebuild {cls.__name__} on {device}: {error}")
    shrink = ((baseline - decayed) / baseline).flatten().double().cpu()
    if not torch.isfinite(shrink).all():
        return GroupReport(index, UNKNOWN, "the probe step produced non-finite values")
    low, high = shrink.min().item(), shrink.max().item()
    measured = [round(x, 9) for x in shrink.tolist()]
    if max(abs(low), abs(high)) < 1e-9:
        return GroupReport(index, NONE, f"weight_decay={weight_decay:.3g} did not change the weights",
                           shrink=measured)
    probed = f"{_STEPS} steps, weight_decay={weight_decay:.3g}, zero gradient"
    if low > 0 and high / low < 1.001:
        if not adaptive:
            return GroupReport(index, NOT_ADAPTIVE, f"uniform shrink {low:.3g} ({probed}), and the update is not "
                               "adaptive (L2 and weight decay coincide)", shrink=measured)
        return GroupReport(index, DECOUPLED, f"uniform shrink {low:.3g} ({probed}; lr*weight_decay = "
                           f"{lr * weight_decay:.3g} per step)", shrink=measured)
    if not adaptive:
        return GroupReport(index, NOT_ADAPTIVE, f"shrink from {low:.3g} to {high:.3g} ({probed}); the update is not adaptive",
                           shrink=measured)
    return GroupReport(index, COUPLED, f"shrink varies with |θ| from {low:.3g} to {high:.3g} ({probed}): the "
                       "decay went through the adaptive denominator", getattr(_catalog_row(cls), "code", None), shrink=measured)


def _probe_dtypes(params) -> List[torch.dtype]:
    own = params[0].dtype if params else torch.float32
    return list(dict.fromkeys([torch.float64, own if own.is_floating_point else torch.float32]))


def _is_adaptive(cls, hyper: Dict[str, Any], device, dtype) -> bool:
    """Adaptive optimizers normalise the gradient: a 1000× larger gradient gives a similar step."""
    theta = torch.tensor(_PROBE, device=device, dtype=dtype)
    quiet = {**hyper, "weight_decay": 0.0}
    grad = torch.full_like(theta, 1e-3)
    small = (theta - _run(cls, quiet, theta, grad)).abs().max().item()
    large = (theta - _run(cls, quiet, theta, grad * 1000)).abs().max().item()
    return small > 0 and large / small < 30


def _catalog_row(cls: type) -> Optional[catalog.OptimizerApi]:
    return catalog.OPTIMIZERS_BY_NAME.get(f"{cls.__module__}.{cls.__qualname__}")


def classify(optimizer: torch.optim.Optimizer) -> List[GroupReport]:
    """The catalog's verdict for classes it knows (per group), the probe's for the rest."""
    row = _catalog_row(type(optimizer))
    if row is None or row.always:
        return probe(optimizer)
    reports = []
    for index, group in enumerate(optimizer.param_groups):
        weight_decay = group.get(row.weight_decay or "", 0) or 0
        decoupled = row.switch_default
        if row.switch:
            decoupled = bool(group.get(row.switch, getattr(optimizer, row.switch, decoupled)))
        if row.group_switch and row.group_switch in group:
            decoupled = bool(group[row.group_switch])
        name = f"{type(optimizer).__module__}.{type(optimizer).__qualname__}"
        if row.decay == NONE or not weight_decay:
            reports.append(GroupReport(index, NONE, f"{name}: weight_decay is {weight_decay or 0}"))
        elif row.decay == NOT_ADAPTIVE:
            reports.append(GroupReport(index, NOT_ADAPTIVE, f"{name} is not adaptive: L2 is weight decay"))
        elif decoupled:
            reports.append(GroupReport(index, DECOUPLED, f"{name} with weight_decay={weight_decay:g}, decoupled"))
        else:
            reports.append(GroupReport(index, COUPLED, f"{name} adds weight_decay={weight_decay:g} to the gradient "
                                       f"(coupled); {row.advice}", row.code))
    return reports


def check(optimizer: torch.optim.Optimizer, on_coupled: str = "warn") -> List[GroupReport]:
    """Classify ``optimizer``; warn about (or raise on) coupled adaptive weight decay."""
    if on_coupled not in ("warn", "raise"):
        raise ValueError("on_coupled must be 'warn' or 'raise'")
    reports = classify(optimizer)
    coupled = [r for r in reports if r.verdict == COUPLED]
    if coupled:
        code = coupled[0].code or "AWL1"
        groups = ", ".join(str(r.group) for r in coupled)
        message = (f"{code} {type(optimizer).__name__} applies coupled L2 in param group(s) {groups}, not "
                   f"decoupled weight decay: {coupled[0].evidence}")
        if on_coupled == "raise":
            raise CoupledWeightDecayError(message)
        warnings.warn(message, CoupledWeightDecayWarning, stacklevel=3)
    return reports


def install(on_coupled: str = "warn"):
    """Check every optimizer once, at its first step. Returns the hook's removable handle."""
    checked: "weakref.WeakSet[torch.optim.Optimizer]" = weakref.WeakSet()

    def hook(optimizer, args, kwargs) -> None:
        if optimizer in checked or getattr(_state, "probing", False):
            return
        checked.add(optimizer)
        check(optimizer, on_coupled)

    return register_optimizer_step_pre_hook(hook)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    on_coupled = "warn"
    if argv[:1] == ["--raise"]:
        on_coupled, argv = "raise", argv[1:]
    if not argv:
        sys.stderr.write("usage: python -m adamw_lint.runtime [--raise] (SCRIPT | -m MODULE) [ARGS ...]\n")
        return 2
    install(on_coupled)
    if argv[0] == "-m" and len(argv) > 1:
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())

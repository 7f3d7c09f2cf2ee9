"""Calibration: how strong today's coupled L2 is, in AdamW's units.

Coupled L2 adds λθ to the gradient, so the step moves θ by lr·P·λθ on top of the loss's own
update, where P is the optimizer's per-element gain (Adam: 1/(√v̂+ε)). That removes
2·lr·λ·Σ P θ² of ‖θ‖² per step. Decoupled decay with λ′ removes 2·lr·λ′·Σ θ². Equal when

    λ′ = λ · Σ P θ² / Σ θ²        (per param group, read after each step)

with both sums taken over the group's elements *and* over the steps after a warm-up (the first
``warmup`` steps, default a fifth, let the moment estimates settle): λ′ removes as much ‖θ‖² over
the window as the coupled term did. λ′ matches the *overall* shrinkage, but coupled L2 decays
weights with small gradients (large P) far more than the others, so no single λ′ reproduces it: λ′ is the top
of a search range whose bottom is the θ²-weighted geometric mean of λ·P, λ·exp(Σ θ² log P / Σ θ²)
(the rate of a typical weight rather than of the fastest-decaying ones). Keeping λ itself in
AdamW is usually far below both (P ≫ 1 wherever gradients are ≪ 1).

P is read from the optimizer's state, by its layout (the value each step actually divided by):
``exp_avg_sq`` with ``betas``/``eps`` (Adam, NAdam, RAdam, AdamW with coupled groups; RAdam's
rectification and NAdam's momentum schedule, both → 1, are ignored), ``exp_inf`` (Adamax),
``acc_delta`` (Adadelta), ``square_avg`` (RMSprop, with its momentum's 1/(1−μ)), ``sum`` (Adagrad,
with its lr decay). A group whose state has none of these gets no suggestion, and says so.

Everything is computed on the parameters' own device, with no synchronisation until the result
is read, on every ``every``-th step of the window (default 8: the sums are ratios of averages over
steps of slowly moving quantities, which a regular sample estimates as well at an eighth of the cost); the hook removes itself
after the window, so the rest of the training is untouched. Steps replayed from a CUDA graph run
no Python: only eager steps are measured, and a calibration that saw only a capture says so.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, TextIO, Tuple

import torch
from torch.optim.optimizer import Optimizer

from .runtime import COUPLED, CoupledOptimizer, Site, display_name

DEFAULT_STEPS = 200
# A measurement moves about as many bytes as an Adam step on a GPU, and costs 3-4 steps on a CPU
# (its sqrt and log): every 8th step of the window keeps a calibrating step near 1.1x an
# uncalibrated one, and 20 of the default window's 160 steps give the same λ′ (docs/runtime.md).
DEFAULT_EVERY = 8
DEFAULT_OUT = "adamw-calibration.json"


@dataclass(frozen=True)
class GroupCalibration:
    index: int
    weight_decay: float
    suggested: Optional[float]  # λ′, the top of the search range
    search: Optional[Tuple[float, float]]
    note: str = ""  # why there is no suggestion

    def as_json(self) -> Dict[str, Any]:
        return {"index": self.index, "weight_decay": self.weight_decay, "suggested_weight_decay": self.suggested,
                "search": list(self.search) if self.search else None}


def _real_float(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.is_complex():  # updated as pairs of reals
        return torch.view_as_real(tensor)
    return tensor if tensor.dtype in (torch.float32, torch.float64) else tensor.float()


def _adam_sums(group: Dict[str, Any], params: List[torch.Tensor],
               states: List[Dict[str, Any]]) -> Optional[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """(Σ Pθ², Σ θ² log P, Σ θ²) for the Adam layout, a fixed number of foreach kernels per group
    whatever its size (None for other layouts, or eps = 0, which the per-tensor path handles).

    D = 1/P = √v̂ + ε ≥ ε, so θ²·(log D − log ε) ≥ 0 and every sum is an L1 norm (torch has no
    foreach sum): Σ θ² log P = −(Σ θ²(log D − log ε) + log ε · Σ θ²)."""
    eps = group.get("eps", 0.0)
    key = "max_exp_avg_sq" if group.get("amsgrad") else "exp_avg_sq"
    if "betas" not in group or not eps > 0 or not all(key in s and "step" in s for s in states):
        return None
    beta2 = group["betas"][1]
    thetas = [_real_float(p) for p in params]
    vs = [_real_float(s[key]) for s in states]
    if len({(t.dtype, t.device) for t in thetas + vs}) != 1:
        return None
    denominators = torch._foreach_sqrt(vs)
    torch._foreach_div_(denominators, _corrections([s["step"] for s in states], beta2))
    torch._foreach_add_(denominators, eps)
    squares = torch._foreach_mul(thetas, thetas)
    weighted = torch._foreach_div(squares, denominators)
    torch._foreach_log_(denominators)
    torch._foreach_sub_(denominators, math.log(eps))
    torch._foreach_mul_(denominators, squares)
    total = torch.stack(torch._foreach_norm(squares, 1)).sum()
    shifted = torch.stack(torch._foreach_norm(denominators, 1)).sum()
    return torch.stack(torch._foreach_norm(weighted, 1)).sum(), -(shifted + math.log(eps) * total), total


def _corrections(steps: List[Any], beta2: float) -> List[Any]:
    """√(1 − β2^t) per tensor: plain numbers for CPU step counts (torch's default; reading them
    does not synchronise), else tensors computed where the counts live (fused, capturable)."""
    if all(not torch.is_tensor(t) or t.device.type == "cpu" for t in steps):
        return [(1 - beta2 ** float(t)) ** 0.5 for t in steps]
    return _device_corrections(steps, beta2)


def _device_corrections(steps: List[torch.Tensor], beta2: float) -> List[torch.Tensor]:
    corrections = torch._foreach_pow(beta2, steps)
    torch._foreach_neg_(corrections)
    torch._foreach_add_(corrections, 1)
    torch._foreach_sqrt_(corrections)
    return corrections


def _gain(optimizer: Optimizer, group: Dict[str, Any], param: torch.Tensor) -> Optional[torch.Tensor]:
    """P, per element of ``param``: how much of an added gradient term this step applied."""
    # complex tensors are updated as pairs of reals; the step count stays a tensor (no sync)
    state = {k: torch.view_as_real(v) if torch.is_tensor(v) and v.is_complex() else v
             for k, v in (optimizer.state.get(param) or {}).items()}
    step = state.get("step")
    eps = group.get("eps", 0.0)
    if step is None:
        return None
    if "exp_avg_sq" in state and "betas" in group:
        v = state["max_exp_avg_sq"] if group.get("amsgrad") and "max_exp_avg_sq" in state else state["exp_avg_sq"]
        return ((v / (1 - group["betas"][1] ** step)).sqrt_().add_(eps)).reciprocal_()
    if "exp_inf" in state:
        return state["exp_inf"].reciprocal()
    if "acc_delta" in state and "square_avg" in state:
        return (state["acc_delta"] + eps).sqrt_().div_((state["square_avg"] + eps).sqrt_())
    if "square_avg" in state:
        average = state["square_avg"]
        if group.get("centered") and "grad_avg" in state:
            average = average - state["grad_avg"].square()
        return average.sqrt().add_(eps).reciprocal_().div_(1 - group.get("momentum", 0.0))
    if "sum" in state:
        decayed = 1 / (1 + (step - 1) * group.get("lr_decay", 0.0))
        return state["sum"].sqrt().add_(eps).reciprocal_().mul_(decayed)
    return None


class Calibration:
    """Measures λ′ per param group over ``steps`` steps of ``optimizer``; see the module docstring.

    Read ``groups()`` (or ``as_json()``) at any time; ``done`` once the window is over."""

    def __init__(self, optimizer: Optimizer, steps: int = DEFAULT_STEPS, warmup: Optional[int] = None,
                 site: Optional[Site] = None, every: int = DEFAULT_EVERY) -> None:
        if steps < 1:
            raise ValueError(f"steps must be at least 1, not {steps}")
        if every < 1:
            raise ValueError(f"every must be at least 1, not {every}")
        self.optimizer, self.steps, self.site, self.every = optimizer, steps, site, every
        self.warmup = steps // 5 if warmup is None else warmup
        if not 0 <= self.warmup < steps:
            raise ValueError(f"warmup must be in [0, steps), not {warmup}")
        self.seen = 0
        self.sampled = 0  # steps measured: every ``every``-th of the window, from its first
        self.captured = False  # a step ran while a CUDA graph was being captured
        self._sums: Dict[int, List[torch.Tensor]] = {}  # group → [Σ Pθ², Σ θ² log P, Σ θ²], on device
        self._missing: Dict[int, str] = {}
        self._cuda = any(p.is_cuda for group in optimizer.param_groups for p in group["params"])
        self._handle = optimizer.register_step_post_hook(self._after_step)

    @property
    def done(self) -> bool:
        return self._handle is None

    @property
    def measured(self) -> int:
        return max(0, self.seen - self.warmup)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    @torch.compiler.disable  # a compiled step runs the hook eagerly (see runtime.install)
    @torch.no_grad()
    def _after_step(self, optimizer: Optimizer, args, kwargs) -> None:
        if self._cuda and torch.cuda.is_current_stream_capturing():
            # this step is being recorded into a CUDA graph: its replays never call step() in
            # Python, and measuring here would bake the measurement into every replay
            self.captured = True
            return
        self.seen += 1
        if self.seen > self.warmup and (self.seen - self.warmup - 1) % self.every == 0:
            self.sampled += 1
            for index, group in enumerate(optimizer.param_groups):
                if group.get("weight_decay"):
                    self._measure(index, group)
        if self.seen >= self.steps:
            self.stop()

    def _measure(self, index: int, group: Dict[str, Any]) -> None:
        params, states = [], []
        for param in group["params"]:
            state = self.optimizer.state.get(param)
            if state:  # no state yet (no gradient): nothing to read, and not a failure
                params.append(param)
                states.append(state)
        if not params:
            return
        sums = _adam_sums(group, params, states)
        if sums is None:
            sums = self._per_tensor(index, group, params)
        if sums is None:
            return
        total = self._sums.setdefault(index, [torch.zeros((), device=params[0].device) for _ in range(3)])
        torch._foreach_add_(total, list(sums))

    def _per_tensor(self, index: int, group: Dict[str, Any], params: List[torch.Tensor]):
        weighted, logs, norms = [], [], []
        for param in params:
            gain = _gain(self.optimizer, group, param)
            if gain is None:
                self._missing[index] = f"unknown state layout {sorted(self.optimizer.state[param])}"
                return None
            square = _real_float(param).square()
            gain = gain.float()
            weighted.append((gain * square).sum())
            logs.append((gain.clamp_min(torch.finfo(gain.dtype).tiny).log_() * square).sum())
            norms.append(square.sum())
        return torch.stack(weighted).sum(), torch.stack(logs).sum(), torch.stack(norms).sum()

    def groups(self) -> List[GroupCalibration]:
        result = []
        for index, group in enumerate(self.optimizer.param_groups):
            weight_decay = float(group.get("weight_decay") or 0.0)
            sums = self._sums.get(index)
            if not weight_decay:
                result.append(GroupCalibration(index, 0.0, 0.0, (0.0, 0.0)))
            elif index in self._missing:
                result.append(GroupCalibration(index, weight_decay, None, None, self._missing[index]))
            elif sums is None or not sums[2].item() > 0:
                result.append(GroupCalibration(index, weight_decay, None, None, self._unmeasured()))
            else:
                total = sums[2].item()
                high = weight_decay * sums[0].item() / total
                low = weight_decay * math.exp(sums[1].item() / total)
                if not (math.isfinite(high) and math.isfinite(low)):
                    result.append(GroupCalibration(index, weight_decay, None, None, "non-finite measurement"))
                else:
                    result.append(GroupCalibration(index, weight_decay, _round(high), (_round(low), _round(high))))
        return result

    def _unmeasured(self) -> str:
        if self.captured:
            return (f"the steps were replayed from a CUDA graph, which runs no Python ({self.seen} stepped before "
                    "capture): calibrate before capture, with the window's steps run eagerly")
        return "no step measured after the warm-up"

    def as_json(self) -> Dict[str, Any]:
        return {"site": str(self.site) if self.site else None, "optimizer": display_name(type(self.optimizer)),
                "groups": [g.as_json() for g in self.groups()]}


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def table(calibrations: List[Calibration]) -> str:
    """The calibrations as a terminal table, with what the numbers mean."""
    if not calibrations:
        return "adamw-lint calibration: no optimizer with coupled weight decay was stepped; nothing to calibrate\n"
    lines = ["adamw-lint calibration: decoupled weight decay (AdamW units) that removes as much |θ|² per step as "
             "the coupled L2 did\n",
             f"{'site':<28} {'optimizer':<24} {'group':>5} {'weight_decay':>12} {'suggested':>10}  "
             f"{'search range':<22} measured\n"]
    for calibration in calibrations:
        for group in calibration.groups():
            search = f"[{group.search[0]:.3g}, {group.search[1]:.3g}]" if group.search else "-"
            suggested = f"{group.suggested:.3g}" if group.suggested is not None else "-"
            lines.append(f"{str(calibration.site or '?'):<28} {display_name(type(calibration.optimizer)):<24} "
                         f"{group.index:>5} {group.weight_decay:>12.3g} {suggested:>10}  {search:<22} "
                         f"{calibration.measured}/{calibration.steps - calibration.warmup} steps"
                         f"{f', {calibration.sampled} sampled' if calibration.every > 1 else ''}"
                         f"{'  ' + group.note if group.note else ''}\n")
    lines.append("Coupled L2 decays weights with small gradients far more than the others, so no single decoupled "
                 "value reproduces it: 'suggested' matches the overall shrinkage and is the top of the range; the "
                 "bottom is the rate of a typical weight. Keeping the old weight_decay in AdamW is much weaker "
                 "regularization than either. Tune within the range.\n")
    return "".join(lines)


class Session:
    """The launcher's ``--calibrate``: one calibration per coupled optimizer, written at exit."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.calibrations: List[Calibration] = []

    def start(self, optimizer: Optimizer, found: CoupledOptimizer) -> None:
        if any(r.verdict == COUPLED for r in found.groups):
            self.calibrations.append(Calibration(optimizer, self.steps, site=found.site))

    def finish(self, path: str, stream: TextIO) -> None:
        """Write the table to ``stream`` and the JSON to ``path``; if ``path`` cannot be written by
        now, to a new file in the temporary directory, else onto ``stream``. Never raises for
        that: this runs after the user's whole training, whose exit status must stay its own."""
        for calibration in self.calibrations:
            calibration.stop()
        text = json.dumps([c.as_json() for c in self.calibrations], indent=2) + "\n"
        stream.write(table(self.calibrations))
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            reason = f"cannot write {path}: {error.strerror or error}"
            try:
                handle, fallback = tempfile.mkstemp(prefix="adamw-calibration-", suffix=".json")
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
            except OSError:
                stream.write(f"{reason}; the calibration file would have been:\n{text}")
                return
            stream.write(f"{reason}; calibration written to {fallback} instead\n")
            return
        stream.write(f"calibration written to {path}\n")


def unwritable(path: str) -> Optional[str]:
    """Why a file could not be written at ``path`` now (None if it can, as far as we can tell)."""
    folder = os.path.dirname(path) or os.curdir
    if os.path.isdir(path):
        return "is a directory"
    if not os.path.isdir(folder):
        return f"directory {folder} does not exist"
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return "is not writable" if os.path.exists(path) else f"directory {folder} is not writable"
    return None

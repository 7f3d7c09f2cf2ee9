"""A reference AdamW (Loshchilov & Hutter, ICLR 2019, Algorithm 2) that reads like the paper.

Per parameter θ with gradient g, step t, learning rate η_t and weight decay λ::

    θ ← θ · (1 − s_t · λ)                 decoupled decay, outside m and v
    m ← β1·m + (1 − β1)·g                 first moment
    v ← β2·v + (1 − β2)·g²                second moment
    v_max ← max(v_max, v)                 (amsgrad only)
    θ ← θ − η_t · m̂ / (√v̂ + ε)            m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)

``decay="lr"`` (default) uses s_t = η_t, exactly as ``torch.optim.AdamW`` does, so the same
``weight_decay`` means the same thing in both and their ``state_dict()``s are interchangeable.
``decay="schedule"`` uses the paper's schedule multiplier s_t = η_t / η_0: the decay follows the
*shape* of the learning-rate schedule but not its size (PyTorch issue #38853; MosaicML's
DecoupledAdamW does the same). Use it when you tune λ independently of the learning rate; the
two are related by λ_schedule = η_0 · λ_lr.

Three paths compute the same update: per tensor, ``foreach`` (one kernel per operation over all
tensors) and ``fused`` (torch's own fused AdamW kernel, one launch per device and dtype). The
fused path *is* torch's fused update: ``decay="lr"`` passes λ, ``decay="schedule"`` passes λ/η_0
(η_t·λ/η_0 = s_t·λ), so it equals ``torch.optim.AdamW(fused=True)`` with that weight decay bit for
bit, and its ``state_dict()`` is the same (``step`` on the parameters' device, as torch keeps it
for fused). The fused kernel rounds differently from the other two paths (it computes in one
pass), so compare fused with fused.

Importing this module imports torch; the linter itself never does.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import torch
from torch.optim.optimizer import _default_to_fused_or_foreach

_DECAY_MODES = ("lr", "schedule")


class AdamW(torch.optim.Optimizer):
    """AdamW with a fused path, a ``foreach`` path and a per-tensor path, on any device.

    Without ``fused`` or ``foreach``: fused where torch has a fused kernel for every parameter of
    the group, except on CPU, which keeps torch's own CPU default (per tensor, bit for bit
    ``torch.optim.AdamW()``); foreach on other devices. ``step()`` never synchronises with the
    device: outside the fused path step counts are CPU scalars (as in torch's non-capturable
    AdamW); every other quantity stays on the parameters' device.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: Optional[bool] = None,
        fused: Optional[bool] = None,
        decay: str = "lr",
    ) -> None:
        # written as torch writes them, so NaN (which fails every comparison) is rejected too
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"Invalid beta parameters: {betas}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if decay not in _DECAY_MODES:
            raise ValueError(f"decay must be one of {_DECAY_MODES}, not {decay!r}")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")  # torch's words
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, fused=fused, decay=decay,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        group.setdefault("initial_lr", group["lr"])  # η_0 for decay="schedule"; schedulers agree

    def __setstate__(self, state: Dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:  # a torch.optim.AdamW state_dict lacks our keys
            group.setdefault("decay", "lr")
            group.setdefault("foreach", None)
            group.setdefault("fused", None)
            group.setdefault("maximize", False)
            group.setdefault("initial_lr", group["lr"])
        for param_state in self.state.values():
            if "step" in param_state and not torch.is_tensor(param_state["step"]):
                param_state["step"] = torch.tensor(float(param_state["step"]), dtype=torch.float32)

    @torch.no_grad()
    def step(self, closure=None):  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            path = _path(group, [p for p in group["params"] if p.grad is not None])
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = self._init_group(group, path)
            if params:
                path(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, group)
        return loss

    def _init_group(self, group: Dict[str, Any], path: Callable):
        fused = path is _fused_adamw
        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("AdamW does not support sparse gradients")
            if fused and not torch.is_floating_point(p):
                raise RuntimeError(f"fused=True requires floating-point parameters, not {p.dtype}")
            state = self.state[p]
            if not state:
                # torch keeps a fused optimizer's step count on the parameter's device (the kernel
                # reads it there) and any other on the CPU; state_dicts stay interchangeable
                state["step"] = torch.zeros((), dtype=torch.float32, device=p.device if fused else "cpu")
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            elif fused and state["step"].device != p.device:  # loaded from a non-fused state_dict
                state["step"] = state["step"].to(device=p.device, dtype=torch.float32)
            # complex numbers are updated as pairs of reals (as torch does): |g|² would
            # otherwise mix the real and imaginary parts into one second moment; the fused
            # kernel negates the gradient itself for maximize
            params.append(_real(p))
            grads.append(_real(-p.grad if group["maximize"] and not fused else p.grad))
            exp_avgs.append(_real(state["exp_avg"]))
            exp_avg_sqs.append(_real(state["exp_avg_sq"]))
            if group["amsgrad"]:
                max_exp_avg_sqs.append(_real(state["max_exp_avg_sq"]))
            steps.append(state["step"])
        return params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps


def _path(group: Dict[str, Any], params: List[torch.Tensor]) -> Callable:
    """The update function the group's ``fused``/``foreach`` settings (or the defaults) choose."""
    fused, foreach = group["fused"], group["foreach"]
    if fused is None and foreach is None and params:
        # torch's own rule for where its fused kernel applies; CPU keeps torch's CPU default
        fused, foreach = _default_to_fused_or_foreach(params, differentiable=False, use_fused=True)
        if fused and any(p.device.type == "cpu" for p in params):
            fused, foreach = False, False
    if fused:
        return _fused_adamw
    return _foreach_adamw if foreach else _single_tensor_adamw


def _real(tensor: torch.Tensor) -> torch.Tensor:
    return torch.view_as_real(tensor) if torch.is_complex(tensor) else tensor


def _decay_scale(group: Dict[str, Any]) -> float:
    """s_t: η_t for decay="lr", η_t / η_0 for decay="schedule"."""
    if group.get("decay", "lr") == "lr":
        return group["lr"]
    initial = group.get("initial_lr", group["lr"])
    return group["lr"] / initial if initial else 0.0


def _single_tensor_adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, group) -> None:
    beta1, beta2 = group["betas"]
    lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
    shrink = 1 - _decay_scale(group) * weight_decay
    for i, (param, grad, m, v, step) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs, steps)):
        step += 1
        t = step.item()  # a CPU scalar: no device synchronisation
        if weight_decay != 0:
            param.mul_(shrink)
        m.lerp_(grad, 1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        if group["amsgrad"]:
            torch.maximum(max_exp_avg_sqs[i], v, out=max_exp_avg_sqs[i])
            v = max_exp_avg_sqs[i]
        bias_correction1 = 1 - beta1**t
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5  # as torch computes it, to the last bit
        denom = (v.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(m, denom, value=-lr / bias_correction1)


def _foreach_adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, group) -> None:
    beta1, beta2 = group["betas"]
    lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
    shrink = 1 - _decay_scale(group) * weight_decay
    buckets: Dict[Tuple[torch.device, torch.dtype], List[int]] = {}
    for i, p in enumerate(params):  # foreach kernels need one device and dtype per call
        buckets.setdefault((p.device, p.dtype), []).append(i)
    for indices in buckets.values():
        ps = [params[i] for i in indices]
        gs = [grads[i] for i in indices]
        ms = [exp_avgs[i] for i in indices]
        vs = [exp_avg_sqs[i] for i in indices]
        ts = [steps[i] for i in indices]
        torch._foreach_add_(ts, 1)
        if weight_decay != 0:
            torch._foreach_mul_(ps, shrink)
        torch._foreach_lerp_(ms, gs, 1 - beta1)
        torch._foreach_mul_(vs, beta2)
        torch._foreach_addcmul_(vs, gs, gs, 1 - beta2)
        if group["amsgrad"]:
            maxes = [max_exp_avg_sqs[i] for i in indices]
            torch._foreach_maximum_(maxes, vs)
            vs = maxes
        counts = [t.item() for t in ts]  # CPU scalars
        step_sizes = [-lr / (1 - beta1**t) for t in counts]
        bias_correction2_sqrt = [(1 - beta2**t) ** 0.5 for t in counts]
        denoms = torch._foreach_sqrt(vs)
        torch._foreach_div_(denoms, bias_correction2_sqrt)
        torch._foreach_add_(denoms, eps)
        torch._foreach_addcdiv_(ps, ms, denoms, step_sizes)


def _fused_adamw(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, group) -> None:
    beta1, beta2 = group["betas"]
    weight_decay = group["weight_decay"]
    if group.get("decay", "lr") == "schedule":  # η_t · λ/η_0 = s_t · λ
        initial = group.get("initial_lr", group["lr"])
        weight_decay = weight_decay / initial if initial else 0.0
    buckets: Dict[Tuple[torch.device, torch.dtype], List[int]] = {}
    for i, p in enumerate(params):  # one kernel launch per device and dtype
        buckets.setdefault((p.device, p.dtype), []).append(i)
    for indices in buckets.values():
        ts = [steps[i] for i in indices]
        torch._foreach_add_(ts, 1)
        torch._fused_adamw_(
            [params[i] for i in indices], [grads[i] for i in indices], [exp_avgs[i] for i in indices],
            [exp_avg_sqs[i] for i in indices], [max_exp_avg_sqs[i] for i in indices] if group["amsgrad"] else [],
            ts, amsgrad=group["amsgrad"], lr=group["lr"], beta1=beta1, beta2=beta2, weight_decay=weight_decay,
            eps=group["eps"], maximize=group["maximize"], grad_scale=None, found_inf=None,
        )

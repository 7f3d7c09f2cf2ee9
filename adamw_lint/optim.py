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

Importing this module imports torch; the linter itself never does.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple

import torch

_DECAY_MODES = ("lr", "schedule")


class AdamW(torch.optim.Optimizer):
    """AdamW with a ``foreach`` fast path and a per-tensor path, on any device.

    ``step()`` never synchronises with the device: step counts are CPU scalars (as in torch's
    non-capturable AdamW) and every other quantity stays on the parameters' device.
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
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, decay=decay,
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
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = self._init_group(group)
            if not params:
                continue
            foreach = group["foreach"]
            if foreach is None:  # torch's default: foreach on accelerators, per tensor on CPU
                foreach = all(p.device.type != "cpu" for p in params)
            update = _foreach_adamw if foreach else _single_tensor_adamw
            update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, group)
        return loss

    def _init_group(self, group: Dict[str, Any]):
        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("AdamW does not support sparse gradients")
            state = self.state[p]
            if not state:
                state["step"] = torch.tensor(0.0, dtype=torch.float32)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            # complex numbers are updated as pairs of reals (as torch does): |g|² would
            # otherwise mix the real and imaginary parts into one second moment
            params.append(_real(p))
            grads.append(_real(-p.grad if group["maximize"] else p.grad))
            exp_avgs.append(_real(state["exp_avg"]))
            exp_avg_sqs.append(_real(state["exp_avg_sq"]))
            if group["amsgrad"]:
                max_exp_avg_sqs.append(_real(state["max_exp_avg_sq"]))
            steps.append(state["step"])
        return params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps


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

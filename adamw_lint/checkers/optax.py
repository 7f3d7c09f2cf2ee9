"""optax chains (AWL301, AWL302): where ``add_decayed_weights`` sits decides what it is (semantics §4).

Before an adaptive transform it is coupled L2 (AWL301); after the learning-rate scaling it makes
the weights grow (AWL302); between the preconditioner and the scaling it is AdamW (fine).
"""

from __future__ import annotations

import ast
from typing import Iterable, List, Optional, Tuple

from .. import catalog
from ..catalog import OptaxChain, Signature
from ..context import ABSENT, HIDDEN
from ..findings import Finding
from ..scope import Scope
from .base import Checker
from .optimizer_fix import plan_chain_fix

# optax.add_decayed_weights(weight_decay=0.0, mask=None)
_DECAYED_WEIGHTS = Signature.parse("weight_decay=0.0, mask=None")
# optax 0.2.8 (optax/_src/transform.py): scale_by_learning_rate(learning_rate=None, *, flip_sign=True), scale(step_size)
_SCALE_BY_LR = Signature.parse("learning_rate=None, *, flip_sign=True")
_SCALE = Signature.parse("step_size")
_MASKED = Signature.parse("inner, mask, *, mask_compatible_extra_args=False")
_MASKS_DEEP = 8  # masked(masked(t, a), b): a bound on what a name may be followed through
_COUPLED = ("AWL301", "adds the decay before the adaptive preconditioner (coupled L2)")
_GROWS = ("AWL302", "adds the decay after the update was scaled by -learning_rate: the weights grow by "
                    "(1 + weight_decay) every step (a sign bug, not weight decay)")


class OptaxChecker(Checker):
    codes = frozenset({"AWL301", "AWL302"})
    routes = dict(catalog.OPTAX_CHAINS_BY_NAME)

    def check(self, call: ast.Call, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        assert isinstance(row, OptaxChain)
        finding = self._check_chain(row, call, scope)
        return (finding,) if finding else ()

    def _check_chain(self, chain: OptaxChain, call: ast.Call, scope: Scope) -> Optional[Finding]:
        ctx = self.ctx
        transforms = self._transforms(chain, call, scope)
        names = [name for _, _, name in transforms]
        for i, (decay_call, decay_scope, name) in enumerate(transforms):
            if name not in chain.decay:
                continue
            bound = ctx.bind(decay_call, decay_scope, _DECAYED_WEIGHTS)  # type: ignore[arg-type]
            wd = bound.get("weight_decay")
            if wd is ABSENT or wd is HIDDEN or ctx.nonzero(wd, decay_scope) is False:
                continue
            if any(n in chain.adaptive for n in names[i + 1:]):
                code, what = _COUPLED
            elif any(n in chain.scaled and self._negates(t, n, s) for t, s, n in transforms[:i]):
                code, what = _GROWS
            else:
                continue
            shown = ctx.text(wd) if decay_scope.module() is scope.module() else ast.unparse(wd)  # type: ignore[arg-type]
            preconditioners = [n for n in names if n in chain.adaptive]
            if preconditioners and all(n in chain.replaces for n in preconditioners):
                advice = f"use {chain.replacement}(..., weight_decay={shown})"
            elif preconditioners:  # RMSprop's scale_by_rms, say: optax.adamw would change the optimizer, not the decay
                advice = (f"put add_decayed_weights({shown}) between the preconditioner and the learning-rate "
                          f"scaling (decoupled decay, as {chain.replacement} applies it)")
            else:  # optax.sgd: before its scaling, the decay is plain weight decay
                advice = f"put add_decayed_weights({shown}) before the learning-rate scaling"
            message = f"{code} optax.chain(..., add_decayed_weights({shown}), ...) {what}; {advice}"
            written = len(transforms) == len(call.args) and all(t is a for (t, _, _), a in zip(transforms, call.args))
            injected = any(isinstance(t, ast.Call) and isinstance(t.func, ast.Call) for t, _, _ in transforms)
            if not written:
                fix, blocked = None, "the chain's transforms are not all written out in the call; change it by hand"
            elif injected:  # optax.adamw would drop the hyperparameters its state holds, which code reads
                fix, blocked = None, "a transform is built through inject_hyperparams; change it by hand"
            else:
                fix, blocked = plan_chain_fix(ctx, chain, call, scope, names, i, bound, code) if ctx.fixes else (None, "")
            return Finding(code, message, ctx.span(call)).with_fix(fix, blocked)
        return None

    def _transforms(self, chain: OptaxChain, call: ast.Call, scope: Scope) -> List[Tuple[ast.expr, Scope, Optional[str]]]:
        """The transforms ``call`` chains, in order, each with its scope and the name of what builds
        it: a list spread into the call (written there or bound to a name) is read item by item, a
        name is followed to the transform it holds, ``optax.masked(t, mask)`` is ``t`` (it runs
        ``t`` where the mask says, in the same place), ``inject_hyperparams(f)(…)`` is ``f(…)``. A
        spread that is not known stands in its place, named None: whatever it holds, the known
        transforms keep their order around it."""
        ctx = self.ctx
        parts: List[Tuple[ast.expr, Scope]] = []
        for arg in call.args:
            spread, spread_scope = ctx.follow(arg.value, scope) if isinstance(arg, ast.Starred) else (arg, scope)
            if not isinstance(arg, ast.Starred) or not isinstance(spread, (ast.List, ast.Tuple)):
                parts.append((arg, scope))  # (an unknown spread: a Starred, named None below)
                continue
            parts += [(item, spread_scope) for item in spread.elts]
        found: List[Tuple[ast.expr, Scope, Optional[str]]] = []
        for part, part_scope in parts:
            node, node_scope = ctx.follow(part, part_scope)
            for _ in range(_MASKS_DEEP):
                if not isinstance(node, ast.Call) or ctx.qualname(node.func, node_scope) not in chain.masks:
                    break
                inner = ctx.bind(node, node_scope, _MASKED).get("inner")
                if not isinstance(inner, ast.expr):
                    break
                node, node_scope = ctx.follow(inner, node_scope)
            name = None
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Call) and func.args and ctx.qualname(func.func, node_scope) in chain.injectors:
                    name = ctx.qualname(func.args[0], node_scope)
                else:
                    name = ctx.qualname(func, node_scope)
            found.append((node, node_scope, name))
        return found

    def _negates(self, transform: ast.expr, name: str, scope: Scope) -> bool:
        """Whether a learning-rate scaling flips the update's sign (decay added after it then
        grows the weights): ``scale_by_learning_rate`` unless ``flip_sign=False``, ``scale(s)``
        only for an ``s`` written negative; the optimizer aliases always do. A chain that keeps
        the sign (``flip_sign=False``, ``scale(lr)``) and subtracts the update itself applies
        decoupled decay on purpose."""
        assert isinstance(transform, ast.Call)
        short = name.rsplit(".", 1)[1]
        if short == "scale_by_learning_rate":
            flip = self.ctx.bind(transform, scope, _SCALE_BY_LR).get("flip_sign")
            return self.ctx.flag(flip, True, scope) is not False
        if short == "scale":
            step = self.ctx.bind(transform, scope, _SCALE).get("step_size")
            if not isinstance(step, ast.expr):
                return False
            value = self.ctx.number(step, scope)
            return value < 0 if value is not None else isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub)
        return True

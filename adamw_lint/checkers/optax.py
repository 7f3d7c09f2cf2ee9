"""optax chains (AWL301, AWL302): where ``add_decayed_weights`` sits decides what it is (semantics §4).

Before an adaptive transform it is coupled L2 (AWL301); after the learning-rate scaling it makes
the weights grow (AWL302); between the preconditioner and the scaling it is AdamW (fine).
"""

from __future__ import annotations

import ast
from typing import Iterable, Optional

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
        if any(isinstance(a, ast.Starred) for a in call.args):
            return None
        names = [ctx.qualname(a.func, scope) if isinstance(a, ast.Call) else None for a in call.args]
        for i, name in enumerate(names):
            if name not in chain.decay:
                continue
            decay_call = call.args[i]
            assert isinstance(decay_call, ast.Call)
            bound = ctx.bind(decay_call, scope, _DECAYED_WEIGHTS)
            wd = bound.get("weight_decay")
            if wd is ABSENT or wd is HIDDEN or ctx.nonzero(wd, scope) is False:
                continue
            if any(n in chain.adaptive for n in names[i + 1:]):
                code, what = _COUPLED
            elif any(n in chain.scaled and self._negates(call.args[j], n, scope) for j, n in enumerate(names[:i])):
                code, what = _GROWS
            else:
                continue
            shown = ctx.text(wd)  # type: ignore[arg-type]
            message = (f"{code} optax.chain(..., add_decayed_weights({shown}), ...) {what}; use "
                       f"{chain.replacement}(..., weight_decay={shown})")
            fix, blocked = plan_chain_fix(ctx, chain, call, scope, names, i, bound, code) if ctx.fixes else (None, "")
            return Finding(code, message, ctx.span(call)).with_fix(fix, blocked)
        return None

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

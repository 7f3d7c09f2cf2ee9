"""PyTorch loss-side L2 (AWL105, heuristic, off by default): λ·Σθ² over ``model.parameters()``
in a module that builds an adaptive torch optimizer is coupled L2 (semantics trap 9)."""

from __future__ import annotations

import ast
from typing import Callable, Iterable, List, Optional

from .. import catalog
from ..findings import Finding, place
from ..scope import Scope
from .base import Checker

_PATTERN = catalog.SQUARED_NORMS
_ADAPTIVE = {name: row for row in catalog.OPTIMIZERS if row.decay in (catalog.COUPLED, catalog.DECOUPLED)
             for name in row.names}


class LossL2Checker(Checker):
    codes = frozenset(_PATTERN.codes)
    routes = {**_ADAPTIVE, "builtins.sum": _PATTERN}

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.optimizer: Optional[tuple] = None  # (line, name) of the first adaptive optimizer
        self.penalties: List[ast.Call] = []

    def check(self, call: ast.Call, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        if row is _PATTERN:
            if self._is_squared_norm_sum(call):
                self.penalties.append(call)
        elif self.optimizer is None:
            self.optimizer = (call.lineno, name)
        return ()

    def finish(self) -> Iterable[Finding]:
        if self.optimizer is None:
            return ()
        line, name = self.optimizer
        template = (f"AWL105 an L2 penalty over the parameters added to the loss is coupled L2 with {name} "
                    f"({place(0)}); drop it and use torch.optim.AdamW(weight_decay=2λ) for λ·Σθ², then re-tune")
        return [Finding.naming("AWL105", template, self.ctx.span(call), (line,)) for call in self.penalties]

    def _is_squared_norm_sum(self, call: ast.Call) -> bool:
        if len(call.args) != 1 or not isinstance(call.args[0], (ast.GeneratorExp, ast.ListComp)):
            return False
        comprehension = call.args[0]
        generator = comprehension.generators[0]
        iterator = generator.iter
        if not (isinstance(iterator, ast.Call) and isinstance(iterator.func, ast.Attribute)
                and iterator.func.attr in _PATTERN.iterators):
            return False
        target = generator.target
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[-1]
        scope = self.ctx.resolver.scope_of(comprehension)
        return isinstance(target, ast.Name) and scope is not None and self._squared_norm(comprehension.elt, target.id, scope)

    def _squared_norm(self, expr: ast.expr, name: str, scope: Scope) -> bool:
        """Σθ² of the loop variable: θ.pow(2).sum(), (θ**2).sum(), torch.sum(torch.square(θ)), torch.norm(θ)**2,
        θ.norm(2).pow(2), …"""
        qualname = self.ctx.qualname

        def is_var(e: ast.expr) -> bool:
            return isinstance(e, ast.Name) and e.id == name

        def squared(e: ast.expr, inner: Callable[[ast.expr], bool]) -> bool:
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Pow) and _is_two(e.right):
                return inner(e.left)
            if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mult):
                return inner(e.left) and ast.dump(e.left) == ast.dump(e.right)
            if isinstance(e, ast.Call) and not e.keywords and e.args and not isinstance(e.args[0], ast.Starred):
                function = qualname(e.func, scope)
                if function in _PATTERN.squares and len(e.args) == 1 \
                        or function in _PATTERN.powers and len(e.args) == 2 and _is_two(e.args[1]):
                    return inner(e.args[0])  # torch.square(θ), torch.pow(θ, 2)
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute):
                if e.func.attr == "pow" and len(e.args) == 1 and _is_two(e.args[0]):
                    return inner(e.func.value)
                if e.func.attr == "square" and not e.args:
                    return inner(e.func.value)
            return False

        def norm(e: ast.expr) -> bool:
            if not isinstance(e, ast.Call):
                return False
            if isinstance(e.func, ast.Attribute) and e.func.attr == "norm" and is_var(e.func.value):
                return True
            return qualname(e.func, scope) in _PATTERN.norms and bool(e.args) and is_var(e.args[0])

        if squared(expr, norm):
            return True
        if not isinstance(expr, ast.Call):
            return False
        if qualname(expr.func, scope) in _PATTERN.sums and expr.args:
            return squared(expr.args[0], is_var)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "sum":
            return squared(expr.func.value, is_var)
        return False


def _is_two(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value == 2 and not isinstance(expr.value, bool)

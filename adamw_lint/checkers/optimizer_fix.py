"""Fix plans for optimizer calls: rename to the decoupled class, or turn the decoupled switch on.

Planned only when a fix is wanted; the edits name exact spans, and ``adamw_lint.fix`` carries
them out with libcst.
"""

from __future__ import annotations

import ast
from typing import List, Optional, Sequence, Tuple

from .. import catalog
from ..catalog import OptimizerApi, OptimizerWrapper
from ..context import ABSENT, HIDDEN, Bound, Context, ParamGroup
from ..findings import Edit, Fix
from ..scope import Scope, is_unknown
from ..spelling import Blocked, spell


def plan_fix(ctx: Context, api: OptimizerApi, name: str, call: ast.Call, cls: ast.expr, bound: Bound,
             scope: Scope, groups: Sequence[ParamGroup],
             wrapper: Optional[OptimizerWrapper]) -> Tuple[Optional[Fix], str]:
    """The fix, or None and why there is none."""
    planner = _Planner(ctx, api, name, call, cls, bound, scope, groups, wrapper)
    try:
        if api.fix == "rename" and not (ctx.style == "flag" and api.switch):
            return planner.rename(), ""
        return planner.switch(), ""
    except Blocked as blocked:
        return None, str(blocked)


class _Planner:
    def __init__(self, ctx, api, name, call, cls, bound, scope, groups, wrapper) -> None:
        self.ctx = ctx
        self.api: OptimizerApi = api
        self.name: str = name
        self.call: ast.Call = call
        self.cls: ast.expr = cls
        self.bound: Bound = bound
        self.scope: Scope = scope
        self.groups: Sequence[ParamGroup] = groups
        self.wrapper: Optional[OptimizerWrapper] = wrapper

    def _arg_expr(self, param: str) -> Optional[ast.expr]:
        value = self.bound.get(param)
        if value is HIDDEN:
            raise Blocked(f"{param} may be passed through *args/**kwargs")
        return value if isinstance(value, ast.expr) else None

    def _home(self, param: str) -> str:
        if param in self.bound.positional_index:
            return "positional"
        return self.bound.args.keyword_home.get(param, "call")

    def _set_true(self, param: str) -> List[Edit]:
        expr = self._arg_expr(param)
        if expr is not None:
            return [Edit("replace", self.ctx.span(expr), "True")]
        return [self._add_keyword(param, "True")]

    def _add_keyword(self, param: str, text: str) -> Edit:
        if self.wrapper is not None and self.wrapper.kwargs is not None:
            raise Blocked("arguments are passed in a dict")
        return Edit("add-keyword", self.ctx.span(self.call), text, param)

    def _group_edits(self) -> List[Edit]:
        edits = []
        key = self.api.group_switch
        for group, entries, _ in self.groups:
            if key and key in entries and self.ctx.flag(entries[key], True, self.scope) is False:
                if not isinstance(group, ast.Dict):
                    raise Blocked(f"a param group built with dict() sets {key}")
                edits.append(Edit("drop-key", self.ctx.span(group), name=key))
        return edits

    def switch(self) -> Fix:
        edits: List[Edit] = []
        if self.api.switch:
            edits += self._set_true(self.api.switch)
        edits += self._group_edits()
        what = f"Set {self.api.switch}=True" if self.api.switch else f"Remove '{self.api.group_switch}': False"
        return Fix(what, tuple(edits))

    def rename(self) -> Fix:
        target = self.api.rename[self.name]
        target_api = catalog.OPTIMIZERS_BY_NAME[target]
        source_sig, target_sig = self.api.signature, target_api.signature
        edits: List[Edit] = []
        for param in (*source_sig.positional, *source_sig.keyword_only):
            value = self.bound.get(param)
            if param in target_sig:
                default = source_sig.defaults.get(param)
                differs = source_sig.default(param) != target_sig.default(param)
                if value is HIDDEN and differs:
                    raise Blocked(f"{param} may be passed through *args/**kwargs")
                if value is ABSENT and default is not None and differs:
                    edits.append(self._add_keyword(param, default))  # keep the old default explicit
                continue
            if value is ABSENT:
                continue
            if value is HIDDEN:
                raise Blocked(f"{param} may be passed through *args/**kwargs")
            assert isinstance(value, ast.expr)
            literal = self.ctx.literal(value, self.scope)
            if param not in self.api.droppable and (is_unknown(literal) or literal != source_sig.default(param)):
                raise Blocked(f"{param}={self.ctx.text(value)} has no equivalent in {target}")
            if self._home(param) != "call":
                raise Blocked(f"{param} is not passed as a keyword of the call")
            edits.append(Edit("drop-keyword", self.ctx.span(self.call), name=param))
        edits += self._group_edits()
        spelling, add, remove = spell(self.ctx, self.cls, self.scope, target)
        edits.insert(0, Edit("replace", self.ctx.span(self.cls), spelling))
        return Fix(f"Replace {self.name} with {target}", tuple(edits), add, remove)

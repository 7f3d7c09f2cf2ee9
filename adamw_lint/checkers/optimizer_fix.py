"""Fix plans for optimizer calls: rename to the decoupled class, or turn the decoupled switch on
(and the optax chain rewrite, ``plan_chain_fix``).

Planned only when a fix is wanted; the edits name exact spans, and ``adamw_lint.fix`` carries
them out with libcst. A switch is written only where it works:

* not on a torch older than the row's ``since`` (``target_torch``, read from the project by the
  caller): ``--style flag`` falls back to the rename where there is one, else there is no fix and
  ``fix_blocked`` names the version needed;
* not through a wrapper that swaps in its own implementation without the switch (ZeRO with
  ``overlap_with_ddp``, trap 17): the rename, or no fix.

A fix inside a library's public API is display-only (``public_api``): a class, factory or
function that other code can import (public names, in a package) and whose name, registration
(``@register("adam")``) or return annotation promises the optimizer keeps it; rewriting it would
take Adam away from every importer. So is a rename of the base class of an importable class,
which lies outside the finding's lines (``super().__init__`` is where the decay is passed). The
finding stays, with advice; the fix belongs where the decay is passed in, at the callers.
"""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Sequence, Tuple, Union

from .. import catalog
from ..catalog import OptaxChain, OptimizerApi, OptimizerWrapper
from ..catalog.schema import DISPLAY_ONLY
from ..context import ABSENT, HIDDEN, Bound, Context, ParamGroup
from ..defaults import default_note
from ..findings import Edit, Fix
from ..project import in_package
from ..scope import Scope, is_unknown
from ..spelling import Blocked, spell, unused_imports

Version = Tuple[int, int]


def plan_fix(ctx: Context, api: OptimizerApi, name: str, call: ast.Call, cls: ast.expr, bound: Bound,
             scope: Scope, groups: Sequence[ParamGroup],
             wrapper: Optional[OptimizerWrapper]) -> Tuple[Optional[Fix], str]:
    """The fix, or None and why there is none."""
    planner = _Planner(ctx, api, name, call, cls, bound, scope, groups, wrapper)
    try:
        if "held" in bound.args.keyword_home.values():
            raise Blocked("its options come from a dict kept elsewhere or filled before the call (a table entry, an "
                          "attribute, kw[\"weight_decay\"] = wd): change the call by hand, with that dict in view")
        unusable = switch_unusable(ctx, api, name, call, scope, wrapper) if api.switch else ""
        if api.fix == "rename" and (ctx.style != "flag" or not api.switch or unusable):
            fix = planner.kept(planner.rename())
        elif unusable:
            raise Blocked(unusable)
        else:
            fix = planner.kept(planner.switch())
    except Blocked as blocked:
        return None, str(blocked)
    return kept_public(ctx, fix, name, api.rename.get(name, ""), call, cls, scope)


def kept_public(ctx: Context, fix: Fix, name: str, replacement: str, call: ast.Call, cls: ast.expr,
                scope: Scope) -> Tuple[Fix, str]:
    """``fix``, and "" (nothing blocks it); or, where it would change a public API
    (``public_api``), a display-only fix whose description is the advice, and the advice."""
    advice = public_api(ctx, name, replacement, call, cls, scope)
    if advice:  # shown, never applied: the advice is the fix; no edit to offer a tool
        return Fix(advice, (), applicability=DISPLAY_ONLY), advice
    return fix, ""


def public_api(ctx: Context, name: str, replacement: str, call: ast.Call, cls: ast.expr, scope: Scope) -> str:
    """Why rewriting the optimizer ``name`` at ``call`` (its class written at ``cls``) would change
    an API other code imports, with what to do instead (``replacement``: the decoupled optimizer's
    name, "" for a switch); "" when it would not (see the module docstring)."""
    if not ctx.path or not in_package(ctx.path):
        return ""
    short = name.rsplit(".", 1)[-1]
    decoupled = replacement.rsplit(".", 1)[-1] or f"decoupled {short}"
    chain = _api_chain(_enclosing(scope))
    for depth, node in enumerate(chain):
        why = _promise(node, short)
        if why:
            where = ".".join(n.name for n in chain[:depth + 1])
            return (f"{where} is public and {why} {short}: rewriting it would change what every importer gets; "
                    f"offer {decoupled} beside it (a variant, or a switch) to the callers that want decoupled "
                    "weight decay")
    base_of = next((n for n in chain if isinstance(n, ast.ClassDef) and any(b is cls for b in n.bases)), None)
    inside = call.lineno <= cls.lineno and cls.end_lineno <= call.end_lineno  # type: ignore[operator]
    if base_of is not None and not inside:
        return (f"the fix would change the bases of the public class {base_of.name} (line {base_of.lineno}), "
                f"outside this call: change them by hand, or offer {decoupled} beside it (a variant, or a switch)")
    return ""


_Def = Union[ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef]


def _enclosing(scope: Scope) -> List[_Def]:
    """The defs and classes around ``scope``, outermost first."""
    found: List[_Def] = []
    current: Optional[Scope] = scope
    while current is not None:
        if isinstance(current.node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(current.node)
        current = current.parent
    return found[::-1]


def _api_chain(chain: List[_Def]) -> List[_Def]:
    """The part of ``chain`` (outermost first) that other code can import: public names (dunder
    methods included), each but the last a class."""
    found: List[_Def] = []
    for node in chain:
        if node.name.startswith("_") and not node.name.endswith("__"):
            break
        found.append(node)
        if not isinstance(node, ast.ClassDef):
            break
    return found


def _promise(node: _Def, short: str) -> str:
    """How a def or class promises the optimizer ``short``: its name, a registration under that
    name (a decorator given the string), or its return annotation; "" when it does not."""
    if _names(node.name, short):
        return "its name promises"
    for decorator in node.decorator_list:
        strings = [a.value for a in ast.walk(decorator) if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if any(_names(text, short) for text in strings):
            return "it is registered as"
    returns = getattr(node, "returns", None)
    if returns is not None and _names(ast.unparse(returns), short):
        return "its annotation promises"
    return ""


def _names(text: str, short: str) -> bool:
    """Whether ``text`` names ``short`` as a word of an identifier (``AdamOptimizer``,
    ``build_adam``, ``"adam"``, ``torch.optim.Adam``), not a longer name (``AdamW``, ``NAdam``, ``Adamax``)."""
    for found in re.finditer(re.escape(short), text, re.IGNORECASE):
        before, after = text[found.start() - 1:found.start()], text[found.end():found.end() + 1]
        starts = not before.isalpha() or before.islower() and found.group()[0].isupper()
        ends = not after.isalpha() or after.isupper() and after not in "W"
        if starts and ends:
            return True
    return False


def rename_description(name: str, target: str) -> str:
    """A rename's ``Fix.description``; ``renamed`` reads it back (the summary's class checks)."""
    return f"Replace {name} with {target}"


def renamed(fix: Fix) -> Optional[Tuple[OptimizerApi, str, str]]:
    """The catalog row, old and new qualified names of a fix that renames the optimizer's class."""
    for name, api in catalog.OPTIMIZERS_BY_NAME.items():
        target = api.rename.get(name)
        description = rename_description(name, target) if target else ""
        if description and (fix.description == description or fix.description.startswith(description + ";")):
            return api, name, target  # type: ignore[return-value]
    return None


def target_torch(ctx: Context) -> Optional[Version]:
    """The oldest torch the fixed code must run on (``analyze_tree(..., target_torch=)``)."""
    return ctx.target_torch


def needed_torch(since: Optional[str]) -> Optional[Version]:
    """A row's ``since`` ("torch 2.7") as a version; None for another package or no ``since``."""
    if not since or not since.startswith("torch "):
        return None
    major, minor = since.split()[1].split(".")[:2]
    return int(major), int(minor)


def switch_unusable(ctx: Context, api: OptimizerApi, name: str, call: ast.Call, scope: Scope,
                    wrapper: Optional[OptimizerWrapper]) -> str:
    """Why ``api``'s decoupled switch cannot be written at ``call`` ("" when it can): the project's
    torch is older than the row's ``since``, or a wrapper flag makes the switch ignored."""
    needed, target = needed_torch(api.since), target_torch(ctx)
    if needed and target and target < needed:
        return (f"{api.switch}=True needs torch {needed[0]}.{needed[1]} or later, and the project "
                f"allows torch {target[0]}.{target[1]} (target-torch)")
    flag = wrapper.switch_ignored_when if wrapper is not None else None
    if wrapper is not None and flag:
        value = ctx.bind(call, scope, wrapper.signature).get(flag)
        if ctx.flag(value, False, scope) is not False:
            return f"with {flag}=True, {wrapper.names[0]} swaps in its own {name} without {api.switch}"
    return ""


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

    def kept(self, fix: Fix) -> Fix:
        """The fix's description names a weight decay read from a default in this file (it is kept)."""
        param = self.api.weight_decay
        value = self.bound.get(param) if param else None
        note = default_note(self.ctx, value, self.scope)
        if not note:
            return fix
        return fix._replace(description=f"{fix.description}; {param}={self.ctx.text(value)}{note} is kept: re-tune it")

    def decay_sites(self) -> Tuple[Tuple[int, Tuple[int, int, int, int]], ...]:
        """Where the weight decay is written (see ``Fix.decay_sites``)."""
        param = self.api.weight_decay
        if param is None:
            return ()
        value = self.bound.get(param)
        sites = [(-1, self.ctx.span(value if isinstance(value, ast.expr) else self.call))]
        for index, (group, entries, _) in enumerate(self.groups):
            if param in entries:
                sites.append((index, self.ctx.span(entries[param])))
        return tuple(sites)

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
        return Fix(what, tuple(edits), decay_sites=self.decay_sites())

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
        return Fix(rename_description(self.name, target), tuple(edits), add, remove, decay_sites=self.decay_sites())


def plan_chain_fix(ctx: Context, chain: OptaxChain, call: ast.Call, scope: Scope, names: List[Optional[str]],
                   decay_index: int, bound: Bound, code: str) -> Tuple[Optional[Fix], str]:
    """``optax.chain(add_decayed_weights(wd), adam(...))`` → ``optax.adamw(..., weight_decay=wd)``:
    only decay + the one alias the replacement stands for, in the order ``code`` implies
    (AWL301: decay first). The optimizer's own arguments are copied; arguments it may receive
    through ``*args``/``**kwargs`` we cannot read could collide with the ``weight_decay``/``mask``
    the rewrite adds, so such a call gets no fix (as a rename that would change a hidden default)."""
    refused = f"only a chain of exactly add_decayed_weights and {chain.fixable[0]} is rewritten"
    if len(names) != 2:
        return None, refused
    other = 1 - decay_index
    if names[other] not in chain.fixable or (code == "AWL301") != (other == 1):
        return None, refused
    optimizer = call.args[other]
    assert isinstance(optimizer, ast.Call)
    args = ctx.call_args(optimizer, scope)
    added = ["weight_decay"] + (["mask"] if isinstance(bound.get("mask"), ast.expr) else [])
    if args.open_positional or args.open_keywords:
        return None, f"{ctx.text(optimizer.func)} may receive {' or '.join(added)} through *args/**kwargs"
    clash = [k for k in added if k in args.keywords]
    if clash:
        return None, f"{ctx.text(optimizer.func)} already receives {clash[0]}"
    parts = [ctx.text(a) for a in optimizer.args]
    parts += [f"{k.arg}={ctx.text(k.value)}" if k.arg else f"**{ctx.text(k.value)}" for k in optimizer.keywords]
    wd = bound.get("weight_decay")
    assert isinstance(wd, ast.expr)
    parts.append(f"weight_decay={ctx.text(wd)}")
    mask = bound.get("mask")
    if isinstance(mask, ast.expr):
        parts.append(f"mask={ctx.text(mask)}")
    try:
        spelling, add, _ = spell(ctx, call.func, scope, chain.replacement)
    except Blocked as blocked:
        return None, str(blocked)
    replacement = f"{spelling}({', '.join(parts)})"
    fix = Fix(f"Replace the chain with {chain.replacement}", (Edit("replace", ctx.span(call), replacement),),
              add, unused_imports(ctx, call, scope))
    return kept_public(ctx, fix, names[other] or "", chain.replacement, call, call.func, scope)

"""Code that never runs where a call builds a given class: a test it runs under goes the other way
there. ``if name == "adamw": kw["weight_decay"] = wd`` before ``OPTIMIZERS[name](params, **kw)``
fills the decay only where the table gives AdamW; ``if name == "adam": return …`` before the call
leaves Adam out of it; ``if cls is torch.optim.AdamW:`` holds only where the callee is AdamW;
``weight_decay=wd if decoupled else 0.0`` gives Adam 0.0 where ``cls = AdamW if decoupled else Adam``.

A test is compared with what a choice requires (``Alternative.requires``: a table's key, the
name ``getattr`` is given; and the callee itself) only where both read one value that cannot
change between them: names bound once in their scope (not rebound by a nested def's
``nonlocal``), and, for a fill and a call that may run in different passes of a loop, bound
outside loops; attributes stored nowhere in the module; a key of a dict nothing fills; a string
method that returns a new string (``name.lower()``). A table's keys say which class an entry is
only for a dict written out in this module, complete and changed nowhere. Anything else is not
read: the choice goes with the test, and is reported."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple

from . import catalog
from .branches import decided, holds, tests_at
from .scope import Binding, Scope, is_unknown, nonlocal_names

if TYPE_CHECKING:
    from .context import Alternative, Context

_PURE = frozenset(("lower", "upper", "casefold", "strip"))  # ``str`` methods: a new string, nothing changed
_MUTATORS = frozenset(("update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__", "__ior__"))
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


class _Class:
    """What a test may compare the callee with: the class it is."""

    __slots__ = ("qualname",)

    def __init__(self, qualname: str) -> None:
        self.qualname = qualname


def excluded(ctx: "Context", choice: "Alternative", call: ast.Call, scope: Scope, position: Tuple[int, int],
             fill: bool = False) -> bool:
    """Whether the code at ``position`` in ``call``'s scope (the call itself, or with ``fill`` a
    fill of its arguments that may run in another pass of a loop) never runs where ``call``
    builds ``choice``. A test of an enclosing scope (around a nested def or comprehension) is not
    read: its names may not be the call's."""
    known: List[Tuple[ast.expr, Scope, object]] = list(choice.requires)
    if _subject(call.func):
        known.append((call.func, scope, _Class(choice.qualname)))
    if not known:
        return False
    inside = scope.node if scope.parent is not None else None

    def compared(left: ast.expr, op: ast.cmpop, right: ast.expr) -> Optional[bool]:
        for subject, home, value in known:
            if _same_value(ctx, left, scope, subject, home, fill):
                outcome = _comparison(ctx, value, op, right, scope)
            elif not isinstance(op, (ast.In, ast.NotIn)) and _same_value(ctx, right, scope, subject, home, fill):
                outcome = _comparison(ctx, value, op, left, scope)
            else:
                continue
            if outcome is not None:
                return outcome
        return None

    module = ctx.resolver.module.node
    asked = module.__dict__.setdefault("_tests_at", {})  # each choice of a call asks  # type: ignore[union-attr]
    if position not in asked:
        asked[position] = tests_at(module, position, leaving=True)  # type: ignore[arg-type]
    for owner, truth in asked[position]:
        test = owner.test  # type: ignore[attr-defined]
        if inside is not None and not _within(inside, test):
            continue
        if isinstance(owner, ast.While) and fill:
            continue  # a loop's test, read again after its body changed things
        outcome = decided(test, compared)
        if outcome is not None and outcome != truth:
            return True
    return False


def branch_with(ctx: "Context", choice: "Alternative", scope: Scope, value: object) -> Optional[ast.expr]:
    """For a conditional expression ``value`` whose test the class was chosen on (``cls = AdamW
    if decoupled else Adam`` and ``weight_decay=wd if decoupled else 0.0``), the branch that goes
    with ``choice``; None when that is not known."""
    if not isinstance(value, ast.IfExp) or choice.where:
        return None
    inside = scope.node if scope.parent is not None else None
    for owner, truth in tests_at(ctx.resolver.module.node, (choice.expr.lineno, choice.expr.col_offset)):
        test = owner.test  # type: ignore[attr-defined]
        if (inside is None or _within(inside, test)) and _same_test(ctx, test, value.test, scope):
            return value.body if truth else value.orelse
    return None


def _same_test(ctx: "Context", one: ast.expr, other: ast.expr, scope: Scope) -> bool:
    """Whether two tests written alike have one outcome wherever they run: what they read cannot
    change (``_constant`` names, attributes stored nowhere) and they call nothing but string methods."""
    if _dumped(one) != _dumped(other):
        return False
    module = ctx.resolver.module.node
    for mine, theirs in zip(ast.walk(one), ast.walk(other)):
        if isinstance(mine, ast.Name):
            binding = _constant(ctx, mine, scope, True)
            if binding is None or _constant(ctx, theirs, scope, True) is not binding:  # type: ignore[arg-type]
                return False
        elif isinstance(mine, ast.Attribute) and _attribute_stored(module, mine.attr):
            return False
        elif isinstance(mine, ast.Call) and not (isinstance(mine.func, ast.Attribute) and mine.func.attr in _PURE
                                                  and not mine.args and not mine.keywords):
            return False
        elif isinstance(mine, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return False
    return True


def unchanged_table(ctx: "Context", table: ast.expr, scope: Scope) -> bool:
    """Whether ``table`` is a name bound once to the dict it holds, which no code of the module
    changes or hands to a call: its keys then say which entry ``table[key]`` is."""
    if not isinstance(table, ast.Name) or _constant(ctx, table, scope, False) is None:
        return False
    module = ctx.resolver.module.node
    changed = module.__dict__.setdefault("_tables_changed", {})  # type: ignore[union-attr]
    if table.id not in changed:
        changed[table.id] = _changed(module, table.id)
    return not changed[table.id]


def _changed(module: ast.AST, name: str) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load) \
                and isinstance(node.value, ast.Name) and node.value.id == name:
            return True  # ``OPTS["adamw"] = torch.optim.Adam``
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _MUTATORS and isinstance(func.value, ast.Name) \
                    and func.value.id == name:
                return True
            handed = [*node.args, *(k.value for k in node.keywords)]
            if any(isinstance(a, ast.Starred) and isinstance(a.value, ast.Name) and a.value.id == name
                   or isinstance(a, ast.Name) and a.id == name for a in handed):
                return True  # ``register(OPTS)`` may fill it
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True  # ``OPTS |= {...}``
    return False


def _same_value(ctx: "Context", one: ast.expr, one_scope: Scope, other: ast.expr, other_scope: Scope,
                fill: bool) -> bool:
    """Whether two expressions read one value that cannot change between them."""
    if type(one) is not type(other) or not _subject(one) or _dumped(one) != _dumped(other):
        return False
    module = ctx.resolver.module.node
    while not isinstance(one, ast.Name):  # the chain ``_subject`` allows, both alike
        if isinstance(one, ast.Attribute):
            if _attribute_stored(module, one.attr):
                return False  # ``args.optimizer = "adam"`` somewhere
            one, other = one.value, other.value  # type: ignore[attr-defined]
        elif isinstance(one, ast.Subscript):
            if isinstance(one.value, ast.Name):
                from .context import dict_uses

                binding = _constant(ctx, one.value, one_scope, fill)
                uses = dict_uses(binding.scope.node).get(one.value.id) if binding is not None else None
                if uses is not None and (uses.changed or one.slice.value in uses.fills):  # type: ignore[attr-defined]
                    return False  # ``cfg["optimizer"] = "adam"``
            one, other = one.value, other.value  # type: ignore[attr-defined]
        else:  # ``name.lower()``
            one, other = one.func.value, other.func.value  # type: ignore[attr-defined]
    binding = _constant(ctx, one, one_scope, fill)
    return binding is not None and _constant(ctx, other, other_scope, fill) is binding  # type: ignore[arg-type]


def _attribute_stored(module: ast.AST, attr: str) -> bool:
    """Whether any code of the module stores or deletes an attribute named ``attr``, or may by
    its name (``setattr``, ``vars``, ``__dict__``)."""
    stored = module.__dict__.setdefault("_attributes_stored", {})
    if attr not in stored:
        stored[attr] = any(
            isinstance(node, ast.Attribute) and (node.attr == "__dict__" or node.attr == attr and not isinstance(node.ctx, ast.Load))
            or isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "vars", "delattr")
            for node in ast.walk(module))
    return stored[attr]


def _constant(ctx: "Context", name: ast.Name, scope: Scope, fill: bool) -> Optional[Binding]:
    """The one binding ``name`` reads where that binding holds one value for the rest of its
    scope's run: bound once there, not by a nested def's ``nonlocal``; with ``fill``, not in a
    loop either (a fill of one pass and a call of another read different values). None otherwise."""
    home: Optional[Scope] = scope
    while home is not None and (name.id not in home.bindings or home.kind == "class" and home is not scope):
        home = home.parent  # ``Scope.lookup``'s way, without filtering a list of every binding
    found = home.bindings[name.id] if home is not None else ()
    if len(found) != 1 or home is scope and not found[0].pos < (name.lineno, name.col_offset):
        return None
    binding = found[0]
    if binding.scope is not home or name.id in home.globals:  # type: ignore[union-attr]
        return None
    home = binding.scope
    node = home.node
    if node is not None and name.id in nonlocal_names(node):
        return None
    if fill and (home.kind == "comprehension" or node is not None and _in_loop(node, binding.pos)):
        return None
    return binding


def _in_loop(home: ast.AST, position: Tuple[int, int]) -> bool:
    """Whether a loop of ``home`` (not of a def nested in it) holds ``position``."""
    node: Optional[ast.AST] = home
    while node is not None:
        if isinstance(node, _LOOPS) and node is not home:
            return True
        node = next((child for child in ast.iter_child_nodes(node) if holds(child, position)), None)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
    return False


def _comparison(ctx: "Context", value: object, op: ast.cmpop, other: ast.expr, scope: Scope) -> Optional[bool]:
    """``value <op> other``, where known: a string key against a string, or a tuple, list or set
    of them; a class against a class the code names, by identity (``is``, ``==``, ``in``)."""
    negated = isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn))
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(other, (ast.Tuple, ast.List, ast.Set)) or any(isinstance(e, ast.Starred) for e in other.elts):
            return None
        outcomes = [_equal(ctx, value, element, scope) for element in other.elts]
        outcome = True if True in outcomes else None if None in outcomes else False
    elif isinstance(op, (ast.Eq, ast.NotEq)) or isinstance(op, (ast.Is, ast.IsNot)) and isinstance(value, _Class):
        outcome = _equal(ctx, value, other, scope)
    else:
        return None
    return None if outcome is None else outcome != negated


def _equal(ctx: "Context", value: object, other: ast.expr, scope: Scope) -> Optional[bool]:
    if isinstance(value, _Class):
        # two catalog rows are two classes; one row's names are one class's (``torch.optim.adam.Adam``);
        # a name the catalog does not know may be anything (``AdamW = torch.optim.Adam`` in a project module)
        mine, theirs = _row(value.qualname), _row(ctx.qualname(other, scope) or "")
        return None if mine is None or theirs is None else mine is theirs
    literal = ctx.literal(other, scope)
    return None if is_unknown(literal) else value == literal


def _row(qualname: str) -> object:
    return catalog.OPTIMIZERS_BY_NAME.get(qualname) or catalog.TRAINING_OPTIMIZERS_BY_NAME.get(qualname)


def _subject(expr: ast.expr) -> bool:
    """Whether ``expr`` is a value tests and calls can be compared on: a name, its attributes, a
    constant subscript, a string method's new string (``name.lower()``)."""
    while True:
        if isinstance(expr, ast.Name):
            return True
        if isinstance(expr, ast.Attribute):
            expr = expr.value
        elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
            expr = expr.value
        elif isinstance(expr, ast.Call) and not expr.args and not expr.keywords and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr in _PURE:
            expr = expr.func.value
        else:
            return False


def _dumped(node: ast.AST) -> str:
    """``ast.dump(node)``, once per node: every test of a dispatcher is compared with every call."""
    found = node.__dict__.get("_dumped")
    if found is None:
        found = node.__dict__["_dumped"] = ast.dump(node)
    return found


def _within(outer: ast.AST, node: ast.AST) -> bool:
    return holds(outer, (node.lineno, node.col_offset))  # type: ignore[attr-defined]

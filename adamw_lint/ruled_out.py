"""Code that never runs where a call builds a given class: a test it runs under goes the other way
there. ``if name == "adamw": kw["weight_decay"] = wd`` before ``OPTIMIZERS[name](params, **kw)``
fills the decay only where the table gives AdamW; ``if name == "adam": return …`` before the call
leaves Adam out of it; ``if cls is torch.optim.AdamW:`` holds only where the callee is AdamW;
``weight_decay=wd if decoupled else 0.0`` gives Adam 0.0 where ``cls = AdamW if decoupled else Adam``.

A test is compared with what a choice requires (``Alternative.requires``: a table's key, the
name ``getattr`` is given; and the callee itself) only where both read one value that nothing can
change between them: names bound once in their scope (not rebound by a nested def's
``nonlocal``, a star import or ``globals()``), outside loops where a fill and a call may run in
different passes, or where a nested scope reads them; their attributes, where the name is never
handed to a call nor has a method called, and nothing stores or computes an attribute of that
name; their items, where the dict is never filled, changed or handed on; a string method's new
string (``name.lower()``). A table's keys say which class an entry is only for a dict written
out in this module, complete, with dotted names for values, and only ever read. Anything else is
not read: the choice goes with the test, and is reported. Not seen: another project module that
changes this module's table (``registry.OPTS["adamw"] = Adam``).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple

from . import catalog
from .branches import decided, holds, tests_at
from .records import Record
from .scope import DICT_READS, Binding, Scope, is_unknown, kept_on, nonlocal_names, read_only

if TYPE_CHECKING:
    from .context import Alternative, Context

_PURE = frozenset(("lower", "upper", "casefold", "strip"))  # ``str`` methods: a new string, nothing changed
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_TESTS_READ = 32  # the tests read for one call or fill


class _Class(Record):
    """What a test may compare the callee with: the class it is."""

    qualname: str


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
    # each choice of a call asks; the nearest tests only: a generated dispatcher nests ifs by the hundred
    tests = kept_on(module, "_tests_at", position, lambda: tests_at(module, position, leaving=True)[-_TESTS_READ:])  # type: ignore[arg-type]
    for owner, truth in tests:
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
    inside = scope.node
    if not isinstance(value, ast.IfExp) or choice.where or scope.parent is None \
            or not _within(inside, value) or not _within(inside, choice.expr):  # type: ignore[arg-type]
        return None  # both in the call's own function: their names are its
    for owner, truth in tests_at(ctx.resolver.module.node, (choice.expr.lineno, choice.expr.col_offset)):
        test = owner.test  # type: ignore[attr-defined]
        if _within(inside, test) and _same_test(ctx, test, value.test, scope):  # type: ignore[arg-type]
            return value.body if truth else value.orelse
    return None


def _same_test(ctx: "Context", one: ast.expr, other: ast.expr, scope: Scope) -> bool:
    """Whether two tests written alike have one outcome wherever they run: what they read cannot
    change (``_constant`` names never handed to a call, attributes ``_attribute_changed`` does not
    see change, no items) and they call nothing but string methods."""
    if _dumped(one) != _dumped(other):
        return False
    for mine, theirs in zip(ast.walk(one), ast.walk(other)):
        if isinstance(mine, ast.Name):
            binding = _constant(ctx, mine, scope, True)
            if binding is None or _constant(ctx, theirs, scope, True) is not binding:  # type: ignore[arg-type]
                return False
            if _escapes(binding, mine.id):
                return False  # ``flags.append(1)``: its truth may change in place
        elif isinstance(mine, ast.Subscript):
            return False  # ``cfg["decoupled"] = True`` in between
        elif isinstance(mine, ast.Attribute):
            root = _root(mine) if _subject(mine) else None
            binding = _constant(ctx, root, scope, True) if root is not None else None
            if binding is None or _attribute_changed(ctx, mine, binding):
                return False
        elif isinstance(mine, ast.Call) and not (isinstance(mine.func, ast.Attribute) and mine.func.attr in _PURE
                                                  and not mine.args and not mine.keywords):
            return False
        elif isinstance(mine, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return False
    return True


def unchanged_table(ctx: "Context", table: ast.expr, scope: Scope, written: ast.expr) -> bool:
    """Whether ``table`` is a name bound once to the dict ``written`` (its values dotted names,
    not another table's entries), which the module only ever reads (``TABLE[k]``, ``.get``,
    ``in``, ``**TABLE``, a loop over it): its keys then say which entry ``table[key]`` is."""
    if not isinstance(table, ast.Name) or _constant(ctx, table, scope, False) is None:
        return False
    if isinstance(written, ast.Dict):
        values = written.values
    elif isinstance(written, ast.Call):  # dict(adam=…)
        values = [k.value for k in written.keywords]
    else:
        return False
    if not all(_dotted(v) for v in values):
        return False
    module = ctx.resolver.module.node
    if _reflects(module):  # type: ignore[arg-type]
        return False
    return kept_on(module, "_tables_read", table.id, lambda: _only_read(module, table.id))  # type: ignore[arg-type]


def _only_read(module: ast.AST, name: str) -> bool:
    """Whether every use of ``name`` in the module, but its one binding, reads it without changing
    it or handing it on (another name for it, a call that may fill it)."""
    stores = 0
    stack: List[Tuple[ast.AST, Optional[ast.AST]]] = [(module, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, ast.Name) and node.id == name:
            if not isinstance(node.ctx, ast.Load):
                stores += 1
            elif not _reads(node, parent):
                return False
        stack.extend((child, node) for child in ast.iter_child_nodes(node))
    return stores == 1


def _reads(node: ast.Name, parent: Optional[ast.AST]) -> bool:
    if isinstance(parent, ast.Subscript):
        return parent.value is node and isinstance(parent.ctx, ast.Load)
    if isinstance(parent, ast.Attribute):
        return parent.attr in DICT_READS
    if isinstance(parent, ast.Compare):
        return parent.left is not node and all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops)
    if isinstance(parent, ast.keyword):
        return parent.arg is None  # ``f(**TABLE)``: a copy
    if isinstance(parent, ast.Dict):
        return any(v is node for k, v in zip(parent.keys, parent.values) if k is None)  # ``{**TABLE}``
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return parent.iter is node
    if isinstance(parent, ast.Call):
        return read_only(parent)
    return False


def _dotted(expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def _same_value(ctx: "Context", one: ast.expr, one_scope: Scope, other: ast.expr, other_scope: Scope,
                fill: bool) -> bool:
    """Whether two expressions read one value that nothing can change between them."""
    if type(one) is not type(other) or not _subject(one) or _dumped(one) != _dumped(other):
        return False
    root = _root(one)
    binding = _constant(ctx, root, one_scope, fill)
    if binding is None or _constant(ctx, _root(other), other_scope, fill) is not binding:
        return False
    node: ast.expr = one
    while node is not root:  # the chain ``_subject`` allows
        if isinstance(node, ast.Attribute):
            if _attribute_changed(ctx, node, binding):
                return False  # ``args.optimizer = "adam"``, ``fix_args(args)``
            node = node.value
        elif isinstance(node, ast.Subscript):
            if node.value is not root:
                return False  # ``args.cfg["optimizer"]``: which dict is changed where is not followed
            from .context import dict_uses

            uses = dict_uses(binding.scope.node).get(root.id)
            if uses is not None and (uses.changed or uses.escapes() or node.slice.value in uses.fills):  # type: ignore[attr-defined]
                return False  # ``cfg["optimizer"] = "adam"``, ``downgrade(cfg)``
            node = node.value
        else:  # ``name.lower()``
            node = node.func.value  # type: ignore[attr-defined]
    return True


def _root(expr: ast.expr) -> ast.Name:
    """The name a ``_subject`` chain starts from."""
    while not isinstance(expr, ast.Name):
        expr = expr.func.value if isinstance(expr, ast.Call) else expr.value  # type: ignore[attr-defined]
    return expr


def _attribute_changed(ctx: "Context", attribute: ast.Attribute, binding: Binding) -> bool:
    """Whether ``attribute`` (``args.optimizer``, a chain from a name bound by ``binding``) may
    change while the code runs: the module stores or deletes an attribute of that name, or may
    (``setattr``, ``__setattr__``, ``vars``, ``__dict__``, ``__getattr__``, a def, property or
    class attribute of that name); its root is imported (``settings.OPTIMIZER``); or the object
    it is read from escapes (``_escapes``: ``fix_args(args)``, ``cfg = args``, ``prepare(cfg.optim)``)."""
    module = ctx.resolver.module.node
    if binding.qualname is not None or kept_on(module, "_attributes_changed", attribute.attr,  # type: ignore[arg-type]
                                               lambda: _changes_attribute(module, attribute.attr)):  # type: ignore[arg-type]
        return True  # stored or computed; or an imported module's or class's attribute: any module may set it
    return _escapes(binding, _text(attribute.value))


def _changes_attribute(module: ast.AST, attr: str) -> bool:
    return any(
        isinstance(node, ast.Attribute) and (node.attr in ("__dict__", "__setattr__") or node.attr == attr
                                             and not isinstance(node.ctx, ast.Load))
        or isinstance(node, ast.Name) and node.id in ("setattr", "vars", "delattr")
        or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in (attr, "__getattr__", "__getattribute__")
        or isinstance(node, ast.ClassDef) and any(  # ``optimizer = property(...)``
            isinstance(t, ast.Name) and t.id == attr for stmt in node.body if isinstance(stmt, ast.Assign)
            for t in stmt.targets)
        for node in ast.walk(module))


def _escapes(binding: Binding, receiver: str) -> bool:
    """Whether the code of ``binding``'s scope lets ``receiver`` (``args``, ``cfg.optim``: a
    dotted chain from the name ``binding`` binds) or a chain it is read from escape, where its
    attributes or items may be changed: handed to a call, given a method call, bound to another
    name or stored, an item stored (``cfg["optimizer"] = …``). Reading it is not: ``OPTS[cfg.name]``,
    ``args.lr`` handed on (another chain), a comparison, a test, an f-string."""
    home = binding.scope.node
    return kept_on(home, "_escapes", receiver, lambda: _escaping(home, receiver))  # type: ignore[arg-type]


def _escaping(home: ast.AST, receiver: str) -> bool:
    def reaches(text: str) -> bool:  # ``text`` is ``receiver`` or a chain it is read from
        return receiver == text or receiver.startswith(text + ".")

    root = receiver.split(".", 1)[0]
    stack: List[Tuple[ast.AST, Optional[ast.AST]]] = [(home, None)]
    while stack:
        node, parent = stack.pop()
        stack.extend((child, node) for child in ast.iter_child_nodes(node))
        if not (isinstance(node, (ast.Name, ast.Attribute)) and _dotted(node) and _root(node).id == root) \
                or isinstance(parent, ast.Attribute):
            continue  # not a whole chain from the root
        text = _text(node)
        if isinstance(parent, ast.Call) and parent.func is node:  # a method call: on what?
            if isinstance(node, ast.Attribute) and reaches(_text(node.value)):
                return True
            continue
        if not reaches(text) or isinstance(node.ctx, ast.Store) and isinstance(node, ast.Name):  # type: ignore[attr-defined]
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                return True  # ``cfg["optimizer"] = "adam"``
        elif not (isinstance(parent, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.FormattedValue))
                  or isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)) and parent.test is node
                  or isinstance(parent, ast.Subscript) and parent.slice is node):
            return True
    return False


def _text(chain: ast.expr) -> str:
    """``a.b.c`` of a dotted chain."""
    parts = []
    while isinstance(chain, ast.Attribute):
        parts.append(chain.attr)
        chain = chain.value
    parts.append(chain.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def _constant(ctx: "Context", name: ast.Name, scope: Scope, fill: bool) -> Optional[Binding]:
    """The one binding ``name`` reads where that binding holds one value for the rest of its
    scope's run: bound once there, not by a nested def's ``nonlocal``, nor, in a module, by a star
    import or ``globals()``; with ``fill``, or read from a nested scope (a generator's closure
    read between two passes), not in a loop either. None otherwise. Once per name read and
    ``fill``: every test around every call of a dispatcher asks."""
    return kept_on(name, "_constant", fill, lambda: _constant_binding(name, scope, fill))


def _constant_binding(name: ast.Name, scope: Scope, fill: bool) -> Optional[Binding]:
    home: Optional[Scope] = scope
    while home is not None and (name.id not in home.bindings or home.kind == "class" and home is not scope):
        home = home.parent  # ``Scope.lookup``'s way, without filtering a list of every binding
    found = home.bindings[name.id] if home is not None else ()
    if len(found) != 1 or home is scope and not found[0].pos < (name.lineno, name.col_offset):
        return None
    binding = found[0]
    if binding.scope is not home:
        return None  # bound by a ``global`` statement elsewhere
    node = home.node  # type: ignore[union-attr]
    if node is None or name.id in nonlocal_names(node):
        return None
    if home.parent is None and (home.star_imports or _reflects(node)):  # type: ignore[union-attr]
        return None
    if (fill or home is not scope) and (home.kind == "comprehension" or _in_loop(node, binding.pos)):  # type: ignore[union-attr]
        return None
    return binding


def _reflects(module: ast.AST) -> bool:
    """Whether the module may rebind or change its names by reflection (``globals()``, ``vars()``,
    ``sys.modules[__name__]``)."""
    return kept_on(module, "_reflects", None, lambda: any(
        isinstance(node, ast.Name) and node.id in ("globals", "vars", "locals")
        or isinstance(node, ast.Attribute) and node.attr == "modules" for node in ast.walk(module)))


def _in_loop(home: ast.AST, position: Tuple[int, int]) -> bool:
    """Whether a loop of ``home`` (not of a def nested in it) holds ``position``; once per
    binding (a script's functions all read the module's ``args``)."""
    return kept_on(home, "_in_loop", position, lambda: _looped(home, position))


def _looped(home: ast.AST, position: Tuple[int, int]) -> bool:
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
        # two catalog rows are two classes; one row's names may be one class's (``torch.optim.adam.Adam``)
        # or several (Keras' Adam and AdamW); a name the catalog does not know may be anything
        # (``AdamW = torch.optim.Adam`` in a project module)
        named = ctx.qualname(other, scope)
        if named == value.qualname:
            return True
        mine, theirs = _row(value.qualname), _row(named or "")
        return False if mine is not None and theirs is not None and mine is not theirs else None
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
    return kept_on(node, "_dumped", None, lambda: ast.dump(node))


def _within(outer: ast.AST, node: ast.AST) -> bool:
    return holds(outer, (node.lineno, node.col_offset))  # type: ignore[attr-defined]

"""Optimizer classes a project writes itself, read as the catalog reads torch's.

Research code often carries its own copy of an adaptive optimizer (a ``RAdam``, an ``RMSpropTF``,
a ``Ranger``): a subclass of ``torch.optim.Optimizer`` with its own ``step()``. Whether its
``weight_decay`` is coupled is written in that step: coupled L2 adds ``λ·p`` to the gradient, and
the gradient so decayed then feeds the second moment that divides the update (``exp_avg_sq.
addcmul_(grad, grad)``, ``grad.pow(2)``); decoupled decay shrinks ``p`` itself (``p.mul_(1 - lr·λ)``)
or adds ``λ·p`` after the division (NovoGrad, LAMB's update), and neither is read as coupled here.

A class is read as coupled only where its step says so without doubt: the statement that adds
the decay to the gradient runs whenever the decay is non-zero, or whenever one flag of the param
group is false (``if group["decoupled_decay"]: p.mul_(…) else: grad = grad.add(p, alpha=wd)``: the
flag is then the row's switch), and the decay and flag are the group keys ``__init__`` fills from
its parameters of the same names. Such a class becomes a catalog row (``OptimizerApi``) for the
run, so its constructions are checked exactly as torch's are.
"""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from . import catalog
from .catalog import COUPLED, OptimizerApi
from .summaries import without_self

# the base classes a project's optimizer derives from to be one
OPTIMIZER_BASES = frozenset(("torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"))

_COPIES = frozenset(("float", "double", "half", "detach", "clone", "contiguous"))  # ``p.data.float()``
# what a sampler's step draws its noise with: SGLD, SGHMC and their preconditioned forms add the
# prior's λ·p to the gradient on purpose (it is the log-prior's gradient, preconditioned as the rest)
_NOISE = frozenset(("normal", "normal_", "randn", "randn_like", "normal_like"))


def coupled_row(cls: ast.ClassDef, name: str, where: str, base: Optional[OptimizerApi]) -> Optional[OptimizerApi]:
    """The catalog row of ``cls``, a torch optimizer (``optimizer_base``: ``base`` is the row of
    the torch optimizer it derives from, None for ``torch.optim.Optimizer``), when its own
    ``step()`` applies its decay coupled, else None. ``name``: its qualified name (or its own, in
    the module checked); ``where``: how messages place its step (``path:``, ``line ``)."""
    methods = {node.name: node for node in cls.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    step, init = methods.get("step"), methods.get("__init__")
    if step is None:
        return None
    if init is not None and (init.args.posonlyargs or init.args.args):
        parameters = ast.unparse(without_self(init.args))
        filled = _group_keys(init)
    elif init is None and base is not None:  # torch's constructor: its arguments are its group's keys
        parameters = base.signature_text
        filled = {key: key for key in (*base.signature.positional, *base.signature.keyword_only)}
    else:
        return None
    coupling = _coupling(step)
    if coupling is None:
        return None
    key, switch, line = coupling
    signature = catalog.Signature.parse(parameters)
    names = {*signature.positional, *signature.keyword_only}
    group_switch = switch
    if switch is not None and switch.startswith("self."):  # ``self._weight_decouple = weight_decouple``
        switch, group_switch = _stored(init, switch[len("self."):]) if init is not None else "", None
    if filled.get(key) != key or key not in names or switch is not None and (
            switch not in names or group_switch is not None and filled.get(switch) != switch):
        return None  # the decay (or its flag) is not the constructor's argument of that name
    at = f"{where}{line}"
    if switch is not None:
        return OptimizerApi(names=(name,), signature_text=parameters, decay=COUPLED, source=at,
                            code="AWL102", weight_decay=key, switch=switch, group_switch=group_switch,
                            advice=f"pass {switch}=True (its step() adds {key}·p to the gradient at {at} unless it is true)")
    return OptimizerApi(names=(name,), signature_text=parameters, decay=COUPLED, source=at,
                        code="AWL103", weight_decay=key,
                        advice=f"its step() adds {key}·p to the gradient at {at}, before the adaptive denominator: "
                               f"decay the weights there instead (p.mul_(1 - lr * {key})), or use torch.optim.AdamW")


def optimizer_base(base_names: List[Optional[str]]) -> Union[None, bool, OptimizerApi]:
    """What makes a class whose bases resolve to these names a torch optimizer: the row of the
    torch optimizer it derives from (a subclass with a ``step()`` of its own decays as that step
    says, not as its base's row does), True for ``torch.optim.Optimizer``, None for another class."""
    for base in base_names:
        row = catalog.OPTIMIZERS_BY_NAME.get(base or "")
        if isinstance(row, OptimizerApi) and base.startswith("torch.optim."):  # type: ignore[union-attr]
            return row
    return True if any(base in OPTIMIZER_BASES for base in base_names) else None


def _coupling(step: ast.AST) -> Optional[Tuple[str, Optional[str], int]]:
    """``(decay key, switch key or None, line)`` of the statement of ``step`` that adds the decay
    to a gradient which then feeds a second moment; None when there is none, or when what it
    runs under is not a test of the decay or of one flag it runs without (a test both of whose
    branches add the decay does not count)."""
    reads = _GroupReads(step)
    if not reads.params or any(isinstance(n, ast.Attribute) and n.attr in _NOISE for n in ast.walk(step)):
        return None
    statements = list(_statements(step.body, ()))  # type: ignore[attr-defined]
    found = [(statement, key, tests) for statement, tests in statements for key, gradient in [reads.coupled(statement)]
             if key is not None and reads.squared_after(statement, tests, gradient, statements)]
    for statement, key, tests in found:
        sides = {(id(test), holds) for _, other, others in found if other == key for test, holds in others}
        switch = _switch(tuple((test, holds) for test, holds in tests if (id(test), not holds) not in sides), key, reads)
        if switch is not False:
            return key, switch, statement.lineno  # type: ignore[return-value]
    return None


class _GroupReads:
    """What ``step`` reads: the parameters it loops over (``for p in group["params"]``), the
    gradients taken from them (``grad = p.grad``), and the names bound to a group's entries
    (``wd = group["weight_decay"]``)."""

    def __init__(self, step: ast.AST) -> None:
        self.params: Set[str] = set()
        self.grads: Set[str] = set()
        self.aliases: Dict[str, str] = {}  # name → the group key it holds
        self.copies: Set[str] = set()  # names bound to a parameter (``p_fp32 = p.data.float()``)
        nodes = list(ast.walk(step))
        for node in nodes:
            if isinstance(node, (ast.For, ast.AsyncFor)):
                target = _parameter_target(node)
                if target is not None:
                    self.params.add(target)
        for node in sorted((n for n in nodes if isinstance(n, ast.Assign)), key=lambda n: (n.lineno, n.col_offset)):
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                continue
            target, key = node.targets[0].id, _group_key(node.value)
            if key is not None:
                self.aliases[target] = key
            elif self._gradient(node.value):
                self.grads.add(target)
            elif self._parameter(node.value):
                self.copies.add(target)

    def _gradient(self, expr: ast.AST) -> bool:
        """Whether ``expr`` is computed from a parameter's ``.grad`` (or a gradient already named)."""
        return any(isinstance(n, ast.Attribute) and n.attr == "grad" and isinstance(n.value, ast.Name)
                   and n.value.id in self.params or isinstance(n, ast.Name) and n.id in self.grads
                   for n in ast.walk(expr))

    def keys(self, expr: ast.AST) -> Set[str]:
        """The group keys ``expr`` reads, directly or through a name bound to one."""
        found = set()
        for node in ast.walk(expr):
            key = _group_key(node) if isinstance(node, (ast.Subscript, ast.Call)) else \
                self.aliases.get(node.id) if isinstance(node, ast.Name) else None
            if key is not None:
                found.add(key)
        return found

    def _parameter(self, expr: ast.AST) -> bool:
        """Whether ``expr`` is a parameter itself: ``p``, ``p.data``, ``p.data.float()``, or a name
        bound to one (``p_fp32 = p.data.float()``); not ``p - ref`` (a pull toward a reference is no
        weight decay), not ``p.grad``."""
        while True:
            if isinstance(expr, ast.Attribute) and expr.attr == "data":
                expr = expr.value
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _COPIES \
                    and not expr.args:
                expr = expr.func.value
            else:
                return isinstance(expr, ast.Name) and (expr.id in self.params or expr.id in self.copies)

    def _decay_key(self, expr: ast.AST) -> Optional[str]:
        decays = [key for key in self.keys(expr) if "decay" in key]
        return decays[0] if len(set(decays)) == 1 else None

    def _decay_term(self, value: ast.AST) -> Optional[str]:
        """The decay key of a term ``λ·p`` in ``value``: ``wd * p``, ``.add(p, alpha=wd)``,
        ``.add(wd, p)`` (the old signature), ``p.mul(wd)``."""
        for node in ast.walk(value):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
                for one, other in ((node.left, node.right), (node.right, node.left)):
                    if self._parameter(one) and self._decay_key(other):
                        return self._decay_key(other)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                alpha = next((kw.value for kw in node.keywords if kw.arg == "alpha"), None)
                if node.func.attr in ("add", "add_") and node.args:
                    if alpha is not None and self._parameter(node.args[0]) and self._decay_key(alpha):
                        return self._decay_key(alpha)
                    if len(node.args) == 2 and self._parameter(node.args[1]) and self._decay_key(node.args[0]):
                        return self._decay_key(node.args[0])
                if node.func.attr in ("mul", "mul_") and len(node.args) == 1 and self._parameter(node.func.value):
                    return self._decay_key(node.args[0])
        return None

    def coupled(self, statement: ast.stmt) -> Tuple[Optional[str], str]:
        """The decay key ``statement`` adds to a gradient with the parameter (``grad = grad.add(p,
        alpha=wd)``, ``grad.add_(p.data, alpha=group["weight_decay"])``, ``grad += wd * p``), and
        the gradient's name; (None, "") for another statement."""
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) \
                and statement.targets[0].id in self.grads:
            value: ast.AST = statement.value
            gradient = statement.targets[0].id
        elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name) \
                and statement.target.id in self.grads and isinstance(statement.op, ast.Add):
            value, gradient = statement.value, statement.target.id
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
                and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr == "add_" \
                and isinstance(statement.value.func.value, ast.Name) and statement.value.func.value.id in self.grads:
            value = ast.Call(ast.Attribute(ast.Name("_"), "add_"), statement.value.args, statement.value.keywords)
            gradient = statement.value.func.value.id
        else:
            return None, ""
        return self._decay_term(value), gradient

    def squared_after(self, statement: ast.stmt, tests: Tuple[_Test, ...], gradient: str,
                      statements: List[Tuple[ast.stmt, Tuple[_Test, ...]]]) -> bool:
        """Whether ``gradient`` is squared into a moment after ``statement``, where the step can go
        on from it (``exp_avg_sq.addcmul_(grad, grad)``, ``grad.pow(2)``, ``grad * grad``): the
        decay it added is then divided by its root."""
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        mine = {id(test): holds for test, holds in tests}
        derived = {gradient}  # and what is computed from it (AdaBelief's ``grad_residual = grad - exp_avg``)
        for later, others in statements:
            if (later.lineno, later.col_offset) < end or any(mine.get(id(test), holds) != holds for test, holds in others):
                continue  # before it, or in the other branch of a test it runs under
            if any(self._squares(node, name) for node in _own_nodes(later) for name in derived):
                return True
            if isinstance(later, ast.Assign) and len(later.targets) == 1 and isinstance(later.targets[0], ast.Name) \
                    and any(isinstance(n, ast.Name) and n.id in derived for n in ast.walk(later.value)):
                derived.add(later.targets[0].id)
        return False

    @staticmethod
    def _squares(node: ast.AST, gradient: str) -> bool:
        def grad(expr: ast.AST) -> Optional[str]:
            return expr.id if isinstance(expr, ast.Name) and expr.id == gradient else None

        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("addcmul_", "addcmul"):
                named = [grad(arg) for arg in node.args]
                return any(n is not None and named.count(n) >= 2 for n in named)
            if grad(node.func.value) is not None:  # ``grad.pow(2)``, ``grad.square()``, ``grad.mul(grad)``
                return node.func.attr == "square" or node.func.attr == "pow" and bool(node.args) and _is_two(node.args[0]) \
                    or node.func.attr in ("mul", "mul_") and len(node.args) == 1 and grad(node.args[0]) is not None
            if node.func.attr in ("mul", "pow", "square") and len(node.args) in (1, 2) \
                    and grad(node.args[0]) is not None:  # ``torch.mul(grad, grad)``, ``torch.pow(grad, 2)``
                rest = node.args[1:]
                return node.func.attr == "square" and not rest or bool(rest) and (
                    grad(rest[0]) is not None if node.func.attr == "mul" else _is_two(rest[0]))
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mult):
                return grad(node.left) is not None and grad(node.left) == grad(node.right)
            if isinstance(node.op, ast.Pow):
                return grad(node.left) is not None and _is_two(node.right)
        return False


def _own_nodes(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a statement outside the statements it holds (an ``if``'s test, not its body)."""
    for field, value in ast.iter_fields(statement):
        if field in ("body", "orelse", "finalbody", "handlers"):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.AST):
                yield from ast.walk(item)


def _parameter_target(loop: ast.AST) -> Optional[str]:
    """The name a loop gives each parameter of a group: ``for p in group["params"]``, ``for i, p in
    enumerate(group["params"])``."""
    target, over = loop.target, loop.iter  # type: ignore[attr-defined]
    if isinstance(over, ast.Call) and isinstance(over.func, ast.Name) and over.func.id == "enumerate" \
            and len(over.args) == 1 and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        target, over = target.elts[1], over.args[0]
    return target.id if isinstance(target, ast.Name) and _group_key(over) == "params" else None


def _is_two(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) and expr.value == 2


def _group_key(expr: ast.AST) -> Optional[str]:
    """``K`` of ``group["K"]`` or ``group.get("K"[, default])``: any name subscripted by a string."""
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name) and isinstance(expr.slice, ast.Constant) \
            and isinstance(expr.slice.value, str):
        return expr.slice.value
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get" \
            and isinstance(expr.func.value, ast.Name) and expr.args and isinstance(expr.args[0], ast.Constant) \
            and isinstance(expr.args[0].value, str):
        return expr.args[0].value
    return None


_Test = Tuple[ast.expr, bool]  # an ``if`` test, and whether the statement runs when it is true


def _statements(body: List[ast.stmt], tests: Tuple[_Test, ...]) -> Iterator[Tuple[ast.stmt, Tuple[_Test, ...]]]:
    """Each statement of ``body`` and of the blocks it holds (not of a nested def or class), with
    the ``if`` tests it runs under."""
    for child in body:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield child, tests
        if isinstance(child, ast.If):
            yield from _statements(child.body, (*tests, (child.test, True)))
            yield from _statements(child.orelse, (*tests, (child.test, False)))
            continue
        for block in (getattr(child, "body", []), getattr(child, "orelse", []), getattr(child, "finalbody", []),
                      *(part.body for part in (*getattr(child, "handlers", []), *getattr(child, "cases", [])))):
            yield from _statements(block, tests)


def _switch(tests: Tuple[_Test, ...], key: str, reads: _GroupReads) -> object:
    """The flag the coupled statement runs without (``else`` of ``if group["decoupled"]:``), None
    when it runs whenever the decay is non-zero, False when it runs under another test."""
    switch: Optional[str] = None
    for test, holds in tests:
        for part, true in _conjuncts(test, holds):
            keys = reads.keys(part)
            if keys == {key} or not keys and _constant(part):
                continue  # ``if group["weight_decay"] != 0``, ``if wd``
            flag = _flag(part, reads)
            if flag is None or flag == key or true or switch not in (None, flag):
                return False
            switch = flag
    return switch


def _conjuncts(test: ast.expr, holds: bool) -> Iterator[Tuple[ast.expr, bool]]:
    """The parts of ``test`` that each hold (or each fail) where the statement runs: the operands
    of ``and`` when it holds, of ``or`` when it fails; ``not x`` as ``x`` the other way."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _conjuncts(test.operand, not holds)
    elif isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And if holds else ast.Or):
        for value in test.values:
            yield from _conjuncts(value, holds)
    elif isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and not holds \
            and sum(not _presence(v) for v in test.values) == 1:
        # ``"decoupled" in group and group["decoupled"]`` false: the key is there (``__init__``
        # fills it, which the caller checks), so the flag is false
        yield from _conjuncts(next(v for v in test.values if not _presence(v)), holds)
    else:
        yield test, holds


def _presence(test: ast.expr) -> bool:
    """``"K" in group``."""
    return isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) \
        and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str) \
        and isinstance(test.comparators[0], ast.Name)


def _flag(test: ast.expr, reads: _GroupReads) -> Optional[str]:
    """The group key a test reads as a truth value (``group["decoupled"]``, a name bound to it), or
    ``self.<attr>`` for an attribute of the optimizer (``self._weight_decouple``)."""
    if isinstance(test, ast.Name):
        return reads.aliases.get(test.id)
    if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name) and test.value.id == "self":
        return f"self.{test.attr}"
    return _group_key(test)


def _constant(expr: ast.expr) -> bool:
    return all(not isinstance(n, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)) for n in ast.walk(expr))


def _stored(init: ast.AST, attribute: str) -> Optional[str]:
    """The parameter ``__init__`` stores in ``self.<attribute>``, when it stores exactly one, once."""
    stores = [node.value for node in ast.walk(init) if isinstance(node, ast.Assign) for target in node.targets
              if isinstance(target, ast.Attribute) and target.attr == attribute
              and isinstance(target.value, ast.Name) and target.value.id == "self"]
    return stores[0].id if len(stores) == 1 and isinstance(stores[0], ast.Name) else ""


def _group_keys(init: ast.AST) -> Dict[str, Optional[str]]:
    """The keys ``__init__`` puts into its defaults (``dict(lr=lr, weight_decay=weight_decay)`` or
    a dict written out), or gives a base constructor by keyword (``Adagrad.__init__(self, params,
    weight_decay=weight_decay)``: torch's constructors make them the group's), each with the
    parameter it holds (None for another value)."""
    found: Dict[str, Optional[str]] = {}
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and (isinstance(node.func, ast.Name) and node.func.id == "dict"
                                           or isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"):
            pairs = [(kw.arg, kw.value) for kw in node.keywords if kw.arg is not None]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        else:
            continue
        for key, value in pairs:
            held = value.id if isinstance(value, ast.Name) else None
            found[key] = held if found.get(key, held) == held else None  # two dicts disagreeing: neither
    return found

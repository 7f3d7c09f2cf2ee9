"""Optimizer classes a project writes itself, read as the catalog reads torch's.

Research code often carries its own copy of an adaptive optimizer (a ``RAdam``, an ``RMSpropTF``,
a ``Yogi``): a subclass of ``torch.optim.Optimizer`` with its own ``step()``. Whether its
``weight_decay`` is coupled is written in that step: coupled L2 adds ``λ·p`` to the gradient, the
gradient so decayed is squared, element by element, into a second moment, and the root of that
moment divides the update (``exp_avg_sq.addcmul_(grad, grad)`` … ``exp_avg_sq.sqrt()``). The
reading asks for the root, not for the division: a step that takes it only to clip would be read
as adaptive too.
Decoupled decay shrinks ``p`` itself (``p.mul_(1 - lr·λ)``) or adds ``λ·p`` after the division
(NovoGrad, LAMB's update); a square summed into a norm (LARS's trust ratio, clipping) is no
per-weight denominator; a sampler (SGLD, SGHMC) adds the prior's ``λ·p`` on purpose. None of
these is read as coupled.

A class is read as coupled only where its step says so without doubt: the statement that adds
the decay to the gradient runs whenever the decay is non-zero (tests of the parameter itself,
``p.grad is None``, ``p.ndim > 1``, do not count), or whenever one flag of the param group or of
the optimizer is false (``if group["decoupled_decay"]: p.mul_(…) else: grad = grad.add(p,
alpha=wd)``: the flag is then the row's switch), and the decay and flag are the constructor's
arguments of those names. Such a class becomes a catalog row (``OptimizerApi``) for the run, so
its constructions are checked exactly as torch's are.
"""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from . import catalog
from .branches import own_parts, statements_under_tests
from .catalog import COUPLED, OptimizerApi
from .scope import Resolver, Scope
from .summaries import stored_parameters, without_self

# the base classes a project's optimizer derives from to be one
OPTIMIZER_BASES = frozenset(("torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"))

_COPIES = frozenset(("float", "double", "half", "detach", "clone", "contiguous"))  # ``p.data.float()``
# what a sampler's step draws its noise with: SGLD, SGHMC and their preconditioned forms add the
# prior's λ·p to the gradient on purpose (it is the log-prior's gradient, preconditioned as the rest)
_NOISE = frozenset(("normal", "normal_", "randn", "randn_like", "normal_like", "sample", "rsample", "Normal"))
_REDUCTIONS = frozenset(("sum", "mean", "norm", "dot", "vdot", "max", "amax", "item"))  # a square so reduced is a norm
_ROOTS = frozenset(("sqrt", "sqrt_", "rsqrt", "rsqrt_"))
_DIVIDES = frozenset(("div", "div_", "addcdiv", "addcdiv_", "reciprocal", "reciprocal_"))
_MAX_COUPLINGS = 8  # decay statements read per step: a bound on generated code, far above real steps

_Test = Tuple[ast.expr, bool]  # an ``if`` test, and whether the statement runs when it is true
_Tests = Tuple[_Test, ...]


def class_row(resolver: Resolver, cls: ast.ClassDef, outer: Scope, name: str, where: str) -> Optional[OptimizerApi]:
    """The catalog row of a class of ``resolver``'s module (its bases read in ``outer``) when it is
    a torch optimizer whose own step applies its decay coupled (``coupled_row``), else None."""
    base = optimizer_base([resolver.qualname(b, outer) for b in cls.bases])
    if base is None:
        return None
    return coupled_row(cls, name, where, base if base is not True else None)


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
        stored = _stored(init, switch[len("self."):]) if init is not None else None
        if stored is None:
            return None  # a flag set otherwise: not known
        switch, group_switch = stored, None
    if filled.get(key) != key or key not in names or switch is not None and (
            switch not in names or group_switch is not None and filled.get(switch) != switch):
        return None  # the decay (or its flag) is not the constructor's argument of that name
    if not _literal(signature.defaults.get(key, "0")) or switch is not None and not (
            switch in signature.defaults and _literal(signature.defaults[switch])):
        return None  # a default the catalog's rows cannot hold (``weight_decay=DEFAULT_WD``)
    at = f"{where}{line}"
    if switch is not None:
        return OptimizerApi(names=(name,), signature_text=parameters, decay=COUPLED, source=at,
                            code="AWL102", weight_decay=key, switch=switch, group_switch=group_switch,
                            advice=f"pass {switch}=True (its step() adds {key}·p to the gradient at {at} unless it is true)")
    return OptimizerApi(names=(name,), signature_text=parameters, decay=COUPLED, source=at,
                        code="AWL103", weight_decay=key,
                        advice=f"its step() adds {key}·p to the gradient at {at}, before the adaptive denominator: "
                               f"decay the weights there instead (p.mul_(1 - lr * {key})), or use torch.optim.AdamW")


def _literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


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
    """``(decay key, switch or None, line)`` of the statement of ``step`` that adds the decay to a
    gradient whose square then divides the update; None when there is none, or when what it runs
    under is not a test of the decay or of one flag it runs without (a test both of whose branches
    add the decay whatever else they test does not count)."""
    nodes = list(ast.walk(step))
    reads = _StepReads(nodes)
    if not reads.params or any(isinstance(n, ast.Attribute) and n.attr in _NOISE
                               or isinstance(n, ast.Name) and n.id in _NOISE for n in nodes):
        return None
    statements = list(statements_under_tests(step.body))  # type: ignore[attr-defined]
    candidates = [(index, key, gradient) for index, (statement, _) in enumerate(statements)
                  for key, gradient in [reads.coupled(statement)] if key is not None][:_MAX_COUPLINGS]
    found = [(statements[index][0], key, statements[index][1]) for index, key, gradient in candidates
             if reads.divides(statements, index, gradient, key)]
    # ``if momentum and grad.is_sparse: raise …``: what follows runs on every step that runs at all
    raising = {id(n.test) for n in nodes if isinstance(n, ast.If) and n.body and isinstance(n.body[-1], ast.Raise)}
    for statement, key, tests in found:
        deciding = tuple((test, holds) for test, holds in tests
                         if not (holds is False and id(test) in raising) and not _both_ways(test, holds, key, found, reads))
        known, switch = _switch(deciding, key, reads)
        if known and (switch is None or _decouples(statements, switch, key, reads)):
            return key, switch, statement.lineno
    return None


def _decouples(statements: List[Tuple[ast.stmt, _Tests]], switch: str, key: str, reads: "_StepReads") -> bool:
    """Whether where ``switch`` holds the step decays the weights themselves (``p.mul_(1 - lr *
    wd)``, ``p.add_(p, alpha=-lr * wd)``): only then is the flag a decoupled switch (``foreach``,
    ``amsgrad`` or ``fused`` being false where the decay runs says nothing of how it decays)."""
    return any(reads.decays_weights(statement, key)
               and any(true and _flag(part, reads) == switch for test, holds in tests for part, true in _conjuncts(test, holds))
               for statement, tests in statements)


def _both_ways(test: ast.expr, holds: bool, key: str, found: List[Tuple[ast.stmt, str, _Tests]],
               reads: "_StepReads") -> bool:
    """Whether the other way of ``test`` adds the decay too, with nothing else to decide it there
    (``if group["nesterov"]: grad = grad.add(p, …) … else: grad = grad.add(p, …)``; not the ``elif``
    of a chain whose last branch decays ``p`` itself)."""
    for _, other, others in found:
        for position, (one, way) in enumerate(others):
            if one is test and way is not holds and other == key:
                return all(reads.ignorable(part, key) for below, below_holds in others[position + 1:]
                           for part, _ in _conjuncts(below, below_holds))
    return False


class _StepReads:
    """What a step (its ``nodes``) reads: the parameters it loops over (``for p in group["params"]``), the
    gradients taken from them before anything divides them (``grad = p.grad``, not ``update =
    grad / denom``), copies of a parameter, and the names bound to a group's entries (``wd =
    group["weight_decay"]``), in the order the step binds them."""

    def __init__(self, nodes: List[ast.AST]) -> None:
        self.params: Set[str] = set()
        self.grads: Set[str] = set()
        self.aliases: Dict[str, str] = {}  # name → the group key it holds
        self.copies: Set[str] = set()  # names bound to a parameter (``p_fp32 = p.data.float()``)
        for node in nodes:
            if isinstance(node, (ast.For, ast.AsyncFor)):
                self.params.update(_parameter_targets(node))
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
        """Whether ``expr`` is computed from a parameter's ``.grad`` (or a gradient already named),
        and nothing in it divides: an update scaled by its denominator is no longer the gradient."""
        reads_grad = divided = False
        for n in ast.walk(expr):
            if isinstance(n, ast.Attribute) and n.attr == "grad" and isinstance(n.value, ast.Name) \
                    and n.value.id in self.params or isinstance(n, ast.Name) and n.id in self.grads:
                reads_grad = True
            elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) \
                    or isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _DIVIDES | _ROOTS:
                divided = True
        return reads_grad and not divided

    def keys(self, expr: ast.AST) -> Set[str]:
        """The group keys ``expr`` reads, directly or through a name bound to one."""
        found = set()
        for node in ast.walk(expr):
            key = _group_key(node) if isinstance(node, (ast.Subscript, ast.Call)) else \
                self.aliases.get(node.id) if isinstance(node, ast.Name) else None
            if key is not None:
                found.add(key)
        return found

    def ignorable(self, part: ast.expr, key: str) -> bool:
        """Whether a test leaves the decay statement running wherever the decay is non-zero: a test
        of the decay (``group["weight_decay"] != 0``, ``wd``), or of the parameter or its gradient
        alone (``p.grad is not None``, ``p.ndim > 1``: the decay then runs for those weights)."""
        keys = self.keys(part)
        if keys:
            return keys == {key}
        names = {n.id for n in ast.walk(part) if isinstance(n, ast.Name)}
        return names <= self.params | self.grads | self.copies

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
        decays = {key for key in self.keys(expr) if "decay" in key}
        return decays.pop() if len(decays) == 1 else None

    def _decay_term(self, value: ast.AST) -> Optional[str]:
        """The decay key of a term ``λ·p`` in ``value``: ``wd * p``, ``.add(p, alpha=wd)``,
        ``.add(wd, p)`` (the old signature), ``p.mul(wd)``."""
        for node in ast.walk(value):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
                for one, other in ((node.left, node.right), (node.right, node.left)):
                    if self._parameter(one) and (key := self._decay_key(other)):
                        return key
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                alpha = next((kw.value for kw in node.keywords if kw.arg == "alpha"), None)
                if node.func.attr in ("add", "add_") and node.args:
                    if alpha is not None and self._parameter(node.args[0]) and (key := self._decay_key(alpha)):
                        return key
                    if len(node.args) == 2 and self._parameter(node.args[1]) and (key := self._decay_key(node.args[0])):
                        return key
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

    def decays_weights(self, statement: ast.stmt, key: str) -> bool:
        """Whether ``statement`` shrinks the parameter itself by the decay: ``p.mul_(1 - lr * wd)``,
        ``p.data.add_(p.data, alpha=-lr * wd)``, ``p -= lr * wd * p``."""
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
                and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr.endswith("_"):
            target: ast.AST = statement.value.func.value
            value: ast.AST = statement.value
        elif isinstance(statement, (ast.Assign, ast.AugAssign)):
            target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
            value = statement.value
        else:
            return False
        return self._parameter(target) and key in self.keys(value)

    def divides(self, statements: List[Tuple[ast.stmt, _Tests]], index: int, gradient: str, key: str) -> bool:
        """Whether, after the statement at ``index`` and where the step can go on from it,
        ``gradient`` (or what is computed from it) is squared element by element into a moment
        (``exp_avg_sq.addcmul_(grad, grad)``, ``square_avg.add_(grad.pow(2) - square_avg)``,
        ``grad_sq = grad.mul(grad)``) whose root is then taken (``exp_avg_sq.sqrt()``): the decay
        it added is divided by that root. The square must be taken wherever the decay is added
        (not under a flag of its own: ``if group["adaptive"]: v.addcmul_(…)``). One pass over what
        follows."""
        mine = {id(test): holds for test, holds in statements[index][1]}
        derived, moments = {gradient}, set()  # what holds the decayed gradient; what holds its square
        for statement, tests in statements[index + 1:]:
            if any(mine.get(id(test), holds) != holds for test, holds in tests):
                continue  # the other branch of a test it runs under
            parts = own_parts(statement)
            if moments and any(_root_of(node, moments) for part in parts for node in ast.walk(part)):
                return True
            target = _written(statement)
            if target is None:
                continue
            squared = any(_squares(part, derived) for part in parts) and all(
                self.ignorable(part, key) for test, holds in tests if id(test) not in mine
                for part, _ in _conjuncts(test, holds))
            if squared or _mentions(parts, moments):
                moments.add(target)
            elif _mentions(parts, derived):
                derived.add(target)
        return False


def _ref(node: ast.AST) -> Optional[str]:
    """How a step names what it holds: ``v``, ``state["v"]``, ``self.v``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
        return f"{node.value.id}[{node.slice.value!r}]"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _mentions(parts: List[ast.AST], refs: Set[str]) -> bool:
    return bool(refs) and any(_ref(node) in refs for part in parts for node in ast.walk(part))


def _written(statement: ast.stmt) -> Optional[str]:
    """What a statement stores into: an assignment's one target, or the receiver of an in-place
    method (``exp_avg_sq.mul_(beta2).addcmul_(…)``: ``exp_avg_sq``)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        return _ref(statement.targets[0])
    if isinstance(statement, ast.AugAssign):
        return _ref(statement.target)
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) \
            and isinstance(statement.value.func, ast.Attribute) and statement.value.func.attr.endswith("_"):
        receiver: ast.AST = statement.value
        while isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
            receiver = receiver.func.value
        return _ref(receiver)
    return None


def _squares(part: ast.AST, refs: Set[str]) -> bool:
    """Whether ``part`` holds an element-wise square of one of ``refs`` that no reduction (``sum``,
    ``.norm()``, ``.mean()``) turns into a norm: ``g * g``, ``g ** 2``, ``g.pow(2)``, ``g.square()``,
    ``g.mul(g)``, ``torch.mul(g, g)``, ``v.addcmul_(g, g)``."""
    def held(expr: ast.AST) -> Optional[str]:
        ref = _ref(expr)
        return ref if ref in refs else None

    stack: List[Tuple[ast.AST, bool]] = [(part, False)]  # a node, and whether a reduction holds it
    while stack:
        node, reduced = stack.pop()
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _REDUCTIONS:
                reduced = True
            elif not reduced and isinstance(func, ast.Attribute):
                if name in ("addcmul_", "addcmul"):
                    named = [held(arg) for arg in node.args]
                    if any(n is not None and named.count(n) >= 2 for n in named):
                        return True
                if held(func.value) is not None and (name == "square" or name == "pow" and node.args and _is_two(node.args[0])
                                                     or name in ("mul", "mul_") and len(node.args) == 1
                                                     and held(node.args[0]) == held(func.value)):
                    return True
                if name in ("mul", "pow", "square") and node.args and held(node.args[0]) is not None:
                    rest = node.args[1:]
                    if name == "square" and not rest or rest and (held(rest[0]) == held(node.args[0]) if name == "mul"
                                                                     else name == "pow" and _is_two(rest[0])):
                        return True
        elif isinstance(node, ast.BinOp) and not reduced:
            if isinstance(node.op, ast.Mult) and held(node.left) is not None and held(node.left) == held(node.right):
                return True
            if isinstance(node.op, ast.Pow) and held(node.left) is not None and _is_two(node.right):
                return True
        stack.extend((child, reduced) for child in ast.iter_child_nodes(node))
    return False


def _root_of(node: ast.AST, moments: Set[str]) -> bool:
    """Whether ``node`` takes a root of a moment: ``v.sqrt()``, ``torch.sqrt(v)``, ``v ** 0.5``,
    ``v.pow(1 / 3)`` (MADGRAD's cube root)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in _ROOTS:
            return _mentions([node.func.value, *node.args], moments)
        if node.func.attr in ("pow", "pow_", "float_power") and node.args and _fractional(node.args[-1]):
            return _mentions([node.func.value, *node.args[:-1]], moments)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _fractional(node.right):
        return _mentions([node.left], moments)
    return False


def _fractional(expr: ast.AST) -> bool:
    """A constant exponent strictly between -1 and 1, not 0: ``0.5``, ``-0.5``, ``1 / 3``."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        expr = expr.operand
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div) and isinstance(expr.left, ast.Constant) \
            and isinstance(expr.right, ast.Constant) and type(expr.left.value) in (int, float) \
            and type(expr.right.value) in (int, float) and expr.right.value:
        value: object = expr.left.value / expr.right.value
    else:
        value = expr.value if isinstance(expr, ast.Constant) else None
    return type(value) in (int, float) and 0 < abs(value) < 1  # type: ignore[operator, arg-type]


def _parameter_targets(loop: ast.AST) -> List[str]:
    """The names a loop gives each parameter of a group: ``for p in group["params"]``, ``for i, p
    in enumerate(group["params"])``, ``for p, g in zip(group["params"], grads)``."""
    target, over = loop.target, loop.iter  # type: ignore[attr-defined]
    if isinstance(over, ast.Call) and isinstance(over.func, ast.Name) and isinstance(target, ast.Tuple):
        if over.func.id == "enumerate" and len(over.args) == 1 and len(target.elts) == 2:
            target, over = target.elts[1], over.args[0]
        elif over.func.id == "zip" and len(over.args) == len(target.elts):
            return [one.id for one, each in zip(target.elts, over.args)
                    if isinstance(one, ast.Name) and _group_key(each) == "params"]
    return [target.id] if isinstance(target, ast.Name) and _group_key(over) == "params" else []


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


def _switch(tests: _Tests, key: str, reads: _StepReads) -> Tuple[bool, Optional[str]]:
    """Whether the coupled statement runs wherever the decay is non-zero but for one flag, and
    that flag (``else`` of ``if group["decoupled"]:``; None when there is none); (False, None) when
    it runs under another test."""
    switch: Optional[str] = None
    for test, holds in tests:
        for part, true in _conjuncts(test, holds):
            if reads.ignorable(part, key):
                continue
            flag = _flag(part, reads)
            if flag is None or flag == key or true or switch not in (None, flag):
                return False, None
            switch = flag
    return True, switch


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


def _flag(test: ast.expr, reads: _StepReads) -> Optional[str]:
    """The group key a test reads as a truth value (``group["decoupled"]``, a name bound to it), or
    ``self.<attr>`` for an attribute of the optimizer (``self._weight_decouple``)."""
    if isinstance(test, ast.Name):
        return reads.aliases.get(test.id)
    if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name) and test.value.id == "self":
        return f"self.{test.attr}"
    return _group_key(test)


def _stored(init: ast.AST, attribute: str) -> Optional[str]:
    """The parameter ``__init__`` stores in ``self.<attribute>``, when it stores one there, once."""
    stores = [name for attr, name in stored_parameters(init) if attr == attribute]  # type: ignore[arg-type]
    assigned = sum(isinstance(t, ast.Attribute) and t.attr == attribute for node in ast.walk(init)
                   if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                   for target in getattr(node, "targets", [getattr(node, "target", None)])
                   for t in (target.elts if isinstance(target, ast.Tuple) else [target]))
    return stores[0] if len(stores) == 1 and assigned == 1 else None


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

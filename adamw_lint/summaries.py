"""Summaries the checkers query instead of re-walking code, each computed on demand and never by
importing anything:

* per callable (``callable_reach``): the one catalog optimizer a function or class constructs,
  and how its parameters flow into that construction — a wrapper function, a subclass without
  its own ``step``, a holder class (``self.optim = Adam(*args, **kwargs)``), a factory class
  whose method builds from what ``__init__`` stored on ``self``. The engine asks it for this
  module's callables; ``ProjectIndex.reach`` for another module's.
* per class family (``ClassMembers``): what its methods keep on ``self``.

What a module's classes keep on ``self``, in detail:

TF1 and Keras code splits a training setup over methods and classes: the optimizer is stored in
one method (``self.optimizer = tf.train.AdamOptimizer(...)``, often in a subclass's
``__init__``), the loss is built in another (``self.loss += wd * tf.nn.l2_loss(v)``), and
``self.optimizer.minimize(self.loss)`` is called in a base class. A read of ``self.<attr>`` in a
method may hold anything the family stores there — the class, its bases and its subclasses in
the same module, since ``self`` may be an instance of any of them — or be one of their methods of
that name. The answer over-approximates (every store, in any order): the checkers treat it as
"what this attribute can be built from", never as proof of what it is.
"""

from __future__ import annotations

import ast
import collections
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple, Union

from . import catalog
from .branches import Chosen, chosen_calls
from .records import Record
from .scope import Resolver, Scope, is_parameter, is_super_call, kept_on

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Value = Tuple[ast.AST, Scope]  # an expression stored on self (or a method), and the scope to read it in


class Module(Record):
    """One parsed project module."""

    name: str
    path: str
    resolver: Resolver
    lines: Sequence[str]


class Reach(Record):
    """How a project callable reaches a catalog optimizer ``name``: the construction inside it
    (``call``, in ``module``), and the callable's own parameters (``params``: its ``ast.arguments``,
    None when it takes the optimizer's own arguments unchanged)."""

    name: str
    module: Module
    call: Optional[ast.Call]
    params: Optional[ast.arguments]
    line: int  # where the project code names the optimizer
    # a factory class: the construction is in a method, and ``self.<attr>`` it reads holds the
    # ``__init__`` parameter stored there
    stored: Tuple[Tuple[str, str], ...] = ()
    # built by name: ``name`` is a getter (catalog.OPTIMIZER_NAME_TABLES) and this parameter of
    # the callable is the name it is given
    named: str = ""
    # a dispatcher's branch: what it requires of the callable's string parameters
    # (``if name == "adam":``); a call that passes another string takes another branch
    chosen: Tuple[Chosen, ...] = ()
    # a dispatcher (``get_optimizer(name, params, **kw)``): every branch, this one the first
    branches: Tuple["Reach", ...] = ()
    # built by ``getattr(<name>, <named>)`` (``name`` is then a module, such as ``torch.optim``): the
    # class is the one the caller's string names
    by_attribute: bool = False

    @property
    def where(self) -> str:
        return f"{self.module.path}:{self.line}"


def callable_reach(module: Module, node: Optional[ast.AST], reach_name: Callable[[str, int], Optional[Reach]],
                   depth: int = 0) -> Optional[Reach]:
    """The summary of a class or function of ``module``: the one catalog optimizer it constructs,
    and how its parameters flow into that construction. ``reach_name`` answers for a base class
    named elsewhere (another module of the project), or says None."""
    if isinstance(node, ast.ClassDef):
        return _class(module, node, reach_name, depth)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _function(module, node, node.args)
    return None


def _class(module: Module, node: ast.ClassDef, reach_name: Callable[[str, int], Optional[Reach]],
           depth: int) -> Optional[Reach]:
    methods = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if replaces_step(node):
        return None  # its own update rule decides (``own_optimizers`` reads it)
    init = methods.get("__init__")
    for base in node.bases:
        name = module.resolver.qualname(base, module.resolver.module)
        if name is None:
            continue
        if name in catalog.OPTIMIZERS_BY_NAME:
            reached: Optional[Reach] = Reach(name, module, None, None, base.lineno)
        else:
            reached = reach_name(name, depth + 1)
        if reached is None:
            continue
        if init is None:
            return reached
        inner = _init_call(module, init, base)
        if inner is None or reached.call is not None:
            return None  # an __init__ that does not forward to the base: unknown
        return Reach(reached.name, module, inner, without_self(init.args), base.lineno)
    if init is not None:
        params, stored = without_self(init.args), tuple(stored_parameters(init))
        held = _function(module, init, params)  # ``self.optim = torch.optim.Adam(*args, **kwargs)``
        if held is not None:
            return held
    else:
        written = _dataclass_init(module.resolver, node)  # ``@dataclass``'s own
        if written is None:
            return None
        params, stored = written
    # a factory: __init__ stores its parameters (``self.weight_decay = weight_decay``) and one
    # method builds the optimizer from them
    built = [r for m in methods.values() if m is not init for r in [_function(module, m, params)] if r]
    if len(built) != 1 or built[0].chosen or built[0].branches or built[0].by_attribute:
        return None  # a method that chooses by its own parameters: not what the class is built with
    return built[0]._replace(stored=stored)


def _dataclass_init(resolver: Resolver, node: ast.ClassDef) -> Optional[Tuple[ast.arguments, Tuple[Tuple[str, str], ...]]]:
    """The ``__init__`` that ``@dataclass`` writes for ``node``: its fields in order, each stored
    on ``self`` under its own name (not one ``__post_init__`` assigns again). The fields are
    keyword-only where their positions are not known here: a class with bases (their fields come
    first), ``kw_only`` (which moves a field to the end), ``KW_ONLY``, an ``InitVar``, a field
    that is no parameter. None for a class that is not a dataclass."""
    decorator = next((d for d in node.decorator_list
                      if resolver.qualname(d.func if isinstance(d, ast.Call) else d, resolver.module) == _DATACLASS), None)
    if decorator is None:
        return None
    keyword_only = bool(node.bases) or isinstance(decorator, ast.Call) and any(
        k.arg == "kw_only" and not (isinstance(k.value, ast.Constant) and k.value.value is False) for k in decorator.keywords)
    fields: List[Tuple[str, Optional[ast.expr]]] = []
    for stmt in node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        annotation = ast.unparse(stmt.annotation)
        if "ClassVar" in annotation:
            continue
        if "KW_ONLY" in annotation or "InitVar" in annotation:
            keyword_only = True
            continue
        default = stmt.value
        if isinstance(default, ast.Call) and resolver.qualname(default.func, resolver.module) == _DATACLASS_FIELD:
            options = {k.arg: k.value for k in default.keywords}
            no_parameter = "init" in options and not _is_true(options["init"])
            if no_parameter or "kw_only" in options:
                keyword_only = True  # no parameter (unless plainly init=True), or a field moved to the end
            if no_parameter:
                continue
            default = options.get("default")
        fields.append((stmt.target.id, default))
    names = [ast.arg(arg=name, annotation=None) for name, _ in fields]
    defaults = [default for _, default in fields]
    first = next((i for i, default in enumerate(defaults) if default is not None), len(defaults))
    if keyword_only or any(default is None for default in defaults[first:]):
        params = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=names, kw_defaults=defaults,
                               kwarg=None, defaults=[])
    else:
        params = ast.arguments(posonlyargs=[], args=names, vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                               defaults=defaults[first:])
    post_init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__post_init__"), None)
    reassigned = set(_assigned_on_self(post_init)) if post_init is not None else set()
    return params, tuple((name, name) for name, _ in fields if name not in reassigned)


def _assigned_on_self(function: ast.FunctionDef) -> Iterator[str]:
    """The attributes ``function`` sets on ``self``: ``self.x = …`` (in a tuple too), ``self.x += …``,
    ``object.__setattr__(self, "x", …)`` (a frozen dataclass's way) and ``setattr(self, "x", …)``."""
    for node in ast.walk(function):
        for target, _ in _stores(node):
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                yield target.attr
        if isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) \
                and node.args[0].id == "self" and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
                and ast.unparse(node.func) in ("setattr", "object.__setattr__"):
            yield node.args[1].value


def _is_true(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


_DATACLASS, _DATACLASS_FIELD = "dataclasses.dataclass", "dataclasses.field"


def stored_parameters(init: ast.FunctionDef) -> Iterator[Tuple[str, str]]:
    """``self.<attr> = <name>`` in ``__init__`` (also ``self.a, self.b = a, b``): (attr, name)."""
    for stmt in ast.walk(init):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        pairs = zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
            and len(target.elts) == len(value.elts) else [(target, value)]
        for one, given in pairs:
            if isinstance(one, ast.Attribute) and isinstance(one.value, ast.Name) and isinstance(given, ast.Name):
                yield one.attr, given.id


def signature_of(params: ast.arguments) -> catalog.Signature:
    """What a def's parameters are, as a catalog row's signature: once per ``ast.arguments`` (every
    call of a wrapper binds its arguments to them)."""
    found = getattr(params, "_signature", None)
    if found is None:
        found = params._signature = catalog.Signature.parse(ast.unparse(params))  # type: ignore[attr-defined]
    return found


def method_reach(module: Module, method: Function) -> Optional[Reach]:
    """What a method constructs, as ``self.<name>(…)`` calls it: its parameters after ``self``
    (all of a ``@staticmethod``'s)."""
    return _function(module, method, method.args if _static(method) else without_self(method.args))


def replaces_step(cls: ast.ClassDef) -> bool:
    """Whether an optimizer class's own ``step()`` replaces its base's: it defines one that does
    not call ``super().step()``, or handles a decay around it (DeMo sets the groups' decay to 0
    and decays the weights itself); one that only calls it wraps the base's update (clipping)."""
    return kept_on(cls, "_replaces_step", None, lambda: any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "step" and _replaces(s) for s in cls.body))


def _replaces(step: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """``replaces_step`` of one ``step``, in one walk of it (every class of a module with a ``step``
    is asked: reinforcement-learning environments, schedulers)."""
    calls_base = False
    for n in ast.walk(step):
        if isinstance(n, ast.Name):
            word = n.id
        elif isinstance(n, ast.Attribute):
            word = n.attr
        elif isinstance(n, ast.Call):
            calls_base = calls_base or is_super_call(n, step.name)
            continue
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            word = n.value
        else:
            continue
        if "decay" in word:
            return True
    return not calls_base


def without_self(params: ast.arguments) -> ast.arguments:
    """The parameters after the first (``self``, positional-only too: ``def m(self, /, lr)``)."""
    posonly, positional = (params.posonlyargs[1:], params.args) if params.posonlyargs else ([], params.args[1:])
    return ast.arguments(posonlyargs=posonly, args=positional, vararg=params.vararg, kwonlyargs=params.kwonlyargs,
                         kw_defaults=params.kw_defaults, kwarg=params.kwarg, defaults=params.defaults)


def _function(module: Module, node, params: ast.arguments) -> Optional[Reach]:
    if module.resolver.scope_of(node) is None:
        return None  # a body the resolver did not enter names no optimizer
    inside = _calls_by_function(module.resolver).get(id(node), [])
    built = [(call, name, "", 0) for call, scope in inside
             for name in [module.resolver.qualname(call.func, scope)] if name in catalog.OPTIMIZERS_BY_NAME]
    built += [(call, *by_name) for call, scope in inside for by_name in [_built_by_name(module.resolver, call, scope, node)]
              if by_name is not None]
    if not built:
        return None
    # what the branch of each construction requires of the function's strings (``if name ==
    # "adam": return Adam(params, **kw)``, ``elif name == "rmsprop": …``)
    required = chosen_calls(node, [a.arg for a in (*params.posonlyargs, *params.args)])
    branches = [Reach(name, module, call, params, line or call.lineno, named=named, by_attribute=bool(named),
                      chosen=required.get(id(call), (call, ()))[1]) for call, name, named, line in built]
    if len(branches) == 1:
        return branches[0]
    if not all(branch.chosen or branch.by_attribute for branch in branches):
        return None  # several built together, or chosen by what a caller cannot spell: which one is not known
    return branches[0]._replace(branches=tuple(branches))  # a dispatcher: each a branch


def _built_by_name(resolver: Resolver, call: ast.Call, scope: Scope, function: Function) -> Optional[Tuple[str, str, int]]:
    """``(module, parameter, line of the getattr)`` where ``call`` builds ``getattr(<module>,
    <parameter>)`` of an optimizer module (``torch.optim``), directly or through the one binding
    of a name that reaches it (``cls = getattr(torch.optim, name)``; ``cls(params, **kw)``), with
    ``function``'s own parameter as its caller passed it: that caller's string names the class."""
    callee: ast.expr = call.func
    if isinstance(callee, ast.Name):
        bindings = resolver.reaching_all(callee, scope)
        if len(bindings) != 1 or bindings[0].value is None:
            return None
        callee, scope = bindings[0].value, bindings[0].scope
    if not (isinstance(callee, ast.Call) and isinstance(callee.func, ast.Name) and callee.func.id == "getattr"
            and len(callee.args) == 2 and not callee.keywords and isinstance(callee.args[1], ast.Name)
            and scope.lookup("getattr", (callee.lineno, callee.col_offset)) is None):
        return None
    owner = resolver.qualname(callee.args[0], scope)
    if owner not in catalog.OPTIMIZER_MODULES:
        return None
    binding = resolver.reaching(callee.args[1], scope)
    if binding is None or binding.scope.node is not function or not is_parameter(binding):
        return None  # not the parameter as the caller passed it
    return owner, callee.args[1].id, callee.lineno


def _calls_by_function(resolver: Resolver) -> Dict[int, List[Tuple[ast.Call, Scope]]]:
    """Each function's calls (its nested scopes' included), indexed once per module."""
    index = getattr(resolver, "_calls_by_function", None)
    if index is None:
        index = {}
        for call, scope in resolver.calls:
            current: Optional[Scope] = scope
            while current is not None:
                if isinstance(current.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    index.setdefault(id(current.node), []).append((call, scope))
                current = current.parent
        resolver._calls_by_function = index  # type: ignore[attr-defined]
    return index


def _in_function(scope: Optional[Scope], node: ast.AST) -> bool:
    while scope is not None:
        if scope.node is node:
            return True
        scope = scope.parent
    return False


def _init_call(module: Module, init: ast.FunctionDef, base: ast.expr) -> Optional[ast.Call]:
    """The ``super().__init__(...)`` / ``Base.__init__(self, ...)`` call of ``init``."""
    for call, scope in module.resolver.calls:
        func = call.func
        if not (_in_function(scope, init) and isinstance(func, ast.Attribute) and func.attr == "__init__"):
            continue
        if isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
            return call
        if ast.dump(func.value) == ast.dump(base) and call.args:
            return ast.Call(func=func, args=call.args[1:], keywords=call.keywords)
    return None


def named_reach(module: Module, function: ast.AST) -> List[Reach]:
    """What ``function`` (a ``def`` of ``module``) builds by name: each call of a catalog getter in
    its body or a closure of it (``get_optimizer_instance(dnn_optimizer, 0.01)``, typically in a
    ``model_fn`` that trains with it) whose name argument is one of the function's own parameters
    as passed (``Reach.named``); the caller's argument decides the class."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or module.resolver.scope_of(function) is None:
        return []
    found: List[Reach] = []
    for call, scope in _calls_by_function(module.resolver).get(id(function), []):
        getter = module.resolver.qualname(call.func, scope)
        name = call.args[0] if call.args else next((kw.value for kw in call.keywords if kw.arg == "opt"), None)
        if getter not in catalog.OPTIMIZER_NAME_TABLES or not isinstance(name, ast.Name):
            continue
        binding = module.resolver.reaching(name, scope)
        if binding is None or binding.scope.node is not function or not is_parameter(binding):
            continue  # not the parameter as the caller passed it
        found.append(Reach(getter, module, call, function.args, call.lineno, named=name.id))  # type: ignore[arg-type]
    return found


class ClassMembers:
    """The ``self`` attributes of one module's class families."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._families: Dict[int, List[ast.ClassDef]] = {}
        self._members: Dict[int, Dict[str, List[Value]]] = {}  # id of a family's first class → attr → values
        self._links: Optional[Tuple[Dict[int, List[ast.ClassDef]], Dict[int, List[ast.ClassDef]]]] = None
        self._runs: Dict[Tuple[int, str], List[Function]] = {}  # ``methods_run``
        self._defined: Optional[Dict[str, List[Tuple[ast.ClassDef, Function]]]] = None  # method name → its defs
        self._ancestors: Dict[int, FrozenSet[int]] = {}
        self._foreign: Dict[int, Tuple[Tuple[ast.expr, Scope], ...]] = {}  # ``foreign_bases``
        self._defined_in: Optional[Dict[int, Scope]] = None  # id of a class → the scope it is defined in

    def self_attribute(self, node: ast.expr, scope: Scope) -> Optional[Tuple[ast.ClassDef, str]]:
        """``(class, attr)`` when ``node`` reads ``self.<attr>`` in a method of ``class``."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        method = _method_of(scope, node.value.id)
        return (method, node.attr) if method is not None else None

    def values(self, cls: ast.ClassDef, attr: str) -> List[Value]:
        """What ``self.<attr>`` may be built from in methods of ``cls``'s family."""
        family = self.family(cls)
        key = id(family[0])
        if key not in self._members:
            self._members[key] = self._collect(family)
        return self._members[key].get(attr, [])

    def lineage_values(self, cls: ast.ClassDef, attr: str) -> List[Value]:
        """What the methods of ``cls``'s lineage (``lineage``: not a sibling's) store in
        ``self.<attr>``: what it may hold on an instance a method of ``cls`` runs on."""
        lineage = self.lineage(cls)
        return [(value, scope) for value, scope in self.values(cls, attr)
                if isinstance(value, ast.expr) and any(_class_of(scope) is c for c in lineage)]

    def family(self, cls: ast.ClassDef) -> List[ast.ClassDef]:
        """``cls`` and the classes of this module related to it by inheritance, either way and
        transitively (its bases' other subclasses too): those whose methods may share a ``self``
        attribute's story, as the Keras walks read it."""
        if id(cls) not in self._families:
            family = self._related(cls, both=True)
            for member in family:
                self._families[id(member)] = family
        return self._families[id(cls)]

    def lineage(self, cls: ast.ClassDef) -> List[ast.ClassDef]:
        """``cls``, its bases and its subclasses defined in this module (transitively), not a
        sibling: the classes whose methods run on an instance a method of ``cls`` is given."""
        return self._related(cls, both=False)

    def methods_run(self, cls: ast.ClassDef, name: str) -> List[Function]:
        """The methods ``self.<name>(…)`` in a method of ``cls`` may run: the first of ``cls`` and
        its bases of this module, depth first and left to right (as the MRO goes without a
        diamond), that defines it, and the overrides of its subclasses here (``self`` may be one
        of theirs). Once per class and name."""
        key = (id(cls), name)
        if key not in self._runs:
            bases = self.bases(cls)
            found = next((own for c in (cls, *bases) for own in [_methods_named(c, name)] if own), [])
            self._runs[key] = found + self._overrides(cls, name)
        return self._runs[key]

    def definitions(self, cls: ast.ClassDef, name: str) -> Tuple[List[Function], List[Function]]:
        """Every method ``name`` of ``cls`` and its bases of this module (a diamond's too: which one
        the MRO runs is not the first met depth first), and the overrides of its subclasses here.
        Read from an index of the module's methods by name: a call of each method of each class in
        a chain of thousands stays near-linear."""
        above = self.ancestors(cls)
        defined = self._methods_by_name().get(name, ())
        return [m for c, m in defined if c is cls or id(c) in above], self._overrides(cls, name)

    def _overrides(self, cls: ast.ClassDef, name: str) -> List[Function]:
        return [m for c, m in self._methods_by_name().get(name, ()) if c is not cls and id(cls) in self.ancestors(c)]

    def _methods_by_name(self) -> Dict[str, List[Tuple[ast.ClassDef, Function]]]:
        if self._defined is None:
            self._defined = {}
            for cls, _ in sorted(self.resolver.classes, key=lambda pair: (pair[0].lineno, pair[0].col_offset)):
                for method in cls.body:
                    if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._defined.setdefault(method.name, []).append((cls, method))
        return self._defined

    def ancestors(self, cls: ast.ClassDef) -> FrozenSet[int]:
        """The ids of ``cls``'s bases of this module, transitively (each class's once per module)."""
        self._ancestry(cls)
        return self._ancestors[id(cls)]

    def foreign_bases(self, cls: ast.ClassDef) -> Tuple[Tuple[ast.expr, Scope], ...]:
        """The base expressions of ``cls`` and of its bases of this module that name no class of
        this module (``RemoteBase`` of ``from .remote import RemoteBase``, ``nn.Module``), each
        with the scope it is read in, each once."""
        self._ancestry(cls)
        return self._foreign[id(cls)]

    def _ancestry(self, cls: ast.ClassDef) -> None:
        parents, _ = self._inheritance()
        known, foreign, started = self._ancestors, self._foreign, set()
        stack: List[Tuple[ast.ClassDef, bool]] = [(cls, False)]
        while stack:  # depth first, a class after its bases; one met again on its own way up (a cycle) adds nothing
            current, ready = stack.pop()
            if id(current) in known:
                continue
            if ready:
                above = parents.get(id(current), [])
                known[id(current)] = frozenset().union(*(known.get(id(p), frozenset()) | {id(p)} for p in above))
                scope = self._scopes().get(id(current))
                own = tuple((b, scope) for b in current.bases if scope is not None and self._local_class(b, scope) is None)
                foreign[id(current)] = tuple({id(b): (b, s) for b, s in (*own, *(f for p in above for f in foreign.get(id(p), ())))}.values())
            elif id(current) not in started:
                started.add(id(current))
                stack.append((current, True))
                stack.extend((p, False) for p in parents.get(id(current), []) if id(p) not in known)

    def _scopes(self) -> Dict[int, Scope]:
        """The scope each class of the module is defined in."""
        if self._defined_in is None:
            self._defined_in = {id(c): scope for c, scope in self.resolver.classes}
        return self._defined_in

    def bases(self, cls: ast.ClassDef) -> List[ast.ClassDef]:
        """``cls``'s bases of this module, transitively: depth first, left to right, each once."""
        parents, _ = self._inheritance()
        found: List[ast.ClassDef] = []
        seen = {id(cls)}
        stack = list(reversed(parents.get(id(cls), [])))
        while stack:
            parent = stack.pop()
            if id(parent) not in seen:
                seen.add(id(parent))
                found.append(parent)
                stack.extend(reversed(parents.get(id(parent), [])))
        return found

    def _related(self, cls: ast.ClassDef, both: bool) -> List[ast.ClassDef]:
        """``both``: every class reached through bases and subclasses alike; else the bases
        upwards, then the subclasses downwards."""
        parents, children = self._inheritance()
        found, seen = [cls], {id(cls)}
        for links in [(parents, children)] if both else [(parents,), (children,)]:
            stack = [cls]
            while stack:
                current = stack.pop()
                for link in links:
                    for other in link.get(id(current), []):
                        if id(other) not in seen:
                            seen.add(id(other))
                            found.append(other)
                            stack.append(other)
        found.sort(key=lambda c: (c.lineno, c.col_offset))
        return found

    def _inheritance(self) -> Tuple[Dict[int, List[ast.ClassDef]], Dict[int, List[ast.ClassDef]]]:
        """The module's classes' local bases and subclasses, by id."""
        if self._links is None:
            classes = [c for c, _ in self.resolver.classes]
            parents: Dict[int, List[ast.ClassDef]] = {id(c): [] for c in classes}
            children: Dict[int, List[ast.ClassDef]] = {id(c): [] for c in classes}
            for child, scope in self.resolver.classes:
                for base in child.bases:
                    parent = self._local_class(base, scope)
                    if parent is not None and id(parent) in parents:
                        parents[id(child)].append(parent)
                        children[id(parent)].append(child)
            self._links = parents, children
        return self._links

    def _local_class(self, base: ast.expr, scope: Scope) -> Optional[ast.ClassDef]:
        if not isinstance(base, ast.Name):
            return None
        found = scope.lookup(base.id, (base.lineno, base.col_offset))
        if found and len(found) == 1 and isinstance(found[0].node, ast.ClassDef):
            return found[0].node
        return None

    def _collect(self, family: List[ast.ClassDef]) -> Dict[str, List[Value]]:
        members: Dict[str, List[Value]] = {}
        for cls in family:
            class_scope = self.resolver.scope_of(cls)
            for method in cls.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if class_scope is not None:
                    members.setdefault(method.name, []).append((method, class_scope))
                scope = self.resolver.scope_of(method)
                receiver = first_parameter(method)
                if scope is None or receiver is None:
                    continue  # a body the resolver skipped holds nothing the checkers follow
                inner: Dict[int, Scope] = {}  # a statement of a def nested in the method → that def's scope
                for node in statements(method):
                    if node is not method and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        nested = self.resolver.scope_of(node)
                        if nested is not None:
                            inner.update((id(statement), nested) for statement in statements(node))
                    for target, value in (*_stores(node), *container_fills(node)):
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == receiver:
                            members.setdefault(target.attr, []).append((value, inner.get(id(node), scope)))
        return members


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def statements(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and the statements within it (an ``except`` clause or a ``case`` on the way), in
    ``ast.walk``'s order: expressions hold no statement, and are most of a method's nodes."""
    queue = collections.deque([node])
    while queue:
        node = queue.popleft()
        yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                queue.extend(item for item in value if isinstance(item, _HOLDS_STATEMENTS))


def _stores(node: ast.AST) -> List[Tuple[ast.expr, ast.expr]]:
    """(target, value) pairs a statement stores: ``a.b = v``, ``a.b += v``, ``a.b: T = v``, and
    each element of an unpacking ``a.b, a.c = v`` (the whole value: which part is not followed)."""
    if isinstance(node, ast.Assign):
        pairs = []
        for target in node.targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            pairs += [(element, node.value) for element in elements]
        return pairs
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
        return [(node.target, node.value)]
    return []


def _methods_named(cls: ast.ClassDef, name: str) -> List[Function]:
    return [m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == name]


def container_fills(node: ast.AST) -> List[Tuple[ast.expr, ast.expr]]:
    """(container, value) pairs a statement puts into a list or dict it does not rebind:
    ``x[k] = v``, ``x.append(v)``, ``x.extend(vs)``, ``x.insert(i, v)`` (the container then holds,
    among other things, what ``v`` is built from: a model's parts stored one by one)."""
    if isinstance(node, ast.Assign):
        return [(target.value, node.value) for target in node.targets if isinstance(target, ast.Subscript)]
    call = node.value if isinstance(node, ast.Expr) else None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or call.keywords \
            or any(isinstance(a, ast.Starred) for a in call.args):
        return []
    if call.func.attr in ("append", "extend") and len(call.args) == 1:
        return [(call.func.value, call.args[0])]
    if call.func.attr == "insert" and len(call.args) == 2:
        return [(call.func.value, call.args[1])]
    return []


def first_parameter(function: Function) -> Optional[str]:
    """The parameter a method is called through (``self``, ``cls``); None for a ``@staticmethod``."""
    if _static(function):
        return None
    params = [*function.args.posonlyargs, *function.args.args]
    return params[0].arg if params else None


def method_parameters(function: Function) -> List[str]:
    """The positional parameters a call through an instance or class fills, in order: after
    ``self`` or ``cls``; all of them for a ``@staticmethod``."""
    params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    return params if _static(function) else params[1:]


def _static(function: Function) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)


def _class_of(scope: Scope) -> Optional[ast.AST]:
    """The class whose method (or a def nested in one) ``scope`` is."""
    while scope.parent is not None and scope.kind != "class":
        scope = scope.parent
    return scope.node if scope.kind == "class" else None


def _method_of(scope: Scope, receiver: str) -> Optional[ast.ClassDef]:
    """The class whose method ``scope`` is (or is nested in), when ``receiver`` is that method's
    first parameter (``self``)."""
    while scope is not None and scope.kind != "function":
        scope = scope.parent  # type: ignore[assignment]
    while scope is not None and scope.parent is not None and scope.parent.kind == "function":
        scope = scope.parent  # a closure inside the method reads the method's ``self``
    if scope is None or scope.parent is None or not isinstance(scope.parent.node, ast.ClassDef):
        return None
    function = scope.node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or first_parameter(function) != receiver:
        return None
    return scope.parent.node


__all__ = ("ClassMembers", "Module", "Reach", "callable_reach", "first_parameter", "method_parameters", "method_reach", "named_reach", "signature_of",
           "stored_parameters")

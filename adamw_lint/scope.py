"""Name resolution over an ``ast`` tree: which qualified name does an expression refer to?

One pass records every binding per scope (module, class, function, lambda, comprehension) and
every call; lookups then follow Python's rules (class bodies are invisible to nested functions,
a name bound anywhere in a function is local to it). The linter never imports the code it reads,
so a name is only resolved when every binding that can reach the use is an import:

* A name bound by an assignment, ``def``, ``class``, parameter, loop target, … is the user's own
  object and never resolves, except a single ``name = <expression>`` whose expression resolves
  (``Opt = torch.optim.Adam``).
* Several imports of one name (``try: from apex… import X`` / ``except ImportError: from torch…
  import X``): the first in source order wins — the one that runs when its package is installed.
  The policy depends only on source order, never on set or hash order.
* In the use's own scope only the bindings before the use count; from a nested scope, all of them.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import re
from typing import Callable, Dict, FrozenSet, Hashable, Iterable, Iterator, List, Optional, Tuple, TypeVar, Union

from . import flow
from .records import Record

_Kept = TypeVar("_Kept")

Position = Tuple[int, int]
_UNKNOWN = object()  # a value that is not a literal
_BUILTINS = frozenset(dir(builtins))  # names no star import of the project is asked for (``_from_star``)
Literal = Union[int, float, str, bool, None]
_GETATTR_OF_A_STRING = r"""getattr\(\s*[\w.]+\s*,\s*(?:[rRuU]*(?:"[^"\n]*"|'[^'\n]*')\s*)+\)"""


def naming_pattern(last_names: Iterable[str]) -> str:
    """A pattern (for ``re``; ``.encode()`` it for bytes) that a module's text must match for a
    qualified name there to end with one of ``last_names``: ``Resolver.qualname`` builds names from
    identifiers the module writes (an import, an alias's source, an attribute), and from the
    string of a two-argument ``getattr(x, "name")``, which may be spelled in pieces or with
    escapes ("op" "tim"). A module that matches neither is read for such names without parsing."""
    words = "|".join(map(re.escape, sorted(set(last_names), key=len, reverse=True)))
    return rf"\b(?:{words})\b|{_GETATTR_OF_A_STRING}"


def names_class(qualname: str) -> bool:
    """Whether a qualified name of a library names a class (``keras.Model``), by the naming
    convention frameworks keep: its last part is in CapWords (``MODEL``, a constant, is not)."""
    last = qualname.rsplit(".", 1)[-1]
    return last[:1].isupper() and not last.isupper()


class Binding(Record):
    pos: Position
    scope: "Scope"
    qualname: Optional[str] = None  # set for imports: what the name refers to
    value: Optional[ast.expr] = None  # set for ``name = value``
    from_import: bool = False  # ``from module import name``
    node: Optional[ast.AST] = None  # set for ``def`` and ``class``: the definition
    end: Optional[Position] = None  # where the binding statement ends (its value is known after it)
    unpacked: Optional[ast.expr] = None  # set for ``a, b = value``: the whole value, one part of which it holds
    default: Optional[ast.expr] = None  # set for a parameter with a default (read in the enclosing scope)


class Scope:
    """A namespace and what is bound in it, compared by identity. A plain class with slots, not a
    dataclass: ``dataclasses`` costs every run its import (start-up)."""

    __slots__ = ("kind", "parent", "bindings", "star_imports", "globals", "nonlocals", "node", "_module")

    def __init__(self, kind: str, parent: Optional["Scope"], node: Optional[ast.AST] = None) -> None:
        self.kind = kind  # "module", "class", "function" or "comprehension"
        self.parent = parent
        # asked for every node a Keras/TF walk takes (which module's it is), so kept, not climbed to
        self._module: Scope = self if parent is None else parent._module
        self.bindings: Dict[str, List[Binding]] = {}
        self.star_imports: List[str] = []
        self.globals: set = set()
        self.nonlocals: set = set()
        self.node = node  # the module, def, lambda, class or comprehension it belongs to

    def module(self) -> "Scope":
        return self._module

    def bind(self, name: str, binding: Binding) -> None:
        """Binds ``name`` where it lives: the module's for a ``global``, the enclosing function's
        for a ``nonlocal``; a binding kept away from its own scope marks the name as changed
        from elsewhere (``Resolver.reaching_all``)."""
        target = self.module() if name in self.globals else self._enclosing(name) if name in self.nonlocals else self
        target.bindings.setdefault(name, []).append(binding)

    def _enclosing(self, name: str) -> "Scope":
        """The function scope a ``nonlocal name`` refers to: the nearest enclosing one that binds it."""
        scope, nearest = self.parent, None
        while scope is not None and scope.kind != "module":
            if scope.kind == "function":
                nearest = nearest or scope
                if name in scope.bindings:
                    return scope
            scope = scope.parent
        return nearest or self

    def lookup(self, name: str, pos: Position) -> Optional[List[Binding]]:
        """The bindings of ``name`` that can reach a use at ``pos`` (None: unbound here)."""
        scope: Optional[Scope] = self
        own = True
        while scope is not None:
            if scope.kind == "class" and not own:
                scope = scope.parent
                continue
            found = scope.bindings.get(name)
            if found:
                return [b for b in found if b.pos < pos] if own else found
            scope, own = scope.parent, False
        return None


def _pos(node: ast.AST) -> Position:
    return (node.lineno, node.col_offset)  # type: ignore[attr-defined]


def _end(node: ast.AST) -> Position:
    return (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


# Fields that never hold a binding or a call: expression contexts, operators, type comments.
_SKIPPED_FIELDS = frozenset(("ctx", "op", "ops", "type_comment"))
# Nodes with nothing inside that matters (``ast.NodeVisitor`` would even call its deprecated
# ``visit_Constant`` shim on every constant).
_LEAVES = (ast.Constant, ast.Pass, ast.Break, ast.Continue)


class Resolver:
    """Builds the scopes of a module and lists its calls with the scope each one is in.

    A ``visit_<Node>`` method handles its node type; every other node's children are visited.
    The dispatch is a table built once per class, not ``ast.NodeVisitor``'s name lookup per node:
    the walk over every candidate file's tree was most of a run's analysis time. (So a method
    replaced on the class after it is defined is not called: subclass instead.)"""

    _handlers: Dict[type, Callable[["Resolver", ast.AST], None]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = _handler_table(cls)

    def __init__(self, star_names: frozenset = frozenset(), keep: Optional[Callable[[ast.AST], bool]] = None,
                 package: Optional[str] = None, beside: Optional[Callable[[str], Optional[str]]] = None) -> None:
        self.module = Scope("module", None)
        self.scope = self.module
        self.calls: List[Tuple[ast.Call, Scope]] = []
        self.classes: List[Tuple[ast.ClassDef, Scope]] = []  # every class and the scope it is defined in
        self.scopes: Dict[int, Scope] = {}  # id of a def, lambda, class or comprehension → its scope
        self._star_names = star_names  # the qualified names ``from <module> import *`` is resolved for
        # which def and class bodies to enter: a body nothing can be found in is skipped whole
        # (its bindings are visible only inside it), which is most of a library module
        self._keep = keep
        # the package relative imports start from; None: they are the project's own, unresolved
        self._package = package
        # the folder the module runs from (a script's, or its top package's) is first on
        # ``sys.path``: the dotted name of the module there that an absolute import of a
        # top-level name finds (``ProjectIndex.beside``), or None
        self._beside = beside
        # a constant behind an import (the project's own modules: ``project_index``), or None
        self.imported_literal: Optional[Callable[[str], object]] = None
        # what ``from <module> import *`` makes a name when the module is the project's own
        # (``ProjectIndex.star_meaning``): its qualified name, None (not one it exports) or unknown
        self.star_meaning: Optional[Callable[[str, str], object]] = None
        # the spans of the module's ``if TYPE_CHECKING:`` bodies, which do not run: what they bind
        # is no name a star import of the module brings, and their star imports are not recorded
        self._type_checking: List[Tuple[Position, Position]] = []
        self._checkers_only = False
        self._reaching: Dict[Tuple[int, str], flow.Reaching] = {}  # (id of a scope, name) → its flow

    def for_type_checkers(self, pos: Position) -> bool:
        """Whether ``pos`` is in one of the module's ``if TYPE_CHECKING:`` bodies (which do not run)."""
        return any(start <= pos <= end for start, end in self._type_checking)

    def visit(self, node: ast.AST) -> None:
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(self, node)
        elif not isinstance(node, _LEAVES):
            self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            if name in _SKIPPED_FIELDS:
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Module(self, node: ast.Module) -> None:
        self.module.node = node
        self.generic_visit(node)

    # --- building -----------------------------------------------------------------------
    def _opaque(self, name: str, node: ast.AST) -> None:
        self.scope.bind(name, Binding(_pos(node), self.scope))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.scope.bind(alias.asname, Binding(_pos(node), self.scope, self._found_first(alias.name)))
            else:
                top = alias.name.split(".", 1)[0]
                self.scope.bind(top, Binding(_pos(node), self.scope, self._found_first(top)))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                star = self._absolute(node)  # a relative one is known once the project is followed
                if star is not None and not self._checkers_only:
                    self.scope.star_imports.append(star)
                continue
            name = alias.asname or alias.name
            module = self._absolute(node)
            if module is None:
                self._opaque(name, node)  # a relative import is the project's own code
            else:
                qualname = f"{module}.{alias.name}"
                self.scope.bind(name, Binding(_pos(node), self.scope, qualname, from_import=True))

    def _absolute(self, node: ast.ImportFrom) -> Optional[str]:
        if not node.level and node.module:
            return self._found_first(node.module)
        return absolute_module(node.level, node.module, self._package)

    def _found_first(self, module: str) -> str:
        return found_first(module, self._beside)

    def _function(self, node, name: Optional[str]) -> None:
        for deco in getattr(node, "decorator_list", ()):
            self.visit(deco)
        args = node.args
        for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
            self.visit(default)
        if name is not None:
            self.scope.bind(name, Binding(_pos(node), self.scope, node=node, end=_end(node)))
            if self._keep is not None and not self._keep(node):
                return
        outer, self.scope = self.scope, Scope("function", self.scope, node=node)
        self.scopes[id(node)] = self.scope
        positional = [*args.posonlyargs, *args.args]
        defaults = {id(a): d for a, d in zip(reversed(positional), reversed(args.defaults))}
        defaults.update((id(a), d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)
        for arg in (*positional, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                default = defaults.get(id(arg))
                self.scope.bind(arg.arg, Binding(_pos(node), self.scope, default=default))
        body = node.body if isinstance(node.body, list) else [node.body]
        for stmt in body:
            self.visit(stmt)
        self.scope = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, None)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(expr)
        self.scope.bind(node.name, Binding(_pos(node), self.scope, node=node, end=_end(node)))
        self.classes.append((node, self.scope))
        if self._keep is not None and not self._keep(node):
            return
        outer, self.scope = self.scope, Scope("class", self.scope, node=node)
        self.scopes[id(node)] = self.scope
        for stmt in node.body:
            self.visit(stmt)
        self.scope = outer

    def _comprehension(self, node) -> None:
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        outer, self.scope = self.scope, Scope("comprehension", self.scope, node=node)
        self.scopes[id(node)] = self.scope
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter)
            self.visit(gen.target)
            for cond in gen.ifs:
                self.visit(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.scope = outer

    visit_SetComp = visit_DictComp = _comprehension

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        # the parts visited here, not through ``generic_visit``: a long ``elif`` chain nests as
        # deep as it is long, and one frame fewer a level keeps it within the recursion limit
        self.visit(test)
        checkers_only = self.scope is self.module and node.body and (
            isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
            or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        outer = self._checkers_only
        if checkers_only:
            last = node.body[-1]
            self._type_checking.append((_pos(node.body[0]), (last.end_lineno, last.end_col_offset)))  # type: ignore[arg-type]
            self._checkers_only = True
        for stmt in node.body:
            self.visit(stmt)
        self._checkers_only = outer
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self.scope  # in a comprehension, the scope that holds it binds the name (PEP 572)
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        scope.bind(node.target.id, Binding(_pos(node.target), scope))

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0]
            self.scope.bind(target.id, Binding(_pos(target), self.scope, value=node.value, end=_end(node)))
            return
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                for element in target.elts:
                    if isinstance(element, ast.Name):
                        self.scope.bind(element.id, Binding(_pos(element), self.scope, end=_end(node),
                                                            unpacked=node.value))
                    else:
                        self.visit(element)
            else:
                self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)
            return
        # ``loss += term``: the name now holds ``loss + term``, read where the target is written
        # (a synthesized expression; the resolver has visited its parts already)
        target = node.target
        before = ast.Name(id=target.id, ctx=ast.Load())
        combined = ast.BinOp(left=before, op=node.op, right=node.value)
        for made in (before, combined):
            ast.copy_location(made, target)
            made.end_lineno, made.end_col_offset = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
        before.end_lineno, before.end_col_offset = target.end_lineno, target.end_col_offset  # type: ignore[attr-defined]
        self.scope.bind(target.id, Binding(_pos(target), self.scope, value=combined, end=_end(node)))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.scope.bind(node.target.id, Binding(_pos(node.target), self.scope, value=node.value, end=_end(node)))
        else:
            self.visit(node.target)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self._opaque(node.id, node)

    def visit_arg(self, node: ast.arg) -> None:  # annotations only; names are bound above
        pass

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._opaque(node.name, node)
        self.generic_visit(node)

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self._opaque(node.name, node)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node) -> None:
        if node.rest:
            self._opaque(node.rest, node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append((node, self.scope))
        self.generic_visit(node)

    visit_ListComp = visit_GeneratorExp = _comprehension

    # --- querying -----------------------------------------------------------------------
    def qualname(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Optional[str]:
        """The qualified name ``expr`` refers to, or None when it cannot be known statically."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Name):
            found = scope.lookup(expr.id, _pos(expr))
            if found is None:  # the star imports of the module the name is read in (another module's too)
                return self._from_star(expr.id, scope.module())
            if not found:
                return None
            imports = [b for b in found if b.qualname is not None]
            if len(imports) == len(found):
                return min(imports, key=lambda b: b.pos).qualname
            if len(found) == 1 and found[0].value is not None:
                alias = found[0]
                return self.qualname(alias.value, alias.scope, depth + 1)
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope, depth)
            return f"{base}.{expr.attr}" if base else None
        if (  # getattr(torch.optim, "Adam")
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "getattr"
            and len(expr.args) == 2
            and not expr.keywords
            and scope.lookup("getattr", _pos(expr)) is None
            and isinstance(expr.args[1], ast.Constant)
            and isinstance(expr.args[1].value, str)
        ):
            base = self.qualname(expr.args[0], scope, depth)
            return f"{base}.{expr.args[1].value}" if base else None
        if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords \
                and isinstance(expr.args[0], ast.Constant) and isinstance(expr.args[0].value, str) \
                and not expr.args[0].value.startswith("."):
            # torch = importlib.import_module("torch") (a soft dependency); __import__("a.b") returns a
            module = expr.args[0].value
            if isinstance(expr.func, ast.Name) and expr.func.id == "__import__" \
                    and scope.lookup("__import__", _pos(expr)) is None:
                return module.split(".", 1)[0]
            if self.qualname(expr.func, scope, depth + 1) == "importlib.import_module":
                return module
        return None

    def _from_star(self, name: str, module: Scope) -> Optional[str]:
        # the last star import that binds the name wins, as when the module runs; a module neither
        # in the catalog nor the project's (its names are not known here) is taken not to bind it
        for star in reversed(module.star_imports):
            qualname = f"{star}.{name}"
            if qualname in self._star_names:
                return qualname
            if self.star_meaning is not None and name not in _BUILTINS:
                meaning = self.star_meaning(star, name)
                if meaning is not None:
                    return None if meaning is _UNKNOWN else meaning  # type: ignore[return-value]
        return None

    def literal(self, expr: ast.expr, scope: Scope, depth: int = 0) -> object:
        """The value of a literal (``1e-4``, ``-0.0``, ``"adam"``, a name assigned one once)."""
        if isinstance(expr, ast.Constant):
            return expr.value
        if (
            isinstance(expr, ast.UnaryOp)
            and isinstance(expr.op, (ast.USub, ast.UAdd))
            and isinstance(expr.operand, ast.Constant)
            and isinstance(expr.operand.value, (int, float))
            and not isinstance(expr.operand.value, bool)
        ):
            value = expr.operand.value
            return -value if isinstance(expr.op, ast.USub) else value
        if isinstance(expr, ast.Name) and depth < 4:
            single = self._single_value(expr, scope)
            if single is not None:
                return self.literal(single[0], single[1], depth + 1)
            if self.imported_literal is not None:
                found = scope.lookup(expr.id, _pos(expr))
                # a constant by convention (WEIGHT_DECAY): other imported names are not followed
                if expr.id.isupper() and found and all(b.qualname is not None and b.from_import for b in found):
                    return self.imported_literal(min(found, key=lambda b: b.pos).qualname)  # type: ignore[arg-type]
        return _UNKNOWN

    def _single_value(self, name: ast.Name, scope: Scope) -> Optional[Tuple[ast.expr, Scope]]:
        """The expression a name was assigned, when it was assigned exactly once."""
        found = scope.lookup(name.id, _pos(name))
        if found and len(found) == 1 and found[0].value is not None:
            # the name must not be rebound anywhere else in its scope either (loops, later code)
            everywhere = found[0].scope.bindings.get(name.id, [])
            if len(everywhere) == 1:
                return found[0].value, found[0].scope
        return None

    def scope_of(self, node: ast.AST) -> Optional[Scope]:
        """The scope a def, lambda, class or comprehension opens."""
        return self.scopes.get(id(node))

    def reaching(self, name: ast.Name, scope: Scope) -> Optional[Binding]:
        """The binding whose value ``name`` holds where it is used: in its own scope the last one
        completed before the use, from a nested scope the last one in source order."""
        found = scope.lookup(name.id, (10**9, 0))
        if not found:
            return None
        own = found[0].scope is scope or found[0].scope is scope.module() and name.id in scope.globals \
            or _inline(scope, found[0].scope)
        if own:
            use = _pos(name)
            found = [b for b in found if (b.end or b.pos) <= use]
        return max(found, key=lambda b: b.pos, default=None)

    def reaching_all(self, name: ast.Name, scope: Scope) -> List[Binding]:
        """Every binding of ``name`` that can hold its value where it is used: in the use's own
        scope those that reach it along some path (``flow``), from a nested scope all of them."""
        found = scope.lookup(name.id, (10**9, 0))
        if not found:
            return []
        home = found[0].scope
        if any(b.scope is not home for b in found):
            return []  # rebound from another scope (``global``): it may hold anything at any time
        body = getattr(home.node, "body", None)
        if home is not scope and not _inline(scope, home) or not isinstance(body, list):
            return list(found)
        use = _pos(name)
        if len(found) == 1 and (found[0].end or found[0].pos) <= use and not _leaves_between(home.node, found[0].pos, use):
            # bound once, before, and no return or raise between: it reaches (the flow of each of
            # a module's thousands of names bound once, over its thousands of statements, was quadratic)
            return list(found)
        key = (id(home), name.id)
        reaching = self._reaching.get(key)
        if reaching is None:
            start = _pos(body[0]) if body else (0, 0)
            parameters = frozenset(b.pos for b in found if b.pos < start)
            reaching = self._reaching[key] = flow.Reaching(body, [b.pos for b in found], parameters)
        live = reaching.at(_pos(name))
        return [b for b in found if b.pos in live]

    def follow(self, expr: ast.expr, scope: Scope) -> Tuple[ast.expr, Scope]:
        """``expr`` itself, or what a once-assigned name holds (``groups = [...]``)."""
        if isinstance(expr, ast.Name):
            single = self._single_value(expr, scope)
            if single is not None:
                return single
        return expr, scope


NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)  # scopes of their own in a body
_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


# calls that only read what they are given (by the called name's last part): an attribute, a dict or a
# command-line namespace printed, logged, serialized, copied or measured is not changed
# (``config.update(x.kw)`` reads ``x.kw``)
READ_ONLY_CALLS = frozenset({"print", "pprint", "pformat", "repr", "str", "len", "format", "info", "debug", "warning", "warn",
                             "error", "log", "dict", "copy", "deepcopy", "dump", "dumps", "write", "update", "isinstance",
                             "type", "vars", "hasattr", "getattr", "list", "tuple", "set", "frozenset", "sorted", "iter", "enumerate"})
DICT_READS = frozenset({"get", "items", "keys", "values", "copy", "__contains__", "__getitem__"})  # methods that only read a dict


def read_only(node: Optional[ast.AST]) -> bool:
    """Whether ``node`` is a call that only reads its arguments (``print(x.kw)``, ``log.info(…)``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in READ_ONLY_CALLS


def own_nodes(node: ast.AST, statements: bool = False) -> Iterator[ast.AST]:
    """The nodes of the body of ``node`` (a module, def or class) that run as it runs: not those
    of a def, class or lambda nested in it (a lambda's body is an expression: nothing). With
    ``statements``, only its statements (the walk skips the expressions, most of a tree)."""
    body = getattr(node, "body", None)
    stack: List[ast.AST] = list(body) if isinstance(body, list) else []
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, NESTED_SCOPES):
            stack.extend(c for c in ast.iter_child_nodes(child) if not statements or isinstance(c, _HOLDS_STATEMENTS))


def returned_values(function: ast.AST) -> List[ast.expr]:
    """The values ``function``'s own ``return`` statements give (not those of a def nested in it)."""
    return kept_on(function, "_returned", None, lambda: [
        node.value for node in own_nodes(function, statements=True) if isinstance(node, ast.Return) and node.value is not None])


def _leaves_between(node: ast.AST, start: Tuple[int, int], end: Tuple[int, int]) -> bool:
    """Whether a ``return`` or ``raise`` of ``node``'s own body (not a nested def's) lies between
    two positions, ending before the second (``return cls(…)`` holds its use): only such a
    statement can keep an earlier binding from a later use."""
    leaving = kept_on(node, "_leaving_ends", None, lambda: sorted(
        _end(child) for child in own_nodes(node, statements=True) if isinstance(child, (ast.Return, ast.Raise))))
    return bisect.bisect_right(leaving, end) > bisect.bisect_right(leaving, start)


def _inline(scope: Scope, home: Scope) -> bool:
    """Whether ``scope`` is a comprehension (or one nested in comprehensions) run in place inside
    ``home``: a name it reads holds what reaches that point of ``home``, not its last binding."""
    while scope is not home:
        if scope.kind != "comprehension" or scope.parent is None:
            return False
        scope = scope.parent
    return True


def found_first(module: str, beside: Optional[Callable[[str], Optional[str]]]) -> str:
    """The module an absolute import names: one found first where the importing module runs from
    (beside a script, or beside its top package: ``ProjectIndex.beside``) comes before the bases."""
    if beside is None:
        return module
    top, dot, rest = module.partition(".")
    found = beside(top)
    return module if found is None else found + dot + rest


def absolute_module(level: int, module: Optional[str], package: Optional[str]) -> Optional[str]:
    """The module ``from <level dots><module> import ...`` names in ``package``; a relative one
    only when the package is known (None: the project's own, unresolved)."""
    if not level:
        return module
    if package is None:
        return None
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    full = ".".join(parts[:len(parts) - (level - 1)] + ([module] if module else []))
    return full or None


def _handler_table(cls: type) -> Dict[type, Callable[[Resolver, ast.AST], None]]:
    return {getattr(ast, name[len("visit_"):]): getattr(cls, name) for name in dir(cls)
            if name.startswith("visit_") and hasattr(ast, name[len("visit_"):])}


Resolver._handlers = _handler_table(Resolver)


def is_parameter(binding: Binding) -> bool:
    """A parameter of the function whose scope holds it (bound at the ``def`` itself)."""
    function = binding.scope.node
    return (binding.scope.kind == "function" and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            and binding.pos == (function.lineno, function.col_offset) and binding.qualname is None)


def calls_super(method: ast.AST) -> bool:
    """Whether ``method`` calls ``super()``'s method of its own name (the base's still runs)."""
    return any(isinstance(node, ast.Call) and is_super_call(node, method.name)  # type: ignore[attr-defined]
               for node in ast.walk(method))


def is_super_call(call: ast.Call, name: str) -> bool:
    """Whether ``call`` is ``super(…).<name>(…)``."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr == name and isinstance(func.value, ast.Call) \
        and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"


def kept_on(node: ast.AST, kind: str, key: Hashable, compute: Callable[[], _Kept]) -> _Kept:
    """``compute()``, kept on ``node`` under ``kind`` and ``key``: an answer about a tree that is
    asked again and again lives as long as the tree."""
    kept = node.__dict__.setdefault(kind, {})
    if key not in kept:
        kept[key] = compute()
    return kept[key]


def nonlocal_names(node: ast.AST) -> FrozenSet[str]:
    """The names a def nested in ``node`` (a function) rebinds with ``nonlocal``: they may hold
    anything after any call."""
    return kept_on(node, "_nonlocal_names", None, lambda: frozenset(
        name for n in ast.walk(node) if isinstance(n, ast.Nonlocal) for name in n.names))


def is_unknown(value: object) -> bool:
    return value is _UNKNOWN

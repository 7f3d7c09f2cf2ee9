"""What every checker reads a module through: positions, names, and the expression evaluator.

One ``Context`` per analyzed module. It binds a call's arguments to a catalog signature (``*args``
and ``**kwargs`` expanded where they are literals, hidden where they are not), reads literal
values, boolean switches, dict entries and param groups, and turns nodes into spans and text.
It never decides what is a finding: that belongs to the checkers.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from .catalog import COUPLED, DECOUPLED, OPTIMIZERS_BY_NAME, Signature
from .catalog.conventions import LAZY_CALLS
from .findings import Span
from .records import Record
from . import flow, ruled_out
from .branches import opposite, outcomes_at, tests_at
from .scope import (DICT_READS, NESTED_SCOPES, Binding, Resolver, Scope, is_parameter, is_unknown, kept_on, own_nodes, read_only,
                    returned_values)
from .summaries import ClassMembers, method_parameters

if TYPE_CHECKING:
    from .project_index import ProjectIndex

ABSENT = object()  # the argument was not passed: the default applies
HIDDEN = object()  # it may have been passed through *args/**kwargs we cannot see


class Args:
    """A call's arguments as far as they can be known statically; filled in as they are read. A
    plain class with slots, not a dataclass: ``dataclasses`` costs every run its import (start-up)."""

    __slots__ = ("positional", "keywords", "open_positional", "open_keywords", "keyword_home", "spread")

    def __init__(self, positional: Optional[List[ast.expr]] = None, keywords: Optional[Dict[str, ast.expr]] = None,
                 open_positional: bool = False, open_keywords: bool = False,
                 keyword_home: Optional[Dict[str, str]] = None, spread: Optional[ast.expr] = None) -> None:
        self.positional = [] if positional is None else positional
        self.keywords = {} if keywords is None else keywords
        self.open_positional = open_positional  # an unexpandable *args: later positions are unknown
        self.open_keywords = open_keywords  # an unresolvable **kwargs
        self.keyword_home = {} if keyword_home is None else keyword_home  # keyword → "call", "dict" or "held"
        self.spread = spread  # the call's own ``**kwargs`` that cannot be read (when open_keywords)


class Bound(Record):
    """Arguments bound to a signature's parameter names."""

    sig: Signature
    values: Dict[str, ast.expr]
    positional_index: Dict[str, int]  # parameter → its index among the call's positionals
    extra_positional: List[ast.expr]
    extra_keywords: Dict[str, ast.expr]
    args: Args

    def get(self, name: str) -> object:
        """The argument's expression, ``ABSENT`` (the default applies) or ``HIDDEN``."""
        if name in self.values:
            return self.values[name]
        index = self.sig.index(name)
        if self.args.open_keywords or (self.args.open_positional and index is not None):
            return HIDDEN
        return ABSENT


def bind(args: Args, sig: Signature) -> Bound:
    values: Dict[str, ast.expr] = {}
    index_of: Dict[str, int] = {}
    extra: List[ast.expr] = []
    for i, expr in enumerate(args.positional):
        if i < len(sig.positional):
            values[sig.positional[i]] = expr
            index_of[sig.positional[i]] = i
        else:
            extra.append(expr)
    extra_kw = {}
    for name, expr in args.keywords.items():
        if name in sig:
            values[name] = expr
        else:
            extra_kw[name] = expr
    return Bound(sig, values, index_of, extra, extra_kw, args)


ParamGroup = Tuple[ast.expr, Dict[str, ast.expr], bool]  # the group, its string keys, has unknown parts


class Alternative(Record):
    """One thing a callee may be: a qualified name, and the expression that names it there."""

    qualname: str
    expr: ast.expr
    where: str = ""  # the file that names it, when it is another module of the project
    # the strings expressions of this module must hold for it, each with its scope: the key of
    # a table (``OPTIMIZERS[name]`` is Adam where ``name == "adam"``), ``getattr``'s name
    requires: Tuple[Tuple[ast.expr, Scope, str], ...] = ()
    # chosen by a test between a class and its decoupled form (``AdamW if flag else Adam``)
    switched: bool = False
    # the calls that pass it for a parameter of the function that calls it (``make(Adam, wd=0.0)``),
    # each with its scope and that function
    sites: Tuple[Tuple[ast.Call, Scope, ast.AST], ...] = ()


class SuperInit(Record):
    """A base class's ``__init__`` called from a subclass: ``super().__init__(...)`` or
    ``Base.__init__(self, ...)`` (``explicit_self``)."""

    cls: ast.ClassDef
    base: ast.expr  # the base class as the class statement names it
    explicit_self: bool


_DEPTH = 6  # names followed through names, tables and branches: far beyond real code
# Steps of one ``alternatives``/``strings`` question. Each (expression, depth) is answered once
# per module, so real code takes a handful; the bound is for generated code, and hitting it is
# reported.
_STEPS = 10_000


class Context:
    """One module: its resolved names, its lines, and whether fixes are planned."""

    def __init__(self, resolver: Resolver, lines: Sequence[str], style: str, fixes: bool,
                 project: Optional["ProjectIndex"] = None, target_torch: Optional[Tuple[int, int]] = None,
                 path: Optional[str] = None) -> None:
        self.resolver = resolver
        self.path = path  # the module's file: fix planning asks whether other code can import it
        self.project = project
        self.lines = lines
        self.style = style
        self.fixes = fixes
        # the oldest torch the fixed code must run on (None: unknown); read by fix planning
        self.target_torch = target_torch
        self._answers: Dict[tuple, tuple] = {}  # (what, id of expr, id of scope, depth, where) → (expr, answer)
        # id of a dict's value → (the value, the scope it is read in), for a dict read from another
        # scope (``self.kw = {"weight_decay": wd}`` in ``__init__``, spread in another method)
        self._homes: Dict[int, Tuple[ast.expr, Scope]] = {}
        self._members: Optional[ClassMembers] = None
        self._callers: Optional[Dict[str, List[Tuple[ast.Call, Scope]]]] = None  # callee's name → the calls
        self._runs: Dict[str, Dict[int, List[Tuple[ast.Call, Scope]]]] = {}  # ``_calls_to``
        self._passed: Dict[Tuple[int, str], List[Tuple[ast.expr, Scope, ast.Call]]] = {}
        self._uses: Dict[str, Optional[List[Optional[ast.ClassDef]]]] = {}  # ``attribute_uses``
        self._kept: Dict[Tuple[int, str], bool] = {}  # ``_kept_once``: (id of a family's first class, attribute) → answer
        self._conditional: Dict[int, Tuple[Tuple[int, int], Scope]] = {}  # id of a value a fill may set → where
        self._filled_names: Dict[int, int] = {}  # id of a scope's ``dict_uses`` → how many of its names are filled
        self._fill_answers: Dict[int, Optional[Tuple[Dict[str, ast.expr], bool]]] = {}  # id of a read → ``_filled``
        self._steps = 0
        self.limit_hit: Optional[str] = None  # set when an analysis bound stopped the search early

    def _spend(self, depth: int) -> bool:
        """One step of a search over values; False once the question's bound is reached."""
        self._steps = 1 if depth == 0 else self._steps + 1
        if self._steps > _STEPS:
            self.limit_hit = (f"analysis stopped after {_STEPS} steps following what a name may hold; "
                              "findings in this file may be missing")
            return False
        return True

    # positions -------------------------------------------------------------------------
    def _col(self, line: int, byte_col: int) -> int:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        return (
            node.lineno,  # type: ignore[attr-defined]
            self._col(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            node.end_lineno,  # type: ignore[attr-defined]
            self._col(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def text(self, node: ast.AST) -> str:
        line, col, end_line, end_col = self.span(node)
        if line == end_line and 0 < line <= len(self.lines):
            return self.lines[line - 1][col:end_col]
        return ast.unparse(node)

    # names and values ------------------------------------------------------------------
    def qualname(self, expr: ast.expr, scope: Scope) -> Optional[str]:
        return self.resolver.qualname(expr, self.home(expr, scope))

    def home(self, expr: ast.expr, scope: Scope) -> Scope:
        """The scope ``expr`` is read in: its dict's, for a value ``dict_entries`` found in
        another scope; else ``scope``."""
        home = self._homes.get(id(expr))
        return home[1] if home is not None and home[0] is expr else scope

    def literal(self, expr: ast.expr, scope: Scope) -> object:
        home = self.home(expr, scope)
        value = self.resolver.literal(expr, home)
        if is_unknown(value) and isinstance(expr, ast.Attribute):
            # ``self.weight_decay = 0.0``, read in another method
            stored = self.stored_value(expr, home, wanted=lambda kept, where: not is_unknown(self.resolver.literal(kept, where)))
            if stored is not None:
                return self.resolver.literal(*stored)
        return value

    def stored_value(self, attribute: ast.Attribute, scope: Scope,
                     wanted: Optional[Callable[[ast.expr, Scope], bool]] = None) -> Optional[Tuple[ast.expr, Scope]]:
        """What ``self.<attr>`` holds in a method when the module stores an attribute of that name
        once, on an instance of the class's family (its bases' other subclasses too: a subclass of
        both may run a mixin's store), in a method, with no class-level value, no ``setattr`` of a
        name not written out, no ``vars`` or ``__dict__``: the value stored. Other modules of the
        project are not read for it. ``wanted``: whether the caller can use the value stored, asked
        before the module is read for the attribute's other stores."""
        if not isinstance(attribute.ctx, ast.Load):
            return None
        member = self.members.self_attribute(attribute, scope)
        if member is None:
            return None
        cls, attr = member
        stored = [value for value in self.members.values(cls, attr) if isinstance(value[0], ast.expr)]
        if len(stored) != 1 or wanted is not None and not wanted(*stored[0]):  # type: ignore[arg-type]
            return None
        stores = self.attribute_stores(attr)
        if stores is None or not self._kept_once(cls, attr, stores):
            return None  # stored by a name not written out, through ``vars``/``__dict__``, or again
        return stored[0]  # type: ignore[return-value]

    def _kept_once(self, cls: ast.ClassDef, attr: str, stores: Dict[Optional[int], int]) -> bool:
        """Whether the module stores ``attr`` once on an instance of ``cls``'s family and nowhere
        else (not on another object: ``u.weight_decay = 1e-2``), with no class-level value beside
        it. Once per family and attribute: every read of it in every method asks."""
        family = self.members.family(cls)
        key = (id(family[0]), attr)
        if key not in self._kept:
            once = stores.get(None, 0) + sum(stores.get(id(c), 0) for c in family) == 1
            self._kept[key] = once and not any(_class_level(c, attr) for c in family)
        return self._kept[key]

    def attribute_stores(self, attr: str) -> Optional[Dict[Optional[int], int]]:
        """For a value no read can change (a number, a string): how many stores of ``<x>.<attr>``
        the module has in each class, by its id, when ``x`` is ``self`` (under None otherwise); None
        when something else may store it (a ``setattr`` of that name or of one not written out,
        ``__setattr__``, ``vars``, ``__dict__``, a ``del``). One walk of the module for every
        attribute (read for each ``self.<attr>`` whose value is asked)."""
        index = kept_on(self.resolver.module.node, "_attribute_stores", None, lambda: _attribute_stores(self.resolver.module.node))
        if index is None:
            return None
        return index.get(attr, {})  # type: ignore[no-any-return]

    def follow(self, expr: ast.expr, scope: Scope) -> Tuple[ast.expr, Scope]:
        return self.resolver.follow(expr, self.home(expr, scope))

    @property
    def members(self) -> ClassMembers:
        """The ``self`` attributes of the module's class families, collected when first asked."""
        if self._members is None:
            self._members = ClassMembers(self.resolver)
        return self._members

    def reaching(self, name: ast.Name, scope: Scope) -> Optional[Binding]:
        """The binding of ``name`` that holds its value where it is used (the last one before)."""
        return self.resolver.reaching(name, scope)

    def functions_called(self, call: ast.Call, scope: Scope) -> List[ast.AST]:
        """The defs of this module ``call`` runs: the function a name is bound to there, or the
        method ``self.<name>(…)`` runs (an override in a subclass included)."""
        if isinstance(call.func, ast.Name):
            binding = self.reaching(call.func, scope)
            found = [binding.node] if binding is not None and binding.node is not None else []
        else:
            found = self._methods(call.func, scope)
        return [function for function in found if _returns_what_it_returns(function)]

    def _methods(self, attribute: ast.expr, scope: Scope) -> List[ast.AST]:
        """The methods ``self.<name>`` may be (``ClassMembers.methods_run``)."""
        member = self.members.self_attribute(attribute, scope)
        return self.members.methods_run(*member) if member is not None else []  # type: ignore[return-value]

    def property_values(self, attribute: ast.Attribute, scope: Scope) -> List[Tuple[ast.expr, Scope]]:
        """What ``self.<name>`` returns when ``<name>`` is a ``@property`` of the class lineage
        (and only that: no store of it); [] otherwise."""
        methods = self._methods(attribute, scope)
        if not methods or not all(any(isinstance(d, ast.Name) and d.id == "property" for d in m.decorator_list)  # type: ignore[attr-defined]
                                  for m in methods):
            return []
        return [(value, inner) for m in methods for inner in [self.resolver.scope_of(m)] if inner is not None
                for value in returned_values(m)]

    def passed(self, function_scope: Scope, parameter: str) -> List[Tuple[ast.expr, Scope, ast.Call]]:
        """What this module's calls of the function whose scope is ``function_scope`` pass for its
        ``parameter``, with the scope it is read in and the call: calls of the name bound to it,
        and ``self.<name>(…)`` where that runs it (``ClassMembers.methods_run``). Once per
        function and parameter."""
        function = function_scope.node
        assert isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
        key = (id(function), parameter)
        if key not in self._passed:
            method = function_scope.parent is not None and isinstance(function_scope.parent.node, ast.ClassDef)
            params = method_parameters(function) if method else [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
            found = []
            for call, scope in self._calls_to(function.name).get(id(function), ()):
                given = given_argument(call, params, parameter)
                if given is not None and not isinstance(given, ast.Starred):
                    found.append((given, scope, call))
            self._passed[key] = found
        return self._passed[key]

    def _calls_to(self, name: str) -> Dict[int, List[Tuple[ast.Call, Scope]]]:
        """The module's calls of ``name`` (``name(…)``, ``x.name(…)``) by the id of the function
        or method of the module each runs: each call resolved once, and only those of a name asked."""
        if self._callers is None:
            self._callers = {}
            for call, scope in self.resolver.calls:
                called = call.func.id if isinstance(call.func, ast.Name) else \
                    call.func.attr if isinstance(call.func, ast.Attribute) else None
                if called is not None:
                    self._callers.setdefault(called, []).append((call, scope))
        if name not in self._runs:
            runs: Dict[int, List[Tuple[ast.Call, Scope]]] = {}
            self._runs[name] = runs
            for call, scope in self._callers.get(name, ()):
                if isinstance(call.func, ast.Name):
                    binding = self.reaching(call.func, scope)
                    functions = [binding.node] if binding is not None and binding.node is not None else []
                else:
                    functions = self._methods(call.func, scope)
                for function in functions:
                    runs.setdefault(id(function), []).append((call, scope))
        return self._runs[name]

    def number(self, expr: ast.expr, scope: Scope) -> Optional[float]:
        """A literal int or float (not a bool), else None."""
        value = self.literal(expr, scope)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not is_unknown(value):
            return value
        return None

    def nonzero(self, value: object, scope: Scope) -> Optional[bool]:
        """True: non-zero; None: may be non-zero (not a literal); False: zero, off or not visible."""
        if value is HIDDEN or not isinstance(value, ast.expr):
            return False
        literal = self.literal(value, scope)
        if is_unknown(literal):
            return None
        if literal is None or isinstance(literal, bool):
            return bool(literal)
        if isinstance(literal, (int, float)):
            return literal != 0
        return None

    def flag(self, value: object, default: bool, scope: Scope) -> Optional[bool]:
        """A boolean switch's value; None when it cannot be known."""
        if value is ABSENT:
            return default
        if value is HIDDEN or not isinstance(value, ast.expr):
            return None
        literal = self.literal(value, scope)
        if isinstance(literal, (bool, int)) and not is_unknown(literal):
            return bool(literal)
        return None

    # arguments -------------------------------------------------------------------------
    def call_args(self, call: ast.Call, scope: Scope) -> Args:
        args = Args()
        for arg in call.args:
            if args.open_positional:
                break
            if isinstance(arg, ast.Starred):
                value, _ = self.follow(arg.value, scope)
                if isinstance(value, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in value.elts):
                    args.positional.extend(value.elts)
                else:
                    args.open_positional = True
            else:
                args.positional.append(arg)
        for kw in call.keywords:
            if kw.arg is not None:
                args.keywords[kw.arg] = kw.value
                args.keyword_home[kw.arg] = "call"
                continue
            entries = self.dict_entries(kw.value, scope)
            if entries is None and isinstance(kw.value, ast.Name):
                entries = self._reaching_dicts(kw.value, scope)
            if entries is None or entries[1]:
                args.open_keywords = True
                args.spread = args.spread or kw.value
            if entries is not None:
                held = self.held_elsewhere(kw.value, scope)
                for key, value in entries[0].items():
                    args.keywords.setdefault(key, value)
                    args.keyword_home.setdefault(key, "held" if held else "dict")
        return args

    def held_elsewhere(self, expr: ast.expr, scope: Scope) -> bool:
        """Whether the dict ``expr`` is read from a table (``T[k]``, ``T.get(k)``) or an attribute,
        or filled by statements before the call (``kw["weight_decay"] = wd``): a fix planned from
        the call alone would not see what else it holds, or when."""
        if isinstance(expr, ast.Name) and self._filled(expr, scope) is not None:
            return True
        followed, home = self.follow(expr, scope)
        return isinstance(followed, (ast.Subscript, ast.Attribute)) or \
            isinstance(followed, ast.Call) and (isinstance(followed.func, ast.Attribute) or _copy_source(self, followed, home) is not None
                                                or _is_builtin(followed, "dict", home) and bool(followed.args)) or \
            isinstance(followed, ast.Dict) and any(  # a copy: what it holds is written in another dict
                key is None and self.dict_entries(value, home) is not None for key, value in zip(followed.keys, followed.values))

    def bind(self, call: ast.Call, scope: Scope, sig: Signature) -> Bound:
        return bind(self.call_args(call, scope), sig)

    def dict_entries(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """A dict literal's (or ``dict(...)``'s) string keys, and whether it has unknown parts; also
        of the one dict a table entry (``DEFAULTS["opt_params"]``) or ``self.<attr>`` holds
        (``_held_dicts``), and of a dict filled before it is read (``_filled``). Each value is read
        in the scope of its dict (``_homes``)."""
        if isinstance(expr, ast.Name):
            filled = self._filled(expr, scope)
            if filled is not None:
                return filled
            followed, home = self.follow(expr, scope)
            if home is not scope and followed is not expr:  # bound in a scope around: set again anywhere there?
                return self._as_kept(expr, home, self.dict_entries(followed, home, depth))
        expr, scope = self.follow(expr, scope)
        entries: Dict[str, ast.expr] = {}
        incomplete = False
        if isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    entries[key.value] = value
                    self._homes[id(value)] = value, scope
                elif key is None and depth < _DEPTH and self._copied(value, scope, depth, entries):
                    continue  # ``{**DEFAULTS, "lr": lr}``: the entries of the dict spread, then those written after
                else:
                    incomplete = True
            return entries, incomplete
        if isinstance(expr, ast.Call) and _is_builtin(expr, "dict", scope) and len(expr.args) <= 1:
            if expr.args and not (depth < _DEPTH and self._copied(expr.args[0], scope, depth, entries)):
                incomplete = True  # ``dict(DEFAULTS, lr=lr)``: a copy of a dict not known, or ``dict(pairs)``
            for kw in expr.keywords:
                if kw.arg is None:
                    incomplete = True
                else:
                    entries[kw.arg] = kw.value
                    self._homes[id(kw.value)] = kw.value, scope
            return entries, incomplete
        source = _copy_source(self, expr, scope)
        if source is not None:  # ``DEFAULTS.copy()``, ``copy.deepcopy(DEFAULTS)``: the dict's entries as they are here
            return (entries, False) if depth < _DEPTH and self._copied(source, scope, depth, entries) else None
        if depth < _DEPTH and isinstance(expr, (ast.Subscript, ast.Call, ast.Attribute)):
            held = self._held_dicts(expr, scope, depth)
            if held is not None:
                return held
            returned = self._returned_dicts(expr, scope)
            if len(returned) == 1:  # ``**make_kwargs()``, ``**self.optimizer_config``: the one dict returned
                return self.dict_entries(returned[0][0], returned[0][1], depth + 1)
        return None

    @staticmethod
    def _as_kept(name: ast.Name, home: Scope, found: Optional[Tuple[Dict[str, ast.expr], bool]]
                 ) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """The entries of the dict ``name`` holds, read in a scope inside the one that binds it
        (``home``: a module's ``DEFAULTS`` read in a function, which runs after any of the module's
        code): without the keys ``home``'s code sets again anywhere in it (``DEFAULTS["weight_decay"]
        = 0.0``, in a function too). An alias is not followed (``kw = DEFAULTS`` spread in a function
        is most of them); where it may change in other ways not followed (a call it is handed to),
        as written."""
        from .config_choice import unchanged

        kept = unchanged(found[0], name, [home.node], aliases=False) if found is not None else None
        if kept is None:
            return found
        return kept, found[1] or len(kept) < len(found[0])  # type: ignore[index]

    def _copied(self, source: ast.expr, scope: Scope, depth: int, entries: Dict[str, ast.expr]) -> bool:
        """Adds the entries of the dict ``source`` holds (a copy of it is made, or it is spread into
        a new one) to ``entries``; False when they are not all known."""
        found = self.dict_entries(source, scope, depth + 1)
        if found is None or found[1]:
            return False
        entries.update(found[0])
        return True

    def _returned_dicts(self, expr: ast.expr, scope: Scope) -> List[Tuple[ast.expr, Scope]]:
        """What a ``@property`` of ``self`` or a call of the module's function without arguments
        returns (with arguments, its parameters are not their defaults), each with its scope."""
        if isinstance(expr, ast.Attribute):
            return self.property_values(expr, scope)
        if not isinstance(expr, ast.Call) or expr.args or expr.keywords:
            return []
        return [(value, inner) for function in self.functions_called(expr, scope)
                for inner in [self.resolver.scope_of(function)] if inner is not None for value in returned_values(function)]

    def _held_dicts(self, expr: ast.expr, scope: Scope, depth: int) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """The entries of the dict a table entry or ``self.<attr>`` holds, when it is one known
        dict: a table read with a literal key (or a table of one entry), an attribute stored once
        (``stored_once``); unknown otherwise (several dicts are several possibilities, not one)."""
        if isinstance(expr, ast.Attribute):
            held = self.stored_once(expr, scope)
        else:
            entry = self._table_entry(expr, scope, depth)
            held = (entry[0][0], entry[0][1]) if entry is not None and len(entry) == 1 else None
        return self.dict_entries(held[0], held[1], depth + 1) if held is not None else None

    def stored_once(self, expr: ast.Attribute, scope: Scope) -> Optional[Tuple[ast.expr, Scope]]:
        """What ``self.<attr>`` holds in a method, when the instance gets it from one store and
        nothing else in the module can change it: the classes it may be an instance of (the
        method's, its bases, its subclasses of this module) store it once, with no class-level
        value of it, and the module uses ``.<attr>`` only in that store, in ``**`` spreads and as
        an argument of a call that only reads it (``attribute_uses``). Other modules of the
        project are not read for it."""
        member = self.members.self_attribute(expr, scope)
        if member is None:
            return None
        cls, attr = member
        lineage = self.members.lineage(cls)
        held = self.members.lineage_values(cls, attr)
        scopes = [self.resolver.scope_of(c) for c in lineage]
        if len(held) != 1 or any(s is None or attr in s.bindings for s in scopes):
            return None  # several stores, or a class-level value beside the instance's
        uses = self.attribute_uses(attr)
        if uses is None:
            return None
        # a class beside the lineage storing it on its own ``self`` stores a sibling's instance's
        stores = [c for c in uses if c is None or any(c is l for l in lineage)]
        return held[0] if len(stores) == 1 else None

    def attribute_uses(self, attr: str) -> Optional[List[Optional[ast.ClassDef]]]:
        """For each store of ``<x>.<attr>`` in the module, the class it is written in when ``x``
        is ``self`` (else None); None when the module may change or replace it some other way:
        ``x.<attr>[k] = …``, ``x.<attr>.update(…)``, handing it to a call that may change it,
        ``setattr``/``getattr``/``vars``/``__dict__`` with its name. Once per attribute."""
        if attr not in self._uses:
            self._uses[attr] = _attribute_uses(self.resolver.module.node, attr)
        return self._uses[attr]

    def _filled(self, name: ast.Name, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """The entries of a dict variable of this scope that statements fill or change before
        ``name`` reads it (``kw = {}``, ``if wd: kw["weight_decay"] = wd``, ``kw.update(lr=lr)``;
        ``dict_uses``): each key as the fills that reach the read set it (``flow``: not one on
        another branch, after a ``return``, or before the dict is bound again). One that may not
        run is noted in ``_conditional``; a ``pop``/``del`` removes the key where it reaches on
        every path; ``setdefault`` keeps a key the dict holds; several fills that may reach leave
        the key unknown and the dict incomplete. None for a variable nothing fills or changes (its
        dict is read as bound, even where it escapes); no entries, incomplete, for one filled or
        changed in ways not followed (a computed key; filled, then handed to a call). Once per
        read: the call's arguments and its fix both ask."""
        if id(name) not in self._fill_answers:
            self._fill_answers[id(name)] = self._fill(name, scope)
        return self._fill_answers[id(name)]

    def _fill(self, name: ast.Name, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        scopes = dict_uses(scope.node)
        uses = scopes.get(name.id)
        if uses is None or not (uses.fills or uses.changed):
            return None
        if name.id not in scope.bindings:
            return None  # bound in another scope: read as bound
        body = scope.node.body  # type: ignore[attr-defined]
        if id(scopes) not in self._filled_names:
            self._filled_names[id(scopes)] = sum(1 for other in scopes.values() if other.fills)
        if len(body) * self._filled_names[id(scopes)] > _FLOW_BUDGET:
            self.limit_hit = (f"{name.id} and the other dicts filled in its scope were not followed (more than "
                              f"{_FLOW_BUDGET:,} statements x dicts); findings in this file may be missing")
            return {}, True
        if not _followed(uses, (name.lineno, name.col_offset)):
            return {}, True
        bindings = self.resolver.reaching_all(name, scope)
        if not bindings or any(b.scope is not scope for b in bindings):
            return None  # bound in another scope: read as bound
        base = self.dict_entries(bindings[0].value, scope) if len(bindings) == 1 and bindings[0].value is not None \
            else None
        entries, incomplete = (dict(base[0]), base[1]) if base is not None else ({}, True)
        for entry in uses.fills:
            live = key_defs(scope, name.id, entry, (name.lineno, name.col_offset))
            set_here = [found for found in live if found.value is not None]
            if len(set_here) == 1:
                value = set_here[0].value
                if value is REMOVED:
                    if len(live) == 1:  # removed on every path (on some, what it held may still be there)
                        entries.pop(entry, None)
                elif set_here[0].keeps and entry in entries:
                    pass  # ``setdefault`` keeps what the dict held
                else:
                    entries[entry] = value
                    self._homes[id(value)] = value, scope
                    if len(live) > 1 and base is not None and not base[1] and entry not in base[0]:
                        # the dict as bound, known not to hold the key, reaches too: set or not
                        self._conditional[id(value)] = set_here[0].where, scope
            elif set_here:
                entries.pop(entry, None)  # one fill or another: which value is not known
                incomplete = True
        return entries, incomplete

    def set_when(self, value: object) -> Optional[FrozenSet[Tuple[str, bool]]]:
        """For a value a fill may or may not set before the call (``if use_wd: kw["weight_decay"]
        = wd``): the tests it is set under, with their outcomes (``branches.outcomes_at``); None
        for another value."""
        found = self._conditional.get(id(value)) if isinstance(value, ast.expr) else None
        return outcomes_at(self.resolver.module.node, found[0]) if found is not None else None

    def chosen_under(self, expr: ast.expr) -> FrozenSet[Tuple[str, bool]]:
        """The tests, with their outcomes, that decide whether ``expr`` of this module runs."""
        return outcomes_at(self.resolver.module.node, (expr.lineno, expr.col_offset))

    def set_at(self, value: object) -> Optional[Tuple[int, int]]:
        """Where a fill sets ``value`` when it may or may not run before the call (``set_when``)."""
        found = self._conditional.get(id(value)) if isinstance(value, ast.expr) else None
        return found[0] if found is not None else None

    def _reaching_dicts(self, name: ast.Name, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """``**options`` where ``options`` may hold several values (``if options is None: options =
        {...}``): the entries of the dict literals among them, always incomplete (the others, a
        parameter say, may hold anything)."""
        entries: Dict[str, ast.expr] = {}
        found = False
        for binding in self.resolver.reaching_all(name, scope):
            values = self.dict_entries(binding.value, binding.scope) if binding.value is not None else None
            if values is not None and binding.scope is not scope:
                values = self._as_kept(name, binding.scope, values)
            if values is not None:
                found = True
                for key, value in values[0].items():
                    entries.setdefault(key, value)
        return (entries, True) if found else None

    def param_groups(self, expr: object, scope: Scope) -> Optional[List[ParamGroup]]:
        """The param-group dicts of a ``params`` argument written as a list of dicts, or built up
        in the function before the call (``params = []``, then ``params += [{…}]`` or
        ``params.append({…})`` in a loop: each dict added is a group it may hold)."""
        if not isinstance(expr, ast.expr):
            return None
        elements: Optional[List[ast.expr]] = None
        bound = self._grown_list(expr, scope) if isinstance(expr, ast.Name) else None
        if bound is not None:  # bound to a list here, and grown before the call
            added = _added_to_list(scope.node, expr, self.resolver.module.node)  # type: ignore[arg-type]
            if added is None:
                return None
            elements = [*bound.elts, *added]
        if elements is None:
            expr, scope = self.follow(expr, scope)
            if not isinstance(expr, (ast.List, ast.Tuple)):
                return None
            elements = list(expr.elts)
        if not elements:
            return None
        groups = []
        for element in elements:
            entries = self.dict_entries(element, scope)
            if entries is None:
                return None
            groups.append((element, entries[0], entries[1]))
        return groups

    def _grown_list(self, name: ast.Name, scope: Scope) -> Optional[ast.List]:
        """The list ``name`` is bound to in ``scope`` when the scope binds it once so and only grows
        it otherwise (``params += [...]``, each a binding too), and something adds to it there."""
        everywhere = scope.bindings.get(name.id, [])
        bound = [b for b in everywhere if isinstance(b.value, ast.List)]
        if len(bound) != 1 or not all(b is bound[0] or _grown(b.value, name.id) for b in everywhere) \
                or any(b.scope is not scope for b in self.resolver.reaching_all(name, scope)):
            return None
        grows = len(everywhere) > 1 or any(kind == "add" for kind, _, _ in _list_uses(scope.node).get(name.id, ()))
        return bound[0].value if grows else None  # type: ignore[return-value]

    # alternatives ----------------------------------------------------------------------
    def alternatives(self, expr: ast.expr, scope: Scope, depth: int = 0, where: str = "") -> List[Alternative]:
        """What a callee the resolver cannot name may be: each branch of ``A if c else B``, each
        assignment that can reach a name (``if …: cls = Adam`` / ``else: cls = SGD``), a
        registry indexed by a key (``OPTIMIZERS[name]``, ``OPTIMIZERS.get(name)``: the entry when
        the key is a literal, every entry otherwise), ``getattr(torch.optim, name)`` with the
        names ``name`` may hold, detectron2's ``L(cls)``. Unknown parts contribute nothing."""
        scope = self.home(expr, scope)
        key = ("alternatives", id(expr), id(scope), depth, where)
        known = self._answers.get(key)
        if known is None or known[0] is not expr:  # the node is kept: its id cannot be reused
            found = [] if depth > _DEPTH or not self._spend(depth) else list(dict.fromkeys(self._alternatives(expr, scope, depth, where)))
            known = self._answers[key] = (expr, found)
        return known[1]

    def _alternatives(self, expr: ast.expr, scope: Scope, depth: int, where: str) -> List[Alternative]:
        name = self.qualname(expr, scope)
        if name is not None:
            return [Alternative(name, expr, where)]
        found: List[Alternative] = []
        if isinstance(expr, ast.IfExp):
            arms = [self.alternatives(arm, scope, depth + 1, where) for arm in (expr.body, expr.orelse)]
            if is_unknown(self.literal(expr.test, scope)) and _decoupling_switch(expr.test, *arms):  # a constant is no switch
                arms = [[choice._replace(switched=True) for choice in arm] for arm in arms]
            found += arms[0] + arms[1]
        elif isinstance(expr, ast.Name):
            for binding in self.resolver.reaching_all(expr, scope):
                if binding.qualname is not None:
                    found.append(Alternative(binding.qualname, expr, where))
                elif binding.value is not None:
                    found += self.alternatives(binding.value, binding.scope, depth + 1, where)
                elif is_parameter(binding):
                    if binding.default is not None:  # def f(opt_cls=torch.optim.Adam): what it is unless passed
                        found += self.alternatives(binding.default, binding.scope.parent or binding.scope, depth + 1, where)
                    found += self._passed_alternatives(binding.scope, expr.id, depth, where)  # make(torch.optim.Adam, …)
        elif isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords \
                and self.qualname(expr.func, scope) in LAZY_CALLS:  # detectron2's L(torch.optim.Adam)(...)
            found += self.alternatives(expr.args[0], scope, depth + 1, where)
        elif isinstance(expr, (ast.Subscript, ast.Call)):
            entry = self._table_entry(expr, scope)
            if entry is not None:
                key = expr.slice if isinstance(expr, ast.Subscript) else expr.args[0]  # type: ignore[union-attr]
                for value, value_scope, value_where, entry_key in entry:
                    found += [choice if entry_key is None else choice._replace(requires=(*choice.requires, (key, scope, entry_key)))
                              for choice in self.alternatives(value, value_scope, depth + 1, value_where or where)]
            elif isinstance(expr, ast.Call) and _is_builtin(expr, "getattr", scope) and len(expr.args) == 2:
                base = self.qualname(expr.args[0], scope)
                if base is not None:
                    found += [Alternative(f"{base}.{s}", expr, where, ((expr.args[1], scope, s),))
                              for s in self.strings(expr.args[1], scope, depth + 1)]
            elif isinstance(expr, ast.Call):  # ``self.get_optim(name)(…)``: what the module's function returns
                for function in self.functions_called(expr, scope):
                    inner = self.resolver.scope_of(function)
                    for value in returned_values(function) if inner is not None else ():
                        found += self.alternatives(value, inner, depth + 1, where)  # type: ignore[arg-type]
        return found

    def _passed_alternatives(self, function_scope: Scope, parameter: str, depth: int, where: str) -> List[Alternative]:
        """What the module's calls pass for a parameter may be, one alternative per class (and
        table key) with every call that passes it (``sites``): once per function and parameter,
        however many uses of it ask (each of 1,000 uses asking about 1,000 calls was quadratic)."""
        key = ("passed", id(function_scope.node), parameter, depth, where)
        known = self._answers.get(key)
        if known is None or known[0] is not function_scope.node:
            grouped: Dict[Tuple[str, tuple], Alternative] = {}
            for given, given_scope, site in self.passed(function_scope, parameter):
                for choice in self.alternatives(given, given_scope, depth + 1, where):
                    same = grouped.get((choice.qualname, choice.requires))
                    grouped[(choice.qualname, choice.requires)] = (same or choice)._replace(
                        sites=(*(same.sites if same else ()), (site, given_scope, function_scope.node)))
            known = self._answers[key] = (function_scope.node, list(grouped.values()))  # type: ignore[assignment]
        return known[1]  # type: ignore[return-value]

    def strings(self, expr: ast.expr, scope: Scope, depth: int = 0) -> List[str]:
        """The string literals ``expr`` may hold (through branches, names and tables)."""
        scope = self.home(expr, scope)
        key = ("strings", id(expr), id(scope), depth, "")
        known = self._answers.get(key)
        if known is None or known[0] is not expr:  # the node is kept: its id cannot be reused
            found = [] if depth > _DEPTH or not self._spend(depth) else list(dict.fromkeys(self._strings(expr, scope, depth)))
            known = self._answers[key] = (expr, found)
        return known[1]

    def _strings(self, expr: ast.expr, scope: Scope, depth: int) -> List[str]:
        literal = self.literal(expr, scope)
        if isinstance(literal, str):
            return [literal]
        found: List[str] = []
        if isinstance(expr, ast.IfExp):
            found += self.strings(expr.body, scope, depth + 1) + self.strings(expr.orelse, scope, depth + 1)
        elif isinstance(expr, ast.Name):
            for binding in self.resolver.reaching_all(expr, scope):
                if binding.value is not None:
                    found += self.strings(binding.value, binding.scope, depth + 1)
                elif binding.default is not None:
                    found += self.strings(binding.default, binding.scope.parent or binding.scope, depth + 1)
        elif isinstance(expr, (ast.Subscript, ast.Call)):
            for value, value_scope, _, _ in self._table_entry(expr, scope) or ():
                found += self.strings(value, value_scope, depth + 1)
        elif isinstance(expr, ast.Attribute):  # ``args.optimizer``: a command-line option's default and choices
            from .defaults import option_strings

            found += option_strings(self, expr, scope, depth)
        return found

    def _table_entry(self, expr: ast.expr, scope: Scope,
                     depth: int = 0) -> Optional[List[Tuple[ast.expr, Scope, str, Optional[str]]]]:
        """``TABLE[key]`` or ``TABLE.get(key[, default])`` on a dict literal: the entry for a
        literal key, or every entry (and the default) for a key that is not one; each with the
        file that holds it when the table is in another module of the project ("" here), and, for
        a key that is not a literal, the key the entry is taken for where the table's keys say so
        (``ruled_out.unchanged_table``; else None, as for the default)."""
        if isinstance(expr, ast.Subscript):
            table, key, default = expr.value, expr.slice, None
        elif (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get"
              and 1 <= len(expr.args) <= 2 and not expr.keywords):
            table, key = expr.func.value, expr.args[0]
            default = expr.args[1] if len(expr.args) == 2 else None
        else:
            return None
        followed, table_scope = self.follow(table, scope)
        entries = self.dict_entries(followed, table_scope, depth + 1)
        where = ""
        if entries is None and self.project is not None:
            name = self.qualname(followed, table_scope)
            elsewhere = self.project.table(name) if name else None
            if elsewhere is not None:
                entries = self.dict_entries(elsewhere[1], elsewhere[2])
                table_scope, where = elsewhere[2], elsewhere[0].path
        if entries is None:
            return None
        chosen = self.literal(key, scope)
        if isinstance(chosen, str) and not entries[1]:
            found = [(entries[0][chosen], table_scope, where, None)] if chosen in entries[0] else []
        else:
            keyed = not entries[1] and not where and ruled_out.unchanged_table(self, table, scope, followed)
            found = [(value, table_scope, where, entry_key if keyed else None) for entry_key, value in entries[0].items()]
        if default is not None:
            found.append((default, scope, "", None))
        return found


_BY_NAME = frozenset({"setattr", "getattr", "delattr"})  # what they reach by its name may be changed


def _list_uses(home: Optional[ast.AST]) -> Dict[str, List[Tuple[str, ast.AST, Optional[List[ast.expr]]]]]:
    """How the statements of ``home`` (a def) use each name as a list, in one walk: ``add``
    (``name += [x, …]``, ``name.append(x)``, ``name.insert(i, x)``, ``name.extend([x, …])``, with
    what is added, None for what is not written out), ``read`` (any other use: an alias, an item
    read or stored, a call it is handed to, a loop over it, another method) and ``nested`` (a def or
    lambda that names it, which may run at any time)."""

    def collect() -> Dict[str, List[Tuple[str, ast.AST, Optional[List[ast.expr]]]]]:
        uses: Dict[str, List[Tuple[str, ast.AST, Optional[List[ast.expr]]]]] = {}
        receivers = set()
        for node in own_nodes(home) if home is not None else ():
            if isinstance(node, NESTED_SCOPES):
                for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
                    uses.setdefault(name, []).append(("nested", node, None))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                grown = isinstance(node.op, ast.Add) and isinstance(node.value, (ast.List, ast.Tuple))
                uses.setdefault(node.target.id, []).append(("add", node, list(node.value.elts) if grown else None))  # type: ignore[attr-defined]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                receivers.add(id(node.func.value))
                method, args = node.func.attr, node.args
                if method in ("append", "insert") and len(args) == (1 if method == "append" else 2) and not node.keywords:
                    uses.setdefault(node.func.value.id, []).append(("add", node, [args[-1]]))
                elif method == "extend" and len(args) == 1 and not node.keywords:
                    uses.setdefault(node.func.value.id, []).append(
                        ("add", node, list(args[0].elts) if isinstance(args[0], (ast.List, ast.Tuple)) else None))
                else:
                    uses.setdefault(node.func.value.id, []).append(("read", node, None))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in receivers:
                uses.setdefault(node.id, []).append(("read", node, None))
        return uses

    return kept_on(home, "_list_uses", None, collect) if home is not None else {}  # type: ignore[return-value]


def _grown(value: Optional[ast.expr], name: str) -> bool:
    """Whether a binding's value is ``name += [...]`` (the resolver binds it as ``name + [...]``)."""
    return isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Name) \
        and value.left.id == name and isinstance(value.right, (ast.List, ast.Tuple))


def _added_to_list(home: ast.AST, read: ast.Name, module: ast.AST) -> Optional[List[ast.expr]]:
    """What the statements of ``home`` add to the list ``read`` names before that read and on a way
    to it (a use under a test taken the other way than the read's is not: ``if kind == "sgd":
    params.append(…); return SGD(params)``). None when it is used otherwise on the way (an alias,
    an item read or changed, a loop over it, a call it is handed to, a def naming it) or grown by
    what is not written out: which groups it holds at the read is then not known."""
    before = (read.lineno, read.col_offset)
    reached: Optional[FrozenSet[Tuple[str, bool]]] = None
    added: List[ast.expr] = []
    for kind, node, items in _list_uses(home).get(read.id, ()):
        if (node.lineno, node.col_offset) >= before:  # type: ignore[attr-defined]
            continue
        if reached is None:
            reached = frozenset((ast.dump(owner.test), truth) for owner, truth in tests_at(module, before, leaving=True))  # type: ignore[attr-defined]
        if opposite(outcomes_at(module, (node.lineno, node.col_offset)), reached):  # type: ignore[attr-defined]
            continue  # never on the way to the read (``if name == "SGD": SGD(params)`` before ``else:``)
        if kind != "add" or items is None or any(isinstance(item, ast.Starred) for item in items):
            return None
        added += items
    return added


def _class_level(cls: ast.ClassDef, name: str) -> bool:
    """Whether the body of ``cls`` binds ``name`` itself (a class attribute, a method, a nested
    class), read from its statements: the resolver need not have entered it."""
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if stmt.name == name:
                return True
        elif any(isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load) for node in ast.walk(stmt)):
            return True
    return False


def _attribute_stores(module: Optional[ast.AST]) -> Optional[Dict[str, Optional[Dict[Optional[int], int]]]]:
    """``Context.attribute_stores`` of every attribute, in one walk; None for all of them where the
    module may store any by a name not written out."""
    index: Dict[str, Optional[Dict[Optional[int], int]]] = {}
    stack: List[Tuple[ast.AST, Optional[ast.ClassDef]]] = [(module, None)] if module else []
    while stack:
        node, cls = stack.pop()
        if isinstance(node, ast.Attribute):
            if node.attr == "__dict__":
                return None
            if isinstance(node.ctx, ast.Store) and index.get(node.attr, {}) is not None:
                counts = index.setdefault(node.attr, {})
                owner = id(cls) if cls is not None and isinstance(node.value, ast.Name) and node.value.id == "self" else None
                counts[owner] = counts.get(owner, 0) + 1  # type: ignore[index]
            elif isinstance(node.ctx, ast.Del):
                index[node.attr] = None
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "vars":
                return None
            named = _set_by_name(node)
            if named is not None:
                if named == "":
                    return None  # ``setattr(self, k, v)``: any attribute
                index[named] = None
        stack.extend((child, node if isinstance(node, ast.ClassDef) else cls) for child in ast.iter_child_nodes(node))
    return index


def _set_by_name(call: ast.Call) -> Optional[str]:
    """The attribute ``setattr``/``delattr``/``__setattr__`` sets, "" for one not written out, None
    for another call."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and len(call.args) >= 2:
        name = call.args[1]
    elif isinstance(func, ast.Attribute) and func.attr in ("__setattr__", "__delattr__") and call.args:
        name = call.args[-2] if len(call.args) >= 3 else call.args[0]
    else:
        return None
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else ""


def _attribute_uses(module: Optional[ast.AST], attr: str) -> Optional[List[Optional[ast.ClassDef]]]:
    """``Context.attribute_uses``, over the module's tree (comments and strings are not code)."""
    stores: List[Optional[ast.ClassDef]] = []
    stack: List[Tuple[ast.AST, Optional[ast.AST], Optional[ast.ClassDef]]] = [(module, None, None)] if module else []
    while stack:
        node, parent, cls = stack.pop()
        if isinstance(node, ast.Attribute) and node.attr == attr:
            if isinstance(node.ctx, ast.Store):
                receiver = node.value.id if isinstance(node.value, ast.Name) else None
                stores.append(cls if receiver == "self" else None)
            elif isinstance(node.ctx, ast.Del):
                return None
            elif not (isinstance(parent, ast.keyword) and parent.arg is None or read_only(parent)
                      or isinstance(parent, ast.Attribute) and parent.attr in DICT_READS  # ``x.kw.get(…)``
                      or isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load)):
                return None  # ``x.kw[k] = …``, ``x.kw.update(…)``, ``kw = x.kw``, ``f(x.kw)``
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (node.func.id == "vars" or node.func.id in _BY_NAME
                                                                                 and any(isinstance(a, ast.Constant) and a.value == attr for a in node.args)):
            return None
        elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
            return None
        inner = node if isinstance(node, ast.ClassDef) else cls
        stack.extend((child, node, inner) for child in ast.iter_child_nodes(node))
    return stores


class DictUses:
    """How the code of one scope uses what a name holds as a dict (``dict_uses``): its fills by
    key (``name["k"] = v``, ``name.update(k=v)``, and the keys removed or changed otherwise:
    where → the value set), whether any key may change (a computed key, ``clear()``), and whether it
    escapes (handed to another name, named in a nested scope: changed there, maybe; or handed to a
    call, ``handed``)."""

    __slots__ = ("fills", "defaults", "taken", "changed", "escaped", "handed")

    def __init__(self) -> None:
        # key → where → the value set there; ``REMOVED`` for ``del name["k"]``/``name.pop("k")``
        self.fills: Dict[str, Dict[Tuple[int, int], ast.expr]] = {}
        self.defaults: Set[Tuple[int, int]] = set()  # where a fill is ``name.setdefault("k", v)``
        self.taken: Set[Tuple[int, int]] = set()  # where a ``name.pop("k")`` is used: its value lives on
        self.changed = False
        self.escaped = False
        # where it is an argument of a call, which may change it: a read that hands it to the call
        # it is read for (``ClippedAdam(kw)``) still sees what was filled before (``_followed``)
        self.handed: Set[Tuple[int, int]] = set()

    def escapes(self) -> bool:
        """Whether the dict may change out of sight anywhere in the scope."""
        return self.escaped or bool(self.handed)


_FILLED_KEYS = 32  # keys of one dict read through the flow, each asked at every read: more is generated code
_FILLS_PER_KEY = 64  # fills of one key the flow follows: more is generated code
# each dict filled in a scope has its flow over the scope's statements: thousands of dicts filled
# at the top of a module of thousands of statements is generated code, not followed
_FLOW_BUDGET = 2_000_000
_KEY_CHANGES = frozenset({"pop", "setdefault"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp)


def _unplaced(node: ast.expr) -> ast.expr:
    """A node of no line of the file (its text is ``ast.unparse``'s)."""
    node.lineno = node.end_lineno = 0  # type: ignore[attr-defined]
    node.col_offset = node.end_col_offset = 0  # type: ignore[attr-defined]
    return node


REMOVED = _unplaced(ast.Name(id="<removed>", ctx=ast.Load()))


def dict_uses(home: ast.AST) -> Dict[str, DictUses]:
    """For each name the code of ``home`` (a function or the module) reads, how it uses the dict
    the name may hold (``DictUses``); reads change nothing (``**name``, ``name["k"]``,
    ``name.get(…)``, ``"k" in name``, ``if name``, ``print(name)``). One walk of the scope."""
    cached = getattr(home, "_dict_uses", None)  # asked at every read, and every call of a wrapper
    if cached is not None:
        return cached
    found: Dict[str, DictUses] = {}
    home._dict_uses = found  # type: ignore[attr-defined]
    body = getattr(home, "body", None)
    if not isinstance(body, list):
        return found  # a lambda: its body is one expression, and binds nothing a fill could follow
    parents: Dict[int, ast.AST] = {id(stmt): home for stmt in body}
    stack: List[Tuple[ast.AST, bool]] = [(stmt, False) for stmt in body]
    while stack:
        node, nested = stack.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            uses = found.get(node.id)
            if uses is None:
                uses = found[node.id] = DictUses()
            if nested:
                uses.escaped = True
            elif isinstance(node.ctx, ast.Del):
                uses.changed = True
            else:
                parent = parents[id(node)]
                grand = parents.get(id(parent))
                _note_use(uses, node, parent, grand, parents.get(id(grand)))
        inner = nested or isinstance(node, _NESTED)
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
            stack.append((child, inner))
    return found


def _followed(uses: DictUses, read: Optional[Tuple[int, int]] = None) -> bool:
    """Whether a dict's fills are read through the flow: not changed or escaped in ways not
    followed, and no more keys and fills than generated code has. The ``read`` may hand the dict
    to its call when nothing fills it after: the call may keep it and read it later (pyro's
    ``ClippedAdam(kw)`` builds its optimizers at the first step)."""
    if uses.changed or uses.escaped or len(uses.fills) > _FILLED_KEYS \
            or any(len(where) > _FILLS_PER_KEY for where in uses.fills.values()):
        return False
    if uses.handed - {read}:
        return False
    return read not in uses.handed or all(at < read for where in uses.fills.values() for at in where)  # type: ignore[operator]


def parameter_keys(scope: Scope, name: str) -> Optional[List[str]]:
    """The keys the function of ``scope`` sets or takes out of ``**name``, its own parameter
    (``kwargs.pop("weight_decay")``, ``kwargs["weight_decay"] = 0.0``; ``key_defs`` says where);
    None when its code is not followed for that dict (``_followed``), or binds the name again."""
    uses = dict_uses(scope.node).get(name)  # type: ignore[arg-type]
    if uses is None:
        return []
    return list(uses.fills) if _followed(uses) and len(scope.bindings.get(name, ())) == 1 else None


class KeyDef(Record):
    """One definition of an entry of a dict that reaches a use (``key_defs``)."""

    value: Optional[ast.expr]  # None: what the dict held as bound (a caller's ``**kwargs``); ``REMOVED``: taken out
    where: Tuple[int, int] = (0, 0)  # the position of the dict's name there
    keeps: bool = False  # a ``setdefault``: what the dict held, if it held the key
    taken: bool = False  # a ``pop`` whose value the code goes on to use


def key_defs(scope: Scope, name: str, key: str, use: Tuple[int, int]) -> List[KeyDef]:
    """The definitions of entry ``key`` of the dict the variable ``name`` of ``scope`` holds that
    reach ``use`` (``flow``): its fills of that key (``dict_uses``), and the bindings of the name
    itself. One flow per scope, name and key; every read of a dict filled before it, and every
    call of a wrapper that changes its ``**kwargs``, asks."""
    node = scope.node
    uses = dict_uses(node).get(name)  # type: ignore[arg-type]
    where = uses.fills.get(key, {}) if uses is not None else {}
    if not where:
        return [KeyDef(None)]
    answers = node.__dict__.setdefault("_key_defs", {})  # type: ignore[union-attr]
    found = answers.get((name, key, use))
    if found is None:
        reaching = answers.get((name, key))
        if reaching is None:
            body = node.body  # type: ignore[union-attr]
            start = (body[0].lineno, body[0].col_offset) if body else (0, 0)
            bound = [binding.pos for binding in scope.bindings.get(name, [])]
            reaching = answers[(name, key)] = flow.Reaching(body, bound + list(where), frozenset(p for p in bound if p < start))
        found = answers[(name, key, use)] = [
            KeyDef(where[p], p, p in uses.defaults, p in uses.taken) if p in where else KeyDef(None, p)  # type: ignore[union-attr]
            for p in reaching.at(use)]
    return found


def _note_use(uses: DictUses, node: ast.Name, parent: ast.AST, grand: Optional[ast.AST], great: Optional[ast.AST]) -> None:
    """Notes what one read of a name does to the dict it may hold."""
    at = (node.lineno, node.col_offset)
    if isinstance(parent, ast.Subscript) and parent.value is node:
        key = parent.slice.value if isinstance(parent.slice, ast.Constant) and isinstance(parent.slice.value, str) else None
        if isinstance(parent.ctx, ast.Load):
            return
        if isinstance(parent.ctx, ast.Store) and key is not None and (
                isinstance(grand, ast.Assign) and grand.targets == [parent]
                or isinstance(grand, ast.AnnAssign) and grand.target is parent and grand.value is not None):
            uses.fills.setdefault(key, {})[at] = grand.value  # type: ignore[union-attr,assignment]
        elif isinstance(parent.ctx, ast.Del) and key is not None:
            uses.fills.setdefault(key, {})[at] = REMOVED
        else:
            uses.changed = True  # a computed key, ``name["k"] += …``, ``a, name["k"] = …``
        return
    if isinstance(parent, ast.keyword) and parent.arg is None:
        return
    if isinstance(parent, ast.Attribute) and isinstance(grand, ast.Call) and grand.func is parent:
        if parent.attr in DICT_READS:
            return
        given = grand.args[0] if grand.args and not isinstance(grand.args[0], ast.Starred) else None
        if parent.attr in _KEY_CHANGES and isinstance(given, ast.Constant) and isinstance(given.value, str) \
                and (parent.attr == "pop" or len(grand.args) == 2 and not grand.keywords):
            if parent.attr == "pop":
                uses.fills.setdefault(given.value, {})[at] = REMOVED
                if not isinstance(great, ast.Expr):
                    uses.taken.add(at)
            else:  # ``setdefault("k", v)``: v where nothing set it before
                uses.fills.setdefault(given.value, {})[at] = grand.args[1]
                uses.defaults.add(at)
            return
        if parent.attr == "update" and isinstance(great, ast.Expr) and len(grand.args) <= 1 \
                and all(kw.arg is not None for kw in grand.keywords):
            given = given if grand.args else ast.Dict(keys=[], values=[])
            if isinstance(given, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                   for k in given.keys):
                for key, value in [*((k.value, v) for k, v in zip(given.keys, given.values)),  # type: ignore[union-attr]
                                   *((kw.arg, kw.value) for kw in grand.keywords)]:
                    uses.fills.setdefault(key, {})[at] = value  # type: ignore[index]
                return
        uses.changed = True  # ``clear()``, ``popitem()``, ``update(other)``: any key
        return
    if isinstance(parent, ast.Compare) and all(isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Eq, ast.NotEq))
                                               for op in parent.ops):
        return  # ``"k" in name``, ``name is None``
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is node \
            or isinstance(parent, ast.UnaryOp):
        return  # ``if name:``, ``not name`` (``name or {}`` may be another name for it)
    if isinstance(parent, (ast.IfExp, ast.BoolOp)) and isinstance(grand, ast.Assign) and len(grand.targets) == 1 \
            and isinstance(grand.targets[0], ast.Name) and grand.targets[0].id == node.id:
        return  # ``kw = kw or {}``, ``kw = kw if isinstance(kw, dict) else {}``: the same name holds it
    if read_only(parent) and any(a is node for a in parent.args):  # type: ignore[attr-defined]
        return
    if isinstance(parent, ast.Call) and any(a is node for a in parent.args) \
            or isinstance(parent, ast.keyword) and isinstance(grand, ast.Call):
        uses.handed.add(at)
        return
    uses.escaped = True


_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "property", "cache", "lru_cache", "cached_property"})


def _returns_what_it_returns(function: ast.AST) -> bool:
    """Whether a call of ``function`` gives what its ``return`` statements do: a plain ``def``,
    not ``async`` (a coroutine), not a generator, under no decorator that may replace it."""
    if not isinstance(function, ast.FunctionDef):
        return False
    for decorator in function.decorator_list:
        named = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = named.attr if isinstance(named, ast.Attribute) else named.id if isinstance(named, ast.Name) else ""
        if name not in _PLAIN_DECORATORS:
            return False
    return not kept_on(function, "_generates", None, lambda: any(
        isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(function)))


def _reads_a_flag(test: ast.expr) -> bool:
    """Whether a test reads flags, not an optimizer's name compared: names, attributes, items and
    ``.get(…)`` of a config, with ``not``, ``and`` and ``or``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _reads_a_flag(test.operand)
    if isinstance(test, ast.BoolOp):
        return all(_reads_a_flag(value) for value in test.values)
    if isinstance(test, ast.Call):
        return isinstance(test.func, ast.Attribute) and test.func.attr == "get"
    return isinstance(test, (ast.Name, ast.Attribute, ast.Subscript))


def _decoupling_switch(test: ast.expr, one: List[Alternative], other: List[Alternative]) -> bool:
    """Whether ``A if test else B`` is a class's own decoupling switch set by an expression: the
    test reads a flag (a name or an attribute, maybe negated: not an optimizer's name compared),
    and the arms are a class whose decay is coupled and its decoupled form (``AdamW if
    config.decoupled_weight_decay else Adam``)."""
    if not _reads_a_flag(test) or len(one) != 1 or len(other) != 1:
        return False
    for coupled, decoupled in ((one[0], other[0]), (other[0], one[0])):
        row = OPTIMIZERS_BY_NAME.get(coupled.qualname)
        target = OPTIMIZERS_BY_NAME.get(row.rename.get(coupled.qualname, "")) if row is not None else None
        if row is not None and row.decay == COUPLED and row.always is None and target is not None \
                and target is OPTIMIZERS_BY_NAME.get(decoupled.qualname) and target.decay == DECOUPLED:
            return True
    return False


def given_argument(call: ast.Call, positional: Sequence[str], name: str) -> Optional[ast.expr]:
    """What ``call`` passes for the parameter ``name``: by keyword, or at its place among the
    parameters it can fill by position (``positional``); not known after a ``*args``."""
    found = next((kw.value for kw in call.keywords if kw.arg == name), None)
    at = positional.index(name) if found is None and name in positional else len(call.args)
    if at < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:at + 1]):
        found = call.args[at]
    return found


_COPIES = frozenset({"copy.copy", "copy.deepcopy"})


def _copy_source(ctx: Context, expr: ast.expr, scope: Scope) -> Optional[ast.expr]:
    """What ``expr`` makes a copy of: ``d.copy()``, ``copy.copy(d)``, ``copy.deepcopy(d)``; None otherwise."""
    if not isinstance(expr, ast.Call) or expr.keywords:
        return None
    if isinstance(expr.func, ast.Attribute) and expr.func.attr == "copy" and not expr.args:
        return expr.func.value
    if len(expr.args) == 1 and not isinstance(expr.args[0], ast.Starred) and ctx.qualname(expr.func, scope) in _COPIES:
        return expr.args[0]
    return None


def _is_builtin(call: ast.Call, name: str, scope: Scope) -> bool:
    return (isinstance(call.func, ast.Name) and call.func.id == name
            and scope.lookup(name, (call.lineno, call.col_offset)) is None)

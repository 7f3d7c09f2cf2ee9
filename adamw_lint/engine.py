"""The detection engine: resolves each call's qualified name once and routes it to the checkers.

Flow: the pre-filter (a regular expression over the bytes) drops files that cannot hold a
finding; ``analyze_tree`` builds the module's scopes, resolves every call's callee, hands the
call to each checker registered for that name (or, for ``obj.method(...)`` on an object it
cannot name, for that method), then lets every checker that saw a call report what relates
several calls. Which names matter, and what they mean, is catalog data; what is reported is the
checkers' business (``adamw_lint/checkers/``). Fixes are planned only when ``fixes=True``.

Callees the resolver cannot name are tried as alternatives (branches, registries, detectron2's
``L(cls)``); ``super().__init__`` of a catalog subclass is routed to its base. With a
``ProjectIndex`` (the CLI builds one from the paths it is given) imports of the project's own
modules are followed into them; without one (flake8, which sees one file at a time) each file is
read alone, so project-level findings come from the CLI only.
"""

from __future__ import annotations

import ast
import bisect
import functools
import itertools
import re
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Pattern, Sequence, Set, Tuple

from . import catalog, ruled_out
from .catalog import OptimizerApi
from .checkers import CHECKERS
from .checkers.base import Checker
from .branches import condition, constant_defaults
from .context import ABSENT, Context, SuperInit, bind
from .files import physical_lines
from .findings import Finding, Span, shown_path
# the pre-filter lives on its own (a run that parses nothing imports no engine); re-exported here
from .prefilter import (
    _FRAMEWORKS, _NOT_ADAPTIVE, _PACKAGES, _REACH_WORD, _STRINGS, _TRIGGER_TEXT, _WORDS, GETATTR_OF_A_MODULE, _has_word,
    may_contain_findings, may_contain_text, may_hold_or_train_elsewhere_text,
)
from .project_index import ProjectIndex
from .own_optimizers import class_row
from .summaries import Module, Reach, callable_reach, first_parameter, method_reach, replaces_step, signature_of
from .scope import Binding, Resolver, Scope, is_parameter, kept_on, names_class

def _routes() -> Tuple[Dict[str, List[Tuple[int, object]]], Dict[str, List[int]]]:
    by_name: Dict[str, List[Tuple[int, object]]] = {}
    by_method: Dict[str, List[int]] = {}
    for index, checker in enumerate(CHECKERS):
        for name, row in checker.routes.items():
            by_name.setdefault(name, []).append((index, row))
        for method in checker.methods:
            by_method.setdefault(method, []).append(index)
    return by_name, by_method


_BY_NAME, _BY_METHOD = _routes()
_OPTIMIZERS = next(i for i, checker in enumerate(CHECKERS) if OptimizerApi in {type(r) for r in checker.routes.values()})
# a route named ``pkg.Class().method`` is a method called on an instance the module builds
_INSTANCES = [found for found in map(catalog.instance_method, _BY_NAME) if found is not None]
_INSTANCE_METHODS = frozenset(method for _, method in _INSTANCES)
_INSTANCE_CLASSES = frozenset(cls for cls, _ in _INSTANCES)
_BY_MODULE_NAME = [(index, sorted(c.module_names)) for index, c in enumerate(CHECKERS) if c.module_names]


def analyze_source(source: str, style: str = "rename", *, fixes: bool = True,
                   target_torch: Optional[Tuple[int, int]] = None, path: Optional[str] = None,
                   project: Optional[ProjectIndex] = None) -> List[Finding]:
    """Findings of one module's source text (raises SyntaxError, RecursionError, ValueError)."""
    if not (may_hold_or_train_elsewhere_text(source) or _REACH_WORD in source if project is not None
            else may_contain_text(source)):
        return []
    return analyze_tree(ast.parse(source), physical_lines(source), style, fixes=fixes, target_torch=target_torch,
                        path=path, project=project)


def analyze_tree(tree: ast.AST, lines: Sequence[str], style: str = "rename", *, fixes: bool = True,
                 target_torch: Optional[Tuple[int, int]] = None, path: Optional[str] = None,
                 project: Optional[ProjectIndex] = None,
                 exported: Optional[Callable[[Exports], None]] = None,
                 limited: Optional[Callable[[str], None]] = None) -> List[Finding]:
    """Findings of an already parsed module; ``lines`` are its physical lines
    (``files.physical_lines``). ``fixes=False``: no fix planning (flake8; `check --format github`):
    planning runs per finding only, so text output plans them to mark what `--fix` would fix.
    ``target_torch``: the oldest torch the fixes must run on (None: no constraint known).
    ``project`` (with the module's ``path``): follow imports of the project's own modules
    (relative ones included) into them; without it each file is read alone (flake8).
    ``exported``: called with the module's ``reach_exports`` (the runner's second pass).
    ``limited``: called with the reason when an analysis bound stopped a search early (the
    findings returned are still right, but some may be missing)."""
    package = project.package_of(path) if project is not None and path is not None else None
    text = "".join(lines)
    resolver = Resolver(catalog.STAR_IMPORTED, _bodies_to_visit(tree, lines, text), package,
                        project.beside(path) if project is not None and path is not None else None)
    if project is not None:
        resolver.imported_literal = project.literal
        resolver.star_meaning = project.star_meaning
    resolver.visit(tree)
    calls = [(call, scope, _callee(resolver, call, scope)) for call, scope in resolver.calls]  # each resolved once
    if exported is not None:
        exported(reach_exports(resolver, calls))
    ctx = Context(resolver, lines, style, fixes, project, path=path)
    ctx.target_torch = target_torch  # read by fix planning (checkers/optimizer_fix.py)
    checkers: Dict[int, Checker] = {}

    def checker(index: int) -> Checker:
        if index not in checkers:
            checkers[index] = CHECKERS[index](ctx)
        return checkers[index]

    found: Dict[Tuple[Span, str], Finding] = {}
    summaries: Dict[int, Optional[Reach]] = {}  # id of a class or function of this module → what it builds
    methods: Dict[Tuple[int, str], Optional[Reach]] = {}  # (id of a class, name) → what ``self.<name>(…)`` builds
    # a project function given an optimizer's name (``model_fn(..., 'Adagrad')``): the module
    # must write one of the names a getter takes for it to be passed here
    hands_names = project is not None and any(name in text for name in _GETTER_NAMES)
    names_decay = any(word in text for word in _DECAY_TEXT)  # a decay passed by position needs its name somewhere

    def report(findings: Iterable[Finding]) -> None:
        for finding in findings:
            found.setdefault((finding.span, finding.code), finding)

    def report_reached(call: ast.Call, scope: Scope, reached: Optional[Reach]) -> None:
        """A call of a callable that builds ``reached`` (each branch of a dispatcher). Branches
        reported under one code make one finding, which names them all."""
        by_code: Dict[str, List[Tuple[Finding, Reach]]] = {}
        for one in (reached.branches or (reached,)) if reached is not None else ():
            for branch in _named_classes(ctx, call, scope, one) if one.by_attribute else (one,):
                for index, row in _BY_NAME.get(branch.name, ()):
                    for finding in checker(index).check_reached(call, scope, branch, row):
                        by_code.setdefault(finding.code, []).append((finding, branch))
        for (first, _), *others in by_code.values():
            report((_also_built(first, [branch for _, branch in others]),))

    for cls, scope in resolver.classes:
        for base in cls.bases:
            name = resolver.qualname(base, scope)
            for index, row in _BY_NAME.get(name or "", ()):
                report(checker(index).check_base(cls, base, scope, name, row))  # type: ignore[arg-type]
    for call, scope, name in calls:
        if name is not None:
            for index, row in _BY_NAME.get(name, ()):
                report(checker(index).check(call, scope, name, row))
            if project is not None and name not in _BY_NAME and (call.args or call.keywords):
                own = project.own_optimizer(name)  # a project's optimizer class with its own coupled step
                if own is not None:
                    report(checker(_OPTIMIZERS).check(call, scope, name, own))
            if project is not None and name not in _BY_NAME and _may_reach(call, name, project):
                report_reached(call, scope, project.reach(name))
            if hands_names and name not in _BY_NAME and (call.args or call.keywords):
                for reached in project.named_reach(name):  # a model_fn handed the optimizer's name
                    report_reached(call, scope, reached)
            init = _explicit_init(resolver, call, scope, name)
            if init is not None:
                for index, row in _BY_NAME.get(name[:-len(".__init__")], ()):
                    report(checker(index).check_init(call, scope, name[:-len(".__init__")], row, init))
            receiver = name.rsplit(".", 1)[0]
            # ``model.compile(...)`` of ``from .nets import model``, or ``keras.Model.compile(self, ...)``
            if isinstance(call.func, ast.Attribute) and call.func.attr in _BY_METHOD and (
                    call.args and names_class(receiver) or project is not None and project.project_object(receiver)):
                for index in _BY_METHOD[call.func.attr]:
                    report(checker(index).check_method(call, scope))
            continue
        init_of = _super_init(resolver, call, scope)
        if init_of is not None:
            base_name, init = init_of
            for index, row in _BY_NAME.get(base_name, ()):
                report(checker(index).check_init(call, scope, base_name, row, init))
            continue
        if isinstance(call.func, ast.Name) and (call.args or call.keywords):
            own = _local_optimizer(resolver, call.func, scope)
            if own is not None:
                report(checker(_OPTIMIZERS).check(call, scope, own.names[0], own))
            report_reached(call, scope, _local_reach(resolver, call.func, scope, lines, project, summaries))
        elif isinstance(call.func, ast.Attribute) and _may_hand_over(call, names_decay):
            report_reached(call, scope, _method_reach(ctx, call.func, scope, project, methods))
        if isinstance(call.func, ast.Attribute):
            for index in _BY_METHOD.get(call.func.attr, ()):
                report(checker(index).check_method(call, scope))
        if isinstance(call.func, (ast.Name, ast.Subscript, ast.Call, ast.IfExp)):
            for choice in ctx.alternatives(call.func, scope):
                rows = _BY_NAME.get(choice.qualname, ())
                if rows and ruled_out.excluded(ctx, choice, call, scope, (call.lineno, call.col_offset)):
                    continue  # ``if name == "adamw": OPTIMIZERS[name](…)``: not Adam here
                for index, row in rows:
                    report(checker(index).check_alternative(call, scope, choice, row))
    for index, names in _BY_MODULE_NAME:
        for name in names:
            for binding in resolver.module.bindings.get(name, ()):
                if binding.value is not None and binding.scope is resolver.module:
                    report(checker(index).check_binding(name, binding))
    for index in sorted(checkers):
        for finding in checkers[index].finish():
            found.setdefault((finding.span, finding.code), finding)
    if project is not None and isinstance(tree, ast.Module):  # a Python config naming a class for code that builds it by name
        from . import config_choice

        report(config_choice.python_findings(tree, ctx, project, style))
    if ctx.limit_hit is not None and limited is not None:
        limited(ctx.limit_hit)
    return sorted(found.values(), key=lambda f: (f.span, f.code))


# Text without which a def or class body holds nothing any checker looks at: the optimizers'
# names, what the Keras/TF and loss-side rules follow, ``global`` (a body that rebinds module
# names must be read), and weight_decay (a wrapper another module calls, or the dict a method
# stores for another to spread: ``self.kw = {"weight_decay": wd}``).
_RELEVANT = (*_WORDS, *_PACKAGES, *_STRINGS, *_NOT_ADAPTIVE, *catalog.FOLLOWED_WORDS, "sum(", "global ", "nonlocal ", _REACH_WORD)


# What a class that trains a Keras/TF model or loss across its methods mentions (``.add(`` is
# left out: tensors use it everywhere); read only in a module that names Keras or TensorFlow, so
# torch's own classes (``torch.compile``) are not read whole.
_TRAINS = tuple(w for w in catalog.FOLLOWED_WORDS if w != ".add(")

# a body that builds the class a string its callers give names (``getattr(torch.optim, name)``)
_GETATTR_OF_A_MODULE = re.compile(GETATTR_OF_A_MODULE)


def _bodies_to_visit(tree: ast.AST, lines: Sequence[str], text: str) -> Callable[[ast.AST], bool]:
    """Which def/class bodies the resolver enters: those whose lines mention something relevant,
    or a module-level name that stands for a catalog API (``from torch.optim import Adam as A``,
    ``Opt = partial(torch.optim.Adam, ...)``), every method of a class whose bases do
    (``super().__init__(...)`` of ``class X(torch.optim.Adam)`` names nothing itself), and a
    closure that names a parameter whose default is relevant."""
    starts = list(itertools.accumulate((len(line) for line in lines), initial=0))
    marked = _lines_containing(_RELEVANT, text, starts)
    aliases = set()
    classes: Set[str] = set()  # the names of the classes whose instances' methods are routes
    for stmt in _top_level(tree):
        if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            aliases.update(a.asname or a.name for a in stmt.names if f"{stmt.module}.{a.name}" in _BY_NAME)
            classes.update(a.asname or a.name for a in stmt.names if f"{stmt.module}.{a.name}" in _INSTANCE_CLASSES)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _any_between(marked, stmt.lineno, stmt.end_lineno):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            aliases.update(t.id for t in targets if isinstance(t, ast.Name))
    if classes:  # and the instances the module builds of one (``model = YOLO("n.pt")``), a function uses
        aliases |= classes | {t.id for stmt in _top_level(tree) if isinstance(stmt, ast.Assign)
                              and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)
                              and stmt.value.func.id in classes for t in stmt.targets if isinstance(t, ast.Name)}
    if aliases:
        named = re.compile(r"\b(?:" + "|".join(sorted(aliases)) + r")\b")
        marked = sorted(set(marked) | set(_lines_matching(named, text, starts)))
    if "getattr(" in text:
        marked = sorted(set(marked) | set(_lines_matching(_GETATTR_OF_A_MODULE, text, starts)))
    followed = _lines_containing(_TRAINS, text, starts) if any(f in text for f in _FRAMEWORKS) else []
    subclasses: List[Tuple[int, int]] = []  # a class whose methods all are relevant

    def carry(function: ast.AST) -> None:
        """A parameter whose default is relevant (``dnn_optimizer='Adagrad'``) makes the lines of
        the function that name it relevant: a closure that passes it on is read."""
        args = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                 *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)]
        names = [a.arg for a, d in pairs if _any_between(marked, d.lineno, d.end_lineno)]
        if names:
            named = re.compile(r"\b(?:" + "|".join(names) + r")\b")
            inside = _lines_matching(named, text, starts, function.lineno, function.end_lineno)  # type: ignore[attr-defined]
            marked[:] = sorted(set(marked) | set(inside))

    def keep(node: ast.AST) -> bool:
        line, end = node.lineno, node.end_lineno  # type: ignore[attr-defined]
        if any(first <= line <= last for first, last in subclasses):
            return True
        if isinstance(node, ast.ClassDef) and (
                node.bases and _any_between(marked, line, max(b.end_lineno for b in node.bases))  # type: ignore[type-var]
                or _any_between(followed, line, end) and _any_between(marked, line, end)):
            # its bases are relevant, or it trains a model or loss and names an optimizer: every
            # method is read (``self.loss`` built in one, the optimizer stored in another:
            # ``summaries.ClassMembers``)
            subclasses.append((line, end))
            return True
        if not _any_between(marked, line, end):
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            carry(node)
        return True
    return keep


Exports = Tuple[FrozenSet[str], Dict[str, FrozenSet[str]], FrozenSet[str]]


def reach_exports(resolver: Resolver, calls: Optional[Sequence[Tuple[ast.Call, Scope, Optional[str]]]] = None) -> Exports:
    """The module-level names another module of the project could follow to an optimizer, by
    the rules of ``ProjectIndex.reach``/``table`` (for the runner's second pre-filter pass):
    a function that constructs a catalog optimizer, a class whose base is one (without a ``step``
    of its own) or whose own step is coupled (``own_optimizers``), an alias, re-export or dict entry
    naming one. Returns those names; for the names
    that stand for another name (a base class, an alias, a re-export under another name, a dict
    entry) the names they stand for: they reach if one of those does, in any module; and the
    names bound to a dict (a registry, indexed at the call). ``calls``: the module's calls with
    their scope and callee name, as ``analyze_tree`` resolved them (resolved here if not given)."""
    module = resolver.module
    if calls is None:
        calls = [(call, scope, _callee(resolver, call, scope)) for call, scope in resolver.calls]
    built = set()  # top-level functions that construct an optimizer
    for call, scope, name in calls:  # with each callee's name (``_callee``)
        if name in catalog.OPTIMIZERS_BY_NAME:
            while scope.parent is not None and scope.parent is not module:
                scope = scope.parent
            if scope is not module and isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                built.add(scope.node.name)
    direct = set(built)
    links: Dict[str, FrozenSet[str]] = {}
    tables = set()
    for name, bindings in module.bindings.items():
        for binding in bindings:
            if binding.scope is not module:
                continue
            if binding.qualname is not None:  # an import
                if binding.qualname in catalog.OPTIMIZERS_BY_NAME:
                    direct.add(name)
                elif binding.qualname.rsplit(".", 1)[-1] != name:
                    links[name] = links.get(name, frozenset()) | {binding.qualname.rsplit(".", 1)[-1]}
                continue
            node, value = binding.node, binding.value
            if isinstance(node, ast.ClassDef):
                if replaces_step(node):  # an optimizer of its own: reaches one if its step is coupled
                    if _own_optimizer(resolver, node, module) is not None:
                        direct.add(name)
                    continue
                parts = [base for base in node.bases]
            elif value is not None:
                if isinstance(value, (ast.Dict, ast.Call)):
                    tables.add(name)
                parts = list(value.values) if isinstance(value, ast.Dict) else [value]
            else:
                continue
            for part in parts:
                qualname = resolver.qualname(part, module) if isinstance(part, (ast.Name, ast.Attribute)) else None
                if qualname in catalog.OPTIMIZERS_BY_NAME:
                    direct.add(name)
                elif isinstance(part, (ast.Name, ast.Attribute)):
                    last = part.id if isinstance(part, ast.Name) else part.attr
                    links[name] = links.get(name, frozenset()) | {last}
    return frozenset(direct), links, frozenset(tables)


def reaching_names(direct: Iterable[str], links: Dict[str, FrozenSet[str]]) -> FrozenSet[str]:
    """``reach_exports``' answers of several modules closed over their links."""
    found = set(direct)
    changed = True
    while changed:
        changed = False
        for name, mentioned in links.items():
            if name not in found and not found.isdisjoint(mentioned):
                found.add(name)
                changed = True
    return frozenset(found)


def _top_level(tree: ast.AST) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside module-level if/try/with blocks."""
    stack = list(getattr(tree, "body", []))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for part in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, part, []))
            for handler in getattr(stmt, "handlers", []):
                stack.extend(handler.body)


def _lines_containing(words: Tuple[str, ...], text: str, starts: List[int]) -> List[int]:
    """The 1-based numbers of the lines that contain one of ``words`` (``starts``: each line's
    offset). The words that start with a capital or a quote are found by one regular expression,
    which skips quickly to such a character; the others by one ``str.find`` scan each (in an
    alternation, a word that starts with a lower-case letter or ``.`` makes ``re`` try a match at
    most positions: several times slower)."""
    rare, common = _scanners(words)
    marked = {bisect.bisect_right(starts, m.start()) for m in rare.finditer(text)} if rare else set()
    for word in common:
        at = text.find(word)
        while at >= 0:
            marked.add(bisect.bisect_right(starts, at))
            at = text.find(word, at + 1)
    return sorted(marked)


@functools.lru_cache(maxsize=None)
def _scanners(words: Tuple[str, ...]) -> Tuple[Optional[Pattern[str]], Tuple[str, ...]]:
    rare = sorted((w for w in words if w[:1].isupper() or w[:1] in "\"'"), key=len, reverse=True)
    common = tuple(w for w in words if w not in rare)
    return (re.compile("|".join(map(re.escape, rare))) if rare else None), common


def _lines_matching(pattern: Pattern[str], text: str, starts: List[int], first: int = 1,
                    last: Optional[int] = None) -> List[int]:
    """The 1-based numbers of the lines where ``pattern`` matches (``starts``: each line's
    offset), among lines ``first`` to ``last`` (the whole text by default)."""
    end = starts[last] if last is not None and last < len(starts) else len(text)
    return sorted({bisect.bisect_right(starts, m.start()) for m in pattern.finditer(text, starts[first - 1], end)})


# each once: the getters' tables share their names, and every candidate's text is searched for each
_GETTER_NAMES = tuple(sorted({f"{q}{name}{q}" for table in catalog.OPTIMIZER_NAME_TABLES.values()
                              for name in table for q in "'\""}))


def _any_between(marked: List[int], first: int, last: int) -> bool:
    at = bisect.bisect_left(marked, first)
    return at < len(marked) and marked[at] <= last


_DECAY_WORDS = tuple(sorted(parameter.encode() for parameter in catalog.DECAY_PARAMETERS))
_DECAY_TEXT = tuple(word.decode() for word in _DECAY_WORDS)


def _may_reach(call: ast.Call, name: str, project: ProjectIndex) -> bool:
    """Whether a call of a project callable is worth following into its module: it passes a
    decay (or ``**kwargs``), or the callable's own name names an optimizer (``MyAdam``), or it
    passes something else that may become the decay (``build(p, wd=1e-4)``, ``build(p, lr,
    args.weight_decay)``: which argument does is the callable's summary's to say) to a callable
    whose module names an optimizer's decay parameter (``weight_decay``), as a wrapper that
    passes it on by another name does. Most modules of a Keras library name an optimizer, and
    many a learning-rate "decay": they are not parsed for every call of theirs."""
    if any(kw.arg is None or "decay" in kw.arg for kw in call.keywords) or _has_word(_TRIGGER_TEXT, name.rsplit(".", 1)[-1]):
        return True
    return bool(call.args or call.keywords) and project.mentions(name, _DECAY_WORDS)


def _local_reach(resolver: Resolver, func: ast.Name, scope: Scope, lines: Sequence[str],
                 project: Optional[ProjectIndex], summaries: Dict[int, Optional[Reach]]) -> Optional[Reach]:
    """What a class or function of this module that ``func`` names constructs (its summary,
    computed once per callable: ``summaries``)."""
    binding = resolver.reaching(func, scope)
    node = binding.node if binding is not None else None
    if not isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if id(node) not in summaries:
        here = Module("", "", resolver, lines)  # no path: the checkers say "line N" for this module
        summaries[id(node)] = callable_reach(here, node, project.reach if project is not None else _unreached)
    return summaries[id(node)]


def _also_built(finding: Finding, others: List[Reach]) -> Finding:
    """``finding`` of a dispatcher's branch, saying which other branches the call may take with
    the same decay: ``get_optimizer(name, …)`` may build Adagrad or Adadelta, both coupled."""
    names = [f"{b.name} ({'line ' if not b.module.path else shown_path(b.module.path) + ':'}{b.line}"
             f"{', chosen when ' + condition(b.chosen) if b.chosen else ''})" for b in others]
    names = [n for n in dict.fromkeys(names) if n not in finding.message]
    if not names:
        return finding
    also = f"; the same call may also build {' or '.join(names)}, coupled too"
    if finding.template:
        return finding._replace(template=finding.template + also).relocated(lambda line: f"line {line}")
    return finding._replace(message=finding.message + also)


def _local_optimizer(resolver: Resolver, func: ast.Name, scope: Scope) -> Optional[OptimizerApi]:
    """The catalog row of the class of this module ``func`` names when it is an optimizer with
    its own coupled step (``own_optimizers``)."""
    binding = resolver.reaching(func, scope)
    cls = binding.node if binding is not None else None
    if not isinstance(cls, ast.ClassDef):
        return None
    home = resolver.scope_of(cls)
    return _own_optimizer(resolver, cls, home.parent if home is not None and home.parent is not None else resolver.module)


def _own_optimizer(resolver: Resolver, cls: ast.ClassDef, outer: Scope) -> Optional[OptimizerApi]:
    """``own_optimizers.class_row`` of a class of this module, once per class."""
    return kept_on(cls, "_own_optimizer", None, lambda: class_row(resolver, cls, outer, cls.name, "line "))


def _may_hand_over(call: ast.Call, names_decay: bool) -> bool:
    """Whether ``self.<name>(…)`` may pass what a method it runs builds an optimizer with: a decay
    by keyword, a ``**`` spread, a string that may name the class, or, in a module that names a
    decay parameter, any argument by position (most such calls, ``self.log(…)``, pass none)."""
    return any(kw.arg is None or "decay" in kw.arg for kw in call.keywords) \
        or any(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in call.args) \
        or names_decay and bool(call.args or call.keywords)


def _method_reach(ctx: Context, func: ast.Attribute, scope: Scope, project: Optional[ProjectIndex],
                  methods: Dict[Tuple[int, str], Optional[Reach]]) -> Optional[Reach]:
    """What ``self.<name>(…)`` constructs (BasicSR's ``self.get_optimizer(optim_type, params,
    **train_opt["optim_g"])``), where which method runs is known: the one method ``name`` of the
    class and its bases of this module, with no override in a subclass here and none in a base
    class of another module of the project; or, where this module defines none, the one a base
    class of another module defines. Computed once per class and name (``methods``)."""
    member = ctx.members.self_attribute(func, scope)
    if member is None or not _own_self(ctx, func.value, scope):  # type: ignore[arg-type]
        return None
    cls, name = member
    if (id(cls), name) not in methods:
        own, below = ctx.members.definitions(cls, name)
        found: Optional[Reach] = None
        if not below and len(own) == 1:
            found = method_reach(Module("", "", ctx.resolver, ctx.lines), own[0])
            if found is not None and project is not None and _inherited_methods(ctx, cls, name, project, trains=False):
                found = None  # a base class of another module may come first in the MRO
        elif not below and not own and project is not None:
            inherited = _inherited_methods(ctx, cls, name, project, trains=True)
            if len(inherited) == 1 and len(_inherited_methods(ctx, cls, name, project, trains=False)) == 1:
                found = method_reach(*inherited[0])
        methods[(id(cls), name)] = found
    return methods[(id(cls), name)]


def _own_self(ctx: Context, receiver: ast.expr, scope: Scope) -> bool:
    """Whether ``receiver`` is the first parameter of the method it is read in (or of the method a
    closure reading it is in), as the method was called: not rebound, nor a nested def's own."""
    binding = ctx.reaching(receiver, scope) if isinstance(receiver, ast.Name) else None
    if binding is None or not is_parameter(binding) or binding.scope.parent is None \
            or not isinstance(binding.scope.parent.node, ast.ClassDef):
        return False
    return first_parameter(binding.scope.node) == receiver.id  # type: ignore[arg-type,union-attr]


def _inherited_methods(ctx: Context, cls: ast.ClassDef, name: str, project: ProjectIndex,
                       trains: bool) -> List[Tuple[Module, ast.AST]]:
    """The methods ``name`` that the base classes of other modules of the project, named by
    ``cls`` or a base of it here, define themselves (``trains``: only in modules that name an
    optimizer or build one by name, where a construction can be)."""
    found = []
    for base, scope in ctx.members.foreign_bases(cls):
        qualname = ctx.resolver.qualname(base, scope)
        if not qualname or not project.may_define_method(qualname, name):
            continue  # not parsed for it
        definition = project.definition(qualname, trains=trains, built=not trains)
        if definition is not None and isinstance(definition[1], ast.ClassDef):
            found += [(definition[0], s) for s in definition[1].body
                      if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name]
    return found


def _named_classes(ctx: Context, call: ast.Call, scope: Scope, reached: Reach) -> List[Reach]:
    """A callable that builds ``getattr(torch.optim, name)`` of its parameter ``name``: a branch
    for each class the strings ``call`` may give it name (``get_optimizer("Adam", …)``), chosen
    when the parameter is that string."""
    assert reached.params is not None
    given = bind(ctx.call_args(call, scope), signature_of(reached.params)).get(reached.named)
    default = constant_defaults(reached.params).get(reached.named, ...)
    if isinstance(given, ast.expr):
        names = ctx.strings(given, scope)
    else:
        names = [default] if given is ABSENT and isinstance(default, str) else []
    return [reached._replace(name=qualname, chosen=(*reached.chosen, (reached.named, default, name, False, True)))
            for name in names for qualname in [f"{reached.name}.{name}"] if qualname in catalog.OPTIMIZERS_BY_NAME]


def _unreached(name: str, depth: int) -> Optional[Reach]:
    return None


def _enclosing_class(scope: Scope) -> Optional[ast.ClassDef]:
    """The class whose method body ``scope`` is."""
    if scope.kind == "function" and scope.parent is not None and isinstance(scope.parent.node, ast.ClassDef):
        return scope.parent.node
    return None


def _super_init(resolver: Resolver, call: ast.Call, scope: Scope) -> Optional[Tuple[str, SuperInit]]:
    """``super().__init__(...)`` / ``super(Cls, self).__init__(...)`` in a method of a class whose
    base is a catalog name: that name, and how the call reaches it."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"
            and scope.lookup("super", (call.lineno, call.col_offset)) is None):
        return None
    cls = _enclosing_class(scope)
    if cls is None:
        return None
    for base in cls.bases:
        name = resolver.qualname(base, scope.parent.parent)  # type: ignore[union-attr]
        if name in _BY_NAME:
            return name, SuperInit(cls, base, explicit_self=False)
    return None


def _explicit_init(resolver: Resolver, call: ast.Call, scope: Scope, name: str) -> Optional[SuperInit]:
    """``Base.__init__(self, ...)`` in a method of a subclass of ``Base`` (a catalog name)."""
    if not name.endswith(".__init__") or name[:-len(".__init__")] not in _BY_NAME:
        return None
    cls = _enclosing_class(scope)
    if cls is None:
        return None
    base = next((b for b in cls.bases if resolver.qualname(b, scope.parent.parent) == name[:-len(".__init__")]), None)  # type: ignore[union-attr]
    return SuperInit(cls, base, explicit_self=True) if base is not None else None


def _callee(resolver: Resolver, call: ast.Call, scope: Scope) -> Optional[str]:
    """The callee's qualified name; ``builtins.<name>`` for a name bound nowhere (``sum``);
    ``pkg.Class().method`` for a route's method called on an instance built here."""
    name = resolver.qualname(call.func, scope)
    if name is None and isinstance(call.func, ast.Attribute) and call.func.attr in _INSTANCE_METHODS \
            and (call.args or call.keywords):  # a bare ``model.train()`` chooses nothing
        built = _instance_of(resolver, call.func.value, scope)
        method = catalog.instance_method_name(built, call.func.attr) if built is not None else None
        return method if method in _BY_NAME else None
    if name is None and isinstance(call.func, ast.Name) \
            and scope.lookup(call.func.id, (call.lineno, call.col_offset)) is None:
        return f"builtins.{call.func.id}"
    return name


_INSTANCE_BINDINGS = 32  # bindings of a receiver's name, at most, for its class to be known


def _instance_of(resolver: Resolver, expr: ast.expr, scope: Scope) -> Optional[str]:
    """The class ``expr`` is an instance of: a call of it (``YOLO("n.pt").train(…)``), or a name
    every binding of which, where it is read, is a call of that one class (``model =
    YOLO("n.pt")``); None for anything else (a parameter, an attribute, ``model = None`` first)."""
    if isinstance(expr, ast.Call):
        return resolver.qualname(expr.func, scope)
    if not isinstance(expr, ast.Name):
        return None
    holder: Optional[Scope] = scope
    while holder is not None and expr.id not in holder.bindings:
        holder = holder.parent
    if holder is not None and len(holder.bindings[expr.id]) > _INSTANCE_BINDINGS:
        return None  # generated code: each use would ask about every binding
    classes = {_built_by(resolver, binding) for binding in resolver.reaching_all(expr, scope)}
    return classes.pop() if len(classes) == 1 else None


def _built_by(resolver: Resolver, binding: Binding) -> Optional[str]:
    """The class a binding's value is a call of (once per binding: every use of the name asks)."""
    value = binding.value
    if not isinstance(value, ast.Call) or binding.unpacked is not None:
        return None
    return kept_on(value, "_built_by", id(binding.scope), lambda: resolver.qualname(value.func, binding.scope))


__all__: Sequence[str] = ("analyze_source", "analyze_tree", "may_contain_findings", "may_contain_text",
                          "reach_exports", "reaching_names")

"""Optimizers a config chooses by name: ``getattr(torch.optim, cfg.SOLVER.OPTIMIZER)(params, …)``
or ``OPTIMIZERS[cfg.optim.name](params, …)`` in the project's code, and the YAML value that names
the class (JSON configs are located only where they can hold an optimizer mapping, so they are
not read this way; nor are Python config modules, yet).

Which class is built, and with which decay, is written in a config file; the call in the code
only names the keys. The code side (``Selector``) records the key path of the class name, what
the names map to (``torch.optim``'s classes, or a registry dict's entries) and where the decay
comes from (a literal, another key path, or a ``**`` spread of a mapping). A config is read as
one of these only when a project module builds an optimizer that way *and* the config has the
same key holding a class name that the code accepts: an ``optimizer: adam`` in unrelated YAML
(a Keras project's, whose optimizers decay decoupled) is never read on its own. The finding is
reported at the config line that names the class, ``via`` the code that builds it; the fix is
left to the user, since what the name may become depends on the code's table.

Key paths are matched as suffixes of one another: the code may be handed a sub-tree
(``build(cfg.model.optim)``), and a config file may be a part of a larger one (a Hydra group),
mounted where its folders or its name say (``conf/optim/adam.yaml``, ``optim.yaml``).
"""

from __future__ import annotations

import ast
import os
import re
from typing import (TYPE_CHECKING, Callable, Collection, Dict, FrozenSet, Iterable, Iterator, List, Optional, Set,
                    Sequence, Tuple)

from . import catalog
from .findings import Finding, Span
from .branches import tests_at
from .records import Record
from .scope import DICT_READS, Scope, kept_on, naming_pattern, read_only

if TYPE_CHECKING:
    import yaml  # the YAML side is reached only from configs, which has loaded it: a .py check never loads it

    from .context import Context
    from .project_index import ProjectIndex

KeyPath = Tuple[str, ...]
_MODULES = catalog.OPTIMIZER_MODULES
# ``getattr(torch.optim, name)`` can name one of ``_MODULES`` only in a module that matches this:
# most modules that call getattr( are then never parsed. Compiled by ``re`` at its first use.
_NAMES_A_MODULE = naming_pattern(m.rsplit(".", 1)[-1] for m in _MODULES).encode()
_CASE_FOLDS = ("lower", "upper", "casefold", "capitalize", "title")
_MAX_MODULE_BYTES = 2_000_000  # a generated or vendored module this large is not a training script


class Decay(Record):
    """Where a by-name construction's weight decay comes from."""

    literal: Optional[str] = None  # written in the code (Python text)
    # the config keys holding the value: one, or each a branch may read it from (a param group's
    # ``weight_decay = cfg.SOLVER.WEIGHT_DECAY``, ``if "bias" in key: weight_decay = cfg.SOLVER.WEIGHT_DECAY_BIAS``)
    paths: Tuple[KeyPath, ...] = ()
    spread: Optional[KeyPath] = None  # a config mapping spread as keyword arguments


class Selector(Record):
    """A construction whose class a config value names."""

    path: str  # the module that builds it
    line: int
    callee: str  # the callee as written (``getattr(torch.optim, cfg.OPTIMIZER)``)
    key: KeyPath  # the config key that names the class
    classes: Tuple[Tuple[str, str], ...]  # accepted name → catalog qualname
    folded: bool  # the name is case-folded before the look-up (``.lower()``)
    decay: Decay
    # what the ``if`` tests on the same key that the construction runs under require of the name:
    # (a string, whether it must be that string, whether the test lower-cases the name first):
    # ``if cfg.OPTIMIZER_NAME == "SGD": …  else: …``
    requires: Tuple[Tuple[str, bool, bool], ...] = ()

    def qualname(self, name: str) -> Optional[str]:
        """The class the config's ``name`` builds here; None for none, or a branch it does not take."""
        if any(((name.lower() == text.lower()) if lowered else (name == text)) != equal for text, equal, lowered in self.requires):
            return None
        wanted = name.lower() if self.folded else name
        for accepted, qualname in self.classes:
            if (accepted.lower() if self.folded else accepted) == wanted:
                return qualname
        return None


def selectors_in(ctx: "Context", path: str) -> List[Selector]:
    """The by-name constructions of one module."""
    found = []
    for call, scope in ctx.resolver.calls:
        callee, callee_scope = _callee(ctx, call.func, scope)
        chosen = _chosen(ctx, callee, callee_scope)
        if chosen is None:
            continue
        key, classes, folded = chosen
        decay = _decay(ctx, call, scope)
        if decay is not None:
            found.append(Selector(path, call.lineno, ctx.text(callee), key, classes, folded, decay,
                                  _required(ctx, call, scope, key)))
    return found


def _required(ctx: "Context", call: ast.Call, scope: Scope, key: KeyPath) -> Tuple[Tuple[str, bool, bool], ...]:
    """``Selector.requires``: the tests ``key == "name"`` / ``!=`` that decide whether ``call`` runs
    (an ``if`` around it, or one before it whose body leaves), read as the key's string must be or
    not be that name."""
    found = []
    for test, truth in tests_at(ctx.resolver.module.node, (call.lineno, call.col_offset), leaving=True):
        compared = test.test  # type: ignore[attr-defined]
        if isinstance(compared, ast.Compare) and len(compared.ops) == 1 and isinstance(compared.ops[0], (ast.Eq, ast.NotEq)) \
                and isinstance(compared.comparators[0], ast.Constant) and isinstance(compared.comparators[0].value, str):
            read = config_key(ctx, compared.left, scope)
            if read is not None and read[0] == key:
                found.append((compared.comparators[0].value, isinstance(compared.ops[0], ast.Eq) == truth, read[1]))
    return tuple(found)


def _callee(ctx: "Context", func: ast.expr, scope: Scope) -> Tuple[ast.expr, Scope]:
    """What a call's callee is computed by: for a name, the value of the one binding that reaches
    the call (``optim_class = optim_classes.get(args.optim)``, then ``optim_class(params,
    **args.optim_conf)``: ESPnet's tasks); otherwise the callee itself. A name that more than one
    binding may reach (``if cls is None: cls = SGD``, a decoupled class chosen by a flag) is left
    as it is: which class it holds is not the config's alone."""
    reached = _reached_value(ctx, func, scope) if isinstance(func, ast.Name) else None
    return reached if reached is not None else (func, scope)


def _reached_value(ctx: "Context", name: ast.Name, scope: Scope) -> Optional[Tuple[ast.expr, Scope]]:
    """The value, and its scope, of the one binding of ``name`` that reaches this read; None when
    several may, or it binds no expression."""
    bindings = ctx.resolver.reaching_all(name, scope)
    return (bindings[0].value, bindings[0].scope) if len(bindings) == 1 and bindings[0].value is not None else None


def _chosen(ctx: "Context", func: ast.expr, scope: Scope) -> Optional[Tuple[KeyPath, Tuple[Tuple[str, str], ...], bool]]:
    if (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr"
            and len(func.args) == 2 and not func.keywords
            and scope.lookup("getattr", (func.lineno, func.col_offset)) is None):
        module = ctx.qualname(func.args[0], scope)
        if module not in _MODULES:
            return None
        key = config_key(ctx, func.args[1], scope)
        if key is None:
            return None
        classes = tuple((name.rsplit(".", 1)[1], name) for name in catalog.OPTIMIZERS_BY_NAME
                        if name.rsplit(".", 1)[0] == module)
        return key[0], classes, key[1]
    if isinstance(func, ast.Subscript):
        table, chooser = func.value, func.slice
    elif (isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "get"
          and len(func.args) in (1, 2) and not func.keywords):
        table, chooser = func.func.value, func.args[0]
    else:
        return None
    key = config_key(ctx, chooser, scope)
    if key is None:
        return None
    table_entries = _table(ctx, table, scope)
    if table_entries is None:
        return None
    entries, table_scope = table_entries
    classes = tuple((name, qualname) for name, value in entries.items()
                    for qualname in [ctx.qualname(value, table_scope)] if qualname in catalog.OPTIMIZERS_BY_NAME)
    return (key[0], classes, key[1]) if classes else None


def _table(ctx: "Context", table: ast.expr, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], Scope]]:
    """The entries of the registry dict a class is looked up in, each read in the returned scope:
    a dict written out (``dict(adam=torch.optim.Adam, …)``, ``{"adam": …}``), here or in the
    project module it is imported from, or that dict with its keys case-folded by the name's
    binding (ESPnet: ``optim_classes = {k.lower(): v for k, v in optim_classes.items()}``). A key
    either module sets again (``optim_classes.update(adam=apex.optimizers.FusedAdam)``,
    ``optim_classes["adam"] = …``, in any function) may hold either class, and is left out; a dict
    changed or handed on in ways not followed is not read."""
    followed, table_scope = ctx.follow(table, scope)
    found = ctx.dict_entries(followed, table_scope)
    if found is not None and followed is table:  # filled in the read's own scope: ``dict_entries`` read the fills
        return found[0], table_scope
    if found is not None:  # the dict bound once
        kept = unchanged(found[0], table, [table_scope.module().node])
        return (kept, table_scope) if kept is not None else None
    if not isinstance(table, ast.Name):
        return None
    resolver, name, bindings = ctx.resolver, table.id, ctx.resolver.reaching_all(table, scope)
    modules = [scope.module().node]
    if len(bindings) == 1 and bindings[0].qualname is not None and ctx.project is not None:
        elsewhere = ctx.project.module_bindings(bindings[0].qualname)  # imported from the project
        if elsewhere is None:
            return None
        module, name, bindings = elsewhere
        resolver = module.resolver
        modules.append(resolver.module.node)
    last = max(bindings, key=lambda b: b.pos, default=None)
    if last is None or last.value is None:
        return None
    folded = _folded_copy(last.value, name)
    if folded is None:  # an imported dict, bound once there
        fold, source = None, (last if len(bindings) == 1 else None)
    else:
        fold, inner = folded
        earlier = resolver.reaching_all(inner, last.scope)
        # the read sees the copy: the one binding, or (from a function) the copy and the dict it copies
        source = earlier[0] if len(earlier) == 1 and all(b is last or b is earlier[0] for b in bindings) else None
    if source is None or source.value is None:
        return None
    found = ctx.dict_entries(source.value, source.scope)
    kept = unchanged(found[0], ast.Name(name), modules) if found is not None else None
    if kept is None:
        return None
    return ({getattr(key, fold)(): entry for key, entry in kept.items()} if fold else kept), source.scope


def unchanged(entries: Dict[str, ast.expr], table: ast.expr, modules: Sequence[Optional[ast.AST]],
              aliases: bool = True) -> Optional[Dict[str, ast.expr]]:
    """``entries`` without the keys these modules may set again in the dict the table's name
    holds (``_changes``); None when they may change it in a way not followed (with ``aliases``
    False, an alias of it is not counted as one)."""
    present = [module for module in modules if module is not None]
    if not isinstance(table, ast.Name) or not present:
        return entries
    # a walk of the modules, once per name and modules: asked at every call that builds by name
    keys = kept_on(present[0], "_registry_changes", (table.id, aliases, *map(id, present[1:])),
                   lambda: _changes(table.id, present, 0, aliases))
    return None if keys is None else {key: entry for key, entry in entries.items() if key not in keys}


def _changes(name: str, modules: Sequence[Optional[ast.AST]], depth: int, aliases: bool = True) -> Optional[Set[str]]:
    """The keys these modules (anywhere in them: a function registers one too) may set again in
    the dict ``name`` holds (``T["adam"] = …``, ``T.update(adam=…)``, ``T.setdefault("adam", …)``,
    ``T.pop("adam")``); None when they may change it in a way not followed: a computed key,
    ``clear()``, an alias, handing it to a call that may change it."""
    keys: Set[str] = set()

    def named(expr: ast.expr) -> bool:  # the name, or the module attribute of it (``registry.OPTIMIZERS``)
        return isinstance(expr, ast.Name) and expr.id == name or isinstance(expr, ast.Attribute) and expr.attr == name

    for node in (n for module in modules if module is not None for n in ast.walk(module)):
        if isinstance(node, ast.Subscript) and named(node.value) and not isinstance(node.ctx, ast.Load):
            if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                return None
            keys.add(node.slice.value)
        elif isinstance(node, ast.AugAssign) and named(node.target):
            return None  # ``T |= {...}``
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and named(func.value):
                if func.attr in DICT_READS:
                    continue
                if func.attr not in ("update", "setdefault", "pop"):
                    return None
                keys.update(kw.arg for kw in node.keywords if kw.arg is not None)
                for arg in node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and func.attr != "update":
                        keys.add(arg.value)
                    elif isinstance(arg, ast.Dict) and all(isinstance(k, ast.Constant) for k in arg.keys):
                        keys.update(str(k.value) for k in arg.keys)  # type: ignore[union-attr]
                    else:
                        return None
                if any(kw.arg is None for kw in node.keywords):
                    return None
            elif not read_only(node) and any(  # ``f(**T)`` hands on a copy
                    named(arg) for arg in (*node.args, *(k.value for k in node.keywords if k.arg is not None))) \
                    and not _only_read_by(node, named, modules, depth):
                return None  # ``register(T)``: may change it
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None and named(node.value):
            if aliases:
                return None  # ``alias = T``: changed through the alias, maybe
    return keys


def _only_read_by(call: ast.Call, named: Callable[[ast.expr], bool], modules: Sequence[Optional[ast.AST]],
                  depth: int) -> bool:
    """Whether ``call`` is of a function of these modules (each def of its name) that only reads
    the parameter the table is given for (ESPnet's ``get_class_type(name, optim_classes)``)."""
    if depth >= 2 or not isinstance(call.func, ast.Name) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    defs = [node for module in modules if module is not None for node in ast.walk(module)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == call.func.id]
    if not defs:
        return False
    for function in defs:
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        given = [params[i] if i < len(params) else None for i, arg in enumerate(call.args) if named(arg)]
        given += [kw.arg for kw in call.keywords if named(kw.value)]
        if None in given or any(_changes(param, [function], depth + 1) != set() for param in given):  # type: ignore[arg-type]
            return False
    return True


def _folded_copy(value: ast.expr, name: str) -> Optional[Tuple[str, ast.Name]]:
    """``(fold, inner)`` when ``value`` is ``{k.<fold>(): v for k, v in <name>.items()}`` (``inner``:
    that ``<name>``), the same dict with its keys case-folded; None otherwise."""
    if not (isinstance(value, ast.DictComp) and len(value.generators) == 1):
        return None
    loop = value.generators[0]
    items = loop.iter
    if (loop.ifs or loop.is_async or not isinstance(loop.target, ast.Tuple) or len(loop.target.elts) != 2
            or not all(isinstance(e, ast.Name) for e in loop.target.elts)
            or not (isinstance(items, ast.Call) and not items.args and not items.keywords
                    and isinstance(items.func, ast.Attribute) and items.func.attr == "items"
                    and isinstance(items.func.value, ast.Name) and items.func.value.id == name)):
        return None
    key, item = (e.id for e in loop.target.elts)  # type: ignore[attr-defined]
    fold = value.key
    if (isinstance(value.value, ast.Name) and value.value.id == item
            and isinstance(fold, ast.Call) and not fold.args and not fold.keywords
            and isinstance(fold.func, ast.Attribute) and fold.func.attr in ("lower", "upper", "casefold")
            and isinstance(fold.func.value, ast.Name) and fold.func.value.id == key):
        return fold.func.attr, items.func.value
    return None


def config_key(ctx: "Context", expr: ast.expr, scope: Scope, depth: int = 0) -> Optional[Tuple[KeyPath, bool]]:
    """The key path a value is read from a config object by (``cfg.SOLVER.OPTIMIZER``,
    ``config["optim"]["name"]``, ``cfg.get("optimizer")``), and whether it is case-folded."""
    if depth > 4:
        return None
    folded = False
    while (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _CASE_FOLDS
           and not expr.args and not expr.keywords):
        expr, folded = expr.func.value, True
    if isinstance(expr, ast.Name):  # the one binding that reaches the read (FunASR rebinds ``optim`` after it)
        reached = _reached_value(ctx, expr, scope)
        if reached is None:
            return None
        inner = config_key(ctx, *reached, depth + 1)
        return (inner[0], inner[1] or folded) if inner else None
    parts: List[str] = []
    holder: Optional[ast.expr] = None  # what the name at the base is read through
    while True:
        if isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            holder, expr = expr, expr.value
        elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and isinstance(expr.slice.value, str):
            parts.append(expr.slice.value)
            holder, expr = expr, expr.value
        elif (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get"
              and expr.args and isinstance(expr.args[0], ast.Constant) and isinstance(expr.args[0].value, str)):
            parts.append(expr.args[0].value)
            holder, expr = expr, expr.func.value
        else:
            break
    member = ctx.members.self_attribute(holder, scope) if isinstance(holder, ast.Attribute) else None
    if member is not None:  # ``self.cfg.optim.name`` in a method: the config is ``self.cfg``, its keys ``optim.name``
        parts.pop()
        stored = ctx.members.values(*member)
        if not parts:  # ``self.optimizer``: what the class family stores there, when that is one config value
            value = stored[0] if len(stored) == 1 else None
            inner = config_key(ctx, *value, depth + 1) if value is not None and isinstance(value[0], ast.expr) else None
            return (inner[0], inner[1] or folded) if inner else None
        above = _held_config(ctx, stored, depth)
        if above is None:
            return None
        return (*above, *reversed(parts)), folded
    if not parts or not isinstance(expr, ast.Name):
        return None
    return tuple(reversed(parts)), folded


def _held_config(ctx: "Context", stored: Sequence[Tuple[ast.AST, Scope]], depth: int) -> Optional[KeyPath]:
    """Where in a config the object a class keeps on ``self`` sits, from what its family stores
    there: a config it is handed or loads (``self.cfg = cfg``, ``self.cfg = OmegaConf.load(path)``,
    nothing stored here, as Lightning's ``self.hparams``) is the top; a part of one
    (``self.cfg = cfg.train``) is under that part's keys. None for what is no config (a dict or
    another value written out) or several stores."""
    if not stored:
        return ()
    if len(stored) != 1 or not isinstance(stored[0][0], ast.expr):
        return None
    value, scope = stored[0]
    if isinstance(value, ast.Name):
        bindings = ctx.resolver.reaching_all(value, scope)
        if len(bindings) != 1:
            return None
        if bindings[0].value is None:
            return ()  # a parameter: the config handed over
        value, scope = bindings[0].value, bindings[0].scope
    if not isinstance(value, (ast.Attribute, ast.Subscript, ast.Call)):
        return None
    key = config_key(ctx, value, scope, depth + 1)  # a part of one: ``cfg.train``, ``cfg.get("train")``
    if key is not None:
        return key[0]
    return () if isinstance(value, ast.Call) else None  # loaded or built by a call


def _decay(ctx: "Context", call: ast.Call, scope: Scope) -> Optional[Decay]:
    for kw in call.keywords:
        if kw.arg == "weight_decay":
            number = ctx.number(kw.value, scope)
            if number is not None:
                return Decay(literal=repr(number)) if number else None
            key = config_key(ctx, kw.value, scope)
            return Decay(paths=(key[0],)) if key else None
    for kw in call.keywords:
        if kw.arg is None:
            key = config_key(ctx, kw.value, scope)
            if key is not None:
                return Decay(spread=key[0])
    # the param groups' (ReID's ``params += [{"params": [value], "lr": lr, "weight_decay": weight_decay}]``)
    for _, entries, _ in ctx.param_groups(call.args[0], scope) or () if call.args else ():
        value = entries.get("weight_decay")
        if value is None:
            continue
        home = ctx.home(value, scope)
        number = ctx.number(value, home)
        if number is not None:
            if number:
                return Decay(literal=repr(number))
            continue
        keys = _config_keys(ctx, value, home)
        if keys:
            return Decay(paths=tuple(keys))
    return None


def _config_keys(ctx: "Context", expr: ast.expr, scope: Scope) -> List[KeyPath]:
    """``config_key`` of each value a name may hold where it is read (every binding that may reach)."""
    if not isinstance(expr, ast.Name):
        key = config_key(ctx, expr, scope)
        return [key[0]] if key else []
    bindings = ctx.resolver.reaching_all(expr, scope)
    keys = [config_key(ctx, b.value, b.scope) if b.value is not None else None for b in bindings]
    return [key[0] for key in keys if key is not None] if all(keys) else []


# --- the config side -------------------------------------------------------------------------------

def findings(path: str, root: yaml.Node, project: "ProjectIndex", style: str) -> List[Finding]:
    """What the project's by-name constructions build from this YAML document."""
    names = _naming(project, [(keys, value.value, (value.start_mark.line + 1, value.start_mark.column,
                                                   value.end_mark.line + 1, value.end_mark.column))
                              for keys, _, _, value in _scalars(root)])
    if not names:
        return []
    return _judged(project_selectors(project, {keys[-1] for keys, _, _ in names}), names,
                   lambda keys: yaml_number(_at(root, keys)), style, whole_key=False, place=lambda: _place(path))


def _place(path: str) -> Tuple[KeyPath, ...]:
    """Where a YAML file may be mounted in a larger config: under the names of its folders below
    its project's root (a Hydra config group: ``conf/optim/adam.yaml`` is the ``optim`` group's),
    or under its own name as well (``OmegaConf.load("optim.yaml")`` set as ``cfg.optim``); where
    its ``# @package`` header says (Hydra's), that alone (``_global_``: the root)."""
    from .files import SourceError, read_bytes
    from .project import project_root

    try:
        head = read_bytes(path, 1 << 22)[:4096].decode("utf-8", "replace")
    except SourceError:
        head = ""
    package = re.search(r"^#\s*@package\s+(\S+)", head, re.M)
    if package is not None and not package.group(1).startswith("_group_"):  # ``_group_``: its folders, as by default
        named = package.group(1)
        return ((),) if named == "_global_" else (tuple(named.split(".")),)
    absolute = os.path.abspath(path)
    parts = tuple(os.path.relpath(absolute, project_root(absolute) or os.getcwd()).split(os.sep))
    folders = tuple(part for part in parts[:-1] if part != os.pardir)
    return folders, folders + (os.path.splitext(parts[-1])[0],)


def python_findings(tree: ast.Module, spans: "Context", project: "ProjectIndex", style: str) -> List[Finding]:
    """The same for a Python config module: ``_C.SOLVER.OPTIMIZER = "Adam"`` (yacs) or
    ``OPTIMIZER = "Adam"`` at module level, with its decay assigned the same way."""
    values: Dict[KeyPath, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            keys = _target_keys(stmt.targets[0])
            if keys:
                values[keys] = stmt.value
    strings = _naming(project, [(keys, value.value, spans.span(value)) for keys, value in values.items()
                                if isinstance(value, ast.Constant) and isinstance(value.value, str)])
    if not strings:
        return []

    def number_at(keys: KeyPath) -> Optional[float]:
        found = values.get(keys)
        number = spans.number(found, spans.resolver.module) if found is not None else None
        return float(number) if number is not None else None
    # module constants are common in scripts: only a name that spells the code's whole key path
    return _judged(project_selectors(project, {keys[-1] for keys, _, _ in strings}), strings, number_at, style,
                   whole_key=True)


def _target_keys(target: ast.expr) -> KeyPath:
    """``_C.SOLVER.OPTIMIZER`` → ("SOLVER", "OPTIMIZER"); ``OPTIMIZER`` → ("OPTIMIZER",)."""
    if isinstance(target, ast.Name):
        return (target.id,)
    parts: List[str] = []
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    return tuple(reversed(parts)) if isinstance(target, ast.Name) else ()


def _judged(selectors: List[Selector], names: Sequence[Tuple[KeyPath, str, Span]],
            number_at: Callable[[KeyPath], Optional[float]], style: str, whole_key: bool,
            place: Callable[[], Tuple[KeyPath, ...]] = tuple) -> List[Finding]:
    """``whole_key``: the config's key path must end with the code's whole key path. A YAML file
    may also be a part of the config the code reads: then the keys its path lacks must be the
    names it is mounted under (``place``, ``_place``): ``optimizer: adam`` at the top of
    ``conf/optim/adam.yaml`` is the code's ``cfg.optim.optimizer``; at the top of another
    project's ``pose_cfg.yaml`` it is not."""
    from .analysis import analyze_source  # the engine judges the class and decay, as for .py files

    found = []
    for keys, text, span in names:
        for selector in selectors:
            qualname = selector.qualname(text) if keys[-1] == selector.key[-1] else None
            if qualname is None or not _suffix_match(keys, selector.key):
                continue
            lacking = selector.key[:max(0, len(selector.key) - len(keys))]
            if lacking and (whole_key or not any(mount[len(mount) - len(lacking):] == lacking for mount in place())):
                continue
            decay = _decay_text(selector, keys, number_at)
            if decay is None:
                continue
            source = f"import {qualname.split('.')[0]}\nopt = {qualname}(params, weight_decay={decay})\n"
            try:
                judged = analyze_source(source, style, fixes=False)
            except (SyntaxError, ValueError, RecursionError):
                continue
            shown = os.path.relpath(selector.path)
            shown = selector.path if shown.startswith(os.pardir) else shown
            for finding in judged:
                message = (f"{finding.message} (via {shown}:{selector.line} → {selector.callee}, which builds the "
                           f"class {'.'.join((*lacking, *keys))} names)")
                found.append(Finding(finding.code, message, span, None, f"the class is chosen by name in "
                                     f"{shown}:{selector.line}; name its decoupled variant here if that code accepts it"))
            break
    return found




def _naming(project: "ProjectIndex", texts: List[Tuple[KeyPath, str, Span]]) -> List[Tuple[KeyPath, str, Span]]:
    """The values of a config that may name a class the project's code builds by name: none
    unless one may name an optimizer class (``_may_name_a_class``: what spares reading the
    project's modules for most configs); then each that may, or that those modules spell beside an
    optimizer class (a registry's own key, ``{"fast": torch.optim.Adam}``: ``spelled``). Only their
    keys are looked for in the code: an ImageNet label list's "shampoo" among a thousand labels
    once had every module that spells a number parsed for the keys "0" to "999". Not looked for,
    as for a key (``_ProjectSelectors``):
    a registry key spelled with an escape or split across string literals (``"qu\\x69ck"``)."""
    if not any(_may_name_a_class(text) for _, text, _ in texts):
        return []
    spelled = _project_selectors(project).spelled
    return [name for name in texts if _may_name_a_class(name[1]) or spelled(name[1])]


_SHORT_NAMES = tuple(sorted({name.rsplit(".", 1)[1].lower() for name in catalog.OPTIMIZERS_BY_NAME}))


def _may_name_a_class(text: str) -> bool:
    """Whether a string value can name an optimizer class."""
    return len(text) <= 40 and text.replace("_", "").replace("-", "").isalnum() \
        and any(short in text.lower() for short in _SHORT_NAMES)  # a name, not prose


def _scalars(root: yaml.Node) -> Iterator[Tuple[KeyPath, yaml.MappingNode, yaml.Node, yaml.ScalarNode]]:
    """Every string scalar held by a mapping key, with its key path from the document's root."""
    import yaml

    stack: List[Tuple[yaml.Node, KeyPath]] = [(root, ())]
    seen = set()
    while stack:
        node, keys = stack.pop()
        if id(node) in seen or len(keys) > 32:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str":
                    yield keys + (key.value,), node, key, value
                else:
                    stack.append((value, keys + (key.value,)))


def _suffix_match(config: KeyPath, code: KeyPath) -> bool:
    shorter = min(len(config), len(code))
    return config[len(config) - shorter:] == code[len(code) - shorter:]


def _decay_text(selector: Selector, keys: KeyPath, number_at: Callable[[KeyPath], Optional[float]]) -> Optional[str]:
    """The decay the construction gets with this config, as Python text (None: none, or unknown)."""
    decay = selector.decay
    if decay.literal is not None:
        return decay.literal
    read: Optional[str] = None
    for wanted in decay.paths or (decay.spread,):
        assert wanted is not None
        aligned = _aligned(wanted, selector.key, keys)
        places = [aligned] if aligned is not None else []
        places.append(keys[:-1] + (wanted[-1],))  # the same mapping, when the paths cannot be aligned
        if decay.spread is not None:
            places = [place + ("weight_decay",) for place in places]
        value = next((v for v in map(number_at, places) if v is not None and v == v and v not in (float("inf"), float("-inf"))), None)
        if value:
            return repr(value)  # one of the keys it may be read from holds a decay
        if value is not None and read is None:
            read = repr(value)
    return read


def yaml_number(node: Optional[yaml.Node]) -> Optional[float]:
    """A YAML int or float scalar's value (None: another node)."""
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return None
    try:
        return float(node.value.replace("_", ""))
    except ValueError:
        return None


def _aligned(wanted: KeyPath, code_key: KeyPath, config_key: KeyPath) -> Optional[KeyPath]:
    """``wanted`` (a code key path) as a path in this config, given that ``code_key`` was found
    at ``config_key``: both read from the same config object, so what lies above the part they
    share is the same."""
    shared = 0
    while shared < min(len(code_key), len(config_key)) and code_key[-1 - shared] == config_key[-1 - shared]:
        shared += 1
    code_above, config_above = code_key[:len(code_key) - shared], config_key[:len(config_key) - shared]
    if wanted[:len(code_above)] != code_above:
        return None
    return config_above + wanted[len(code_above):]


def _at(root: yaml.Node, keys: Optional[KeyPath]) -> Optional[yaml.Node]:
    node: Optional[yaml.Node] = root
    for key in keys or ():
        node = _child(node, key)
        if node is None:
            return None
    return node if keys else None


def _child(node: Optional[yaml.Node], key: str) -> Optional[yaml.Node]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


# --- finding the code side -------------------------------------------------------------------------

def project_selectors(project: "ProjectIndex", keys: Collection[str]) -> List[Selector]:
    """The by-name constructions in the project's Python modules whose key path ends with one of
    ``keys`` (``_judged`` matches a config value only there), in the modules' order."""
    return _project_selectors(project).ending_with(keys)


def _project_selectors(project: "ProjectIndex") -> "_ProjectSelectors":
    project.note_every_module()  # which modules there are, and what they hold, decides what is found
    found = getattr(project, "_selectors", None)
    if found is None:
        found = project._selectors = _ProjectSelectors(project)  # type: ignore[attr-defined]
    return found


class _ProjectSelectors:
    """The project modules that may build an optimizer by name (found once per process), each
    parsed the first time a config's keys need it.

    A construction's key path is spelled in its own module (``config_key`` follows names only
    within it: ``cfg.SOLVER.OPTIMIZER``, ``config["optim"]``, ``cfg.get("name")``), so a module
    that does not have the key's words cannot hold one for it and is not parsed for it: with a
    constants module (tensor2tensor's ``ADAM = "adam"`` among a hundred tags) the scan parsed
    every module that names an optimizer (0.3 s). Not looked for: a key spelled with an escape or
    split across string literals (``cfg["opt" "imizer"]``)."""

    def __init__(self, project: "ProjectIndex") -> None:
        from .engine import may_contain_findings
        from .files import module_words
        from .prefilter import optimizer_lines

        self.project = project
        # the string literals and keywords on the lines that name an optimizer class, in lower
        # case: a registry's own keys (``{"fast": torch.optim.Adam}``, ``dict(fast=…)``)
        self.registry_keys: Set[bytes] = set()
        # path, the words of its text (None: it cannot be decoded, so it may hold any); None for a
        # module that names no optimizer, until the tables that others define are known
        modules: List[Optional[Tuple[str, Optional[FrozenSet[bytes]]]]] = []
        importing: List[Tuple[int, str, Set[bytes]]] = []  # each such module: its place, path, the names it imports
        tables: Set[bytes] = set()
        for path, raw in _module_bytes(project.modules()):
            # one that has neither getattr(<optimizer module>, name) nor a table naming an optimizer
            # builds none itself, but may look a class up in a table it imports from another module
            if may_contain_findings(raw) or b"getattr(" in raw and re.search(_NAMES_A_MODULE, raw):
                modules.append((path, module_words(path, raw)))
                tables.update(_tables(raw))
                self.registry_keys.update(key.lower() for line in optimizer_lines(raw)
                                          for found in re.finditer(_LITERAL_OR_KEYWORD, line) for key in found.groups() if key)
            else:
                if b"import" in raw:
                    importing.append((len(modules), path, _imported_names(raw)))
                modules.append(None)
        # FunASR: ``from funasr.optimizers import optim_classes``, then ``optim_classes.get(optim)(…)``
        places = {path: index for index, path, names in importing if names & tables}
        for path, raw in _module_bytes(places):  # read again: a few modules, known only once every table is
            modules[places[path]] = (path, module_words(path, raw))
        self.modules = [module for module in modules if module is not None]
        self.parsed: Dict[str, List[Selector]] = {}

    def spelled(self, text: str) -> bool:
        """Whether a line of the modules that names an optimizer class spells ``text`` as a string
        or a keyword: a key of a registry they write out, which may be folded to lower case (the
        words of every module, "person" and "car" among them, brought back every label of a
        dataset config)."""
        return text.encode("utf-8", "surrogatepass").lower() in self.registry_keys

    def ending_with(self, keys: Collection[str]) -> List[Selector]:
        # the words a module's text has if it spells the key: ``lr-scheduler`` → lr, scheduler
        from .files import WORD_BYTES

        wanted = [frozenset(key.encode("utf-8", "surrogatepass").translate(WORD_BYTES).split()) for key in keys]
        every = not all(wanted)  # a key without an ASCII letter, digit or underscore
        found: List[Selector] = []
        for index, (path, held) in enumerate(self.modules):
            selectors = self.parsed.get(path)
            if selectors is None:
                if not every and held is not None and not any(words <= held for words in wanted):
                    continue
                selectors = self.parsed[path] = _module_selectors(self.project, path)
                self.modules[index] = (path, frozenset())  # its words are not needed again
            found += (selector for selector in selectors if selector.key[-1] in keys)
        return found


# A module-level dict written out (``optim_classes = dict(``, ``OPTIMIZERS: Dict[str, type] = {``),
# up to the next line that starts a statement at the margin: its entries; one-line string literals;
# a ``from … import …`` statement. Compiled by ``re`` at their first use: only a project with configs reads them.
_TABLE = rb"(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[^=\n]*)?=[ \t]*(?:dict[ \t]*\(|\{)"
_MARGIN = rb"\n(?=[^ \t\r\n#)\]}\"'])"
_STRING = rb"\"[^\"\n]*\"|'[^'\n]*'"
_FROM_IMPORT = rb"(?m)^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*(\([^)]*\)|[^\n]*)"


_LITERAL_OR_KEYWORD = rb"""["']([^"'\\\n]{1,40})["']|\b([A-Za-z_]\w{0,39})[ \t]*=(?!=)"""


def _imported_names(raw: bytes) -> Set[bytes]:
    """The names a module's ``from … import …`` statements bring (``_table`` follows a table
    imported so, by its name), as written in its bytes."""
    return {name for found in re.finditer(_FROM_IMPORT, raw) for name in re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", found.group(1))}


def _tables(raw: bytes) -> Iterator[bytes]:
    """The names of the module-level dicts written out in a module's bytes whose entries name an
    optimizer class (not a string): another module that imports one may build a class it looks
    up there."""
    from .engine import may_contain_findings

    for match in re.finditer(_TABLE, raw):
        end = re.compile(_MARGIN).search(raw, match.end())
        entries = raw[match.end():end.start() if end else len(raw)]
        if may_contain_findings(re.sub(_STRING, b"", entries)):  # the classes themselves: ``{"optimizer": "Adam"}`` holds none
            yield match.group(1)


def project_modules(project: "ProjectIndex", words: Sequence[bytes]) -> Iterator[Tuple[str, bytes]]:
    """The project's Python modules (bounded in number and size) whose bytes hold one of ``words``,
    with those bytes."""
    project.note_every_module()  # a module gaining one of the words changes what is found
    return ((path, raw) for path, raw in _module_bytes(project.modules()) if any(word in raw for word in words))


def _module_bytes(paths: Iterable[str]) -> Iterator[Tuple[str, bytes]]:
    """Each of the project's modules (``ProjectIndex.modules``) that is a readable file of at most
    ``_MAX_MODULE_BYTES``, with its bytes: what both scans of the whole project read."""
    from .files import SourceError, read_bytes

    for path in paths:
        try:
            if not os.path.isfile(path) or os.path.getsize(path) > _MAX_MODULE_BYTES:
                continue
            raw = read_bytes(path)
        except (SourceError, OSError):
            continue
        yield path, raw


def _module_selectors(project: "ProjectIndex", path: str) -> List[Selector]:
    from .context import Context

    module = project.parsed(path)  # parsed once per process, shared with the imports followed
    if module is None:
        return []  # the module is reported when it is checked; here it simply builds nothing known
    return selectors_in(Context(module.resolver, module.lines, "rename", False, project), path)


__all__ = ("Decay", "Selector", "config_key", "findings", "project_modules", "project_selectors", "python_findings",
           "selectors_in", "unchanged", "yaml_number")

"""Where a weight decay that is not a literal gets its value, when that is a default written in the
same file: an argparse option (``args.l2norm`` ← ``parser.parse_args()`` ← ``add_argument("--l2norm",
default=0.0)``), a function parameter (``def build(params, wd=5e-4)``) or a dataclass field
(``cfg.weight_decay`` where ``cfg = Cfg()`` or ``cfg: Cfg``, ``weight_decay: float = 1e-4``).

Messages and fix descriptions name it: ``weight_decay=args.l2norm (default 0.0 from --l2norm)``.
A default can still be overridden (a command line, a caller, a constructor argument), so it is
never taken as *the* value: detection does not change, the message only says where to look.
Only bindings that certainly reach the use are followed (one reaching assignment, the same parser
object); anything else gives no note rather than a wrong one.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Tuple

from .context import Context
from .scope import DICT_READS, Binding, Scope, is_parameter, kept_on, read_only

_PARSE = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args", "parse_known_intermixed_args"})
_GROUPS = frozenset({"add_argument_group", "add_mutually_exclusive_group"})


def default_note(ctx: Context, expr: object, scope: Scope) -> str:
    """`` (default 0.0 from --l2norm)`` for a value read from a default in this file, else ""."""
    if not isinstance(expr, ast.expr):
        return ""
    found = None
    scope = ctx.home(expr, scope)  # a dict's value is read where the dict is
    if isinstance(expr, ast.Name):
        found = _parameter_default(ctx, expr, scope) or _bound_default(ctx, expr, scope)
    elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        found = _option_default(ctx, expr, scope) or _field_default(ctx, expr, scope) or _stored_default(ctx, expr, scope)
        stored = ctx.stored_value(expr, scope, wanted=lambda kept, _: isinstance(kept, ast.Constant)) if not found else None
        if stored is not None:  # the value itself, not a default
            return f" (= {ctx.text(stored[0])}, stored at line {stored[0].lineno})"
    return f" (default {found})" if found else ""


def _stored_default(ctx: Context, attribute: ast.Attribute, scope: Scope) -> Optional[str]:
    """``self.<attr>`` that the class lineage stores once, from a parameter with a default
    (``self.weight_decay = weight_decay`` in ``__init__(self, weight_decay=0.0)``)."""
    stored = ctx.stored_value(attribute, scope, wanted=lambda kept, _: isinstance(kept, (ast.Name, ast.Call)))
    if stored is None:  # stored again, or elsewhere (``u.weight_decay = 1e-2``, ``setattr``)
        return None
    return _parameter_default(ctx, *stored) if isinstance(stored[0], ast.Name) else _taken_default(ctx, *stored)


def _bound_default(ctx: Context, name: ast.Name, scope: Scope) -> Optional[str]:
    """A name bound once from the ``**kwargs`` (``wd = kwargs.pop("weight_decay", 0.04)``)."""
    binding = _only(ctx, name, scope)
    return _taken_default(ctx, binding.value, binding.scope) if binding is not None and binding.value is not None else None


def _taken_default(ctx: Context, value: ast.expr, scope: Scope) -> Optional[str]:
    """``kwargs.pop("weight_decay", 0.04)`` or ``kwargs.get(…)`` of a function's own ``**kwargs``:
    the default it falls back to (scarches' ``self.weight_decay = kwargs.pop("weight_decay", 0.04)``)."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("pop", "get")
            and len(value.args) == 2 and not value.keywords and isinstance(value.func.value, ast.Name)
            and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str)):
        return None
    binding = _only(ctx, value.func.value, scope)
    function = binding.scope.node if binding is not None and is_parameter(binding) else None
    if function is None or function.args.kwarg is None or function.args.kwarg.arg != value.func.value.id:  # type: ignore[attr-defined]
        return None
    return f"{ctx.text(value.args[1])} from {ctx.text(value.func)}({ctx.text(value.args[0])}) of {function.name}"


def _only(ctx: Context, name: ast.Name, scope: Scope) -> Optional[Binding]:
    """The one binding that can reach ``name`` here (None when several can, or none)."""
    found = ctx.resolver.reaching_all(name, scope)
    if not found:  # flow does not see a parameter (bound before the body): then it must be the only binding
        found = scope.lookup(name.id, (10**9, 0)) or []
    return found[0] if len(found) == 1 else None


# --- function parameters --------------------------------------------------------------------

def _parameter(binding: Binding, name: str) -> Optional[ast.arg]:
    """The parameter ``name`` when ``binding`` is the binding a def or lambda gives it."""
    function = binding.scope.node
    if binding.value is not None or binding.qualname is not None or binding.scope.kind != "function" \
            or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
            or binding.pos != (function.lineno, function.col_offset):
        return None
    args = function.args
    return next((a for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg == name), None)


def _default_of(function: ast.AST, param: ast.arg) -> Optional[ast.expr]:
    args = function.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args]
    if param in positional:
        offset = len(positional) - len(args.defaults)
        index = positional.index(param)
        return args.defaults[index - offset] if index >= offset else None
    return args.kw_defaults[args.kwonlyargs.index(param)]


def _parameter_default(ctx: Context, name: ast.Name, scope: Scope) -> Optional[str]:
    binding = _only(ctx, name, scope)
    param = _parameter(binding, name.id) if binding is not None else None
    if binding is None or param is None:
        return None
    default = _default_of(binding.scope.node, param)  # type: ignore[arg-type]
    if default is None:
        return None
    function = binding.scope.node
    owner = function.name if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else "lambda"
    return f"{ctx.text(default)} from parameter {name.id} of {owner}"


# --- argparse -------------------------------------------------------------------------------

def _parser_of(ctx: Context, namespace: ast.Name, scope: Scope) -> Optional[Binding]:
    """The binding of the ``ArgumentParser`` whose ``parse_args()`` result ``namespace`` holds."""
    binding = _only(ctx, namespace, scope)
    value = binding.value if binding is not None else None
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Constant) and value.slice.value == 0:
        value = value.value  # parse_known_args()[0]
    if binding is None or not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute) \
            or value.func.attr not in _PARSE or not isinstance(value.func.value, ast.Name):
        return None
    if value.args or any(k.arg in ("args", "namespace") for k in value.keywords):
        return None  # parsed from a list given here, or into a namespace that may hold the option: not the defaults
    parser = _only(ctx, value.func.value, binding.scope)
    if parser is None or not isinstance(parser.value, ast.Call) \
            or ctx.qualname(parser.value.func, parser.scope) != "argparse.ArgumentParser":
        return None
    return parser


def _on_parser(ctx: Context, receiver: ast.expr, scope: Scope, parser: Binding) -> bool:
    """Whether ``receiver`` is ``parser``, or an argument group of it."""
    if not isinstance(receiver, ast.Name):
        return False
    binding = _only(ctx, receiver, scope)
    if binding is parser:
        return True
    value = binding.value if binding is not None else None
    return (binding is not None and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in _GROUPS and _on_parser(ctx, value.func.value, binding.scope, parser))


def _dest(ctx: Context, call: ast.Call, scope: Scope) -> Optional[str]:
    """The attribute an ``add_argument`` call stores into, as argparse derives it."""
    for keyword in call.keywords:
        if keyword.arg == "dest":
            dest = ctx.literal(keyword.value, scope)
            return dest if isinstance(dest, str) else None
    flags = [ctx.literal(a, scope) for a in call.args]
    if not flags or not all(isinstance(f, str) and f for f in flags):
        return None
    longs = [f for f in flags if f.startswith("--")]  # type: ignore[union-attr]
    chosen = longs[0][2:] if longs else flags[0].lstrip("-")  # type: ignore[union-attr]
    return chosen.replace("-", "_")


def _option_default(ctx: Context, attribute: ast.Attribute, scope: Scope) -> Optional[str]:
    found = _option(ctx, attribute, scope)
    default = next((k.value for k in found[0].keywords if k.arg == "default"), None) if found is not None else None
    if found is None or default is None:
        return None
    flag = found[0].args[0] if found[0].args else None
    named = ctx.literal(flag, scope) if flag is not None else None
    return f"{ctx.text(default)} from {named if isinstance(named, str) else attribute.attr}"


def _option(ctx: Context, attribute: ast.Attribute, scope: Scope) -> Optional[Tuple[ast.Call, Scope]]:
    """The one ``add_argument`` call that stores into ``args.<attr>``, where ``args`` holds what a
    parser of this file parsed from the command line, with the scope it is in; None when a
    parser-level default may win (``set_defaults``), or it is not known."""
    if not isinstance(attribute.value, ast.Name):
        return None
    parser = _parser_of(ctx, attribute.value, scope)
    if parser is None:
        return None
    options: List[Tuple[ast.Call, Scope]] = []
    for call, call_scope in ctx.resolver.calls:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "add_argument" and _on_parser(ctx, func.value, call_scope, parser) \
                and _dest(ctx, call, call_scope) == attribute.attr:
            options.append((call, call_scope))
    if any(isinstance(call.func, ast.Attribute) and call.func.attr == "set_defaults"
           and any(k.arg in (None, attribute.attr) for k in call.keywords) for call, _ in ctx.resolver.calls):
        return None  # a parser-level default wins over the option's (a subparser's too)
    return options[0] if len(options) == 1 else None


def option_strings(ctx: Context, attribute: ast.Attribute, scope: Scope, depth: int) -> List[str]:
    """The strings a command-line option read as ``args.<dest>`` may hold, where this file never
    sets it itself: its default and its ``choices`` (``getattr(torch.optim, args.optimizer)`` with
    ``--optimizer`` defaulting to ``"Adam"`` is Adam unless the command line says otherwise)."""
    found = _option(ctx, attribute, scope)
    stored = _namespace_stores(ctx, attribute.value.id) if found is not None else None  # type: ignore[attr-defined]
    if stored is None or attribute.attr in stored:
        return []
    call, call_scope = found
    if any(k.arg == "action" or k.arg == "type" and not (isinstance(k.value, ast.Name) and k.value.id == "str")
           for k in call.keywords):
        return []  # ``type=str.lower`` makes another string of it; an action may store another (``store_const``)
    strings: List[str] = []
    for keyword in call.keywords:
        if keyword.arg == "default":
            strings += ctx.strings(keyword.value, call_scope, depth + 1)
        elif keyword.arg == "choices":
            listed, listed_scope = ctx.follow(keyword.value, call_scope)
            for element in listed.elts if isinstance(listed, (ast.List, ast.Tuple, ast.Set)) else ():
                strings += ctx.strings(element, listed_scope, depth + 1)
    return strings


def _namespace_stores(ctx: Context, namespace: str) -> Optional[FrozenSet[str]]:
    """The options the file sets on ``<namespace>`` after parsing (``args.device = …``); None when it
    may set any: it calls a method of the namespace (``args.update(cfg)``, ``args.__setattr__``),
    writes to ``vars(args)`` or ``args.__dict__``, or hands the namespace on (``adjust(args)``,
    ``a2 = args``), other than to be printed or logged. One walk per module and namespace."""
    def stores() -> Optional[FrozenSet[str]]:
        parents: Dict[int, ast.AST] = {}
        reads: List[ast.Name] = []
        for node in ast.walk(ctx.resolver.module.node):  # type: ignore[arg-type]
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
            if isinstance(node, ast.Name) and node.id == namespace and isinstance(node.ctx, ast.Load):
                reads.append(node)
        stored = set()
        for node in reads:
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute):
                if _called(parent, parents) or parent.attr == "__dict__" and _written(parent, parents):
                    return None  # ``args.update(…)``, ``args.__dict__.update(…)``
                if not isinstance(parent.ctx, ast.Load):
                    stored.add(parent.attr)  # ``args.optimizer = …``
            elif read_only(parent) and parent.func is not node and node not in (k.value for k in parent.keywords):  # type: ignore[union-attr]
                if isinstance(parent.func, ast.Name) and parent.func.id == "vars" and _written(parent, parents):  # type: ignore[union-attr]
                    return None  # ``vars(args).update(cfg)``, ``vars(args)[k] = v``
            elif not isinstance(parent, ast.FormattedValue):
                return None  # handed on: ``adjust(args)``, ``setattr(args, …)``, ``a2 = args``, ``[args]``
        return frozenset(stored)

    return kept_on(ctx.resolver.module.node, "_namespace_stores", namespace, stores)  # type: ignore[arg-type]


def _called(attribute: ast.Attribute, parents: Dict[int, ast.AST]) -> bool:
    parent = parents.get(id(attribute))
    return isinstance(parent, ast.Call) and parent.func is attribute


def _written(expr: ast.expr, parents: Dict[int, ast.AST]) -> bool:
    """Whether the dict ``expr`` evaluates to is written to where it is: ``d[k] = v``, ``del d[k]``,
    a method call other than a read, or handed to a call that is not one that only reads."""
    parent = parents.get(id(expr))
    if isinstance(parent, ast.Subscript):
        return not isinstance(parent.ctx, ast.Load)
    if isinstance(parent, ast.Attribute):
        return _called(parent, parents) and parent.attr not in DICT_READS
    if isinstance(parent, ast.Call):
        return parent.func is not expr and not read_only(parent)
    return isinstance(parent, ast.keyword) or isinstance(parent, (ast.Assign, ast.NamedExpr))


# --- dataclass fields -----------------------------------------------------------------------

def _dataclass(ctx: Context, expr: ast.expr, scope: Scope) -> Optional[ast.ClassDef]:
    """The class ``expr`` names when it is a ``@dataclass`` defined in this file."""
    if not isinstance(expr, ast.Name):
        return None
    binding = _only(ctx, expr, scope)
    cls = binding.node if binding is not None else None
    if binding is None or not isinstance(cls, ast.ClassDef):
        return None
    for decorator in cls.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ctx.qualname(target, binding.scope) == "dataclasses.dataclass":
            return cls
    return None


def _fields(cls: ast.ClassDef) -> List[ast.AnnAssign]:
    return [s for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]


def _field_default(ctx: Context, attribute: ast.Attribute, scope: Scope) -> Optional[str]:
    binding = _only(ctx, attribute.value, scope)  # type: ignore[arg-type]
    if binding is None:
        return None
    name = attribute.attr
    if isinstance(binding.value, ast.Call):  # cfg = Cfg(...): the field must not be passed
        cls = _dataclass(ctx, binding.value.func, binding.scope)
        if cls is None:
            return None
        fields = [f.target.id for f in _fields(cls)]  # type: ignore[union-attr]
        call = binding.value
        if any(k.arg in (None, name) for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args) \
                or name in fields[:len(call.args)]:
            return None
    else:  # a parameter annotated with the class: def f(cfg: Cfg)
        param = _parameter(binding, attribute.value.id)  # type: ignore[attr-defined]
        if param is None or param.annotation is None:
            return None
        cls = _dataclass(ctx, param.annotation, binding.scope.parent or binding.scope)
        if cls is None:
            return None
    if any(isinstance(s, ast.FunctionDef) and s.name == "__post_init__" for s in cls.body):
        return None  # it may change the field after construction
    field = next((f for f in _fields(cls) if f.target.id == name), None)  # type: ignore[union-attr]
    if field is None or field.value is None:
        return None
    default: Optional[ast.expr] = field.value
    if isinstance(default, ast.Call):  # field(default=...); a default_factory is not read
        default = next((k.value for k in default.keywords if k.arg == "default"), None) \
            if ctx.qualname(default.func, binding.scope) == "dataclasses.field" else None
    if default is None:
        return None
    return f"{ctx.text(default)} from {cls.name}.{name}"

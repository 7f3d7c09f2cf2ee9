"""What every checker reads a module through: positions, names, and the expression evaluator.

One ``Context`` per analyzed module. It binds a call's arguments to a catalog signature (``*args``
and ``**kwargs`` expanded where they are literals, hidden where they are not), reads literal
values, boolean switches, dict entries and param groups, and turns nodes into spans and text.
It never decides what is a finding: that belongs to the checkers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .catalog import Signature
from .findings import Span
from .scope import Binding, Resolver, Scope, is_unknown

ABSENT = object()  # the argument was not passed: the default applies
HIDDEN = object()  # it may have been passed through *args/**kwargs we cannot see


@dataclass
class Args:
    """A call's arguments as far as they can be known statically."""

    positional: List[ast.expr] = field(default_factory=list)
    keywords: Dict[str, ast.expr] = field(default_factory=dict)
    open_positional: bool = False  # an unexpandable *args: later positions are unknown
    open_keywords: bool = False  # an unresolvable **kwargs
    keyword_home: Dict[str, str] = field(default_factory=dict)  # keyword → "call" or "dict"


@dataclass
class Bound:
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


class Context:
    """One module: its resolved names, its lines, and whether fixes are planned."""

    def __init__(self, resolver: Resolver, lines: Sequence[str], style: str, fixes: bool) -> None:
        self.resolver = resolver
        self.lines = lines
        self.style = style
        self.fixes = fixes

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
        return self.resolver.qualname(expr, scope)

    def literal(self, expr: ast.expr, scope: Scope) -> object:
        return self.resolver.literal(expr, scope)

    def follow(self, expr: ast.expr, scope: Scope) -> Tuple[ast.expr, Scope]:
        return self.resolver.follow(expr, scope)

    def reaching(self, name: ast.Name, scope: Scope) -> Optional[Binding]:
        """The binding of ``name`` that holds its value where it is used (the last one before)."""
        return self.resolver.reaching(name, scope)

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
            if entries is None or entries[1]:
                args.open_keywords = True
            if entries is not None:
                for key, value in entries[0].items():
                    args.keywords.setdefault(key, value)
                    args.keyword_home.setdefault(key, "dict")
        return args

    def bind(self, call: ast.Call, scope: Scope, sig: Signature) -> Bound:
        return bind(self.call_args(call, scope), sig)

    def dict_entries(self, expr: ast.expr, scope: Scope) -> Optional[Tuple[Dict[str, ast.expr], bool]]:
        """A dict literal's (or ``dict(...)``'s) string keys, and whether it has unknown parts."""
        expr, scope = self.follow(expr, scope)
        entries: Dict[str, ast.expr] = {}
        incomplete = False
        if isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    entries[key.value] = value
                else:
                    incomplete = True
            return entries, incomplete
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "dict"
            and scope.lookup("dict", (expr.lineno, expr.col_offset)) is None
            and not expr.args
        ):
            for kw in expr.keywords:
                if kw.arg is None:
                    incomplete = True
                else:
                    entries[kw.arg] = kw.value
            return entries, incomplete
        return None

    def param_groups(self, expr: object, scope: Scope) -> Optional[List[ParamGroup]]:
        """The param-group dicts of a ``params`` argument written as a list of dicts."""
        if not isinstance(expr, ast.expr):
            return None
        expr, scope = self.follow(expr, scope)
        if not isinstance(expr, (ast.List, ast.Tuple)) or not expr.elts:
            return None
        groups = []
        for element in expr.elts:
            entries = self.dict_entries(element, scope)
            if entries is None:
                return None
            groups.append((element, entries[0], entries[1]))
        return groups

"""What a checker is: one framework's rules, fed the calls routed to it by qualified name."""

from __future__ import annotations

import ast
from typing import ClassVar, FrozenSet, Iterable, Mapping

from ..context import Alternative, Context, SuperInit
from ..findings import Finding
from ..summaries import Reach
from ..scope import Binding, Scope


class Checker:
    """One framework's rules over one module. The engine creates it when the first call routed
    to it is found, hands it each such call, then collects what ``finish`` reports (rules that
    relate several calls, such as a regularizer and the optimizer that trains it).

    ``routes``: qualified name → the catalog row the call is checked against.
    ``check_alternative``, ``check_init`` and ``check_base`` see calls whose callee is one of
    several classes, a base class's ``__init__``, and class statements.
    ``methods``: attribute names of calls whose receiver the engine cannot name
    (``model.compile(...)``, ``opt.minimize(...)``); such calls go to ``check_method``.
    """

    codes: ClassVar[FrozenSet[str]] = frozenset()
    routes: ClassVar[Mapping[str, object]] = {}
    methods: ClassVar[FrozenSet[str]] = frozenset()
    module_names: ClassVar[FrozenSet[str]] = frozenset()  # module-level names handed to check_binding

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def check(self, call: ast.Call, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        return ()

    def check_method(self, call: ast.Call, scope: Scope) -> Iterable[Finding]:
        return ()

    def check_alternative(self, call: ast.Call, scope: Scope, choice: Alternative, row: object) -> Iterable[Finding]:
        """A call whose callee may be ``choice.qualname`` (a branch, a registry entry)."""
        return ()

    def check_init(self, call: ast.Call, scope: Scope, name: str, row: object, init: SuperInit) -> Iterable[Finding]:
        """``super().__init__(...)`` (or ``Base.__init__(self, ...)``) in a subclass of ``name``."""
        return ()

    def check_base(self, cls: ast.ClassDef, base: ast.expr, scope: Scope, name: str, row: object) -> Iterable[Finding]:
        """A class statement that subclasses ``name``."""
        return ()

    def check_reached(self, call: ast.Call, scope: Scope, reached: Reach, row: object) -> Iterable[Finding]:
        """A call of a project class or function that constructs ``reached.name`` (another module)."""
        return ()

    def check_binding(self, name: str, binding: Binding) -> Iterable[Finding]:
        """A module-level ``name = value`` of one of ``module_names`` (a framework's config)."""
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

"""Which assignments of a name can reach a use: reaching definitions over one scope's statements.

``cls = A if flag else B``, or ``if name == "adam": cls = Adam`` / ``elif …: cls = SGD`` /
``else: raise …``, then ``cls(params, weight_decay=wd)``: the class is one of the assignments that
can reach the call. Branches are followed both ways, loops may run or not, a branch that ends in
``return``/``raise`` reaches nothing after it, a ``try`` or ``with contextlib.suppress(…)`` body may
stop at any statement, and a later assignment on every path replaces an earlier one. Nothing is
evaluated: the answer is a set of binding positions, a superset of what can happen at run time (a
condition is never judged).
"""

from __future__ import annotations

import ast
import bisect
from typing import Dict, FrozenSet, List, Sequence, Tuple

Position = Tuple[int, int]
Defs = FrozenSet[Position]


def _start(node: ast.AST) -> Position:
    return (node.lineno, node.col_offset)  # type: ignore[attr-defined]


def _end(node: ast.AST) -> Position:
    return (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _breaks(loop: ast.stmt) -> bool:
    """Whether a ``break`` leaves ``loop`` (one of its own body, not of a loop or def nested in it)."""
    stack: List[ast.AST] = list(loop.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break):
            return True
        if not isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler)))
    return False


def _suppresses(manager: ast.expr) -> bool:
    """``contextlib.suppress(…)``: a context manager that swallows an exception its body raises."""
    func = manager.func if isinstance(manager, ast.Call) else None
    return isinstance(func, ast.Name) and func.id == "suppress" or isinstance(func, ast.Attribute) and func.attr == "suppress"


class Reaching:
    """The reaching definitions of one name in one scope, asked at any number of uses.

    What is live before each statement of a block is computed once per (block, entry) and kept,
    so a use costs a binary search per nesting level: asking at every use of a name rebound
    thousands of times stays near-linear (recomputing from the top for each use was cubic)."""

    def __init__(self, body: Sequence[ast.stmt], positions: Sequence[Position], entry: Defs = frozenset()) -> None:
        self.body = body
        self.positions = sorted(positions)  # where the name is bound in this scope
        self.entry = entry  # bound before the body runs: a function's parameters
        self._after: Dict[Tuple[int, Defs], Defs] = {}  # (id of a block, entry) → live after it
        self._before: Dict[Tuple[int, Defs], List[Defs]] = {}  # … → live before each statement
        self._starts: Dict[int, List[Position]] = {}  # id of a block → its statements' starts

    def at(self, use: Position) -> Defs:
        """Which binding positions can hold the name's value at ``use``."""
        return self.to_use(self.body, self.entry, use)

    def _inside(self, node: ast.AST) -> Defs:
        low = bisect.bisect_left(self.positions, _start(node))
        high = bisect.bisect_right(self.positions, _end(node))
        return frozenset(self.positions[low:high])

    def block(self, stmts: Sequence[ast.stmt], live: Defs) -> Defs:
        key = (id(stmts), live)
        found = self._after.get(key)
        if found is None:
            found = live
            for stmt in stmts:
                found = self.stmt(stmt, found)
            self._after[key] = found
        return found

    def _live_before(self, stmts: Sequence[ast.stmt], live: Defs, index: int) -> Defs:
        before = self._before.setdefault((id(stmts), live), [live])
        while len(before) <= index:
            before.append(self.stmt(stmts[len(before) - 1], before[-1]))
        return before[index]

    def _tested(self, stmt: ast.stmt, live: Defs) -> Defs:
        """What is live once an ``if``'s or ``while``'s test ran: what a walrus in it binds, or
        that and ``live`` where the walrus may not run (``a and (x := f())``, ``b if c else (x := d)``)."""
        test = stmt.test if isinstance(stmt, (ast.If, ast.While)) else None
        bound = self._inside(test) if test is not None else frozenset()
        if not bound:
            return live
        if any(isinstance(node, (ast.BoolOp, ast.IfExp, ast.Lambda, ast.comprehension)) for node in ast.walk(test)):
            return live | bound
        return bound

    def _caught(self, handler: ast.excepthandler, live: Defs) -> Defs:
        """What is live as a handler starts: its ``except … as name`` binding, or ``live``."""
        start = _start(handler)
        return frozenset(p for p in self._inside(handler) if p == start) or live

    def stmt(self, stmt: ast.stmt, live: Defs) -> Defs:
        if isinstance(stmt, (ast.Return, ast.Raise)):
            return frozenset()
        if isinstance(stmt, ast.If):
            live = self._tested(stmt, live)
            return self.block(stmt.body, live) | self.block(stmt.orelse, live)
        if isinstance(stmt, ast.While):  # the test runs before each pass of the body, and before leaving
            first = self._tested(stmt, live)
            passed = first | self.block(stmt.body, first)
            # a ``break`` leaves without the test: what the body bound may be live then
            after = passed if _breaks(stmt) else self._tested(stmt, passed)
            return after | self.block(stmt.orelse, after)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            entry = self._inside(stmt.target) or live
            after = live | self.block(stmt.body, entry)
            return after | self.block(stmt.orelse, after)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            body = self.block(stmt.body, live)  # type: ignore[attr-defined]
            out = self.block(stmt.orelse, body)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                out |= self.block(handler.body, self._caught(handler, live | body))
            return self.block(stmt.finalbody, out) if stmt.finalbody else out  # type: ignore[attr-defined]
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            bound = frozenset().union(*(self._inside(i.optional_vars) for i in stmt.items if i.optional_vars))
            if any(_suppresses(item.context_expr) for item in stmt.items):
                # ``with contextlib.suppress(KeyError):`` the body may stop at any statement
                return frozenset().union(*(self._live_before(stmt.body, bound or live, index)
                                           for index in range(len(stmt.body) + 1)))
            return self.block(stmt.body, bound or live)
        if type(stmt).__name__ == "Match":  # a case's pattern binds its names (``case Net() as model:``)
            cases = [(case, self._inside(case.pattern)) for case in stmt.cases]  # type: ignore[attr-defined]
            return live | frozenset().union(*(bound | self.block(case.body, bound or live) for case, bound in cases))
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own = frozenset(p for p in self._inside(stmt) if p == _start(stmt))
            return own or live
        return self._inside(stmt) or live

    def to_use(self, stmts: Sequence[ast.stmt], live: Defs, use: Position) -> Defs:
        """The definitions live at ``use``, inside ``stmts``."""
        starts = self._starts.get(id(stmts))
        if starts is None:
            starts = self._starts[id(stmts)] = [_start(stmt) for stmt in stmts]
        index = bisect.bisect_right(starts, use) - 1  # the statement that starts last before the use
        if index < 0:
            return live
        stmt = stmts[index]
        live = self._live_before(stmts, live, index)
        if not use < _end(stmt):
            return self.stmt(stmt, live)
        for blocks, entry in self._blocks(stmt, live):
            for block in blocks:
                if block and _start(block[0]) <= use < _end(block[-1]):
                    return self.to_use(block, entry, use)
        return live

    def _blocks(self, stmt: ast.stmt, live: Defs) -> List[Tuple[List[List[ast.stmt]], Defs]]:
        """The statement's blocks, each with what is live when it starts."""
        if isinstance(stmt, ast.If):
            return [([stmt.body, stmt.orelse], self._tested(stmt, live))]
        if isinstance(stmt, ast.While):  # a pass of the body runs after the test, which may follow another pass
            first = self._tested(stmt, live)
            entry = self._tested(stmt, first | self.block(stmt.body, first))
            return [([stmt.body], first | entry), ([stmt.orelse], entry)]
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            entry = live | self.block(stmt.body, live) | self._inside(stmt.target)  # a loop's body also runs after itself
            return [([stmt.body, stmt.orelse], entry)]
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            body = self.block(stmt.body, live)  # type: ignore[attr-defined]
            handlers = [([h.body], self._caught(h, live | body)) for h in stmt.handlers]  # type: ignore[attr-defined]
            return [([stmt.body], live), *handlers, ([stmt.orelse], body),  # type: ignore[attr-defined]
                    ([stmt.finalbody], self.stmt(stmt, live) | body | live)]  # type: ignore[attr-defined]
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            bound = frozenset().union(*(self._inside(i.optional_vars) for i in stmt.items if i.optional_vars))
            return [([stmt.body], bound or live)]
        if type(stmt).__name__ == "Match":
            return [([case.body], self._inside(case.pattern) or live) for case in stmt.cases]  # type: ignore[attr-defined]
        return []


"""Which branch of a function a call takes: the ``if`` tests each call in the function runs under,
and what they require of the function's string parameters (``if name == "adam":``, or not "sgd"
after ``if name == "sgd": return …``). A Keras/TF training helper (``optimizer(name, loss, lr)``)
and an optimizer dispatcher (``get_optimizer(name, params, **kw)``) are summarized by them. A
call rules a branch out only by a string it passes or leaves at its default: one the analysis
cannot read is no proof that a branch is not taken. ``outcomes_at``/``opposite`` tell code that
never runs together: a decay filled where a test went one way, a class chosen where it went the
other."""

from __future__ import annotations

import ast
import bisect
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .scope import is_unknown, kept_on

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
# what a branch requires of a parameter: (the parameter, its default when a constant, else
# ``...``; the string; whether the parameter is lower-cased before the comparison; whether it
# must equal the string)
Chosen = Tuple[str, object, str, bool, bool]
# what a branch was taken on: an ``if`` test, and whether its body (True) or what follows it is run
_Tests = Tuple[Tuple[ast.expr, bool], ...]
_LEAVES = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_LEAVING = 16  # the earlier leaving if links of a block read for one position (a generated dispatcher has thousands)


def chosen_calls(function: Function, params: Sequence[str]) -> Dict[int, Tuple[ast.Call, Tuple[Chosen, ...]]]:
    """Each call in ``function``'s body (by id) with what the branch it is in requires of the
    string parameters a caller chooses it by: ``params`` (those a call fills by position) and the
    keyword-only ones. Computed once per function and parameter list."""
    key = tuple(params)
    cached = getattr(function, "_chosen_calls", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    selectors, lowered = _selectors(function, params)
    read: Dict[Tuple[int, bool], Tuple[Chosen, ...]] = {}  # (id of a test, truth) → what it requires
    found: Dict[int, Tuple[ast.Call, Tuple[Chosen, ...]]] = {}
    for call, tests in _under_tests(function.body, ()):
        chosen: List[Chosen] = []
        for test, truth in tests:
            if (id(test), truth) not in read:
                read[(id(test), truth)] = _chosen_by(test, truth, selectors, lowered)
            chosen.extend(read[(id(test), truth)])
        found[id(call)] = call, tuple(chosen)
    function._chosen_calls = key, found  # type: ignore[union-attr]
    return found


def rules_out(chosen: Sequence[Chosen], passed: Callable[[str, object], object]) -> bool:
    """Whether a call takes the function away from a branch that requires ``chosen``:
    ``passed(parameter, its default)`` is what the call gives the parameter: a literal, or
    unknown (``scope.is_unknown``, or the ``...`` of no constant default). A literal that is not
    a string (``None``) equals no string."""
    for selector, default, value, folded, equal in reversed(chosen):  # the branch's own test last: it rules out most
        literal = passed(selector, default)
        if not known(literal):
            continue
        if not isinstance(literal, str):
            if equal or folded:  # ``None.lower()`` raises: that branch is not taken either
                return True
        elif ((literal.lower() if folded else literal) == value) != equal:
            return True
    return False


def known(literal: object) -> bool:
    """Whether what a call passes a selector is a literal (not unknown, nor the ``...`` of no
    constant default)."""
    return literal is not ... and not is_unknown(literal)


def condition(chosen: Sequence[Chosen]) -> str:
    """``name == 'adam'``, as a message says when a branch is taken: a string the parameter must
    not be is left out where it must be another (``elif name == 'adam'`` after ``if name == 'sgd'``)."""
    named = {selector for selector, _, _, _, equal in chosen if equal}
    return " and ".join(f"{selector}{'.lower()' if folded else ''} {'==' if equal else '!='} {value!r}"
                        for selector, _, value, folded, equal in chosen if equal or selector not in named)


def _under_tests(body: List[ast.stmt], tests: _Tests) -> Iterator[Tuple[ast.Call, _Tests]]:
    """Each call in ``body`` with the ``if`` tests that decide whether it runs
    (``statements_under_tests``)."""
    for stmt, stmt_tests in statements_under_tests(body, tests):
        for part in own_parts(stmt):
            yield from _calls_in(part, stmt_tests)


def statements_under_tests(body: List[ast.stmt], tests: _Tests = ()) -> Iterator[Tuple[ast.stmt, _Tests]]:
    """Each statement of ``body`` and of the blocks it holds, with the ``if`` tests that decide
    whether it runs: an ``if``'s body runs on its test, its ``else``, and what follows an ``if``
    whose body always leaves the block (``return``, ``raise``, ``continue``), on the test's
    negation. Nested defs are read under the same tests."""
    for stmt in body:
        yield stmt, tests
        if isinstance(stmt, ast.If):
            yield from statements_under_tests(stmt.body, (*tests, (stmt.test, True)))
            yield from statements_under_tests(stmt.orelse, (*tests, (stmt.test, False)))
            # the rest of the block runs only when the tests failed whose bodies leave it
            tests = (*tests, *((link.test, False) for link in _leaving_links(stmt)))
            continue
        blocks = [value for _, value in ast.iter_fields(stmt)
                  if isinstance(value, list) and value and isinstance(value[0], ast.stmt)]
        blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
        blocks += [case.body for case in getattr(stmt, "cases", [])]
        for block in blocks:
            yield from statements_under_tests(block, tests)


def own_parts(stmt: ast.stmt) -> List[ast.AST]:
    """The parts of a statement outside the blocks it holds: an ``if``'s test, a loop's target
    and iterable, an assignment's targets and value, with-items, decorators, defaults."""
    if isinstance(stmt, ast.If):
        return [stmt.test]
    return [part for _, value in ast.iter_fields(stmt) for part in (value if isinstance(value, list) else [value])
            if isinstance(part, ast.AST) and not isinstance(part, (ast.stmt, ast.excepthandler, ast.match_case))]


def _calls_in(node: ast.AST, tests: _Tests) -> Iterator[Tuple[ast.Call, _Tests]]:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            yield call, tests


def _selectors(function: Function, params: Sequence[str]) -> Tuple[Dict[str, object], Dict[str, Tuple[int, int]]]:
    """The parameters of ``function`` a branch may be chosen by (``params``, those a call fills by
    position, and the keyword-only ones), with their constant defaults (``...`` for none): those
    that hold what a call passes wherever they are read, not rebound in its body nor shadowed by
    a nested def's parameter. One lower-cased first thing in the body (``name = name.lower()``,
    the one store of it) stays a selector, compared lower-cased after that statement (its
    position, in the second dict)."""
    arguments = function.args
    defaults = constant_defaults(arguments)
    stores: Dict[str, int] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif node is not function and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = node.args
            for arg in (*inner.posonlyargs, *inner.args, *inner.kwonlyargs, inner.vararg, inner.kwarg):
                if arg is not None:
                    stores[arg.arg] = stores.get(arg.arg, 0) + 2  # a nested parameter: never the caller's value
    lowered = {}
    for stmt in function.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and _lowered(stmt.value) == stmt.targets[0].id and stores.get(stmt.targets[0].id) == 1:
            lowered[stmt.targets[0].id] = (stmt.end_lineno, stmt.end_col_offset)
    found: Dict[str, object] = {}
    for name in [*params, *(a.arg for a in arguments.kwonlyargs)]:
        if name not in stores or name in lowered:
            found[name] = defaults.get(name, ...)
    return found, lowered  # type: ignore[return-value]


def constant_defaults(arguments: ast.arguments) -> Dict[str, object]:
    """The parameters' defaults that are constants (``...`` for another default)."""
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = dict(zip([a.arg for a in positional][::-1], arguments.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    return {name: default.value if isinstance(default, ast.Constant) else ... for name, default in defaults.items()}


def _lowered(expr: ast.expr) -> str:
    """``x`` of ``x.lower()``, else ""."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "lower" \
            and not expr.args and not expr.keywords and isinstance(expr.func.value, ast.Name):
        return expr.func.value.id
    return ""


def _chosen_by(test: ast.expr, truth: bool, selectors: Dict[str, object],
               lowered: Dict[str, Tuple[int, int]]) -> Tuple[Chosen, ...]:
    """What ``learner == "adam"`` (``!=``, ``learner.lower() == "adam"``) being ``truth``
    requires of a parameter."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return ()
    for side, other in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
        folded = bool(_lowered(side))
        name = side.func.value if folded else side  # type: ignore[union-attr]
        if isinstance(name, ast.Name) and name.id in selectors and isinstance(other, ast.Constant) \
                and isinstance(other.value, str):
            after = lowered.get(name.id)
            if after is not None:
                if (test.lineno, test.col_offset) < after:
                    return ()  # read before it is lower-cased: the parameter itself is not known there
                folded = True
            return ((name.id, selectors[name.id], other.value, folded, truth == isinstance(test.ops[0], ast.Eq)),)
    return ()


def outcomes_at(home: ast.AST, position: Tuple[int, int]) -> FrozenSet[Tuple[str, bool]]:
    """The ``if``/``while`` tests and conditional expressions of ``home`` around ``position``
    (``tests_at``), each as ``ast.dump`` writes it: two tests written alike are compared."""
    return frozenset((ast.dump(owner.test), truth) for owner, truth in tests_at(home, position))  # type: ignore[attr-defined]


def tests_at(home: ast.AST, position: Tuple[int, int], leaving: bool = False) -> Tuple[Tuple[ast.AST, bool], ...]:
    """The ``if`` and ``while`` statements and conditional expressions of ``home`` whose tests
    decide whether the code at ``position`` runs, each with the outcome it runs on: those around
    it, and with ``leaving`` the ``if`` statements before it in its blocks whose body always
    leaves the block (``if name == "adam": return …``: what follows runs where the test failed;
    the nearest ``_LEAVING`` of a block). Only the nodes that contain ``position`` are read, and
    the statements before them in their blocks."""
    found: List[Tuple[ast.AST, bool]] = []
    node: Optional[ast.AST] = home
    while node is not None:
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            if _in_body(node, position):
                found.append((node, True))
            elif not holds(node.test, position):
                found.append((node, False))
        parent, node = node, None
        for field, value in ast.iter_fields(parent):
            if isinstance(value, ast.AST):
                if holds(value, position):
                    node = value
                    break
            elif isinstance(value, list) and value and isinstance(value[0], ast.AST):
                index = _holding(parent, field, value, position)
                if index is not None:
                    node = value[index]
                    if leaving and isinstance(node, ast.stmt):
                        found += _left_before(parent, field, value, index)
                    break
    return tuple(found)


def _in_body(node: Union[ast.If, ast.While, ast.IfExp], position: Tuple[int, int]) -> bool:
    """Whether ``position`` is in the body of ``node`` (by the span of its statements: a body can
    be long, and every call in it asks)."""
    if isinstance(node, ast.IfExp):
        return holds(node.body, position)
    first, last = node.body[0], node.body[-1]
    return (first.lineno, first.col_offset) <= position < (last.end_lineno, last.end_col_offset)  # type: ignore[operator]


def _holding(parent: ast.AST, field: str, items: List[ast.AST], position: Tuple[int, int]) -> Optional[int]:
    """The index of the item of ``items`` (``parent``'s ``field``) that holds ``position``: found by
    bisection over their starts (kept on ``parent``) in a block of statements, which can be long."""
    if not isinstance(items[0], ast.stmt):
        return next((i for i, item in enumerate(items) if holds(item, position)), None)
    starts = kept_on(parent, "_block_starts", field, lambda: [(stmt.lineno, stmt.col_offset) for stmt in items])
    index = bisect.bisect_right(starts, position) - 1
    return index if index >= 0 and holds(items[index], position) else None


def _left_before(parent: ast.AST, field: str, block: List[ast.AST], index: int) -> List[Tuple[ast.AST, bool]]:
    """The failed tests the statements of ``block`` from ``index`` on run under: an ``if`` before
    them whose body always leaves the block, down an ``elif`` chain to the first body that does
    not (``if a: return …`` / ``elif b: return …``)."""
    indices, links = kept_on(parent, "_block_leaving", field, lambda: _leaving_ifs(block))
    before = bisect.bisect_left(indices, index)
    return [(link, False) for link in links[max(0, before - _LEAVING):before]]


def _leaving_ifs(block: List[ast.AST]) -> Tuple[List[int], List[ast.If]]:
    """The ``if`` links of ``block`` whose body leaves it, and the index of each one's statement."""
    indices: List[int] = []
    links: List[ast.If] = []
    for at, stmt in enumerate(block):
        for link in _leaving_links(stmt):
            indices.append(at)
            links.append(link)
    return indices, links


def _leaving_links(stmt: ast.AST) -> Iterator[ast.If]:
    """The links of an ``if``/``elif`` chain whose bodies leave the block, down to the first body
    that does not (``if a: return …`` / ``elif b: return …``): what follows ``stmt`` runs only
    where their tests failed."""
    link: Optional[ast.AST] = stmt
    while isinstance(link, ast.If) and link.body and isinstance(link.body[-1], _LEAVES):
        yield link
        link = link.orelse[0] if len(link.orelse) == 1 else None


def decided(test: ast.expr, compare: Callable[[ast.expr, ast.cmpop, ast.expr], Optional[bool]]) -> Optional[bool]:
    """What ``test`` is where ``compare`` knows some comparisons' outcomes (None where it does
    not): through ``not``, ``and`` and ``or``, each comparison of one operator asked of ``compare``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = decided(test.operand, compare)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        outcomes = [decided(value, compare) for value in test.values]
        stops = isinstance(test.op, ast.Or)  # the outcome that settles the whole: True for ``or``
        if stops in outcomes:
            return stops
        return None if None in outcomes else not stops
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return compare(test.left, test.ops[0], test.comparators[0])
    return None


def holds(node: ast.AST, position: Tuple[int, int]) -> bool:
    """Whether ``node`` spans ``position``."""
    return hasattr(node, "lineno") and (node.lineno, node.col_offset) <= position \
        < (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def opposite(ones: Iterable[Tuple[str, bool]], others: Iterable[Tuple[str, bool]]) -> bool:
    """Whether two sets of outcomes take one test opposite ways: code under both never runs together."""
    others = set(others)
    return any((test, not truth) in others for test, truth in ones)

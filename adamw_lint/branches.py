"""Which branch of a function a call takes: the ``if`` tests each call in the function runs under,
and what they require of the function's string parameters (``if name == "adam":``, or not "sgd"
after ``if name == "sgd": return …``). A Keras/TF training helper (``optimizer(name, loss, lr)``)
and an optimizer dispatcher (``get_optimizer(name, params, **kw)``) are summarized by them. A
call rules a branch out only by a string it passes or leaves at its default: one the analysis
cannot read is no proof that a branch is not taken."""

from __future__ import annotations

import ast
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
# what a branch requires of a parameter: (the parameter, its string default, the string, whether
# the parameter is lower-cased before the comparison, whether it must equal the string)
Chosen = Tuple[str, Optional[str], str, bool, bool]
# what a branch was taken on: an ``if`` test, and whether its body (True) or what follows it is run
_Tests = Tuple[Tuple[ast.expr, bool], ...]


def chosen_calls(function: Function, params: Sequence[str]) -> Iterator[Tuple[ast.Call, Tuple[Chosen, ...]]]:
    """Each call in ``function``'s body with what the branch it is in requires of the string
    parameters a caller chooses it by: ``params`` (those a call fills by position) and the
    keyword-only ones."""
    selectors = _selectors(function, params)
    for call, tests in _under_tests(function.body, ()):
        yield call, tuple(c for test, truth in tests for c in [_chosen_by(test, truth, selectors)] if c is not None)


def rules_out(chosen: Sequence[Chosen], passed: Callable[[str, Optional[str]], object]) -> bool:
    """Whether a call takes the function away from a branch that requires ``chosen``:
    ``passed(parameter, its string default)`` is what the call gives the parameter (a string
    when known)."""
    for selector, default, value, folded, equal in chosen:
        literal = passed(selector, default)
        if isinstance(literal, str) and ((literal.lower() if folded else literal) == value) != equal:
            return True
    return False


def condition(chosen: Sequence[Chosen]) -> str:
    """``name == 'adam'``, as a message says when a branch is taken: a string the parameter must
    not be is left out where it must be another (``elif name == 'adam'`` after ``if name == 'sgd'``)."""
    named = {selector for selector, _, _, _, equal in chosen if equal}
    return " and ".join(f"{selector}{'.lower()' if folded else ''} {'==' if equal else '!='} {value!r}"
                        for selector, _, value, folded, equal in chosen if equal or selector not in named)


def _under_tests(body: List[ast.stmt], tests: _Tests) -> Iterator[Tuple[ast.Call, _Tests]]:
    """Each call in ``body`` with the ``if`` tests that decide whether it runs: an ``if``'s body
    runs on its test, its ``else``, and what follows an ``if`` whose body always leaves the block
    (``return``, ``raise``), on the test's negation. Nested defs are read under the same tests."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _calls_in(stmt.test, tests)
            yield from _under_tests(stmt.body, (*tests, (stmt.test, True)))
            yield from _under_tests(stmt.orelse, (*tests, (stmt.test, False)))
            if stmt.body and isinstance(stmt.body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                tests = (*tests, (stmt.test, False))  # the rest of the block runs only when the test fails
            continue
        blocks = [value for _, value in ast.iter_fields(stmt)
                  if isinstance(value, list) and value and isinstance(value[0], ast.stmt)]
        blocks += [handler.body for handler in getattr(stmt, "handlers", [])]
        blocks += [case.body for case in getattr(stmt, "cases", [])]
        for _, value in ast.iter_fields(stmt):
            for part in value if isinstance(value, list) else [value]:
                if isinstance(part, ast.AST) and not isinstance(part, (ast.stmt, ast.excepthandler, ast.match_case)):
                    yield from _calls_in(part, tests)  # tests, iterables, with-items, decorators, defaults
        for block in blocks:
            yield from _under_tests(block, tests)


def _calls_in(node: ast.AST, tests: _Tests) -> Iterator[Tuple[ast.Call, _Tests]]:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            yield call, tests


def _selectors(function: Function, params: Sequence[str]) -> Dict[str, Optional[str]]:
    """The parameters of ``function`` a branch may be chosen by (``params``, those a call fills by
    position, and the keyword-only ones), with their string defaults: those that hold what a call
    passes wherever they are read, not rebound in its body (``learner = learner.lower()``)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = dict(zip([a.arg for a in positional][::-1], arguments.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    stored = {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    found: Dict[str, Optional[str]] = {}
    for name in [*params, *(a.arg for a in arguments.kwonlyargs)]:
        if name not in stored:
            default = defaults.get(name)
            found[name] = default.value if isinstance(default, ast.Constant) and isinstance(default.value, str) else None
    return found


def _chosen_by(test: ast.expr, truth: bool, selectors: Dict[str, Optional[str]]) -> Optional[Chosen]:
    """What ``learner == "adam"`` (``!=``, ``learner.lower() == "adam"``) being ``truth``
    requires of a parameter."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    for side, other in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
        folded = isinstance(side, ast.Call) and isinstance(side.func, ast.Attribute) and side.func.attr == "lower" \
            and not side.args and not side.keywords
        name = side.func.value if folded else side  # type: ignore[union-attr]
        if isinstance(name, ast.Name) and name.id in selectors and isinstance(other, ast.Constant) \
                and isinstance(other.value, str):
            return name.id, selectors[name.id], other.value, folded, truth == isinstance(test.ops[0], ast.Eq)
    return None

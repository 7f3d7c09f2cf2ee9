"""What a module's classes keep on ``self``: one summary per class family, computed on demand.

TF1 and Keras code splits a training setup over methods and classes: the optimizer is stored in
one method (``self.optimizer = tf.train.AdamOptimizer(...)``, often in a subclass's
``__init__``), the loss is built in another (``self.loss += wd * tf.nn.l2_loss(v)``), and
``self.optimizer.minimize(self.loss)`` is called in a base class. A read of ``self.<attr>`` in a
method may hold anything the family stores there — the class, its bases and its subclasses in
the same module, since ``self`` may be an instance of any of them — or be one of their methods of
that name. The answer over-approximates (every store, in any order): the checkers treat it as
"what this attribute can be built from", never as proof of what it is.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple, Union

from .scope import Resolver, Scope

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Value = Tuple[ast.AST, Scope]  # an expression stored on self (or a method), and the scope to read it in


class ClassMembers:
    """The ``self`` attributes of one module's class families."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._families: Dict[int, List[ast.ClassDef]] = {}
        self._members: Dict[int, Dict[str, List[Value]]] = {}  # id of a family's first class → attr → values

    def self_attribute(self, node: ast.expr, scope: Scope) -> Optional[Tuple[ast.ClassDef, str]]:
        """``(class, attr)`` when ``node`` reads ``self.<attr>`` in a method of ``class``."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        method = _method_of(scope, node.value.id)
        return (method, node.attr) if method is not None else None

    def values(self, cls: ast.ClassDef, attr: str) -> List[Value]:
        """What ``self.<attr>`` may be built from in methods of ``cls``'s family."""
        family = self.family(cls)
        key = id(family[0])
        if key not in self._members:
            self._members[key] = self._collect(family)
        return self._members[key].get(attr, [])

    def family(self, cls: ast.ClassDef) -> List[ast.ClassDef]:
        """``cls``, its bases and its subclasses defined in this module (transitively)."""
        if id(cls) not in self._families:
            classes = [c for c, _ in self.resolver.classes]
            parents: Dict[int, List[ast.ClassDef]] = {id(c): [] for c in classes}
            children: Dict[int, List[ast.ClassDef]] = {id(c): [] for c in classes}
            for child, scope in self.resolver.classes:
                for base in child.bases:
                    parent = self._local_class(base, scope)
                    if parent is not None and id(parent) in parents:
                        parents[id(child)].append(parent)
                        children[id(parent)].append(child)
            family, stack = [], [cls]
            while stack:
                current = stack.pop()
                if any(current is c for c in family):
                    continue
                family.append(current)
                stack += parents.get(id(current), []) + children.get(id(current), [])
            family.sort(key=lambda c: (c.lineno, c.col_offset))
            for member in family:
                self._families[id(member)] = family
        return self._families[id(cls)]

    def _local_class(self, base: ast.expr, scope: Scope) -> Optional[ast.ClassDef]:
        if not isinstance(base, ast.Name):
            return None
        found = scope.lookup(base.id, (base.lineno, base.col_offset))
        if found and len(found) == 1 and isinstance(found[0].node, ast.ClassDef):
            return found[0].node
        return None

    def _collect(self, family: List[ast.ClassDef]) -> Dict[str, List[Value]]:
        members: Dict[str, List[Value]] = {}
        for cls in family:
            class_scope = self.resolver.scope_of(cls)
            for method in cls.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if class_scope is not None:
                    members.setdefault(method.name, []).append((method, class_scope))
                scope = self.resolver.scope_of(method)
                receiver = _first_parameter(method)
                if scope is None or receiver is None:
                    continue  # a body the resolver skipped holds nothing the checkers follow
                for node in ast.walk(method):
                    for target, value in _stores(node):
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == receiver:
                            members.setdefault(target.attr, []).append((value, scope))
        return members


def _stores(node: ast.AST) -> List[Tuple[ast.expr, ast.expr]]:
    """(target, value) pairs a statement stores: ``a.b = v``, ``a.b += v``, ``a.b: T = v``, and
    each element of an unpacking ``a.b, a.c = v`` (the whole value: which part is not followed)."""
    if isinstance(node, ast.Assign):
        pairs = []
        for target in node.targets:
            elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
            pairs += [(element, node.value) for element in elements]
        return pairs
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
        return [(node.target, node.value)]
    return []


def _first_parameter(function: Function) -> Optional[str]:
    if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list):
        return None
    params = [*function.args.posonlyargs, *function.args.args]
    return params[0].arg if params else None


def _method_of(scope: Scope, receiver: str) -> Optional[ast.ClassDef]:
    """The class whose method ``scope`` is (or is nested in), when ``receiver`` is that method's
    first parameter (``self``)."""
    while scope is not None and scope.kind != "function":
        scope = scope.parent  # type: ignore[assignment]
    while scope is not None and scope.parent is not None and scope.parent.kind == "function":
        scope = scope.parent  # a closure inside the method reads the method's ``self``
    if scope is None or scope.parent is None or not isinstance(scope.parent.node, ast.ClassDef):
        return None
    function = scope.node
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or _first_parameter(function) != receiver:
        return None
    return scope.parent.node


__all__ = ("ClassMembers",)

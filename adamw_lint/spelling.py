"""How a fix writes a new qualified name where an old one was, and which imports that needs.

Only fix planning uses this (``analyze_tree(..., fixes=True)``): flake8 and a plain ``check``
never pay for it.
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple

from .context import Context
from .scope import Position, Scope

AddImports = Tuple[Tuple[str, Optional[str]], ...]
RemoveImports = Tuple[Tuple[str, str, Optional[str]], ...]


class Blocked(Exception):
    """A fix cannot be planned safely; the message says why."""


def spell(ctx: Context, expr: ast.expr, scope: Scope, target: str) -> Tuple[str, AddImports, RemoveImports]:
    """How to write ``target`` where ``expr`` is, and the import changes that needs."""
    resolver, pos = ctx.resolver, (expr.lineno, expr.col_offset)
    module_name, _, attr = target.rpartition(".")
    remove = unused_imports(ctx, expr, scope)
    # 1. through the root of the user's own spelling: optim.Adam → optim.AdamW
    root = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root is not expr:
        base = resolver.qualname(root, scope)
        if base and target.startswith(base + "."):
            return root.id + target[len(base):], (), ()
    # 2. a from-import for a from-imported name: from torch.optim import AdamW
    if isinstance(expr, ast.Name) and _free(ctx, attr, target, scope, pos):
        return attr, ((module_name, attr),), remove
    # 3. through a module the file already imports: import torch → torch.optim.AdamW
    for name, bindings in sorted(resolver.module.bindings.items()):
        qual = resolver.qualname(ast.Name(id=name, lineno=pos[0], col_offset=pos[1]), scope)
        if qual and target.startswith(qual + ".") and all(b.qualname for b in bindings):
            return name + target[len(qual):], (), remove
    # 4. a new import: from torch.optim import AdamW, or import torch when AdamW is taken
    if _free(ctx, attr, target, scope, pos):
        return attr, ((module_name, attr),), remove
    top = target.split(".", 1)[0]
    if _free(ctx, top, top, scope, pos):
        return target, ((top, None),), remove
    raise Blocked(f"both {attr} and {top} are already names for something else")


def unused_imports(ctx: Context, expr: ast.expr, scope: Scope) -> RemoveImports:
    """From-imports whose names ``expr`` uses: candidates for removal once it is replaced
    (libcst's RemoveImportsVisitor removes each only if nothing else uses it)."""
    found = []
    for node in ast.walk(expr):
        if not isinstance(node, ast.Name):
            continue
        for binding in scope.lookup(node.id, (node.lineno, node.col_offset)) or []:
            if binding.from_import and binding.scope is ctx.resolver.module and binding.qualname:
                src_module, _, src_name = binding.qualname.rpartition(".")
                found.append((src_module, src_name, None if node.id == src_name else node.id))
    return tuple(dict.fromkeys(found))


def _free(ctx: Context, name: str, meaning: str, scope: Scope, pos: Position) -> bool:
    """Whether ``name`` is unbound here (and in the module), or already means ``meaning``."""
    probe = ast.Name(id=name, lineno=pos[0], col_offset=pos[1])
    if ctx.resolver.qualname(probe, scope) == meaning:
        return True
    return scope.lookup(name, (10**9, 0)) is None and name not in ctx.resolver.module.bindings

"""How a fix writes a new qualified name where an old one was, and which imports that needs.

Only fix planning uses this (``analyze_tree(..., fixes=True)``): flake8 and a plain ``check``
never pay for it. The policy:

* Spell the new name through what the code already has: the root of the old spelling
  (``optim.Adam`` → ``optim.AdamW``), a module alias in scope (``torch.optim.AdamW``), or a bare
  name imported next to the old one.
* A new import goes where the old binding came from: into the same ``from … import`` statement,
  or right after the old import statement in the same block (``try``/``except ImportError``,
  ``if HAS_TORCH:``, a function), so a module that imports without torch still does. Only when
  the old import is a plain module-level statement is the new one scheduled at the module top
  (libcst's ``AddImportsVisitor``, which merges into an existing ``from`` import).
* A bare new name is not used where a star import of another module (``from mylib import *``)
  or an assignment could rebind it: the name is then spelled through a module
  (``torch.optim.AdamW``).
* An old import is a candidate for removal once the rewritten code no longer uses it (libcst's
  ``RemoveImportsVisitor`` removes it only if nothing else in the file does), except a
  module-level name other modules may import from this one, as ruff's F401 decides: a name
  listed in ``__all__`` (or any name, when ``__all__`` is not a literal), a redundant alias
  (``from torch.optim import Adam as Adam``), and every module-level import of a package's
  ``__init__.py`` (``fix_source(..., path=)`` knows the file). Imports inside a function are
  private to it and are always candidates.
"""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Tuple

from .context import Context
from .scope import Binding, Position, Scope

# (module, name): at the module top; (module, name, (line, col)): next to the import statement
# that starts there (see ``Fix.add_imports``)
AddImports = Tuple[tuple, ...]
RemoveImports = Tuple[Tuple[str, str, Optional[str]], ...]


_RELATIVE_STAR = r"\s*from\s+\.[\w.]*\s+import\s+\*"  # compiled on first use


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
    anchor = _import_anchor(ctx, root, scope) if isinstance(root, ast.Name) else None
    # 2. a from-import next to the old one for a from-imported name: from torch.optim import AdamW
    if isinstance(expr, ast.Name) and _bare(ctx, attr, target, scope, pos):
        return attr, _placed(ctx, module_name, attr, anchor), remove
    # 3. through a module the file already imports: import torch → torch.optim.AdamW
    for name, bindings in sorted(resolver.module.bindings.items()):
        qual = resolver.qualname(ast.Name(id=name, lineno=pos[0], col_offset=pos[1]), scope)
        if qual and target.startswith(qual + ".") and all(b.qualname for b in bindings):
            return name + target[len(qual):], (), remove
    # 4. a new import: from torch.optim import AdamW, or import torch when AdamW is taken
    if _bare(ctx, attr, target, scope, pos):
        return attr, _placed(ctx, module_name, attr, anchor), remove
    top = target.split(".", 1)[0]
    if _free(ctx, top, top, scope, pos):
        return target, _placed(ctx, top, None, anchor), remove
    raise Blocked(f"both {attr} and {top} are already names for something else")


def unused_imports(ctx: Context, expr: ast.expr, scope: Scope) -> RemoveImports:
    """From-imports whose names ``expr`` uses: candidates for removal once it is replaced
    (libcst's RemoveImportsVisitor removes each only if nothing else uses it). Module-level names
    other modules may import from this one are kept (the module docstring's policy)."""
    exported = _exported(ctx)
    found = []
    for node in ast.walk(expr):
        if not isinstance(node, ast.Name):
            continue
        for binding in scope.lookup(node.id, (node.lineno, node.col_offset)) or []:
            if not (binding.from_import and binding.qualname and binding.scope.kind in ("module", "function")):
                continue
            src_module, _, src_name = binding.qualname.rpartition(".")
            if binding.scope is ctx.resolver.module and (
                    exported is None or node.id in exported or _redundant_alias(ctx, binding, node.id)):
                continue
            found.append((src_module, src_name, None if node.id == src_name else node.id))
    return tuple(dict.fromkeys(found))


def _exported(ctx: Context) -> Optional[frozenset]:
    """The names a literal module-level ``__all__`` lists; None when it is not a literal."""
    bindings = ctx.resolver.module.bindings.get("__all__")
    if not bindings:
        return frozenset()
    names: List[str] = []
    for binding in bindings:
        try:
            value = ast.literal_eval(binding.value) if binding.value is not None else None
        except (ValueError, TypeError, SyntaxError, RecursionError):
            return None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return None
        names.extend(value)
    return frozenset(names)


def _redundant_alias(ctx: Context, binding: Binding, name: str) -> bool:
    """``from m import X as X``: the explicit re-export convention (PEP 484, ruff)."""
    line = ctx.lines[binding.pos[0] - 1] if 0 < binding.pos[0] <= len(ctx.lines) else ""
    return re.search(rf"\b{re.escape(name)}\s+as\s+{re.escape(name)}\b", line) is not None


def _import_anchor(ctx: Context, name: ast.Name, scope: Scope) -> Optional[Binding]:
    """The import statement the old spelling's root name comes from: the first that can reach it
    (the one that runs when its package is installed; ``X = None`` fallbacks are not imports)."""
    found = scope.lookup(name.id, (name.lineno, name.col_offset)) or []
    return min((b for b in found if b.qualname is not None), key=lambda b: b.pos, default=None)


def _placed(ctx: Context, module: str, name: Optional[str], anchor: Optional[Binding]) -> AddImports:
    """The import to add: at the module top when the old one is a plain module-level statement
    (or unknown), else next to it (same block, same function)."""
    if anchor is None or (anchor.scope is ctx.resolver.module and anchor.pos[1] == 0):
        return ((module, name),)
    line, byte_col = anchor.pos
    text = ctx.lines[line - 1] if 0 < line <= len(ctx.lines) else ""
    column = len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))  # libcst counts characters
    return ((module, name, (line, column)),)


def _bare(ctx: Context, name: str, meaning: str, scope: Scope, pos: Position) -> bool:
    """Whether ``name`` may be written bare for ``meaning``: free here, and no star import of
    another module can rebind it."""
    if not _free(ctx, name, meaning, scope, pos):
        return False
    if any(re.match(_RELATIVE_STAR, line) for line in ctx.lines if "*" in line):
        return False  # a relative star import (recorded only where the file's package is known) may rebind it
    current: Optional[Scope] = scope
    while current is not None:
        if any(f"{module}.{name}" != meaning for module in current.star_imports):
            return False
        current = current.parent
    return True


def _free(ctx: Context, name: str, meaning: str, scope: Scope, pos: Position) -> bool:
    """Whether ``name`` is unbound here (and in the module), or already means ``meaning``."""
    probe = ast.Name(id=name, lineno=pos[0], col_offset=pos[1])
    if ctx.resolver.qualname(probe, scope) == meaning:
        return True
    return scope.lookup(name, (10**9, 0)) is None and name not in ctx.resolver.module.bindings

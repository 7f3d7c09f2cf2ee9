"""What a rename's diff cannot show: the project's own checks of the old class.

``torch.optim.Adam`` → ``torch.optim.AdamW`` changes the class of the object built. Where the
project's code or tests check that class (``isinstance(opt, torch.optim.Adam)``,
``assertIsInstance``, ``type(opt) is Adam``, ``type(opt).__name__ == "Adam"``, an ``Adam``
annotation), the check fails after the fix on a torch where the new class does not subclass the
old one (AdamW subclasses Adam only from torch 2.7: the catalog row's ``rename_subclass_since``),
and a comparison of ``type(...)`` fails on every torch. The diff shows none of it, so the
summary of ``adamw-lint fix`` names each check next to the fix it concerns (``report.class_checks``).

A check concerns a fix when it is in the fixed module or in a module that imports it (or the
package holding it: ``from mylib import build``), anywhere in the fixed file's project (the
directory ``project.torch_floor`` reads the torch requirement from; for a file in no project, its
own folder); the files are read, never imported. Only files that name the old class are parsed.
"""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from . import catalog
from .checkers.optimizer_fix import needed_torch, renamed
from .files import SourceError, read_bytes
from .findings import Finding
from .project import project_root, torch_floor
from .records import Record
from .settings import DEFAULT_EXCLUDE

Version = Tuple[int, int]
_MAX_BYTES = 2_000_000  # larger files are data, not code that checks an optimizer's class
_MAX_FILES = 100_000  # a project larger than this is read this far


class ClassCheck(Record):
    path: str
    line: int
    what: str  # "checks isinstance(opt, torch.optim.Adam)", as shown
    always: bool  # fails on every torch (a comparison of type(...)), not only before the subclassing
    imports: Tuple[str, ...]  # the modules the checking file imports, absolute


class HiddenCheck(Record):
    """One check that a fix makes fail: where the fix is, where the check is, and when it fails."""

    fix_path: str
    fix_line: int
    old: str
    new: str
    check: ClassCheck
    since: str  # "torch 2.7"
    floor: Optional[Version]


def hidden_by_the_diff(fixed: Sequence[Tuple[str, Finding]]) -> List[HiddenCheck]:
    """For each applied fix that renames a class (``fixed``: path and finding), the project's
    checks of the old class that the fix makes fail on a torch the project allows."""
    warnings = []
    read: Dict[Tuple[str, str], List[ClassCheck]] = {}  # (project root, old class) → its checks, read once
    for path, finding in fixed:
        found = renamed(finding.fix) if finding.fix is not None else None
        if found is None or not found[0].rename_subclass_since:
            continue
        api, old, new = found
        since = needed_torch(api.rename_subclass_since)
        floor = torch_floor(path)
        subclass_fails = since is not None and floor is not None and floor < since
        module = _module_name(path)
        root = project_root(path) or os.path.dirname(os.path.abspath(path))  # no project: its own folder
        if (root, old) not in read:
            files = _python_files(root) if project_root(path) else _python_files(root, deep=False)
            read[root, old] = [c for file in files for c in _file_checks(file, old)]
        for check in read[root, old]:
            if (check.always or subclass_fails) and (check.path == os.path.abspath(path) or _imports(check, module)):
                warnings.append(HiddenCheck(path, finding.line, old, new, check, api.rename_subclass_since or "", floor))
    return warnings


def _imports(check: ClassCheck, module: Optional[str]) -> bool:
    """Whether the checking file imports ``module``, a name from it, or a package that holds it."""
    return module is not None and any(module == name or module.startswith(name + ".") or name.startswith(module + ".")
                                      for name in check.imports)


def _module_name(path: str) -> Optional[str]:
    """``pkg/sub/mod.py`` → ``pkg.sub.mod`` (up through the folders with ``__init__.py``)."""
    directory, filename = os.path.split(os.path.abspath(path))
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    return ".".join(parts) or None


def _python_files(root: str, deep: bool = True) -> List[str]:
    """The project's ``.py`` files, without the folders that are never its own (ruff's default
    excludes, hidden folders); ``deep=False``: only those in ``root`` itself. A tree too deep to
    walk, or too large, is read as far as it was walked: the warning is advice, the fix is done."""
    files: List[str] = []
    try:
        for directory, folders, names in os.walk(root):
            folders[:] = sorted(f for f in folders if deep and f not in DEFAULT_EXCLUDE and not f.startswith("."))
            files.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".py"))
            if len(files) > _MAX_FILES:
                break
    except RecursionError:
        pass
    return files


def _file_checks(path: str, old: str) -> Tuple[ClassCheck, ...]:
    short = old.rsplit(".", 1)[-1]
    try:  # a regular file only, bounded: a FIFO named x.py would block the summary forever
        data = read_bytes(path, _MAX_BYTES)
        if short.encode() not in data:
            return ()
        tree = ast.parse(data)
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    names = _imported_names(tree, _module_name(path))
    imports = tuple(sorted({q for q in names.values()} | set(_imported_modules(tree, _module_name(path)))))
    found = sorted(set(_class_checks(tree, names, old, short)))
    return tuple(ClassCheck(os.path.abspath(path), line, what, always, imports) for line, what, always in found)


def _absolute(level: int, module: Optional[str], here: Optional[str]) -> Optional[str]:
    """The module a ``from`` import names, relative ones resolved from the importing module."""
    if not level:
        return module
    if here is None:
        return None
    parts = here.split(".")[:-level]
    if not parts and level > 1:
        return None
    return ".".join(parts + ([module] if module else [])) or None


def _imported_names(tree: ast.AST, here: Optional[str]) -> Dict[str, str]:
    """Local name → qualified name, for every import in the file (any scope: checks are rare and
    a test imports inside its functions as often as at the top)."""
    names: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.level, node.module, here)
            for alias in node.names:
                if module and alias.name != "*":
                    names[alias.asname or alias.name] = f"{module}.{alias.name}"
    return names


def _imported_modules(tree: ast.AST, here: Optional[str]) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.level, node.module, here)
            if module:
                yield module


def _qualname(node: ast.AST, names: Dict[str, str]) -> Optional[str]:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _qualname(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


def _class_checks(tree: ast.AST, names: Dict[str, str], old: str, short: str) -> Iterator[Tuple[int, str, bool]]:
    """(line, what, fails on every torch) for each check of the class ``old`` in ``tree``."""
    aliases = {n for n, api in catalog.OPTIMIZERS_BY_NAME.items() if api is catalog.OPTIMIZERS_BY_NAME[old]}

    def is_old(node: ast.AST) -> bool:
        if isinstance(node, ast.Tuple):
            return any(is_old(e) for e in node.elts)
        return _qualname(node, names) in aliases

    def of_type(node: ast.AST) -> bool:  # type(x) or x.__class__
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type"
                and len(node.args) == 1) or (isinstance(node, ast.Attribute) and node.attr == "__class__")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("isinstance", "assertIsInstance", "assertNotIsInstance") and is_old(node.args[1]):
                yield node.lineno, f"checks {ast.unparse(node)}", False
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.Eq, ast.IsNot, ast.NotEq)):
            left, right = node.left, node.comparators[0]
            for one, other in ((left, right), (right, left)):
                typed = of_type(one) and is_old(other)
                named = (isinstance(one, ast.Attribute) and one.attr == "__name__" and of_type(one.value)
                         and isinstance(other, ast.Constant) and other.value == short)
                if typed or named:
                    yield node.lineno, f"compares {ast.unparse(node)}", True
                    break
        elif isinstance(node, (ast.arg, ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef)):
            annotation = node.returns if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else node.annotation
            if annotation is not None and any(is_old(part) for part in _annotation_parts(annotation)):
                yield annotation.lineno, f"annotates {ast.unparse(annotation)}", False


def _annotation_parts(annotation: ast.expr) -> Iterator[ast.AST]:
    """The names in an annotation, string annotations (``"torch.optim.Adam"``) parsed."""
    for part in ast.walk(annotation):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            try:
                yield from ast.walk(ast.parse(part.value, mode="eval"))
            except (SyntaxError, ValueError, RecursionError):
                continue
        else:
            yield part


__all__ = ("ClassCheck", "HiddenCheck", "hidden_by_the_diff")

"""Which files a run checks, as ruff chooses them.

A directory is walked in name order; a folder or file is skipped when the settings that apply
to it exclude it (``exclude``, by default ruff's list of tool and environment folders, plus
``extend-exclude``), when it holds a virtual environment (``pyvenv.cfg``), or, with
``respect-gitignore`` (the default), when git would ignore it: every ``.gitignore`` from the
repository root down, ``.git/info/exclude`` and the user's global excludes file, read with
``pathspec``'s gitignore semantics. A path named on the command line is always checked, unless
``force-exclude`` is set (as pre-commit needs, since it names files one by one).

A directory named on the command line is walked whether or not it is a symlink (the same with
or without a trailing slash); symlinks met during the walk are never followed, so nothing outside
the named trees is reached. A file reachable twice (``fix . sub``, ``a.py ./a.py``) is listed
once, by its real path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from .files import SourceError
from .settings import Resolver, Settings


class GitIgnores:
    """Whether git would ignore a path: ``.gitignore`` files apply to their directory and below,
    deeper ones win, and a later pattern (``!keep.py``) overrides an earlier one."""

    def __init__(self) -> None:
        self._specs: Dict[str, object] = {}  # directory → its .gitignore's spec (or None)
        self._roots: Dict[str, Optional[str]] = {}  # directory → its repository root
        self._repository_specs: Dict[str, List[Tuple[str, object]]] = {}
        self._named: Dict[Tuple[int, str], Set[int]] = {}
        self._chains: Dict[str, List[Tuple[str, object]]] = {}

    def ignored(self, path: str, is_dir: bool, named: str) -> bool:
        """``named``: the directory the user named, which is walked even if git ignores it (as
        ruff does): a pattern that matches it (or a folder above it) does not hide what is inside."""
        path = os.path.abspath(path)
        verdict: Optional[bool] = None
        for base, spec in self._chain(os.path.dirname(path)):
            relative = _below(path, base) + ("/" if is_dir else "")
            covering = self._covering(base, spec, named)
            if not covering:  # the common case: the compiled spec, one call
                result = spec.check_file(relative)  # type: ignore[attr-defined]
                if result.include is not None:
                    verdict = result.include
                continue
            for index, pattern in enumerate(spec.patterns):  # type: ignore[attr-defined]
                if pattern.include is not None and index not in covering and pattern.match_file(relative):
                    verdict = pattern.include  # the last matching pattern decides
        return bool(verdict)

    def _covering(self, base: str, spec, named: str) -> Set[int]:
        """The patterns of a .gitignore above the named directory that match that directory."""
        key = (id(spec), named)  # specs live as long as this object: their ids stay unique
        if key not in self._named:
            inside = os.path.relpath(os.path.abspath(named), base)
            self._named[key] = set() if inside == os.curdir or inside.startswith(os.pardir) else {
                index for index, pattern in enumerate(spec.patterns)
                if pattern.include is not None and pattern.match_file(Path(inside).as_posix() + "/")
            }
        return self._named[key]

    def _chain(self, directory: str) -> List[Tuple[str, object]]:
        """The ignore specs that apply in ``directory``, outermost first (cached per directory)."""
        chain = self._chains.get(directory)
        if chain is None:
            parent = os.path.dirname(directory)
            root = self._root(directory)
            if directory == root:
                chain = list(self._repository(root))
            elif parent == directory:
                chain = []
            else:  # outside a repository, each .gitignore still applies to its own folder and below
                chain = list(self._chain(parent))
            spec = self._spec(directory)
            if spec is not None:
                chain.append((directory, spec))
            self._chains[directory] = chain
        return chain

    def _spec(self, directory: str):
        if directory not in self._specs:
            self._specs[directory] = _read_spec(os.path.join(directory, ".gitignore"))
        return self._specs[directory]

    def _root(self, directory: str) -> Optional[str]:
        if directory not in self._roots:
            parent = os.path.dirname(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                self._roots[directory] = directory
            elif parent == directory:
                self._roots[directory] = None
            else:
                self._roots[directory] = self._root(parent)
        return self._roots[directory]

    def _repository(self, root: str) -> List[Tuple[str, object]]:
        """The global excludes file, then .git/info/exclude: below every .gitignore in precedence."""
        if root not in self._repository_specs:
            specs = []
            for file in (_global_excludes_file(root), os.path.join(root, ".git", "info", "exclude")):
                spec = _read_spec(file) if file else None
                if spec is not None:
                    specs.append((root, spec))
            self._repository_specs[root] = specs
        return self._repository_specs[root]


def _below(path: str, base: str) -> str:
    """``path`` relative to ``base`` (both absolute, ``path`` inside ``base``), POSIX-style;
    a string slice rather than ``os.path.relpath``, which dominated the walk's cost."""
    relative = path[len(base):].lstrip(os.sep)
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _read_spec(file: str):
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None  # no pattern (git init's .git/info/exclude is all comments): pathspec not imported
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _global_excludes_file(root: str) -> Optional[str]:
    """``core.excludesFile``, or git's default ``$XDG_CONFIG_HOME/git/ignore``."""
    try:
        configured = subprocess.run(["git", "config", "--path", "--get", "core.excludesFile"], cwd=root,
                                    capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        configured = ""
    if configured:
        return os.path.expanduser(configured)
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config_home, "git", "ignore")


def discover(
    paths: Sequence[str], resolver: Resolver, suffixes: Tuple[str, ...]
) -> Tuple[List[str], List[SourceError]]:
    """Files to check, in a stable order, each once, and the directories that could not be read."""
    found: List[str] = []
    errors: List[SourceError] = []
    seen = set()
    ignores = GitIgnores()

    def skipped(path: str, is_dir: bool, settings: Settings, named: str) -> bool:
        if settings.excluded(path, is_dir):
            return True
        return settings.respect_gitignore and ignores.ignored(path, is_dir, named)

    for path in paths:
        is_dir = os.path.isdir(path)
        settings = resolver.for_path(path)
        if settings.force_exclude and skipped(path.rstrip("/\\") or path, is_dir, settings, os.curdir):
            continue
        if is_dir:
            root_real = os.path.realpath(path)
            top = path.rstrip("/\\") or path
            for file in _walk(top, resolver, suffixes, lambda p, d, s: skipped(p, d, s, top), errors):
                real = os.path.join(root_real, os.path.relpath(file, top))
                if real not in seen:
                    seen.add(real)
                    found.append(file)
        else:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                found.append(path)
    return found, errors


def _walk(
    directory: str,
    resolver: Resolver,
    suffixes: Tuple[str, ...],
    skipped: Callable[[str, bool, Settings], bool],
    errors: List[SourceError],
) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        errors.append(SourceError(directory, f"directory cannot be read: {error.strerror or error}"))
        return
    settings = resolver.for_directory(directory)
    for entry in entries:
        if entry.is_symlink():
            continue  # never followed: no loops, nothing outside the tree
        if entry.is_dir(follow_symlinks=False):
            if entry.name == "__pycache__" or skipped(entry.path, True, settings):
                continue
            if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                continue  # a virtual environment, whatever its name
            yield from _walk(entry.path, resolver, suffixes, skipped, errors)
        elif entry.name.endswith(suffixes) and entry.is_file(follow_symlinks=False):
            if not skipped(entry.path, False, settings):
                yield entry.path

"""Which files a run checks, as ruff chooses them.

A directory is walked in name order; a folder or file is skipped when the settings that apply
to it exclude it (``exclude``, by default ruff's list of tool and environment folders, plus
``extend-exclude``), when it holds a virtual environment (``pyvenv.cfg``), or, with
``respect-gitignore`` (the default), when git would ignore it: every ``.gitignore`` from the
repository root down, ``.git/info/exclude`` and the user's global excludes file, read with
git's pattern semantics (``gitignore``). A path named on the command line is always checked, unless
``force-exclude`` is set (as pre-commit needs, since it names files one by one).

A directory named on the command line is walked whether or not it is a symlink (the same with
or without a trailing slash); symlinks met during the walk are never followed, so nothing outside
the named trees is reached. A file reachable twice (``fix . sub``, ``a.py ./a.py``) is listed
once, by its real path.
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from .files import MAX_SOURCE_BYTES, SourceError, read_bytes
from .gitignore import Patterns
from .settings import Resolver, Settings, SettingsError


class GitIgnores:
    """Whether git would ignore a path: ``.gitignore`` files apply to their directory and below,
    deeper ones win, and a later pattern (``!keep.py``) overrides an earlier one."""

    def __init__(self) -> None:
        self._specs: Dict[str, Optional[Patterns]] = {}  # directory → its .gitignore's patterns (or None)
        self._roots: Dict[str, Optional[str]] = {}  # directory → its repository root
        self._repository_specs: Dict[str, List[Tuple[str, Patterns]]] = {}
        self._named: Dict[Tuple[int, str], Set[int]] = {}
        self._chains: Dict[str, List[Tuple[str, Patterns]]] = {}

    def ignored(self, path: str, is_dir: bool, named: str) -> bool:
        """``named``: the directory the user named, which is walked even if git ignores it (as
        ruff does): a pattern that matches it (or a folder above it) does not hide what is inside."""
        path = os.path.abspath(path)
        verdict: Optional[bool] = None
        for base, spec in self._chain(os.path.dirname(path)):
            relative = _below(path, base) + ("/" if is_dir else "")
            covering = self._covering(base, spec, named)
            if not covering:  # the common case: the compiled spec, one call
                result = spec.check(relative)
                if result is not None:
                    verdict = result
                continue
            for index, pattern in enumerate(spec.patterns):
                if pattern.include is not None and index not in covering and pattern.match_file(relative):
                    verdict = pattern.include  # the last matching pattern decides
        return bool(verdict)

    def _covering(self, base: str, spec: Patterns, named: str) -> Set[int]:
        """The patterns of a .gitignore above the named directory that match that directory."""
        key = (id(spec), named)  # specs live as long as this object: their ids stay unique
        if key not in self._named:
            inside = os.path.relpath(os.path.abspath(named), base)
            self._named[key] = set() if inside == os.curdir or inside.startswith(os.pardir) else {
                index for index, pattern in enumerate(spec.patterns)
                if pattern.include is not None and pattern.match_file(inside.replace(os.sep, "/") + "/")
            }
        return self._named[key]

    def _chain(self, directory: str) -> List[Tuple[str, Patterns]]:
        """The ignore specs that apply in ``directory``, outermost first (cached per directory;
        a loop up to the first known folder, not recursion: trees can be thousands deep)."""
        pending = []
        while directory not in self._chains:
            parent = os.path.dirname(directory)
            at_root = directory == self._root(directory)
            if at_root or parent == directory:
                self._chains[directory] = self._with_own(directory, self._repository(directory) if at_root else [])
                break
            pending.append(directory)  # outside a repository, each .gitignore applies to its folder and below
            directory = parent
        for below in reversed(pending):
            self._chains[below] = self._with_own(below, self._chains[os.path.dirname(below)])
        return self._chains[pending[0] if pending else directory]

    def _with_own(self, directory: str, chain: List[Tuple[str, Patterns]]) -> List[Tuple[str, Patterns]]:
        spec = self._spec(directory)
        return chain + [(directory, spec)] if spec is not None else list(chain)

    def _spec(self, directory: str):
        if directory not in self._specs:
            self._specs[directory] = _read_spec(os.path.join(directory, ".gitignore"))
        return self._specs[directory]

    def _root(self, directory: str) -> Optional[str]:
        pending = []
        while directory not in self._roots:
            parent = os.path.dirname(directory)
            if os.path.exists(os.path.join(directory, ".git")):
                self._roots[directory] = directory
            elif parent == directory:
                self._roots[directory] = None
            else:
                pending.append(directory)
                directory = parent
        self._roots.update(dict.fromkeys(pending, self._roots[directory]))
        return self._roots[directory]

    def _repository(self, root: str) -> List[Tuple[str, Patterns]]:
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
    relative = _inside(path, base)
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _inside(file: str, top: str) -> str:
    """``file`` relative to ``top``, a folder whose path starts it (the walk joins each name to its
    folder; an ignore file's folder is a parent of the path): a slice, where ``os.path.relpath``
    costs ~6 µs a file (both paths made absolute); relpath for anything else."""
    if file.startswith(top):
        relative = file[len(top):]
        if relative[:1] in (os.sep, os.altsep or os.sep) or top.endswith((os.sep, os.altsep or os.sep)):
            return relative.lstrip(os.sep + (os.altsep or ""))
    return os.path.relpath(file, top)


def _read_spec(file: str) -> Optional[Patterns]:
    """The patterns of an ignore file, or None. As git, a FIFO, a device or a file that cannot be
    read is passed over, and a line that is not a valid pattern is dropped; reading is bounded."""
    try:
        text = read_bytes(file, MAX_SOURCE_BYTES).decode("utf-8", errors="replace")
    except SourceError:
        return None
    lines = text.splitlines()
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None  # no pattern (git init's .git/info/exclude is all comments)
    return Patterns(lines)


def _global_excludes_file(root: str) -> Optional[str]:
    """``core.excludesFile``, or git's default ``$XDG_CONFIG_HOME/git/ignore``."""
    import subprocess  # only inside a repository: a tree outside one never starts git

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
        try:
            settings = resolver.for_path(path)
        except SettingsError as error:  # the configuration that governs this path; the other paths go on
            errors.append(SourceError(path, f"not checked: {error}"))
            continue
        if settings.force_exclude and skipped(path.rstrip("/\\") or path, is_dir, settings, os.curdir):
            continue
        if is_dir:
            root_real = os.path.realpath(path)
            top = path.rstrip("/\\") or path
            for file in _walk(top, resolver, suffixes, lambda p, d, s: skipped(p, d, s, top), errors):
                real = os.path.join(root_real, _inside(file, top))
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
    """The files below ``directory``, depth first in name order; with a stack, not recursion, so
    that a tree thousands of folders deep is walked like any other."""
    stack: List[Tuple[Iterator[os.DirEntry], Settings]] = []
    _enter(directory, resolver, errors, stack)
    while stack:
        entries, settings = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
        elif entry.is_symlink():
            continue  # never followed: no loops, nothing outside the tree
        elif entry.is_dir(follow_symlinks=False):
            if entry.name == "__pycache__" or skipped(entry.path, True, settings):
                continue
            if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                continue  # a virtual environment, whatever its name
            _enter(entry.path, resolver, errors, stack)
        elif entry.name.endswith(suffixes) and entry.is_file(follow_symlinks=False):
            if not skipped(entry.path, False, settings):
                yield entry.path


def _enter(folder: str, resolver: Resolver, errors: List[SourceError],
           stack: List[Tuple[Iterator[os.DirEntry], Settings]]) -> None:
    """Push ``folder``'s entries and settings; a folder that cannot be read, or whose configuration
    cannot, is an error naming it, and the walk goes on beside it."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as error:
        errors.append(SourceError(folder, f"directory cannot be read: {error.strerror or error}"))
        return
    try:
        settings = resolver.for_directory(folder)
    except SettingsError as error:
        errors.append(SourceError(folder, f"not checked: {error}"))
        return
    stack.append((iter(entries), settings))

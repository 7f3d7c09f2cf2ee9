"""The project's own modules, read on demand, so a finding can follow an import into them.

``ProjectIndex(roots)`` knows only the roots the user gave; a module is located and parsed the
first time a candidate file's import leads to it (``from .config import WEIGHT_DECAY``,
``from myproj.optim import build_adam``, a Hydra ``_target_: myproj.optim.Adam``), once per
process, and never imported or executed. What it answers, for a qualified name inside the project:

* ``literal(name)``: a module-level constant assigned once (``WEIGHT_DECAY = 1e-4``);
* ``reach(name)``: the catalog optimizer a class or function constructs, and how its parameters
  flow into that construction (a subclass without its own ``step``, a re-export, a wrapper
  ``def build(params, **kw): return torch.optim.Adam(params, **kw)``);
* ``table(name)``: a registry dict's entries, resolved in their own module.

It pickles as its roots (the cache stays behind), so worker processes each build their own.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from typing import (AbstractSet, Callable, Container, Dict, FrozenSet, Hashable, Iterator, List, Optional, Sequence, Set,
                    Tuple, TypeVar)

from . import catalog
from .cache import digest
from .catalog import OptimizerApi
from .files import SourceError, decode, module_words, physical_lines, read_bytes, text_words
from .findings import shown_path
from .own_optimizers import class_row
from .scope import Binding, Resolver, Scope, is_unknown
from .summaries import Module, Reach, callable_reach, named_reach

_DEPTH = 4  # re-exports and wrappers followed through this many modules
_LIST_CHANGES = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "__iadd__", "__setitem__", "__delitem__"})
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "node_modules",
                           "site-packages", "__pycache__", "build", "dist", ".eggs"})
_MAX_MODULES = 20_000  # modules a scan of the whole project looks at: a bound for monorepos
_PENALTY_WORDS = (b"regulariz", b"l2_loss")  # a model builder's module names one
# a module that holds it may name anything (``reach_may_hold``): its string can spell a name in pieces
_SPELLS_IN_PIECES = b"getattr"
# a module that builds an optimizer by name calls one of the getters
_GETTER_WORDS = tuple(sorted({name.rsplit(".", 1)[1].encode() for name in catalog.OPTIMIZER_NAME_TABLES}))
_Answer = TypeVar("_Answer")


# what the module of an optimizer with its own step holds (``own_optimizers``)
_OWN_STEP_WORDS = (b"def step(", b"decay", b".grad")


class ProjectIndex:
    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = tuple(os.path.abspath(r) for r in roots)
        self._bases: Optional[List[str]] = None
        self._modules: Dict[str, Optional[Module]] = {}
        self._relevant: Dict[str, bool] = {}  # path → whether its text can name an optimizer
        self._mentions: Dict[Tuple[str, Tuple[bytes, ...]], bool] = {}  # (path, words) → whether its text has one
        self._defined: Dict[str, Tuple[FrozenSet[bytes], FrozenSet[bytes]]] = {}  # path → its class and def names
        self._located: Dict[str, Optional[str]] = {}
        self._all_names: Dict[str, object] = {}  # module → what its ``__all__`` says (``_exported``)
        self._shared: Dict[Hashable, object] = {}  # a checker's key → its answer about the project's modules
        self._all_modules: Optional[List[str]] = None
        self._stamps: List[str] = []  # each module's path, size, times and inode
        self._listing: Optional[str] = None
        self._folders: Dict[str, Tuple[FrozenSet[str], str]] = {}  # folder → the modules in it, their digest
        self._twins: List[str] = []  # modules ``modules()`` skipped as a file it had (a link, a base in a base)
        self._unlisted: List[str] = []  # the folders it did not enter (linked, skipped, hidden)
        self._named_found = False  # whether ``_named_modules`` has looked (its None is an answer too)
        self._named: Optional[Dict[bytes, List[str]]] = None  # a word of a name an import gives → the modules
        self._names: FrozenSet[bytes] = frozenset()  # its words
        self._listed: FrozenSet[str] = frozenset()  # those modules (once ``_named`` is found)
        self._unlisted_words: FrozenSet[bytes] = frozenset()  # the words of the folders' names not entered
        self._vocabularies: Dict[FrozenSet[bytes], FrozenSet[bytes]] = {}  # ``_vocabulary``
        self._words: Dict[Tuple[str, FrozenSet[bytes]], Optional[FrozenSet[bytes]]] = {}  # ``_module_words``
        self._holds: Dict[Hashable, bool] = {}  # ``reach_may_hold``'s arguments → its answer
        self._unions: Dict[Tuple[str, FrozenSet[bytes]], FrozenSet[bytes]] = {}  # a no's module → the words its reach held
        self._steps_from: Dict[str, Optional[Tuple[str, ...]]] = {}  # path → ``_following``, as on disk
        self._inits: Dict[str, Tuple[str, ...]] = {}  # folder → ``_packages_above``

    def __getstate__(self) -> dict:
        return {"roots": self.roots}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["roots"])  # type: ignore[misc]

    # locating ------------------------------------------------------------------------------
    def bases(self) -> List[str]:
        """Directories module names are relative to: each root's top package's parent (a root
        inside a package), the root itself and its ``src/``; then the git repository's root and
        its ``src/``, so that a file named alone (pre-commit names the changed files) still finds
        ``from lib.optim import make_opt`` at the top of its repository. A file named alone in a
        repository is named from the repository, as ``check .`` names it (what it finds where it
        runs from is ``beside``'s), unless a folder on the way has a dot in its name: its own
        folders as bases made a pre-commit run naming ``examples/demo/train.py`` and ``train.py``
        give the second the first's neighbours."""
        if self._bases is None:
            found: List[str] = []
            repositories: List[str] = []
            for root in self.roots:
                directory = root if os.path.isdir(root) else os.path.dirname(root)
                top = _above_packages(directory)
                repository = _repository(directory)
                below = os.path.relpath(directory, repository).split(os.sep) if repository is not None else []
                if repository is None or os.path.isdir(root) or any("." in part for part in below if part != "."):
                    for base in (top, directory, os.path.join(directory, "src")):
                        if os.path.isdir(base) and base not in found:
                            found.append(base)
                if repository is not None and repository not in repositories:
                    repositories.append(repository)
            for repository in repositories:
                # a repository that is a package itself is named from its parent, as by check .
                for base in (_above_packages(repository), repository, os.path.join(repository, "src")):
                    if os.path.isdir(base) and base not in found:
                        found.append(base)
            self._bases = found
        return self._bases

    def module_name(self, path: str) -> Optional[str]:
        """The dotted name of the module at ``path`` (None: outside every base). It, or a folder
        above it, may be no identifier (``examples/my-demo/train-big.py``,
        ``deepctr-master/deepctr/x.py``): no import can spell such a name, but its relative
        imports and what it finds where it runs from (``beside``) are named from it. A name with
        a dot in it cannot be."""
        path = os.path.abspath(path)
        for base in self.bases():
            relative = os.path.relpath(path, base)
            if relative.startswith(os.pardir) or not relative.endswith(".py"):
                continue
            parts = relative[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts and all(p and "." not in p for p in parts):
                return ".".join(parts)
        return None

    def package_of(self, path: str) -> Optional[str]:
        """The package the module at ``path`` imports relatively from (None: outside every base)."""
        module = self.module_name(path)
        return None if module is None else _package(module, path)

    def beside(self, path: str) -> Optional[Callable[[str], Optional[str]]]:
        """Where an absolute import of a top-level name in the module at ``path`` is found first,
        when that is not a base: the folder it runs from, which Python puts on ``sys.path`` (a
        script's own folder, one without ``__init__.py``; or the folder that holds its top
        package). ``from model import build`` in ``examples/demo/train.py`` is
        ``examples.demo.model``; ``from object_detection.core import box_list`` in
        ``research/object_detection/builders/x.py`` is ``research.object_detection.core``. A
        module another file reads is read as it runs from its own folder too:
        ``examples/demo/model.py``'s ``from blocks import dense`` is ``examples/demo/blocks.py``
        for the scripts beside it, which is how it is written to run. A framework the catalog
        names (``examples/torch/``) is never looked for there. The folders' listings are noted
        (``folder_modules``), so the cache sees a module or an ``__init__.py`` added or removed."""
        dotted = self.module_name(path)
        if dotted is None:
            return None
        folder = os.path.dirname(os.path.abspath(path))
        names = dotted.split(".") if path.endswith("__init__.py") else dotted.split(".")[:-1]
        while names and "__init__" in self.folder_modules(folder):  # up the chain of packages
            folder, names = os.path.dirname(folder), names[:-1]
        if not names:
            return None  # a base: the imports are found there already
        prefix = ".".join(names)

        def module_there(top: str) -> Optional[str]:
            if top in _framework_roots() or top not in self.folder_modules(folder):
                return None
            return f"{prefix}.{top}"

        return module_there

    def folder_modules(self, folder: str) -> FrozenSet[str]:
        """The modules and packages a folder holds: its ``.py`` files and its folders with an
        ``__init__.py`` (and ``__init__`` when it is a package itself; a namespace package, a
        folder without one, is not looked for there), read once."""
        return self._folder(folder)[0]

    def folder_digest(self, folder: str) -> str:
        """``folder_modules`` as a digest: what the cache compares."""
        return self._folder(folder)[1]

    def _folder(self, folder: str) -> Tuple[FrozenSet[str], str]:
        if folder not in self._folders:
            names = set()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.name.endswith(".py") and entry.is_file():
                            names.add(entry.name[:-3])
                        elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                            names.add(entry.name)
            except OSError:
                pass
            found = frozenset(names)
            self._folders[folder] = (found, digest("\0".join(sorted(found)).encode("utf-8", "surrogatepass")))
        return self._folders[folder]

    def _locate(self, dotted: str) -> Optional[str]:
        if dotted not in self._located:
            self._located[dotted] = None
            parts = dotted.split(".")
            for base in self.bases():
                stem = os.path.join(base, *parts)
                # a package before a module of the same name, as Python's path finder looks
                found = next((c for c in (os.path.join(stem, "__init__.py"), stem + ".py") if os.path.isfile(c)), None)
                if found is not None:
                    self._located[dotted] = found
                    break
        return self._located[dotted]

    def modules(self) -> List[str]:
        """Every Python module under the bases, once (not in version-control, environment or build
        folders; at most ``_MAX_MODULES``): what a scan of the whole project reads. Found once per
        process and run; a file reached twice (a symbolic or hard link, a base inside another) is
        the same file by its device and inode, which one ``stat`` tells (``realpath`` took 11 ms
        of the 15 ms a walk over deeppavlov's 336 modules took)."""
        if self._all_modules is None:
            self._all_modules, self._stamps, self._twins, self._unlisted = [], [], [], []
            seen = set()
            for base in self.bases():
                for directory, files in _walk(base, self._unlisted):
                    for name in files:
                        if not name.endswith(".py"):
                            continue
                        path = os.path.join(directory, name)
                        try:
                            stat = os.stat(path)
                        except OSError:
                            continue  # a broken link: nothing to read
                        if (stat.st_dev, stat.st_ino) in seen:
                            self._twins.append(path)  # read once; but an import can name it here too
                            self._stamps.append(f"{path}\0twin\0{stat.st_dev}\0{stat.st_ino}")  # of what
                            continue
                        seen.add((stat.st_dev, stat.st_ino))
                        if len(self._all_modules) == _MAX_MODULES:
                            return self._all_modules
                        self._all_modules.append(path)
                        # the change time too: an edit that puts the modification time back cannot set it
                        self._stamps.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}"
                                            f"\0{stat.st_ino}")
        return self._all_modules

    def listing(self) -> str:
        """A digest of what ``modules`` finds, with each module's size, times and inode, the other
        names a module has (a link, and what it links to), and the folders it does not enter that
        an import could name (once per process and run): a module added, removed or edited changes
        it, and so does a link made or moved, or a ``build/`` or a linked folder appearing."""
        if self._listing is None:
            self.modules()
            stamps = self._stamps + [f"{path}\0unlisted" for path in self._unlisted_named()]
            self._listing = digest("\n".join(stamps).encode("utf-8", "surrogatepass"))
        return self._listing

    def _unlisted_named(self) -> List[str]:
        """The folders ``modules`` did not enter whose names an import can spell (not a hidden one,
        not ``__pycache__``, which a run of the project's code leaves anywhere)."""
        return [path for path in self._unlisted
                if os.path.basename(path).isidentifier() and os.path.basename(path) != "__pycache__"]

    def note_every_module(self) -> None:
        """Notes that an answer depends on the project's modules as a whole: a scan of every one
        (``modules``) for code that builds an optimizer by name or reads a config's coefficient.
        The recording index's cache then rechecks the answer when a module is added, removed or
        edited; this index notes nothing."""

    def module(self, dotted: str, optimizers: bool = False) -> Optional[Module]:
        """The parsed module; ``optimizers``: only if its text can name an optimizer (what a
        wrapper, subclass, re-export or registry needs), which spares parsing most modules."""
        if dotted not in self._modules:
            path = self._locate(dotted)
            if path is None:
                self._modules[dotted] = None
                return None
            if optimizers and not self._names_optimizers(path):
                return None
            self._modules[dotted] = None  # an import cycle stops here
            parsed = self._modules[dotted] = _parse(dotted, path, self.beside(path))
            if parsed is not None:  # its own star imports of the project are followed too
                parsed.resolver.star_meaning = self.star_meaning
        return self._modules[dotted]

    def parsed(self, path: str) -> Optional[Module]:
        """The module at ``path`` (under its dotted name when it has one: parsed once)."""
        dotted = self.module_name(path)
        if dotted is not None and self._locate(dotted) == path:
            return self.module(dotted)
        return _parse(os.path.splitext(os.path.basename(path))[0], path, None)

    def project_object(self, qualname: str) -> bool:
        """Whether a qualified name is an object defined in one of the project's own modules (not a
        module itself: ``pkg.nets.model``, not ``torch`` in torch's tree). Located, not parsed."""
        parts = qualname.split(".")
        return self._locate(qualname) is None and any(
            self._locate(".".join(parts[:cut])) is not None for cut in range(len(parts) - 1, 0, -1))

    def optimizer_module(self, dotted: str, unless: Container[str] = ()) -> Optional[str]:
        """The absolute path of the project module ``dotted`` when it is not one of ``unless`` and
        its text can name an optimizer (what the engine follows an import into), else None."""
        path = self._locate(dotted)
        if path is None or os.path.abspath(path) in unless:
            return None
        return path if self._names_optimizers(path) else None

    def _names_optimizers(self, path: str) -> bool:
        if path not in self._relevant:
            from .prefilter import builds_by_name, may_contain_findings

            try:
                raw = read_bytes(path)
                self._relevant[path] = may_contain_findings(raw) or builds_by_name(raw)
            except SourceError:
                self._relevant[path] = False
        return self._relevant[path]

    def _split(self, qualname: str, optimizers: bool) -> Optional[Tuple[Module, str]]:
        """The project module that defines ``qualname`` and the name inside it."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            dotted = ".".join(parts[:cut])
            module = self.module(dotted, optimizers)
            if module is not None:
                return (module, parts[cut]) if cut == len(parts) - 1 else None
            if self._locate(dotted) is not None:
                return None  # found, but it names no optimizer
        return None

    def _binding(self, qualname: str, optimizers: bool = True):
        found = self.module_bindings(qualname, optimizers)
        if found is None or len(found[2]) != 1:
            return None  # rebound, or not defined at module level: unknown
        return found[0], found[2][0]

    def module_bindings(self, qualname: str, optimizers: bool = True) -> Optional[Tuple[Module, str, List[Binding]]]:
        """The project module that defines ``qualname`` at its top level, the name there, and
        every binding of it there (a registry rebound with its keys folded, say)."""
        split = self._split(qualname, optimizers)
        if split is None:
            return None
        module, name = split
        found = module.resolver.module.bindings.get(name)
        return (module, name, list(found)) if found else None

    def shared(self, key: Hashable, compute: Callable[..., _Answer], *args: object) -> _Answer:
        """``compute(*args)``, once per process and run: a checker's answer about nodes of the
        project's modules that every file checked would compute alike (``key`` says what it
        depends on), like the step of a walk through a builder many files reach."""
        if key not in self._shared:
            self._shared[key] = compute(*args)
        return self._shared[key]  # type: ignore[return-value]

    # answers ---------------------------------------------------------------------------------
    def literal(self, qualname: str, depth: int = 0) -> object:
        """A module-level constant assigned exactly once, or ``scope``'s unknown marker."""
        found = self._binding(qualname, optimizers=False) if depth < _DEPTH else None
        if found is None:
            return _unknown()
        module, binding = found
        if binding.qualname is not None:
            return self.literal(binding.qualname, depth + 1)
        if binding.value is None:
            return _unknown()
        return module.resolver.literal(binding.value, module.resolver.module)

    def table(self, qualname: str) -> Optional[Tuple[Module, ast.expr, Scope]]:
        """A registry: the dict literal ``qualname`` names, with its module."""
        found = self._binding(qualname)
        if found is None or found[1].value is None:
            return None
        return found[0], found[1].value, found[0].resolver.module

    def star_meaning(self, dotted: str, name: str) -> object:
        """What ``from <dotted> import *`` makes ``name`` when ``dotted`` is a module of the
        project: what ``from <dotted> import <name>`` would (``dotted.name``) when the module binds
        it (not only under ``if TYPE_CHECKING:``), else what its own star imports make it (the last
        that gives it, as in ``Resolver``); None when it does not export the name, or is not the
        project's (taken not to bind an optimizer's name); unknown when that cannot be told: a
        module that cannot be read, an ``__all__`` on the way that is not one literal."""
        return self.shared(("star meaning", dotted, name), self._star_search, dotted, name)

    def _star_search(self, dotted: str, name: str) -> object:
        """``star_meaning``: depth first, each module once (a cycle, or another path to a module
        already searched, adds nothing), with a stack: a chain of star imports may be long."""
        seen: Set[str] = set()

        def opened(module_name: str) -> Tuple[object, Optional[Tuple[object, Iterator[str]]]]:
            """The module's own answer, or what is left to search in it: its ``__all__``'s
            answer and its star imports, the last first."""
            seen.add(module_name)
            module = self.module(module_name)
            if module is None:
                return (None if self._locate(module_name) is None else _unknown()), None
            exported = self._exported(module_name, module)
            if isinstance(exported, frozenset) and name not in exported or exported is None and name.startswith("_"):
                return None, None
            top = module.resolver.module
            bound = [b for b in top.bindings.get(name, ()) if not module.resolver.for_type_checkers(b.pos)]
            if bound:
                # a module it imports is that module (``import tensorflow as tf``: ``tf`` is
                # tensorflow where the star import brings it); anything else, a ``from`` import
                # included, is the module's own, so a re-export is followed as one (and named)
                imported = bound[0].qualname if len(bound) == 1 and not bound[0].from_import else None
                return (_unknown() if is_unknown(exported) else imported or f"{module_name}.{name}"), None
            return None, (exported, reversed(top.star_imports))

        found, frame = opened(dotted)
        frames = [] if frame is None else [frame]
        while frames and found is None:
            star = next(frames[-1][1], None)
            if star is None:
                frames.pop()  # it brings nothing: back to the module that star-imports it
            elif f"{star}.{name}" in catalog.STAR_IMPORTED:
                found = f"{star}.{name}"
            elif star not in seen:
                found, frame = opened(star)
                if frame is not None:
                    frames.append(frame)
        if found is not None and any(is_unknown(exported) for exported, _ in frames):
            return _unknown()  # a module on the way exports what its ``__all__`` does not say
        return found

    def _exported(self, dotted: str, module: Module) -> object:
        """The names a star import of the module brings, when its ``__all__`` says: a frozenset
        (one literal list or tuple of strings, never added to); None: it has none (its public
        names); unknown: one that is computed, rebound or extended (``__all__ += …``, the module's
        ``__all__.append(…)`` anywhere in it, an ``@export`` decorator's). One in an ``if
        TYPE_CHECKING:`` body does not run."""
        if dotted not in self._all_names:
            resolver = module.resolver
            found = [b for b in resolver.module.bindings.get("__all__", ()) if not resolver.for_type_checkers(b.pos)]
            listed = found[0].value if len(found) == 1 else None
            extended = any(_changes_all(call, scope, resolver.module) for call, scope in resolver.calls)
            if not found:
                self._all_names[dotted] = None
            elif isinstance(listed, (ast.List, ast.Tuple)) and not extended and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in listed.elts):
                self._all_names[dotted] = frozenset(e.value for e in listed.elts)  # type: ignore[attr-defined]
            else:
                self._all_names[dotted] = _unknown()
        return self._all_names[dotted]

    def definition(self, qualname: str, trains: bool = False, built: bool = False,
                   depth: int = 0) -> Optional[Tuple[Module, ast.AST]]:
        """The ``def`` or ``class`` statement a project name refers to, with its module: one
        whose text names a regularizer or an L2 term (a model builder), with ``trains`` one
        that names an optimizer (a base class whose methods train), with ``built`` any (what a
        model followed back to its layers is built by: the layers may be in a third module; and
        the value of a module-level name assigned once, ``model = keras.Sequential([...])``).
        A re-export (``from .ae import AEDCNNNetwork`` in a package's ``__init__``) is followed."""
        split = self._split(qualname, optimizers=trains) if depth < _DEPTH else None
        if split is None:
            return None
        module, name = split
        found = module.resolver.module.bindings.get(name)
        if not found or len(found) != 1:
            return None
        if found[0].qualname is not None:
            return self.definition(found[0].qualname, trains, built, depth + 1)
        if not (trains or built or self._mentions_any(module.path, _PENALTY_WORDS)):
            return None
        node = found[0].node if found[0].node is not None or not built else found[0].value
        return (module, node) if node is not None else None

    def own_optimizer(self, qualname: str) -> Optional[OptimizerApi]:
        """The catalog row of a project class that is an optimizer with its own step, read as
        coupled (``own_optimizers``); None for anything else. Once per run."""
        return self.shared(("own optimizer", qualname), self._own_optimizer, qualname)

    def _own_optimizer(self, qualname: str) -> Optional[OptimizerApi]:
        if not self._may_define_step(qualname):
            return None  # most calls that pass a decay call a builder: its module is not parsed for it
        found = self.definition(qualname, built=True)
        if found is None or not isinstance(found[1], ast.ClassDef):
            return None
        module, cls = found
        return class_row(module.resolver, cls, module.resolver.module, qualname, f"{shown_path(module.path)}:")

    def _may_define_step(self, qualname: str, depth: int = 0) -> bool:
        """Whether the project module that defines the class ``qualname`` may give it an
        optimizer's ``step()``: its bytes hold ``def step(``, a decay and ``.grad``. A package's
        ``__init__`` that names the class is read for where it brings it from; no other module is
        parsed for the question."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self._locate(".".join(parts[:cut]))
            if path is None:
                continue
            if all(self._mentions_any(path, (word,)) for word in _OWN_STEP_WORDS):
                return True
            if cut != len(parts) - 1 or os.path.basename(path) != "__init__.py" or depth >= _DEPTH \
                    or not self._mentions_any(path, (parts[cut].encode(),)):
                return False
            found = self.module_bindings(qualname, optimizers=False)  # a re-export: from where?
            bindings = found[2] if found is not None else []
            return len(bindings) == 1 and bindings[0].qualname is not None \
                and self._may_define_step(bindings[0].qualname, depth + 1)
        return False

    def mentions(self, qualname: str, words: Tuple[bytes, ...]) -> bool:
        """Whether the project module that would define ``qualname`` (found as ``reach`` finds
        it, without parsing it) holds one of ``words``."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self._locate(".".join(parts[:cut]))
            if path is not None:
                return self._mentions_any(path, words)
        return False

    def may_define_method(self, qualname: str, name: str) -> bool:
        """Whether the project module that would define the class ``qualname`` (found as ``reach``
        finds it, without parsing it) may give it a method ``name``: not where its bytes define
        the class and no ``def name(`` at all, nor where no module of the project would define it.
        A module that only re-exports the class may."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self._locate(".".join(parts[:cut]))
            if path is not None:
                if path not in self._defined:
                    try:
                        raw = read_bytes(path)
                    except SourceError:
                        raw = b""
                    self._defined[path] = (frozenset(re.findall(rb"\bclass\s+(\w+)", raw)),
                                           frozenset(re.findall(rb"\bdef\s+(\w+)\s*\(", raw)))
                classes, defs = self._defined[path]
                return parts[-1].encode() not in classes or name.encode() in defs
        return False  # not the project's: a library's class (``nn.Module``)

    def _mentions_any(self, path: str, words: Tuple[bytes, ...]) -> bool:
        """Whether the file's bytes hold one of ``words`` (read once per path and set of words)."""
        key = (path, words)
        if key not in self._mentions:
            try:
                raw = read_bytes(path)
                self._mentions[key] = any(word in raw for word in words)
            except SourceError:
                self._mentions[key] = False
        return self._mentions[key]

    def reach_may_hold(self, path: str, words: FrozenSet[bytes], enough: Callable[[AbstractSet[bytes]], bool],
                       own: Optional[FrozenSet[bytes]] = None) -> bool:
        """Whether the code the module at ``path`` can reach by name may hold, together, enough
        of ``words`` (``enough`` says, of those it holds): the module's words, and those of every
        listed module an import can name with one of them (a file's stem, a package's folder),
        of theirs, and so on, with the packages above each (``from .. import f``). A library name
        is written, part by part, in the imports and attributes that reach it, so code that
        cannot reach such words cannot name it. ``own``: the module's words as checked (a buffer
        through stdin may not be what is on disk).

        True (it may) whenever that cannot be known: the module is not listed (a hidden or
        skipped folder), the listing is cut at ``_MAX_MODULES``, or holds a module whose name has
        no ASCII word (``模型.py``: then for every module), or the reach holds a module that
        cannot be read, or holds ``getattr`` (its string can spell a name in pieces, ``"l2_"
        "loss"``), or a word that names a folder the listing does not enter (``build``, a linked
        folder), through which an import could reach modules it does not list. Found once per
        process and run."""
        path = os.path.abspath(path)
        if self._named_modules() is None or path not in self._listed:
            return True
        vocabulary = self._vocabulary(words)
        if own is not None:
            own = own & vocabulary
            if own == self._module_words(path, vocabulary):
                own = None  # the file as it is on disk: its answer is the one other modules' reach shares
        key = (path, words, enough, own)  # a frozenset keeps its hash: asked again, a look-up
        if key not in self._holds:
            self._holds[key] = self._reach_may_hold(path, words, enough, own, vocabulary)
        return self._holds[key]

    def _reach_may_hold(self, path: str, words: FrozenSet[bytes], enough: Callable[[AbstractSet[bytes]], bool],
                        own: Optional[FrozenSet[bytes]], vocabulary: FrozenSet[bytes]) -> bool:
        """Breadth first, each module judged as it is met (the nearest modules that hold the
        words end most answers). A module already answered adds what its reach held: a yes ends
        this one, a no adds its words. A module whose reach cannot be known makes every module on
        the way to it a yes too (their reach holds it)."""
        held: Set[bytes] = set()
        seen, expanded, pending = {path}, [], [path]
        came_from: Dict[str, str] = {}
        while pending:
            met = []
            for current in pending:
                buffer = own is not None and current == path
                if not buffer:
                    known = self._holds.get((current, words, enough, None))
                    if known is not None:
                        if known:
                            return True
                        held |= self._unions[(current, words)]  # its whole reach: not walked again
                        if enough(held):
                            return True
                        continue
                found = own if buffer else self._module_words(current, vocabulary)
                following = self._following(current, found, keep=not buffer) if found is not None else None
                if following is None:
                    self._known_from(current, came_from, path if own is not None else None, words, enough)
                    return True
                before = len(held)
                held |= found & words  # type: ignore[operator]  (not None: it has a following)
                if len(held) > before and enough(held):
                    return True
                expanded.append(current)
                for other in following:
                    if other not in seen:
                        seen.add(other)
                        came_from[other] = current
                        met.append(other)
            pending = met
        if own is None:  # what it reaches reaches no more: none of them may, with no more words
            union = frozenset(held)
            for module in expanded:
                self._holds[(module, words, enough, None)] = False
                self._unions[(module, words)] = union
        return False

    def _known_from(self, unknown: str, came_from: Dict[str, str], buffer: Optional[str],
                    words: FrozenSet[bytes], enough: Callable[[AbstractSet[bytes]], bool]) -> None:
        """A yes for ``unknown`` and every module on the way to it (but a buffer's, not on disk)."""
        module: Optional[str] = unknown
        while module is not None:
            if module != buffer:
                self._holds[(module, words, enough, None)] = True
            module = came_from.get(module)

    def _named_modules(self) -> Optional[Dict[bytes, List[str]]]:
        """The listed modules by each word of the name an import gives them (None: the listing is
        cut, or a name has no ASCII word: ``模型.py``); found once per process and run."""
        if not self._named_found:
            self._named_found = True
            modules = self.modules()
            if len(modules) >= _MAX_MODULES:
                return None
            named: Dict[bytes, List[str]] = {}
            for module in modules + self._twins:
                folder, name = os.path.split(module)
                stem = os.path.basename(folder) if name == "__init__.py" else name[:-3]
                # as the words of a text that names it (``modèle``: mod, le)
                pieces = (stem.encode(),) if stem.isidentifier() and stem.isascii() else text_words(stem)
                if not pieces:
                    return None
                for piece in pieces:
                    named.setdefault(piece, []).append(module)
            self._named, self._names = named, frozenset(named)
            self._listed = frozenset(modules + self._twins)
            self._unlisted_words = frozenset().union(*(text_words(os.path.basename(p)) for p in self._unlisted_named()))
        return self._named

    def _following(self, path: str, found: FrozenSet[bytes], keep: bool) -> Optional[Tuple[str, ...]]:
        """The listed modules the module at ``path`` with the words ``found`` can name, and the
        packages above it; None: what it reaches cannot be known (it holds ``getattr``, or a word
        that names a folder the listing does not enter). ``keep``: its words are those on disk,
        and its step is kept (every answer that meets the module takes the same)."""
        if keep and path in self._steps_from:
            return self._steps_from[path]
        following: Optional[Tuple[str, ...]] = None
        if _SPELLS_IN_PIECES not in found and self._unlisted_words.isdisjoint(found):
            named = self._named or {}
            following = (*(other for word in found & self._names for other in named[word]),  # most words name none
                         *self._packages_above(os.path.dirname(path)))
        if keep:
            self._steps_from[path] = following
        return following

    def _vocabulary(self, words: FrozenSet[bytes]) -> FrozenSet[bytes]:
        """The words ``reach_may_hold`` looks for: ``words``, the listed modules' names, ``getattr``
        and the names of the folders the listing does not enter (the rest of a text is not kept)."""
        if words not in self._vocabularies:
            self._vocabularies[words] = words | self._names | self._unlisted_words | {_SPELLS_IN_PIECES}
        return self._vocabularies[words]

    def _module_words(self, path: str, vocabulary: FrozenSet[bytes]) -> Optional[FrozenSet[bytes]]:
        key = (path, vocabulary)
        if key not in self._words:
            try:
                self._words[key] = module_words(path, read_bytes(path), vocabulary)
            except SourceError:
                self._words[key] = None
        return self._words[key]

    def _packages_above(self, folder: str) -> Tuple[str, ...]:
        """The listed ``__init__.py`` of ``folder`` and of each folder above it, innermost first:
        through a folder without one too (a namespace package inside a package)."""
        climbed = []  # a stack, not a recursion: a tree may be deeper than the recursion limit
        while folder not in self._inits:
            climbed.append(folder)
            if os.path.dirname(folder) == folder:
                break  # the root
            folder = os.path.dirname(folder)
        for folder in reversed(climbed):
            init = os.path.join(folder, "__init__.py")
            above = self._inits[os.path.dirname(folder)] if os.path.dirname(folder) != folder else ()
            self._inits[folder] = (init, *above) if init in self._listed else above
        return self._inits[folder]

    def named_reach(self, qualname: str) -> List[Reach]:
        """What a project function builds by the name a parameter gives (``summaries.named_reach``);
        only a module whose text calls a getter is parsed for it."""
        parts = qualname.rsplit(".", 1)
        path = self._locate(parts[0]) if len(parts) == 2 else None
        if path is None or not self._mentions_any(path, _GETTER_WORDS):
            return []
        found = self._binding(qualname, optimizers=False)
        if found is None or found[1].node is None:
            return []
        return named_reach(found[0], found[1].node)

    def reach(self, qualname: str, depth: int = 0) -> Optional[Reach]:
        """The catalog optimizer a project class or function ``qualname`` constructs."""
        found = self._binding(qualname) if depth < _DEPTH else None
        if found is None:
            return None
        module, binding = found
        resolver = module.resolver
        if binding.qualname is not None or binding.value is not None:  # a re-export or an alias
            name = binding.qualname or resolver.qualname(binding.value, resolver.module)  # type: ignore[arg-type]
            if name in catalog.OPTIMIZERS_BY_NAME:
                return Reach(name, module, None, None, binding.pos[0])  # type: ignore[arg-type]
            return self.reach(name, depth + 1) if name else None
        return callable_reach(module, binding.node, self.reach, depth)


def alone_may_hold(own: FrozenSet[bytes], words: FrozenSet[bytes], enough: Callable[[AbstractSet[bytes]], bool]) -> bool:
    """``reach_may_hold`` for a module whose code reaches no other (the project not followed):
    its own words, and the same unknown."""
    return _SPELLS_IN_PIECES in own or enough(own & words)


@functools.lru_cache(maxsize=1)
def _framework_roots() -> FrozenSet[str]:
    """The top-level names of the APIs the catalog lists (``torch``, ``tensorflow``, …)."""
    return frozenset(name.split(".", 1)[0] for row in catalog.all_rows() for name in getattr(row, "names", ()))


def _walk(base: str, unlisted: Optional[List[str]] = None) -> Iterator[Tuple[str, List[str]]]:
    """Each folder under ``base`` with its sorted file names, in ``os.walk``'s top-down order with
    sorted folders, not into folders linked to or skipped (``_SKIPPED_DIRS``, hidden ones), which
    are added to ``unlisted``. A stack, not ``os.walk``: that recurses, and a tree deeper than
    the recursion limit is walked too."""
    stack = [base]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listed:
                entries = list(listed)
        except OSError:
            continue
        files, folders = [], []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry.name)
            elif entry.name not in _SKIPPED_DIRS and not entry.name.startswith(".") and not entry.is_symlink():
                folders.append(entry.name)
            elif unlisted is not None:
                unlisted.append(entry.path)
        yield directory, sorted(files)
        stack.extend(os.path.join(directory, name) for name in sorted(folders, reverse=True))


def _changes_all(call: ast.Call, scope: Scope, module: Scope) -> bool:
    """Whether ``call`` changes what the module's ``__all__`` holds (``__all__.append(…)``, in
    any function: the list is the module's where no binding of the function's or a class's hides it)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _LIST_CHANGES
            and isinstance(func.value, ast.Name) and func.value.id == "__all__"):
        return False
    bindings = scope.lookup("__all__", (call.lineno, call.col_offset))
    return bool(bindings) and all(b.scope is module for b in bindings)  # type: ignore[union-attr]


def _above_packages(directory: str) -> str:
    """The folder that holds ``directory``'s top package (``directory`` itself when it is none)."""
    while os.path.isfile(os.path.join(directory, "__init__.py")) and os.path.dirname(directory) != directory:
        directory = os.path.dirname(directory)
    return directory


def _package(module: str, path: str) -> str:
    """The package a module's relative imports start from: itself for a package's __init__.py."""
    return module if path.endswith("__init__.py") else module.rpartition(".")[0]


def _repository(directory: str) -> Optional[str]:
    """The closest directory at or above ``directory`` that holds ``.git`` (a folder, or a file in
    a worktree or submodule)."""
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _parse(dotted: str, path: str, beside: Optional[Callable[[str], Optional[str]]]) -> Optional[Module]:
    try:
        decoded = decode(path, read_bytes(path))
        tree = ast.parse(decoded.text, filename=path)
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the file itself is reported when it is checked; here it is simply unknown
    resolver = Resolver(catalog.STAR_IMPORTED, package=_package(dotted, path), beside=beside)
    try:
        resolver.visit(tree)
    except RecursionError:
        return None
    return Module(dotted, path, resolver, physical_lines(decoded.text))


def _unknown() -> object:
    from .scope import _UNKNOWN

    return _UNKNOWN


__all__ = ("ProjectIndex", "Reach", "Module", "alone_may_hold", "is_unknown")

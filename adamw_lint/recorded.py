"""A project index that notes which project modules a file's analysis looked for, so that the
results cache (``cache.py``) knows when another file's edit changes this file's result. Apart
from the cache: importing the project index costs what a run that finds no candidate never pays."""

from __future__ import annotations

from typing import AbstractSet, Callable, Dict, FrozenSet, Hashable, Optional, Sequence, TypeVar

from .cache import LISTING, Deps
from .project_index import ProjectIndex

_Answer = TypeVar("_Answer")


class RecordingIndex(ProjectIndex):
    """``ProjectIndex``, and ``located``: the modules looked for since it was last reset."""

    def __init__(self, roots: Sequence[str]) -> None:
        super().__init__(roots)
        self.located: Deps = {}
        self._looked_for: Dict[Hashable, Deps] = {}  # a shared answer's key → what computing it looked for

    def _locate(self, dotted: str) -> Optional[str]:
        path = super()._locate(dotted)
        self.located[dotted] = path
        return path

    def note_every_module(self) -> None:
        self.located[LISTING] = self.listing()

    def folder_modules(self, folder: str):  # type: ignore[override]
        found, digest = self._folder(folder)
        self.located[LISTING + folder] = digest
        return found

    def module(self, dotted: str, optimizers: bool = False):  # type: ignore[override]
        self._locate(dotted)  # remembered per process: a later file reads it without locating it
        # what parsing it looked for (where its imports are found first, ``ProjectIndex.beside``)
        # decides its names: noted again for every file that reads it, as a shared answer's
        key = ("module", dotted)
        parsed = self._noting(key, super().module, (dotted, optimizers)) if dotted not in self._modules \
            else super().module(dotted, optimizers)
        self.located.update(self._looked_for.get(key, ()))
        return parsed

    def reach_may_hold(self, path: str, words: FrozenSet[bytes], enough: Callable[[AbstractSet[bytes]], bool],
                       own: Optional[FrozenSet[bytes]] = None) -> bool:
        """``ProjectIndex.reach_may_hold``; a no, which spares a walk, depends on every module."""
        may = super().reach_may_hold(path, words, enough, own)
        if not may:
            self.note_every_module()
        return may

    def shared(self, key: Hashable, compute: Callable[..., _Answer], *args: object) -> _Answer:  # type: ignore[override]
        """``ProjectIndex.shared``, and the modules computing it looked for, noted again for every
        file that asks: its result depends on them as much as the first asker's did."""
        # an answer already there is taken at once: the walks ask for one at every step of every file
        answer = self._shared[key] if key in self._shared else super().shared(key, self._noting, key, compute, args)
        looked = self._looked_for.get(key)
        if looked:
            self.located.update(looked)
        return answer

    def _noting(self, key: Hashable, compute: Callable[..., _Answer], args: tuple) -> _Answer:
        outer, self.located = self.located, {}
        try:
            answer = compute(*args)
        finally:
            looked, self.located = self.located, outer
        if looked:  # most answers look for nothing: kept apart, so as not to hold a pair each until exit
            self._looked_for[key] = looked
        return answer

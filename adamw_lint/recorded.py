"""A project index that notes which project modules a file's analysis looked for, so that the
results cache (``cache.py``) knows when another file's edit changes this file's result. Apart
from the cache: importing the project index costs what a run that finds no candidate never pays."""

from __future__ import annotations

from typing import Callable, Hashable, Optional, Sequence, Tuple, TypeVar

from .cache import Deps
from .project_index import ProjectIndex

_Answer = TypeVar("_Answer")


class RecordingIndex(ProjectIndex):
    """``ProjectIndex``, and ``located``: the modules looked for since it was last reset."""

    def __init__(self, roots: Sequence[str]) -> None:
        super().__init__(roots)
        self.located: Deps = {}

    def _locate(self, dotted: str) -> Optional[str]:
        path = super()._locate(dotted)
        self.located[dotted] = path
        return path

    def module(self, dotted: str, optimizers: bool = False):  # type: ignore[override]
        self._locate(dotted)  # remembered per process: a later file reads it without locating it
        return super().module(dotted, optimizers)

    def shared(self, key: Hashable, compute: Callable[..., _Answer], *args: object) -> _Answer:  # type: ignore[override]
        """``ProjectIndex.shared``, and the modules computing it looked for, noted again for every
        file that asks: its result depends on them as much as the first asker's did."""
        answer, looked = super().shared(key, self._noting, compute, args)
        if looked:
            self.located.update(looked)
        return answer

    def _noting(self, compute: Callable[..., _Answer], args: tuple) -> Tuple[_Answer, Deps]:
        outer, self.located = self.located, {}
        try:
            answer = compute(*args)
        finally:
            looked, self.located = self.located, outer
        return answer, looked

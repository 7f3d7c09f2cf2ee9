"""What the engine reports: findings, and the fix plans they carry as edits at exact spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

Span = Tuple[int, int, int, int]  # line, col, end line, end col (1-based lines, 0-based chars)


@dataclass(frozen=True)
class Edit:
    """One change at one node, identified by its span in the original source.

    ``replace``: the node becomes ``text``. ``add-keyword``: the call at ``span`` gets
    ``name=text``. ``drop-keyword``: the call at ``span`` loses keyword ``name``.
    ``drop-key``: the dict at ``span`` loses the string key ``name``.
    """

    kind: str
    span: Span
    text: str = ""
    name: str = ""


@dataclass(frozen=True)
class Fix:
    description: str
    edits: Tuple[Edit, ...]
    add_imports: Tuple[Tuple[str, Optional[str]], ...] = ()  # (module, name) or (module, None)
    remove_imports: Tuple[Tuple[str, Optional[str], Optional[str]], ...] = ()  # module, name, asname
    applicability: str = "unsafe"  # every fix changes training numerics (see each rule's docs)


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: Span
    fix: Optional[Fix] = None
    fix_blocked: str = ""  # why a fixable kind of finding has no fix here
    cell: Optional[int] = None  # notebooks: the 1-based cell; span is then inside the cell

    @property
    def line(self) -> int:
        return self.span[0]

    @property
    def col(self) -> int:
        return self.span[1]

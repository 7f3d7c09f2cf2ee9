"""What the engine reports: findings, and the fix plans they carry as edits at exact spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence, Tuple

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
    # Other places the message names (a regularizer's line): 1-based lines of the analyzed text,
    # written into ``template`` as place(i) marks, so a notebook can say "cell 5, line 3" instead.
    related: Tuple[int, ...] = ()
    template: str = ""

    @classmethod
    def naming(cls, code: str, template: str, span: Span, related: Sequence[int]) -> "Finding":
        """A finding whose message names ``related`` lines where ``template`` has place(i)."""
        finding = cls(code, "", span, related=tuple(related), template=template)
        return finding.relocated(lambda line: f"line {line}")

    def relocated(self, where: Callable[[int], str]) -> "Finding":
        """The same finding with each related line written as ``where(line)``."""
        if not self.template:
            return self
        message = _PLACE.sub(lambda m: where(self.related[int(m.group(1))]), self.template)
        return replace(self, message=message)

    @property
    def line(self) -> int:
        return self.span[0]

    @property
    def col(self) -> int:
        return self.span[1]


_PLACE = re.compile("\x00(\\d+)\x00")


def place(index: int) -> str:
    """The mark for the ``index``-th related line in a template (NUL cannot occur in Python source)."""
    return f"\x00{index}\x00"

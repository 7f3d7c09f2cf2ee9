"""What the engine reports: findings, and the fix plans they carry as edits at exact spans.

Each is a named tuple (``records.Record``), not a frozen dataclass, for start-up: ``dataclasses``
imports ``inspect``, and a frozen dataclass compiles four or five methods when it is defined
(``catalog/schema.py``).
"""

from __future__ import annotations

import os
import re
from typing import Callable, Optional, Sequence, Tuple

from .catalog.schema import APPLICABILITIES, DISPLAY_ONLY, UNSAFE
from .records import Record

Span = Tuple[int, int, int, int]  # line, col, end line, end col (1-based lines, 0-based chars)


class Edit(Record):
    """One change at one node, identified by its span in the original source.

    ``replace``: the node becomes ``text``. ``add-keyword``: the call at ``span`` gets
    ``name=text``. ``drop-keyword``: the call at ``span`` loses keyword ``name``.
    ``drop-key``: the dict at ``span`` loses the string key ``name``.
    ``import-alias``: the ``from … import`` statement starting at ``span[:2]`` also imports
    ``name``. ``import-after``: the statement ``text`` is inserted after the import statement
    starting at ``span[:2]``, in the same block (a new import goes where the old one was).
    """

    kind: str
    span: Span
    text: str = ""
    name: str = ""


class Fix(Record):
    description: str
    edits: Tuple[Edit, ...]
    add_imports: Tuple[Tuple[str, Optional[str]], ...] = ()  # (module, name) or (module, None)
    remove_imports: Tuple[Tuple[str, Optional[str], Optional[str]], ...] = ()  # module, name, asname
    applicability: str = ""  # SAFE / UNSAFE / DISPLAY_ONLY; "" takes the rule's (Finding.with_fix)
    # where the rewritten call's weight decay is written: (param-group index, or -1 for the
    # call's own value; the span of the value, or of the call when the fix adds the keyword)
    decay_sites: Tuple[Tuple[int, Span], ...] = ()

    def applies_at(self, level: str) -> bool:
        """Whether this fix is applied when fixes up to ``level`` are wanted (SAFE: ``check --fix``;
        UNSAFE: ``--unsafe-fixes`` or ``fix``). A display-only fix never is."""
        mine = self.applicability or UNSAFE
        return mine != DISPLAY_ONLY and APPLICABILITIES.index(mine) <= APPLICABILITIES.index(level)


class Finding(Record):
    code: str
    message: str
    span: Span
    fix: Optional[Fix] = None  # attached by ``with_fix``, which settles its applicability
    fix_blocked: str = ""  # why a fixable kind of finding has no fix here
    cell: Optional[int] = None  # notebooks: the 1-based cell; span is then inside the cell
    # Other places the message names (a regularizer's line): 1-based lines of the analyzed text,
    # written into ``template`` as place(i) marks, so a notebook can say "cell 5, line 3" instead.
    related: Tuple[int, ...] = ()
    template: str = ""

    def with_fix(self, fix: Optional[Fix], blocked: str = "") -> "Finding":
        """The same finding carrying ``fix`` (None: ``blocked`` says why it has none). A fix whose
        planner left its applicability open gets the rule's (catalog/rules.py) here: a finding's
        fix is attached through this, and the finding's copies keep it."""
        if fix is not None and not fix.applicability:
            from .catalog.rules import RULES_BY_CODE

            rule = RULES_BY_CODE.get(self.code)
            fix = fix._replace(applicability=rule.fix_applicability if rule else UNSAFE)
        return self._replace(fix=fix, fix_blocked=blocked)

    @classmethod
    def naming(cls, code: str, template: str, span: Span, related: Sequence[int]) -> "Finding":
        """A finding whose message names ``related`` lines where ``template`` has place(i)."""
        finding = cls(code, "", span, related=tuple(related), template=template)
        return finding.relocated(lambda line: f"line {line}")

    def relocated(self, where: Callable[[int], str]) -> "Finding":
        """The same finding with each related line written as ``where(line)``."""
        if not self.template:
            return self
        message = re.sub(_PLACE, lambda m: where(self.related[int(m.group(1))]), self.template)
        return self._replace(message=message)

    @property
    def line(self) -> int:
        return self.span[0]

    @property
    def col(self) -> int:
        return self.span[1]


_PLACE = "\x00(\\d+)\x00"  # compiled on first use (re's cache): only a finding with related lines


def shown_path(path: str) -> str:
    """Another file's path as a message shows it (``via utils.py:5``): relative to the working
    directory when it is inside it, else as it is."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def place(index: int) -> str:
    """The mark for the ``index``-th related line in a template (NUL cannot occur in Python source)."""
    return f"\x00{index}\x00"

"""Which codes are reported: ``--select``/``--ignore`` by code or prefix, as flake8 and ruff do."""

from __future__ import annotations

from typing import Iterable, List, Tuple, TypeVar

from .catalog import RULES_BY_CODE
from .records import Record

T = TypeVar("T")


class Selection(Record):
    select: Tuple[str, ...] = ()  # empty: every rule that is on by default
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()  # turns on rules that are off by default

    def enabled(self, code: str) -> bool:
        """As flake8 decides with the plugin's default ignores: a rule that is off by default is
        turned on only by its full code (or by ``ALL``), not by a shorter prefix such as AWL1."""
        rule = RULES_BY_CODE.get(code)
        default_on = rule is None or rule.enabled_by_default

        def picks(prefixes: Tuple[str, ...]) -> bool:
            return any(code.startswith(p) and (default_on or p in (code, "AWL")) for p in prefixes)

        chosen = picks(self.select) if self.select else default_on
        chosen = chosen or picks(self.extend_select)
        return chosen and not (self.ignore and code.startswith(self.ignore))

    def filter(self, findings: Iterable[T]) -> List[T]:
        return [f for f in findings if self.enabled(f.code)]  # type: ignore[attr-defined]


def parse_codes(text: str) -> Tuple[str, ...]:
    """``"AWL101, AWL2"`` → ``("AWL101", "AWL2")``; raises ValueError on anything else."""
    codes = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    for code in codes:
        if not (code.startswith("AWL") and code[3:].isdigit() or code == "AWL" or code == "ALL"):
            raise ValueError(f"{code!r} is not a code or code prefix (like AWL101 or AWL1)")
        if code != "ALL" and not any(known.startswith(code) for known in RULES_BY_CODE):
            raise ValueError(f"{code!r} matches no rule (see 'adamw-lint rules')")
    return tuple("AWL" if c == "ALL" else c for c in codes)

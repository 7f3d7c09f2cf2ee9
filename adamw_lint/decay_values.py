"""λ′ from a runtime calibration, written into the calls a fix rewrites (``fix --weight-decay-from``).

The calibration file is what ``adamw_lint.calibrate`` writes (docs/runtime.md): a list of
``{"site": "path:line", "optimizer": name, "groups": [{"index", "weight_decay",
"suggested_weight_decay", "search": [low, high]}]}``. A site is the line of the construction call
(relative to the directory the training ran in; read here relative to the current directory).
It is matched to the finding whose call spans that line in that file, and each measured group to
where the fix's ``Fix.decay_sites`` say its decay is written: the group's own value, else the
call's. Nothing is guessed: a value is written only when one number is measured for it, the
source still holds the measured λ (when it is a literal), and no other call shares it; otherwise
λ is kept and ``plan`` says why.

``scale`` s ∈ [0, 1] picks a point of the search range on a log scale, low·(high/low)^s: 1 (the
default) is λ′ itself, the top of the range; 0 its bottom.
"""

from __future__ import annotations

import ast
import json
import math
import os
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from .files import SourceError, read_bytes
from .findings import Edit, Finding, Span
from .records import Record

_MAX_FILE_BYTES = 16 * 2**20  # a calibration lists a few optimizers: kilobytes


class GroupValue(Record):
    """One param group's measurement."""

    weight_decay: float
    suggested: Optional[float]
    search: Optional[Tuple[float, float]]


class Site(Record):
    path: str  # absolute
    line: int
    optimizer: str
    groups: Dict[int, GroupValue]


class DecayValues:
    """A loaded calibration: ``DecayValues.load(path, scale)``, then ``fix_source(..., decay_values=)``."""

    def __init__(self, sites: Sequence[Site], scale: float = 1.0) -> None:
        if not (isinstance(scale, (int, float)) and 0.0 <= scale <= 1.0):
            raise ValueError(f"--weight-decay-scale must be a number from 0 to 1, not {scale!r}")
        self.sites = list(sites)
        self.scale = float(scale)

    @classmethod
    def load(cls, path: str, scale: float = 1.0, base: Optional[str] = None) -> "DecayValues":
        """Read and check a calibration file. Raises ValueError naming the file when it cannot be
        read or is not a calibration. ``base``: the directory relative sites are read from (the
        current directory)."""
        try:
            data = json.loads(read_bytes(path, _MAX_FILE_BYTES))
        except SourceError as error:
            raise ValueError(f"{path}: cannot read the calibration ({error.reason})") from None
        except RecursionError:
            raise ValueError(f"{path}: not a calibration file (nested too deeply)") from None
        except MemoryError:
            raise ValueError(f"{path}: not a calibration file (out of memory reading it)") from None
        except ValueError as error:  # JSON syntax, UTF-8, an integer over Python's 4,300 digits
            raise ValueError(f"{path}: not a JSON calibration file ({error})") from None
        return cls(parse(data, path, base or os.getcwd()), scale)

    def value(self, group: GroupValue) -> Optional[float]:
        """The decoupled weight decay to write for ``group`` (None: not measured)."""
        if group.suggested is None:
            return None
        if self.scale == 1.0 or group.search is None:
            return group.suggested
        low, high = group.search
        if low <= 0 or high <= 0:
            return high
        # on a log scale: high / low itself may overflow; the result stays within [low, high]
        point = math.exp(math.log(low) + self.scale * (math.log(high) - math.log(low)))
        return min(max(float(f"{point:.4g}"), low), high)

    def plan(self, path: Optional[str], source: str, findings: Sequence[Finding]) -> Tuple[List[Finding], List[str]]:
        """``findings`` with λ′ written into their fixes where the calibration measured it, and
        notes on the calibrated calls whose λ is kept (why)."""
        if path is None:
            return list(findings), []
        here = _same(path)
        mine = [s for s in self.sites if s.path == here]
        lines = source.splitlines()
        notes: List[str] = []
        planned: Dict[Span, Tuple[Finding, Dict[Span, str]]] = {}
        for finding in findings:
            fix = finding.fix
            if fix is None or not fix.decay_sites:
                continue
            matched = [s for s in mine if finding.span[0] <= s.line <= finding.span[2]]
            if not matched:
                continue
            where = f"{os.path.relpath(path)}:{finding.line}"
            if len({tuple(sorted(s.groups.items())) for s in matched}) > 1:
                notes.append(f"{where}: several optimizers measured at this call differ; weight_decay kept")
                continue
            writes, why = self._writes(finding, matched[0], lines)
            notes += [f"{where}: {w}" for w in why]
            if writes:
                planned[finding.span] = (finding, writes)
        shared = [span for span, n in Counter(w for _, ws in planned.values() for w in ws).items() if n > 1]
        result = []
        for finding in findings:
            if finding.span not in planned:
                result.append(finding)
                continue
            writes = {s: t for s, t in planned[finding.span][1].items() if s not in shared}
            if len(writes) < len(planned[finding.span][1]):
                notes.append(f"{os.path.relpath(path)}:{finding.line}: a weight decay shared with another call is kept")
            if not writes:
                result.append(finding)
                continue
            assert finding.fix is not None
            edits = tuple(Edit("replace", span, text) for span, text in sorted(writes.items()))
            shown = ", ".join(f"{_text(lines, span)} → {text}" for span, text in sorted(writes.items()))
            description = f"{finding.fix.description}; weight_decay {shown} (runtime calibration)"
            fix = finding.fix._replace(edits=finding.fix.edits + edits, description=description)
            result.append(finding._replace(fix=fix))
        return result, notes

    def _writes(self, finding: Finding, site: Site, lines: Sequence[str]) -> Tuple[Dict[Span, str], List[str]]:
        """Each value span of the finding's fix → the λ′ text for it, and why some are not written."""
        assert finding.fix is not None
        own = {index: span for index, span in finding.fix.decay_sites}
        values: Dict[Span, List[Tuple[int, GroupValue]]] = {}
        why: List[str] = []
        for index, group in sorted(site.groups.items()):
            if group.weight_decay == 0:
                continue
            span = own.get(index, own.get(-1))
            if span is None or span == finding.span:
                why.append(f"group {index} uses the default weight decay; write its λ′ by hand")
                continue
            values.setdefault(span, []).append((index, group))
        writes: Dict[Span, str] = {}
        for span, groups in values.items():
            measured = {self.value(g) for _, g in groups}
            indices = ", ".join(str(i) for i, _ in groups)
            written = _literal(_text(lines, span))
            if None in measured:
                why.append(f"group(s) {indices} were not measured; weight_decay kept")
            elif len(measured) > 1:
                why.append(f"groups {indices} share one weight_decay but were measured at different values; kept")
            elif written is not None and any(not math.isclose(written, g.weight_decay) for _, g in groups):
                why.append(f"the source's weight_decay {written:g} is not the measured run's "
                           f"{groups[0][1].weight_decay:g} (calibrate again); kept")
            else:
                writes[span] = repr(measured.pop())
        return writes, why


def parse(data: object, origin: str, base: str) -> List[Site]:
    """The sites of a calibration's JSON ``data``; ValueError (naming ``origin``) when it is not one."""
    def bad(where: str, what: str) -> ValueError:
        return ValueError(f"{origin}: {where}: {what} (expected the runtime calibration format, docs/runtime.md)")

    if not isinstance(data, list):
        raise bad("top level", f"a list of optimizers, not {type(data).__name__}")
    sites = []
    for i, entry in enumerate(data):
        at = f"entry {i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("groups"), list):
            raise bad(at, "an object with a 'groups' list")
        site = entry.get("site")
        if site is None:
            continue  # the runtime could not tell where it was built
        file, _, line = site.rpartition(":") if isinstance(site, str) else ("", "", "")
        if not file or not (line.isascii() and line.isdigit()):
            raise bad(at, f"'site' must be 'path:line', not {site!r}")
        groups: Dict[int, GroupValue] = {}
        for j, group in enumerate(entry["groups"]):
            where = f"{at}, group {j}"
            if not isinstance(group, dict) or not _is_int(group.get("index")) or not _is_number(group.get("weight_decay")):
                raise bad(where, "an object with an integer 'index' and a number 'weight_decay'")
            suggested, search = group.get("suggested_weight_decay"), group.get("search")
            if suggested is not None and not _is_number(suggested):
                raise bad(where, "'suggested_weight_decay' must be a number or null")
            if search is not None and not (isinstance(search, list) and len(search) == 2
                                           and all(_is_number(v) for v in search) and search[0] <= search[1]):
                raise bad(where, "'search' must be [low, high] with 0 <= low <= high, or null")
            for key, value in (("weight_decay", group["weight_decay"]), ("suggested_weight_decay", suggested),
                               *((f"search[{k}]", v) for k, v in enumerate(search or ()))):
                if value is not None and not _plausible(value):
                    raise bad(where, f"{key} {value!r} is not a weight decay: it must be 0 or from "
                                     f"{_LOWEST:g} to {_HIGHEST:g}")
            groups[group["index"]] = GroupValue(float(group["weight_decay"]), None if suggested is None else float(suggested),
                                                None if search is None else (float(search[0]), float(search[1])))
        sites.append(Site(_same(os.path.join(base, file)), int(line), str(entry.get("optimizer", "")), groups))
    return sites


def _same(path: str) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


# What a calibration may ask to write. torch rejects a negative weight decay; AdamW multiplies the
# weights by 1 - lr·λ′ each step, so λ′ above 1e3 zeroes or flips them at any usual learning rate,
# and a value below 1e-12 is no decay at all (or a denormal from a broken file): none is a measurement.
_LOWEST, _HIGHEST = 1e-12, 1e3


def _plausible(value: float) -> bool:
    return value == 0 or _LOWEST <= value <= _HIGHEST


def _text(lines: Sequence[str], span: Span) -> str:
    line, col, end_line, end_col = span
    if line == end_line:
        return lines[line - 1][col:end_col]
    return "\n".join([lines[line - 1][col:], *lines[line:end_line - 1], lines[end_line - 1][:end_col]])


def _literal(text: str) -> Optional[float]:
    """The number a weight-decay expression is, when it is a literal."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return float(value) if _is_number(value) else None

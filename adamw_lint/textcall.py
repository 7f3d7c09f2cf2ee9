"""Fixes that add or drop a call's keyword argument, or a param group's key, done on the text as
the libcst fixer does them; the rest goes to libcst (``fix``).

The fixer's edits inside brackets (``fix._apply_container_edit``) only move text between the
arguments: a new argument takes the old last one's comma and the space before the bracket, and
the old last one takes the comma that separated the two before it, without its comment
(``formatting.append_arg``); a dropped argument leaves its comma to the one before it when it was
the last (``fix._remove``). Here the arguments are read off the text between the brackets
(``_Item``), the same moves are made, and the result is reported as the fixer reports it: the
node's new text for a call on one line that stays within the line length, else the lines of its
statement that changed. Whatever the text cannot settle goes to libcst: an argument in
parentheses or a generator, a dict spread, a call whose aligned arguments would move with a
renamed callee, a line the fix would make too long, an import added by name, a decorated statement
(an import removed, or ``import torch`` added, is ``textfix.import_changes``'s).
``tests/test_speed_renames.py`` compares the two on every fixture, catalog example and crafted
layout.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import Dict, List, Optional, Sequence, Tuple

from .files import physical_lines
from .findings import Edit, Finding, Span
from .records import Record
from .textfix import (CALL_BRACKET, Rename, Replacement, SourceText, apply_replacements, continuation_moves, fits,
                      import_changes, needs_layout, newline_of, replacements, statement_changes, token_edit, was_too_long)

_SIMPLE_KEY = re.compile(r"[rRuU]?(?:\"([^\"\\\r\n]*)\"|'([^'\\\r\n]*)')")  # a key libcst reads as a SimpleString
_UNSURE = object()  # a string key whose value the text does not show plainly


class _Item(Record):
    """An argument of a call or an element of a dict as libcst holds it: its text up to the end
    of its value, and what follows it up to the next one or the closing bracket (libcst's comma
    with the whitespace and comments around it, and ``whitespace_after_arg``)."""

    text: str
    after: str
    key: object  # an argument's keyword, a dict element's plain string key, None, or _UNSURE


class _Op(Record):
    """Edits at one node: a token's replacement, or a call's or dict's argument edits."""

    start: int  # offsets into the source
    end: int
    text: Optional[str]  # what replaces the node (a token, a call), or None for argument edits
    node: Optional[ast.expr]  # the call or dict whose arguments are edited
    edits: Tuple[Edit, ...] = ()


def each(text: SourceText, finding: Finding, line_length: int, path: Optional[str] = None) -> Optional[List[Replacement]]:
    """The finding's own fix as ``fix._Singles`` gives it, when its edits are token replacements
    and argument or key edits the text can settle; else None (libcst decides)."""
    fix = finding.fix
    if fix is None or text.lone_cr or not text.source.endswith("\n"):
        return None
    change = import_changes(text, finding, path)
    if change is None:
        return None
    imports, removed, whole = change
    ops = _ops(text, fix.edits)
    if ops is None:
        return None
    source = text.source
    tops = _outermost(ops)
    rendered = [] if tops is None else [_render(text, op.start, op.end, ops) for op in tops]
    if tops is None or any(new is None for new in rendered):
        return None
    node_edits: List[Replacement] = [(op.start, op.end - op.start, new) for op, new in zip(tops, rendered)]  # type: ignore[misc]
    if finding.span[0] == finding.span[2] and not any(needs_layout(source, edit, line_length) for edit in node_edits):
        if whole:
            return replacements(source, apply_replacements(source, [*node_edits, *imports]))
        if not removed:  # with an import removed, the fixer reports the statement's lines
            return sorted([*node_edits, *imports])
    if any(continuation_moves(text, Rename(_span(text, op), op.text)) != {} for op in ops if op.text is not None and
           "\n" not in text.source[op.start:op.end]) or text.in_match(finding.span[0]):
        return None  # aligned arguments that move with a renamed callee; a match block's columns
    changed = statement_changes(text, finding.span, node_edits, imports)  # None: a param group built before the call
    if changed is not None and not all(_kept_short(text, edit, line_length) for edit in changed):
        split = _split(text, tops, ops, line_length)  # a line the fix makes too long: broken as black would
        changed = None if split is None else statement_changes(text, finding.span, [split], imports)
    if changed is None:
        return None
    return replacements(source, apply_replacements(source, changed)) if whole else changed


def _kept_short(text: SourceText, edit: Replacement, line_length: int) -> bool:
    """Whether the fixer leaves the lines an edit changes as they are: each within the line
    length, or in place of a line that was already over it (``textfix.was_too_long``)."""
    offset, length, new = edit
    first = bisect.bisect_right(text.starts, offset)  # the edit's first line
    old_count, new_lines = len(physical_lines(text.source[offset:offset + length])), physical_lines(new)
    if old_count != len(new_lines):
        return all(fits(line, line_length) for line in new_lines)
    return all(fits(line, line_length) or was_too_long(text, first + index, line_length)
               for index, line in enumerate(new_lines))


def _ops(text: SourceText, edits: Sequence[Edit]) -> Optional[List[_Op]]:
    ops: List[_Op] = []
    containers: Dict[Span, List[Edit]] = {}
    for edit in edits:
        if edit.kind == "replace":
            if not token_edit(text, edit) and not _call_replaced(text, edit):
                return None
            ops.append(_Op(_offset(text, edit.span[:2]), _offset(text, edit.span[2:]), edit.text, None))
        elif edit.kind in ("add-keyword", "drop-keyword", "drop-key"):
            if edit.kind == "add-keyword" and (not edit.text or edit.text != edit.text.strip()
                                               or "\n" in edit.text or "#" in edit.text):
                return None
            containers.setdefault(edit.span, []).append(edit)
        else:
            return None
    for span, container_edits in containers.items():
        node = text.node_at(span)
        wanted = ast.Dict if container_edits[0].kind == "drop-key" else ast.Call
        if not isinstance(node, wanted) or any((e.kind == "drop-key") != (wanted is ast.Dict) for e in container_edits):
            return None
        ops.append(_Op(_offset(text, span[:2]), _offset(text, span[2:]), None, node, tuple(container_edits)))
    if len({(op.start, op.end) for op in ops}) != len(ops):
        return None  # a node both replaced and edited inside: libcst decides
    return ops


def _call_replaced(text: SourceText, edit: Edit) -> bool:
    """Whether ``edit`` replaces a call by an expression on one line (``optax.chain(...)`` by
    ``optax.adamw(...)``): the fixer writes the new text as given (``fix._replaced``)."""
    new = edit.text
    return isinstance(text.node_at(edit.span), ast.Call) and bool(new) and new == new.strip() \
        and not new.startswith("(") and "\n" not in new and "#" not in new


def _offset(text: SourceText, where: Sequence[int]) -> int:
    return text.offset(where[0], where[1])


def _outermost(ops: Sequence[_Op]) -> Optional[List[_Op]]:
    """The ops inside no other, in order; None when two overlap without one holding the other."""
    tops: List[_Op] = []
    for op in sorted(ops, key=lambda o: (o.start, -o.end)):
        if tops and op.start < tops[-1].end:
            if op.end > tops[-1].end:
                return None
            continue
        tops.append(op)
    return tops


def _render(text: SourceText, start: int, end: int, ops: Sequence[_Op]) -> Optional[str]:
    """The source from ``start`` to ``end`` with the ops inside applied."""
    inside = [op for op in ops if start <= op.start and op.end <= end]
    whole = [op for op in inside if (op.start, op.end) == (start, end)]
    if whole:
        op = whole[0]
        return op.text if op.node is None else _container(text, op, [o for o in inside if o is not op])
    tops = _outermost(inside)
    if tops is None:
        return None
    out, position = [], start
    for op in tops:
        new = _render(text, op.start, op.end, inside)
        if new is None:
            return None
        out += [text.source[position:op.start], new]
        position = op.end
    out.append(text.source[position:end])
    return "".join(out)


def _container(text: SourceText, op: _Op, inside: Sequence[_Op]) -> Optional[str]:
    """A call's or dict's new text: its arguments read off the text, edited in order."""
    parts = _parts(text, op, inside)
    return None if parts is None else parts[0] + "".join(item.text + item.after for item in parts[1]) + parts[2]


def _parts(text: SourceText, op: _Op, inside: Sequence[_Op]) -> Optional[Tuple[str, List[_Item], str]]:
    """A call's or dict's new text in parts: up to its first argument, its arguments edited, and
    its closing bracket."""
    node = op.node
    assert node is not None
    found = _items(text, node)
    if found is None:
        return None
    ranges, keys, close = found
    head = _render(text, op.start, ranges[0][0] if ranges else close, inside)
    if head is None:
        return None
    items = []
    for index, ((start, end), key) in enumerate(zip(ranges, keys)):
        item = _render(text, start, end, inside)
        if item is None:
            return None
        items.append(_Item(item, text.source[end:ranges[index + 1][0] if index + 1 < len(ranges) else close], key))
    keep_break = _breaks_conform(text, ranges, items)
    for edit in op.edits:
        if edit.kind == "add-keyword":
            items = _appended(items, _Item(f"{edit.name}={edit.text}", "", edit.name), keep_break, newline_of(text.source))
        else:
            if any(item.key is _UNSURE for item in items):
                return None
            items = _removed(items, edit.name)
    return head, items, text.source[close:op.end]


def _split(text: SourceText, tops: Sequence[_Op], ops: Sequence[_Op], line_length: int) -> Optional[Replacement]:
    """``AdamWCodemod._fit`` on the text: a statement whose value is the call the fix edits (``x =
    call(...)``, ``return call(...)``), its arguments written on one line, that the fix takes
    past the line length (by the fixer's measure, ``formatting.too_long``) is broken as black
    breaks it (``formatting.split_call``): the arguments on one line after the bracket, indented
    4 past the block, or one per line with a trailing comma when they do not fit there or the
    last had a comma; the bracket closes on a line of its own. The call's new text; None where
    the fixer does otherwise or the text cannot tell."""
    if len(tops) != 1 or not isinstance(tops[0].node, ast.Call):
        return None
    op, call = tops[0], tops[0].node
    first, last = bisect.bisect_right(text.starts, op.start), bisect.bisect_right(text.starts, op.end - 1)
    holders = text.holders(first, last)
    statement = holders[-1] if holders else None
    if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)) \
            or statement.value is not call or isinstance(call.func, ast.Call) or text.in_match(first) \
            or (statement.lineno, statement.end_lineno) != (first, last):
        return None
    indent = text.block_indent(first)  # the statement's first line's: its own
    after = text.source[op.end:text.starts[last]].strip(" \t\r\n")
    if text.column(first, statement.col_offset) != len(indent) or after and not after.startswith("#"):
        return None  # not alone on its lines (``a = 1; x = f()``), or the value in brackets
    parts = _parts(text, op, ops)
    opening = _opening(text, call)
    if parts is None or opening is None or not parts[1]:
        return None
    head, items, tail = parts
    if any("\n" in item.text or "\r" in item.text for item in items) \
            or any("\n" in item.after or "\r" in item.after for item in items[:-1]):
        return None  # arguments over several lines: the fixer moves the last one only
    func_end = text.offset(call.func.end_lineno, text.column(call.func.end_lineno, call.func.end_col_offset))  # type: ignore[arg-type]
    callee = _render(text, op.start, func_end, ops)
    if callee is None or "\n" in text.source[op.start:opening]:
        return None
    statement_start = text.starts[first - 1]
    old = text.source[statement_start:text.starts[last]]
    unbroken = head + "".join(item.text + item.after for item in items) + tail
    new = old[:op.start - statement_start] + unbroken + old[op.end - statement_start:]
    if _too_long(old, indent, line_length) or not _too_long(new, indent, line_length):
        return None
    newline, inner = newline_of(text.source), indent + "    "
    texts = [item.text for item in items]
    joined = ", ".join(texts)
    if len(indent) + 4 + len(joined) <= line_length and _commas(items[-1].after) == 0:
        body = inner + joined + newline
    else:
        body = "".join(f"{inner}{argument},{newline}" for argument in texts)
    return op.start, op.end - op.start, f"{callee}{text.source[func_end:opening]}({newline}{body}{indent})"


def _too_long(statement: str, indent: str, line_length: int) -> bool:
    """``formatting.too_long`` of a statement's lines as written: libcst writes a continuation
    line without the block's indentation, and keeps a carriage return before the line break on
    every line but the last."""
    lines = statement.rstrip("\r\n").split("\n")
    return any(len(line) - (len(indent) if index and line.startswith(indent) else 0) > line_length
               for index, line in enumerate(lines))


def _items(text: SourceText, node: ast.expr) -> Optional[Tuple[List[Tuple[int, int]], List[object], int]]:
    """The offsets of a call's arguments (a dict's elements) in the order written, their keys,
    and the closing bracket's offset; None when the text between them is more than whitespace,
    comments and their commas (an argument in parentheses, say)."""
    if isinstance(node, ast.Call):
        arguments = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))
        if any(isinstance(a, ast.GeneratorExp) for a in arguments):
            return None  # its parentheses may be the call's
        ranges = [(_offset(text, (a.lineno, text.column(a.lineno, a.col_offset))),
                   _offset(text, (a.end_lineno, text.column(a.end_lineno, a.end_col_offset)))) for a in arguments]
        keys: List[object] = [a.arg if isinstance(a, ast.keyword) else None for a in arguments]
    else:
        assert isinstance(node, ast.Dict)
        if any(key is None for key in node.keys):
            return None  # a ** spread: the text before its value is not in the tree
        ranges = [(_offset(text, (k.lineno, text.column(k.lineno, k.col_offset))),
                   _offset(text, (v.end_lineno, text.column(v.end_lineno, v.end_col_offset))))  # type: ignore[union-attr]
                  for k, v in zip(node.keys, node.values)]
        keys = [_key(text, key) for key in node.keys]  # type: ignore[arg-type]
    close = _offset(text, (node.end_lineno, text.column(node.end_lineno, node.end_col_offset))) - 1  # type: ignore[arg-type]
    opening = _opening(text, node)
    if text.source[close:close + 1] not in (")", "}") or opening is None \
            or ranges and _commas(text.source[opening + 1:ranges[0][0]]) != 0:
        return None  # the first argument in parentheses: its bracket is before the start ast gives
    gaps = [text.source[end:start] for (_, end), (start, _) in zip(ranges, ranges[1:])]
    gaps += [text.source[ranges[-1][1]:close]] if ranges else []
    commas = [_commas(gap) for gap in gaps]
    if any(count is None for count in commas) or any(count != 1 for count in commas[:-1]) or commas[-1:] == [2]:
        return None
    return ranges, keys, close


def _opening(text: SourceText, node: ast.expr) -> Optional[int]:
    """The offset of a call's or dict's opening bracket; None for a callee in parentheses."""
    if isinstance(node, ast.Dict):
        start = _offset(text, (node.lineno, text.column(node.lineno, node.col_offset)))
        return start if text.source[start:start + 1] == "{" else None
    assert isinstance(node, ast.Call)
    func = node.func
    end = _offset(text, (func.end_lineno, text.column(func.end_lineno, func.end_col_offset)))  # type: ignore[arg-type]
    match = CALL_BRACKET.match(text.source, end)
    return match.end() - 1 if match else None


def _key(text: SourceText, key: ast.expr) -> object:
    """A dict key as libcst's fixer compares it (``SimpleString.evaluated_value``)."""
    if not isinstance(key, (ast.Constant, ast.JoinedStr)) or isinstance(key, ast.Constant) \
            and not isinstance(key.value, str):
        return None
    written = text.source[_offset(text, (key.lineno, text.column(key.lineno, key.col_offset))):
                          _offset(text, (key.end_lineno, text.column(key.end_lineno, key.end_col_offset)))]  # type: ignore[arg-type]
    match = _SIMPLE_KEY.fullmatch(written)
    return _UNSURE if match is None else match.group(1) if match.group(1) is not None else match.group(2)


def _commas(gap: str) -> Optional[int]:
    """How many commas the text between two arguments holds, outside comments; None when it holds
    anything but whitespace, comments and commas (a bracket, a backslash)."""
    count, index = 0, 0
    while index < len(gap):
        char = gap[index]
        if char == "#":
            ends = [i for i in (gap.find("\n", index), gap.find("\r", index)) if i >= 0]
            index = min(ends) if ends else len(gap)
            continue
        if char == ",":
            count += 1
        elif char not in " \t\f\r\n":
            return None
        index += 1
    return count


def _split_comma(after: str) -> Tuple[str, str]:
    """The text before an argument's comma and after it (``Comma.whitespace_before/after``): for
    the text between two arguments, which ``_items`` saw holds exactly one comma."""
    index = 0
    while True:
        if after[index] == "#":
            index = min(i for i in (after.find("\n", index), after.find("\r", index), len(after)) if i >= 0)
        elif after[index] == ",":
            return after[:index], after[index + 1:]
        else:
            index += 1


def _breaks_conform(text: SourceText, ranges: Sequence[Tuple[int, int]], items: Sequence[_Item]) -> bool:
    """``AdamWCodemod._breaks_conform``: whether the line break between the last two arguments
    lands at the first argument's column (then a new argument copies it)."""
    if len(items) < 2 or "\n" not in _split_comma(items[-2].after)[1]:
        return True
    return _column(text, ranges[-1][0]) == _column(text, ranges[0][0])


def _column(text: SourceText, offset: int) -> int:
    return offset - (text.source.rfind("\n", 0, offset) + 1)


def _appended(items: List[_Item], new: _Item, keep_break: bool, newline: str) -> List[_Item]:
    """``formatting.append_arg`` on the text."""
    if not items:
        return [new]
    last = items[-1]
    separator = ", "
    if len(items) > 1:
        before, after = _split_comma(items[-2].after)
        if keep_break or "\n" not in after:  # the comma's comment and blank lines stay with it
            separator = before + "," + (newline + after[after.rindex("\n") + 1:] if "\n" in after else after)
    return [*items[:-1], last._replace(after=separator), new._replace(after=last.after)]


def _removed(items: List[_Item], key: str) -> List[_Item]:
    """``fix._remove`` on the text: the last item dropped leaves its comma to the one before."""
    kept: List[_Item] = []
    for index, item in enumerate(items):
        if item.key != key:
            kept.append(item)
        elif index == len(items) - 1 and kept:
            kept[-1] = kept[-1]._replace(after=item.after)
    return kept


def _span(text: SourceText, op: _Op) -> Tuple[int, int, int, int]:
    """A token op's span again, from its offsets (a token is on one line)."""
    line = bisect.bisect_right(text.starts, op.start)
    return line, op.start - text.starts[line - 1], line, op.end - text.starts[line - 1]


__all__ = ("each",)

"""Layout of a rewritten call: the fixed file gets no pycodestyle E1xx/E501 or black diff that the
original did not have.

Three things can move when a call is rewritten, and each is repaired on the libcst node:

* **Visually aligned continuation lines** (``Adam(p,\\n     lr=1)``: the lines line up with the
  first argument) move with the bracket when the callee's name gets longer or shorter
  (``shift_continuations``). Hanging indents (the bracket ends its line) never need to move.
  Only whitespace nodes change, so the text of strings spanning lines is never touched.
* **A new argument** takes the layout of the arguments before it (``append_arg``): one line, one
  per line, visual or hanging, with or without a trailing comma; comments stay where they were
  and are never copied.
* **A line over the project's length** (``fits``/``split_call``) is broken as black breaks it:
  the arguments on one indented line after the bracket, or, when that is still too long, one
  per line with a trailing comma, the closing bracket on its own line.
"""

from __future__ import annotations

from typing import List, Sequence, Union

import libcst as cst

_Item = Union[cst.Arg, cst.ImportAlias]
_NEWLINE = cst.TrailingWhitespace()


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    """A line break inside brackets, the next line indented ``indent`` past the block's indentation."""
    return cst.ParenthesizedWhitespace(first_line=_NEWLINE, empty_lines=[], indent=True,
                                       last_line=cst.SimpleWhitespace(indent))


def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=_NEWLINE, empty_lines=[])
    return whitespace


def append_arg(items: Sequence[_Item], new: _Item, keep_break: bool = True) -> List[_Item]:
    """``items`` + ``new``, laid out as the items before it: the new item takes the old last
    item's comma and the space before the closing bracket; the old last item takes the comma
    that separated the two items before it, without its comment. ``keep_break=False``: that
    comma broke the line to a column pycodestyle rejects, so the new item stays on the line."""
    if not items:
        return [new]
    last = items[-1]
    before = items[-2].comma if len(items) > 1 else None
    breaks = isinstance(before, cst.Comma) and isinstance(before.whitespace_after, cst.ParenthesizedWhitespace)
    if isinstance(before, cst.Comma) and (keep_break or not breaks):
        separator = before.with_changes(whitespace_after=_without_comment(before.whitespace_after))
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last, cst.Arg) and isinstance(new, cst.Arg):
        return [*items[:-1], last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace("")),
                new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)]
    return [*items[:-1], last.with_changes(comma=separator), new.with_changes(comma=last.comma)]


class _Shift(cst.CSTTransformer):
    """Moves every continuation line at or right of ``column`` by ``delta`` characters."""

    def __init__(self, column: int, delta: int, block_indent: int) -> None:
        self.column, self.delta, self.block_indent = column, delta, block_indent

    def _moved(self, indent_flag: bool, spaces: str) -> str:
        column = (self.block_indent if indent_flag else 0) + len(spaces)
        if column < self.column or spaces.strip(" ") != "":
            return spaces
        return " " * max(len(spaces) + self.delta, 0)

    def leave_ParenthesizedWhitespace(self, original, updated):
        moved = self._moved(updated.indent, updated.last_line.value)
        return updated.with_changes(last_line=cst.SimpleWhitespace(moved))

    def leave_EmptyLine(self, original, updated):
        if updated.comment is None:
            return updated
        moved = self._moved(updated.indent, updated.whitespace.value)
        return updated.with_changes(whitespace=cst.SimpleWhitespace(moved))


def shift_continuations(call: cst.Call, first_arg_column: int, delta: int, block_indent: int) -> cst.Call:
    """``call`` with its visually aligned continuation lines moved by ``delta`` (the callee grew by
    ``delta`` characters on the bracket's line; ``first_arg_column``: where the first argument
    started, right after the bracket). A hanging call (the bracket ends its line) is unchanged."""
    if delta == 0 or isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace) or not call.args:
        return call
    shift = _Shift(first_arg_column, delta, block_indent)
    return call.with_changes(args=[arg.visit(shift) for arg in call.args])


def is_one_line(node: cst.CSTNode, module: cst.Module) -> bool:
    return "\n" not in module.code_for_node(node)


def args_on_one_line(call: cst.Call, module: cst.Module) -> bool:
    """Whether the call's arguments are written on one line (wherever its brackets are)."""
    if not call.args:
        return False
    last = call.args[-1].with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    comma = last.comma
    if isinstance(comma, cst.Comma):
        last = last.with_changes(comma=comma.with_changes(whitespace_after=cst.SimpleWhitespace("")))
    return all(is_one_line(node, module) for node in (*call.args[:-1], last))


def split_call(call: cst.Call, module: cst.Module, column: int, block_indent: int, line_length: int) -> cst.Call:
    """Black's split of a call written on one line: ``f(\\n    args\\n)``, or one argument per line
    with a trailing comma when the arguments do not fit on one line either. ``column``: where the
    line the call is on starts (its indentation); ``block_indent``: the enclosing block's."""
    if not call.args:
        return call
    inner, outer = " " * (column - block_indent + 4), " " * (column - block_indent)
    body = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))
            for arg in call.args]
    joined = [arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for arg in body[:-1]]
    joined.append(body[-1])
    text = "".join(module.code_for_node(arg) for arg in joined)
    if column + 4 + len(text) <= line_length and not any(isinstance(a.comma, cst.Comma) for a in call.args[-1:]):
        args = joined
    else:
        args = [arg.with_changes(comma=cst.Comma(whitespace_after=_newline(inner))) for arg in body[:-1]]
        args.append(body[-1].with_changes(comma=cst.Comma()))
    args[-1] = args[-1].with_changes(whitespace_after_arg=_newline(outer))
    return call.with_changes(whitespace_before_args=_newline(inner), args=args)


def break_before_last(call: cst.Call, block_indent: int, visual_column: int) -> cst.Call:
    """A call already over several lines whose last line grew too long: its last argument moves
    to a line of its own, where pycodestyle wants it: the hanging indent of a call whose bracket
    ends its line, else aligned with the first argument (``visual_column``)."""
    if len(call.args) < 2:
        return call
    column = visual_column
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        hanging = call.whitespace_before_args
        column = (block_indent if hanging.indent else 0) + len(hanging.last_line.value)
    before = call.args[-2]
    comma = before.comma if isinstance(before.comma, cst.Comma) else cst.Comma()
    moved = before.with_changes(comma=comma.with_changes(whitespace_after=_newline(" " * (column - block_indent))))
    return call.with_changes(args=[*call.args[:-2], moved, call.args[-1]])


def too_long(text: str, first_column: int, line_length: int) -> bool:
    """Whether a statement's text (its first line starting at ``first_column``) has a line over
    ``line_length`` characters."""
    lines = text.split("\n")
    return any(len(line) + (first_column if i == 0 else 0) > line_length for i, line in enumerate(lines))


__all__ = ("append_arg", "args_on_one_line", "break_before_last", "is_one_line", "shift_continuations", "split_call",
           "too_long")

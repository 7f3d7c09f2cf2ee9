"""The fixer: carries out the analysis engine's fix plans with libcst, losslessly.

``AdamWCodemod`` is a ``VisitorBasedCodemodCommand``, so the same fixer runs from
``adamw-lint fix`` and from ``python -m libcst.tool codemod -x adamw_lint.fix.AdamWCodemod --no-format``.
It never decides anything itself: which calls change, and into what, comes from
``analysis`` (the engine behind ``check`` and flake8); this module only edits the nodes at the
spans the plan names, and schedules the imports through libcst's own import visitors. Fixes
that only rename a token are done on the text, without libcst, by ``textfix``, whose
``fix_source`` and ``fix_each`` (the entry points) are imported here too.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import os
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
import libcst.helpers
import libcst.matchers._visitors as _matcher_visitors
from libcst._nodes.internal import CodegenState  # what Module.code_for_node uses, with a starting indent
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from . import formatting
from .analysis import analyze_source
from .catalog.schema import UNSAFE
from .decay_values import DecayValues
from .files import physical_lines
from .findings import Edit, Finding, Span
from .noqa import without_noqa
from .project import DEFAULT_LINE_LENGTH
from .selection import Selection
from .textfix import (CST_CHAIN_LIMIT, FixError, FixResult, Replacement, apply_replacements, fix_each, fix_source,
                      _CHAIN_WORD, _joined, needs_layout, replacements)

Version = Tuple[int, int]


def _once_per_class(gather):
    """libcst's matcher-decorated transformers look for decorated methods over ``dir()`` of every
    new instance (about 800 attributes, three times: 15-50 ms per transformer). What they find is
    a property of the class; for a class without decorated methods (ours, and libcst's import
    visitors) it is nothing, so that is remembered once per process instead of searched again for
    every file and every fix. A class that has some is searched each time, as before (the result
    holds that instance's bound methods)."""
    bare: set = set()

    def gathered(obj):
        if type(obj) in bare:
            return {}
        found = gather(obj)
        if not found:
            bare.add(type(obj))
        return found
    return gathered


for _name in ("_gather_matchers", "_gather_constructed_visit_funcs", "_gather_constructed_leave_funcs"):
    if hasattr(_matcher_visitors, _name):  # libcst's internals: another version may differ (then: as before)
        setattr(_matcher_visitors, _name, _once_per_class(getattr(_matcher_visitors, _name)))


class AdamWCodemod(VisitorBasedCodemodCommand):
    DESCRIPTION = (
        "Rewrite coupled L2 weight decay in adaptive optimizers to decoupled weight decay "
        "(Adam -> AdamW, or the optimizer's decoupled switch). Changes training numerics: "
        "re-tune weight_decay afterwards."
    )
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        context: CodemodContext,
        style: str = "rename",
        selection: Optional[Selection] = None,
        only: Optional[Span] = None,
        findings: Optional[List[Finding]] = None,
        *,
        applicability: str = UNSAFE,
        target_torch: Optional[Version] = None,
        path: Optional[str] = None,
        line_length: int = DEFAULT_LINE_LENGTH,
    ) -> None:
        super().__init__(context)
        self._given = findings  # already analyzed by the caller (fix_source): not again
        self.style = style
        self.selection = selection or Selection()
        self.only = only  # fix just the finding at this span (SARIF's per-result fixes)
        self.applicability = applicability  # apply fixes up to this applicability (findings.Fix.applies_at)
        self.target_torch = target_torch
        self.path = path
        self.line_length = line_length
        self.applied: List[Finding] = []
        self._edits: Dict[Tuple[str, Span], List[Edit]] = {}
        self._placed: Dict[Tuple[int, int], List[Tuple[str, Optional[str]]]] = {}  # imports next to an old one
        self._rewritten: List[cst.Call] = []  # calls whose layout may need repair (by identity)
        self._indents: List[str] = []
        self._module: Optional[cst.Module] = None
        self._lines: Optional[List[str]] = None  # the module's lines, split once per transform
        self._package_init = False

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--style",
            choices=("rename", "flag"),
            default="rename",
            help="torch.optim.Adam: rename to AdamW (any torch), or pass "
            "decoupled_weight_decay=True (torch >= 2.7 only)",
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        source = tree.code
        if self._given is None:
            found = analyze_source(source, self.style, target_torch=self.target_torch, path=self.path)
            self._given = self.selection.filter(without_noqa(found, source))
        findings = [f for f in self._given if f.fix and f.fix.applies_at(self.applicability)
                    and (self.only is None or f.span == self.only)]
        self._given = None  # libcst.tool reuses one command for many files
        self._prepare(tree, findings)
        if not findings:
            return tree
        for finding in findings:
            assert finding.fix is not None
            for spec in finding.fix.add_imports:
                if len(spec) == 2:
                    AddImportsVisitor.add_needed_import(self.context, spec[0], spec[1])
            for module, name, asname in finding.fix.remove_imports:
                if not self._package_init:  # a package's names are its API (spelling.py's policy)
                    RemoveImportsVisitor.remove_unused_import(self.context, module, name, asname)
        return tree.visit(self)

    def _prepare(self, tree: cst.Module, findings: Sequence[Finding], lines: Optional[List[str]] = None) -> None:
        """The state of one transform: the edits by span and the imports placed next to an old one
        (module-level import changes are the caller's: ``transform_module_impl`` schedules them)."""
        self.applied = list(findings)
        self._edits, self._placed, self._rewritten, self._indents = {}, {}, [], []
        self._module, self._lines = tree, lines
        self._package_init = self.path is not None and _is_package_init(self.path)
        for finding in findings:
            assert finding.fix is not None
            for edit in finding.fix.edits:
                target = "replace" if edit.kind == "replace" else "container"
                self._edits.setdefault((target, edit.span), []).append(edit)
            for spec in finding.fix.add_imports:
                if len(spec) == 3:
                    module, name, at = spec
                    if (module, name) not in self._placed.setdefault(tuple(at), []):
                        self._placed[tuple(at)].append((module, name))

    def _line(self, number: int) -> str:
        """A line of the module as it was before the transform (split once per transform: the
        module's code is generated once, not once per argument)."""
        assert self._module is not None
        if self._lines is None:
            self._lines = physical_lines(self._module.code)  # as libcst counts lines: a lone CR ends one
        return self._lines[number - 1] if number <= len(self._lines) else ""

    def _span(self, node: cst.CSTNode) -> Span:
        code_range = self.get_metadata(PositionProvider, node)
        return (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)

    # block indentation, for the layout of continuation lines -----------------------------
    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        assert self._module is not None
        self._indents.append(self._module.default_indent if node.indent is None else node.indent)

    def leave_IndentedBlock(self, original_node, updated_node):
        self._indents.pop()
        return updated_node

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        updated = super().on_leave(original_node, updated_node)
        if isinstance(original_node, cst.ImportFrom) and self._placed:
            return self._join_import(original_node, updated)
        if isinstance(original_node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self._statement(original_node, updated)
        if isinstance(original_node, (cst.Element, cst.Arg)) and self._rewritten:
            return self._fit_element(original_node, updated)
        if not self._edits or not isinstance(original_node, cst.BaseExpression):
            return updated
        span = self._span(original_node)
        container, replace = self._edits.get(("container", span), ()), self._edits.get(("replace", span), ())
        keep_break = self._breaks_conform(original_node) if container and isinstance(original_node, cst.Call) else True
        new = _apply_edits(updated, container, replace, keep_break)
        if isinstance(new, cst.Call) and (container or not original_node.func.deep_equals(new.func)):  # type: ignore
            new = self._realign(original_node, new)  # type: ignore[arg-type]
            self._rewritten.append(new)
        elif container or replace:  # a renamed class or string in an argument: its line may need breaking too
            self._rewritten.append(new)
        return new

    def _breaks_conform(self, original: cst.Call) -> bool:
        """Whether the line break between the call's last two arguments lands where pycodestyle
        wants it (at the first argument's column, hanging or visual): only then is it copied."""
        if len(original.args) < 2:
            return True
        comma = original.args[-2].comma
        whitespace = comma.whitespace_after if isinstance(comma, cst.Comma) else None
        if not isinstance(whitespace, cst.ParenthesizedWhitespace):
            return True
        column = (len("".join(self._indents)) if whitespace.indent else 0) + len(whitespace.last_line.value)
        return column == self.get_metadata(PositionProvider, original.args[0]).start.column

    def _realign(self, original: cst.Call, new: cst.Call) -> cst.Call:
        """Visually aligned continuation lines move with the bracket when the callee's length changed."""
        assert self._module is not None
        if not original.args:
            return new
        old_func, new_func = self._module.code_for_node(original.func), self._module.code_for_node(new.func)
        delta = len(new_func.rsplit("\n", 1)[-1]) - len(old_func.rsplit("\n", 1)[-1])
        first = self.get_metadata(PositionProvider, original.args[0]).start
        return formatting.shift_continuations(new, first.column, delta, len("".join(self._indents)))

    def _join_import(self, original: cst.ImportFrom, updated):
        """``from m import Old`` next to which a fix adds ``New`` from the same module: one statement."""
        wanted = self._placed.get(self._span(original)[:2])
        if not wanted or isinstance(updated.names, cst.ImportStar) or updated.relative:
            return updated
        module = cst.helpers.get_full_name_for_node(updated.module) if updated.module else None
        names = list(updated.names)
        have = {cst.helpers.get_full_name_for_node(a.name) for a in names if a.asname is None}
        for wanted_module, name in list(wanted):
            if wanted_module == module and name is not None:
                wanted.remove((wanted_module, name))
                if name not in have:
                    names = formatting.append_arg(names, cst.ImportAlias(cst.Name(name)))
        return updated.with_changes(names=names)

    def _statement(self, original, updated):
        """A statement holding a rewritten call: broken as black would when a line got too long;
        an import placed after the old one, in the same block."""
        assert self._module is not None
        if isinstance(updated, cst.SimpleStatementLine) and self._rewritten:
            updated = self._fit(original, updated)
        new_lines = []
        for small in original.body:
            for module, name in self._placed.pop(self._span(small)[:2], ()):
                text = f"from {module} import {name}" if name else f"import {module}"
                new_lines.append(cst.parse_statement(text))
        if not new_lines:
            return updated
        if isinstance(updated, cst.SimpleStatementSuite):  # if x: import a  →  if x: import a; import b
            extra = [s for line in new_lines for s in line.body]  # type: ignore[attr-defined]
            return updated.with_changes(body=[*updated.body[:-1], updated.body[-1].with_changes(
                semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))), *extra])
        return cst.FlattenSentinel([updated, *new_lines])

    def _fit(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        """A statement ``x = call(...)`` / ``return call(...)`` / ``call(...)`` whose line a fix made too long."""
        assert self._module is not None
        if len(updated.body) != 1 or not isinstance(getattr(updated.body[0], "value", None), cst.Call):
            return updated
        indent = len("".join(self._indents))
        # without the comments and blank lines above it: its first line is the statement's own
        old_text, new_text = (self._module.code_for_node(node.with_changes(leading_lines=()))
                              for node in (original, updated))
        start = self.get_metadata(PositionProvider, original.body[0].value).start  # type: ignore[attr-defined]
        value = self._split(updated.body[0].value,  # type: ignore[attr-defined]
                            old_text.rstrip("\r\n"), new_text.rstrip("\r\n"), indent, start.column)
        return updated.with_changes(body=[updated.body[0].with_changes(value=value)])

    def _fit_element(self, original, updated):
        """A list element or argument alone on its line (``[\n    Adam(...),\n]``) that a fix made too long."""
        assert self._module is not None
        if not isinstance(updated.value, cst.Call):
            return updated
        start = self.get_metadata(PositionProvider, original).start
        line = self._line(start.line)
        if line[:start.column].strip():
            return updated  # not the first thing on its line
        end = self.get_metadata(PositionProvider, original.value).end
        rest = self._line(end.line)[end.column:].rstrip("\r\n")  # its comma, a comment
        old_text = self._module.code_for_node(original.value) + rest
        new_text = self._module.code_for_node(updated.value) + rest
        return updated.with_changes(value=self._split(updated.value, old_text, new_text, start.column, start.column))

    def _split(self, call: cst.Call, old_text: str, new_text: str, column: int, call_column: int) -> cst.Call:
        """Black's split of ``call`` (its brackets are the last on the line), when the fix made the
        line too long and the arguments are written on one line; a call already over several lines
        gets its last argument on a line of its own. ``column``: where the line starts;
        ``call_column``: where the call starts."""
        assert self._module is not None
        limit = self.line_length
        if formatting.too_long(old_text, column, limit) or not formatting.too_long(new_text, column, limit):
            return call
        block = len("".join(self._indents))
        if not formatting.args_on_one_line(call, self._module):
            first = call_column + len(self._module.code_for_node(call.func)) + 1  # right after the bracket
            return formatting.break_before_last(call, block, first)
        head = self._module.code_for_node(call.func)
        if isinstance(call.func, cst.Call) and formatting.is_one_line(call.func, self._module) \
                and column + len(head) + 1 > self.line_length:  # f(...)(x): black splits the first brackets
            return call.with_changes(func=formatting.split_call(call.func, self._module, column, block, limit))
        return formatting.split_call(call, self._module, column, block, self.line_length)


def _is_package_init(path: str) -> bool:
    return os.path.basename(path) in ("__init__.py", "__init__.pyi")


def _apply_edits(node, container: Sequence[Edit], replace: Sequence[Edit], keep_break: bool = True):
    """One node's edits: first those on the call or dict itself, then a replacement of the node."""
    for edit in container:
        node = _apply_container_edit(node, edit, keep_break)
    for edit in replace:
        node = _replaced(node, cst.parse_expression(edit.text))
    return node


def _replaced(node, new: cst.BaseExpression):
    """``node`` replaced by ``new``. A dotted name that changes only in its last part keeps the
    rest as written (comments, line continuations, parentheses inside)."""
    if isinstance(node, cst.Name) and isinstance(new, cst.Name):
        return node.with_changes(value=new.value)
    if isinstance(node, cst.Attribute) and isinstance(new, cst.Attribute) \
            and cst.helpers.get_full_name_for_node(node.value) == cst.helpers.get_full_name_for_node(new.value):
        return node.with_changes(attr=node.attr.with_changes(value=new.attr.value))
    return new.with_changes(lpar=node.lpar, rpar=node.rpar)


def _apply_container_edit(node, edit: Edit, keep_break: bool = True):
    if edit.kind == "add-keyword" and isinstance(node, cst.Call):
        arg = cst.Arg(
            keyword=cst.Name(edit.name),
            value=cst.parse_expression(edit.text),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        return node.with_changes(args=formatting.append_arg(list(node.args), arg, keep_break))
    if edit.kind == "drop-keyword" and isinstance(node, cst.Call):
        return node.with_changes(
            args=_remove(list(node.args), lambda a: a.keyword is not None and a.keyword.value == edit.name)
        )
    if edit.kind == "drop-key" and isinstance(node, cst.Dict):
        return node.with_changes(
            elements=_remove(
                list(node.elements),
                lambda e: isinstance(e, cst.DictElement)
                and isinstance(e.key, cst.SimpleString)
                and e.key.evaluated_value == edit.name,
            )
        )
    raise FixError(f"cannot apply {edit.kind} to {type(node).__name__}")


_Item = Union[cst.Arg, cst.BaseDictElement]


def _remove(items: List[_Item], match) -> List[_Item]:
    """Remove matching items; when the last one goes, the new last item inherits its comma."""
    kept: List[_Item] = []
    for i, item in enumerate(items):
        if not match(item):
            kept.append(item)
        elif i == len(items) - 1 and kept:
            kept[-1] = kept[-1].with_changes(comma=item.comma)
            if isinstance(item, cst.Arg):  # the space before the closing bracket goes with it
                kept[-1] = kept[-1].with_changes(whitespace_after_arg=item.whitespace_after_arg)
    return kept


def transform(source: str, findings: List[Finding], applied: List[Finding], *, style: str, selection: Selection,
              only: Optional[Span], applicability: str, target_torch: Optional[Version], path: Optional[str],
              line_length: int, decay_values: Optional[DecayValues]) -> Tuple[str, List[Finding], List[str]]:
    """``textfix.fix_source``'s libcst part: the fixed text, the findings fixed, and the notes on
    calibrated calls whose weight decay was kept (the arguments are ``fix_source``'s; ``applied``:
    the findings it fixes)."""
    notes: List[str] = []
    if decay_values is not None:
        calibrated, notes = decay_values.plan(path, source, applied)
        by_span = {f.span: f for f in calibrated}
        findings = [by_span.get(f.span, f) for f in findings]
    command = AdamWCodemod(CodemodContext(), style=style, selection=selection, only=only, findings=findings,
                           applicability=applicability, target_torch=target_torch, path=path, line_length=line_length)
    new_source = command.transform_module(parse_module(source)).code
    return new_source, command.applied, notes


# libcst's native parser recurses once per operand of an ``and``/``or`` chain and overflows the
# C stack near 8,000 operands: a segfault that would end the run, not an exception (its code
# generation gives up with RecursionError long before). Python's own parser takes such files, and
# the analysis does too (a chain is one flat ``ast.BoolOp``), so they are refused before libcst
# sees them (``textfix.CST_CHAIN_LIMIT``). Other deep nesting never gets here: the analysis reports it first.


def parse_module(source: str) -> cst.Module:
    """``cst.parse_module``, guarded. Raises SyntaxError for text Python cannot parse, and
    FixError (with the true reason) for valid Python that libcst cannot or must not parse."""
    if len(_CHAIN_WORD.findall(source)) >= CST_CHAIN_LIMIT:  # a cheap bound first: the words in the text
        longest = _longest_chain(ast.parse(source))
        if longest >= CST_CHAIN_LIMIT:
            raise FixError(f"an `and`/`or` chain of {longest} operands is more than libcst, the library that "
                           f"rewrites code, can parse safely (the limit is {CST_CHAIN_LIMIT}); nothing was changed")
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        ast.parse(source)  # a real syntax error is reported as one
        raise FixError(f"libcst, the library that rewrites code, cannot parse this valid Python (its own limit, "
                       f"not a syntax error: {error.message} at line {error.raw_line}); nothing was changed") from None


def _longest_chain(tree: ast.AST) -> int:
    """The most ``and``/``or`` operands on one path of nested expressions (libcst nests each)."""
    longest, stack = 0, [(tree, 0)]
    while stack:  # iterative: the trees that matter here are the deep ones
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            depth += len(node.values)
            longest = max(longest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return longest


def fix_each_cst(source: str, findings: Sequence[Finding], *, path: Optional[str] = None,
                 line_length: int = DEFAULT_LINE_LENGTH) -> Dict[Span, List[Replacement]]:
    """Each fixable finding's own fix, as if it were the only one applied, from ONE libcst parse of
    ``source`` (SARIF's per-result fixes; ``textfix.fix_each`` does renames without libcst and the
    rest here). Keyed by the finding's span; import changes included.
    A file libcst cannot parse, or nests too deeply, gets no fixes (never an exception).
    ``path``, ``line_length``: as for ``fix_source``."""
    wanted = [f for f in findings if f.fix is not None and f.cell is None]
    if not wanted:
        return {}
    try:
        return _Singles(source, path, line_length).fixes(wanted)
    except (cst.ParserSyntaxError, RecursionError, SyntaxError, ValueError, FixError):
        return {}


class _Statements(cst.CSTVisitor):
    """Every statement of a module in source order, with its parent statement and the indentation
    of the blocks around it: what it takes to regenerate one statement on its own."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.nodes: List[cst.BaseStatement] = []
        self.parents: List[int] = []
        self.indents: List[Tuple[str, ...]] = []
        self._open: List[int] = []  # the statements being visited
        self._blocks: List[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseStatement):
            self.parents.append(self._open[-1] if self._open else -1)
            self._open.append(len(self.nodes))
            self.nodes.append(node)
            self.indents.append(tuple(self._blocks))
        elif isinstance(node, cst.IndentedBlock):
            self._blocks.append(self.module.default_indent if node.indent is None else node.indent)
        return not isinstance(node, cst.BaseExpression)  # no statement inside an expression

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.BaseStatement):
            self._open.pop()
        elif isinstance(original_node, cst.IndentedBlock):
            self._blocks.pop()


class _Singles:
    """One parse, one position table and one fixer, shared by every finding's fix: each finding's
    statement is transformed and generated on its own, so the work grows with the file, not with
    the file times the findings. Only a fix that removes an import (the whole module decides
    whether a name is still used) or a call outside any statement regenerates the module."""

    def __init__(self, source: str, path: Optional[str], line_length: int) -> None:
        self.source = source
        self.path, self.line_length = path, line_length
        self.module = parse_module(source)
        positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        self.positions = positions
        self.nodes: Dict[Span, List[cst.CSTNode]] = {}
        for node, where in positions.items():
            if isinstance(node, cst.BaseExpression):
                span = (where.start.line, where.start.column, where.end.line, where.end.column)
                self.nodes.setdefault(span, []).append(node)
        self.starts = [0]
        for line in physical_lines(source):
            self.starts.append(self.starts[-1] + len(line))
        self.lines = physical_lines(source)
        names = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)]
        self.uses = Counter(n.id for n in names)
        self.stores = Counter(n.id for n in names if isinstance(n.ctx, ast.Store))
        self.package_init = path is not None and _is_package_init(path)  # the codemod removes no import there
        self.imports: Dict[object, List[Replacement]] = {}  # (added, removed) → the head's replacements
        self.holders: Dict[Tuple[str, Optional[str], Optional[str]], List[int]] = {}  # ``_holders``
        self._head_module: Optional[cst.Module] = None
        self.statements = _Statements(self.module)
        self.module.visit(self.statements)
        self.statement_starts = [(positions[n].start.line, positions[n].start.column) for n in self.statements.nodes]
        self.command = AdamWCodemod(CodemodContext(), path=path, line_length=line_length)
        self.command.metadata = {PositionProvider: positions}

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def _removes(self, finding: Finding) -> Optional[Tuple[Tuple[str, Optional[str], Optional[str]], ...]]:
        """The imports the fix leaves unused, which the codemod takes out; None where only the
        module's scope analysis can tell: the name is bound again besides its use (``except
        ImportError: AdamW = None``)."""
        assert finding.fix is not None
        if self.package_init:
            return ()
        if any(1 < self.uses[r[2] or r[1]] <= 1 + self.stores[r[2] or r[1]] or len(self._holders(r)) > 1
               for r in finding.fix.remove_imports):
            return None  # also: imported by two statements (two functions' own), whose uses the scopes tell apart
        return tuple(r for r in finding.fix.remove_imports if self.uses[r[2] or r[1]] <= 1)

    def local_import(self, finding: Finding) -> Optional[List[Replacement]]:
        """The fix of a finding that changes a function's own import, from the statements it
        touches (``_inside``); None for any other fix, and where the module must decide."""
        removes = self._removes(finding)
        if not removes or all(self._imported_at_top(r) for r in removes):
            return None
        return self._local(finding, removes)

    def fixes(self, findings: Sequence[Finding]) -> Dict[Span, List[Replacement]]:
        result = {}
        for finding in findings:
            assert finding.fix is not None
            removes = self._removes(finding)
            if removes is None:
                result[finding.span] = self._whole(finding)
                continue
            if removes:  # this call was the import's last use: the import statement goes too
                local = self._local(finding, removes)
                result[finding.span] = self._whole(finding) if local is None else local
                continue
            placed = any(len(spec) == 3 for spec in finding.fix.add_imports)
            edits = [] if placed else \
                [r for span in self._top_spans(finding.fix.edits) for r in self._node_edit(span, finding.fix.edits)]
            if placed or finding.span[0] != finding.span[2] or any(needs_layout(self.source, edit, self.line_length) for edit in edits):
                local = self._local(finding)
                result[finding.span] = self._whole(finding) if local is None else local
                continue
            result[finding.span] = sorted(edits + self._imports(finding.fix.add_imports))
        return result

    @staticmethod
    def _top_spans(edits: Sequence[Edit]) -> List[Span]:
        spans = {e.span for e in edits}
        inside = lambda a, b: a != b and (b[0], b[1]) <= (a[0], a[1]) and (a[2], a[3]) <= (b[2], b[3])  # noqa: E731
        return sorted(s for s in spans if not any(inside(s, other) for other in spans))

    def _node_edit(self, top: Span, edits: Sequence[Edit]) -> List[Replacement]:
        nodes = self.nodes.get(top)
        if not nodes:
            raise FixError(f"no expression at {top}")
        by_span: Dict[Tuple[str, Span], List[Edit]] = {}
        for edit in edits:
            by_span.setdefault(("replace" if edit.kind == "replace" else "container", edit.span), []).append(edit)
        positions = self.positions

        class Apply(cst.CSTTransformer):
            def on_leave(self, original, updated):
                where = positions.get(original)
                if where is None or not isinstance(original, cst.BaseExpression):
                    return updated
                span = (where.start.line, where.start.column, where.end.line, where.end.column)
                return _apply_edits(updated, by_span.get(("container", span), ()), by_span.get(("replace", span), ()))

        new = nodes[-1].visit(Apply())
        text = self.module.code_for_node(new.with_changes(lpar=(), rpar=()))  # the span excludes parentheses
        start, end = self.offset(top[0], top[1]), self.offset(top[2], top[3])
        return [(start, end - start, text)]

    def _imports(self, add: Tuple[Tuple[str, Optional[str]], ...],
                 removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...] = (),
                 stubbed: bool = False) -> Optional[List[Replacement]]:
        """The top-level import changes: ``add`` placed as libcst places them, then ``removes``
        (imports whose last use the fix rewrote) taken out, in the codemod's order. ``stubbed``:
        the use being fixed is in the head's last statement (``_only_in_last``), which must be left
        out of the head; None where it cannot be."""
        add = tuple(spec for spec in add if len(spec) == 2)
        if not add and not removes:
            return []
        if (add, removes, stubbed) not in self.imports:
            short = self._short_head(removes, stubbed)
            found = None if short is None else _head_changes(short[0], add, removes)
            if found is None or any(offset + length >= short[1] for offset, length, _ in found):  # type: ignore[index]
                # the stub's place changed: the real head decides, unless it holds the use being fixed
                found = None if stubbed else _head_changes(self._head(), add, removes)
            self.imports[(add, removes, stubbed)] = found
        return self.imports[(add, removes, stubbed)]

    def _short_head(self, removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...], stubbed: bool = False
                    ) -> Optional[Tuple[cst.Module, int]]:
        """``_head`` with its last statement, a compound one (a class, a function) that names no
        import being removed (``stubbed``: but for the use being fixed), replaced by ``pass``
        (libcst's import visitors walk it with scope metadata: most of the cost of an import
        change), and where that ``pass`` starts. None where there is nothing to gain, or the
        source does not start as the head's code does."""
        head = self._head()
        last = head.body[-1] if head.body else None
        if not isinstance(last, cst.BaseCompoundStatement):
            return None
        where = self.positions[last]
        text = self.source[self.offset(where.start.line, where.start.column):
                           self.offset(where.end.line, where.end.column)]
        if not stubbed and any((asname or name or module.split(".")[0]) in text for module, name, asname in removes):
            return None
        stub = cst.SimpleStatementLine([cst.Pass()], leading_lines=last.leading_lines)
        short = head.with_changes(body=[*head.body[:-1], stub])
        start = len(short.code) - len("pass" + short.default_newline)
        return (short, start) if self.source.startswith(short.code[:start]) else None

    def _head(self) -> cst.Module:
        """The module up to the statement after its last top-level import (at least two
        statements): libcst places new imports by those alone (and separates them from the code
        that follows by a blank line), so a prefix of the source is transformed, not the file."""
        if self._head_module is None:
            body = self.module.body
            last = max((i for i, stmt in enumerate(body) if isinstance(stmt, cst.SimpleStatementLine)
                        and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)), default=-1)
            self._head_module = self.module.with_changes(body=body[:max(last + 2, min(2, len(body)))], footer=())
        return self._head_module

    def _head_end(self) -> int:
        """The last line of ``_head``."""
        body = self._head().body
        return self.positions[body[-1]].end.line if body else 0

    def _statement(self, line: int, column: int, end: Tuple[int, int]) -> int:
        """The innermost statement holding the source from (line, column) to ``end``, or -1."""
        index = bisect.bisect_right(self.statement_starts, (line, column)) - 1
        while index >= 0:  # the innermost holder is the last statement starting before, or its parent's
            where = self.positions[self.statements.nodes[index]]
            if (where.end.line, where.end.column) >= end:
                return index
            index = self.statements.parents[index]
        return -1

    def _local(self, finding: Finding, removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...] = ()
               ) -> Optional[List[Replacement]]:
        """The finding's fix by ``AdamWCodemod`` applied to the statements it touches (its call's,
        and the import statements a new name is placed next to), each generated on its own, with
        the module's top-level imports changed as the codemod changes them (``removes``: imports
        the fix leaves unused); the same line-level replacements ``_whole`` finds. None where that
        cannot be done safely."""
        assert finding.fix is not None
        touched = {self._statement(finding.span[0], finding.span[1], (finding.span[2], finding.span[3]))}
        touched.update(self._statement(spec[2][0], spec[2][1], (spec[2][0], spec[2][1] + 1))
                       for spec in finding.fix.add_imports if len(spec) == 3)
        if -1 in touched:
            return None
        inside = self._inside(finding, removes, touched)
        if inside is None:
            return None
        touched.update(inside)  # a function's own import that keeps another name: regenerated too
        top = tuple(r for r in removes if not any(r in held for held in inside.values()))
        if top and "__all__" in self.source:
            return None  # the module decides: ``__all__`` may keep a top-level name RemoveImportsVisitor sees there
        # the head (where the imports change) must not still hold the use being fixed: where that
        # use is inside the head's last statement, the head is read with that statement left out
        stubbed = bool(top) and any(self.positions[self.statements.nodes[i]].start.line <= self._head_end() for i in touched)
        if stubbed and not self._only_in_last(finding, top, touched):
            return None
        changed = [r for index in sorted(touched) for r in self._regenerate(index, finding, inside.get(index, ()))]
        imports = self._imports(finding.fix.add_imports, top, stubbed)
        if imports is None or any(r is None for r in changed):
            return None
        return _joined(sorted(changed + imports))  # type: ignore[arg-type]

    def _only_in_last(self, finding: Finding, removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...],
                      touched: Set[int]) -> bool:
        """Whether the statements the fix changes are inside the head's last statement, a compound
        one (the class or function after the imports), and the names of ``removes`` are written
        nowhere but in their imports and the call being fixed: no string, comment, annotation or
        attribute that libcst's scope analysis might read as a use (the source's text says so)."""
        last = self._head().body[-1] if self._head().body else None
        if not isinstance(last, cst.BaseCompoundStatement):
            return False
        for index in touched:
            while index != -1 and self.statements.nodes[index] is not last:
                index = self.statements.parents[index]
            if index == -1:
                return False
        start, end = self.offset(finding.span[0], finding.span[1]), self.offset(finding.span[2], finding.span[3])
        for module, name, asname in removes:
            word = asname or name or module.split(".")[0]
            mentions = self._mentions(word)
            if len(mentions) != self.uses[word] + 1 or sum(1 for at in mentions if not start <= at < end) != 1:
                return False  # named elsewhere, or in the call but not as the name used (``cast("Adam", …)``)
        return True

    def _inside(self, finding: Finding, removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...],
                touched: Set[int]) -> Optional[Dict[int, Tuple[Tuple[str, Optional[str], Optional[str]], ...]]]:
        """The imports to remove that are not at the module's top level, by the statement that holds
        them: a function's own ``from torch.optim import Adam``, which the fix joins ``AdamW`` to.
        Each must be the one statement importing it, and one the fix regenerates with the name it
        adds there, so that taking the old name out never empties it. None where an import to
        remove is elsewhere: the module decides."""
        found: Dict[int, Tuple[Tuple[str, Optional[str], Optional[str]], ...]] = {}
        placed = {self._statement(spec[2][0], spec[2][1], (spec[2][0], spec[2][1] + 1))  # type: ignore[misc]
                  for spec in finding.fix.add_imports if len(spec) == 3}  # type: ignore[union-attr]
        for remove in removes:
            if self._imported_at_top(remove):
                continue
            holders = self._holders(remove)
            if len(holders) != 1 or not (holders[0] in touched and holders[0] in placed
                                         or self._keeps_another(self.statements.nodes[holders[0]], removes)):
                return None
            name = remove[2] or remove[1]
            if len(self._mentions(name)) != self.uses[name] + 1:  # type: ignore[arg-type]
                return None  # also in a string (``"Adam"`` in __all__, an annotation, cast), a comment, an attribute
            found[holders[0]] = found.get(holders[0], ()) + (remove,)
        return found

    @staticmethod
    def _keeps_another(statement: cst.CSTNode, removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...]) -> bool:
        """Whether ``statement`` is one ``from … import`` that still imports a name once ``removes``
        are taken out of it (``from transformers import AdamW, get_linear_schedule_with_warmup``):
        regenerated alone, it is never emptied."""
        parts = getattr(statement, "body", ())
        return len(parts) == 1 and isinstance(parts[0], cst.ImportFrom) and not isinstance(parts[0].names, cst.ImportStar) \
            and any(not any(_imports(parts[0].with_changes(names=[alias]), *remove) for remove in removes)
                    for alias in parts[0].names)

    def _mentions(self, word: str) -> List[int]:
        """Where the source writes ``word`` as a word (code, strings and comments alike)."""
        return [m.start() for m in re.finditer(r"\b%s\b" % re.escape(word), self.source)]

    def _holders(self, remove: Tuple[str, Optional[str], Optional[str]]) -> List[int]:
        """The statements (their indexes) that import ``remove``; once per import a fix removes."""
        if remove not in self.holders:
            self.holders[remove] = [index for index, node in enumerate(self.statements.nodes)
                                    if isinstance(node, cst.SimpleStatementLine) and any(_imports(part, *remove) for part in node.body)]
        return self.holders[remove]

    def _imported_at_top(self, remove: Tuple[str, Optional[str], Optional[str]]) -> bool:
        return any(self.statements.parents[index] == -1 for index in self._holders(remove))

    def _regenerate(self, index: int, finding: Finding,
                    removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...] = ()) -> List[Optional[Replacement]]:
        """The lines of one statement the fix changes; ``removes``: imports it holds that the fix
        leaves unused, taken out as RemoveImportsVisitor takes them out of the whole module."""
        node = self.statements.nodes[index]
        if getattr(node, "decorators", ()):  # its text does not start at its position: the module decides
            return [None]
        indents = self.statements.indents[index]
        line = self.positions[node].start.line
        old_text = self._generate([node.with_changes(leading_lines=())], indents)
        begin = self.starts[line - 1]
        if self.source[begin:begin + len(old_text)] != old_text:
            return [None]  # the last line without its newline, say: the module decides
        command = self.command
        command._prepare(self.module, [finding], self.lines)
        command._indents = list(indents)
        new = node.visit(command)
        new_nodes = list(new.nodes) if isinstance(new, cst.FlattenSentinel) else [new]
        if removes:
            new_nodes = _without_imports(new_nodes, removes)
        new_nodes[0] = new_nodes[0].with_changes(leading_lines=())
        new_text = self._generate(new_nodes, indents)
        return [(begin + offset, length, text) for offset, length, text in replacements(old_text, new_text)]

    def _generate(self, nodes: Sequence[cst.CSTNode], indents: Tuple[str, ...]) -> str:
        """The code of statements inside blocks indented by ``indents`` (``Module.code_for_node``
        starts at no indentation, which would lose the block's indent on continuation lines)."""
        state = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline)
        state.indent_tokens.extend(indents)
        for node in nodes:
            node._codegen(state)
        return "".join(state.tokens)

    def _whole(self, finding: Finding) -> List[Replacement]:
        command = AdamWCodemod(CodemodContext(), only=finding.span, findings=[finding], path=self.path,
                               line_length=self.line_length)
        return replacements(self.source, command.transform_module(self.module).code)


def fix_local_import(source: str, finding: Finding, *, path: Optional[str] = None,
                     line_length: int = DEFAULT_LINE_LENGTH) -> Optional[str]:
    """The module fixed for ``finding`` alone when its fix changes a function's own import: what
    the whole module's transform writes, from the statements it touches (``_Singles``); None for
    any other fix, or where the module must decide."""
    assert finding.fix is not None
    removed = {(module, name) for module, name, _ in finding.fix.remove_imports}
    try:
        tree = ast.parse(source)
        top = {id(node) for node in tree.body}
        if not any((node.module, alias.name) in removed for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and id(node) not in top for alias in node.names):
            return None  # no import of a function's own to change: libcst is not loaded for nothing
        replaced = _Singles(source, path, line_length).local_import(finding)
    except (cst.ParserSyntaxError, RecursionError, SyntaxError, ValueError, FixError):
        return None
    return apply_replacements(source, replaced) if replaced is not None else None


def _without_imports(nodes: List[cst.CSTNode], removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...]
                     ) -> List[cst.CSTNode]:
    """``nodes`` (statements) without the imports ``removes`` names, by RemoveImportsVisitor run on
    a module of those statements alone: the names are known to be used nowhere else (``_Singles``
    counts their uses in the whole module), so its scope analysis need not see the rest."""
    context = CodemodContext()
    for module, name, asname in removes:
        RemoveImportsVisitor.remove_unused_import(context, module, name, asname)
    return list(RemoveImportsVisitor(context).transform_module(cst.Module(body=nodes)).body)  # type: ignore[arg-type]


def _head_changes(head: cst.Module, add: Tuple[Tuple[str, Optional[str]], ...],
                  removes: Tuple[Tuple[str, Optional[str], Optional[str]], ...]) -> List[Replacement]:
    """``add`` placed in ``head`` as libcst places imports, then ``removes`` taken out, as
    replacements in the head's code."""
    context = CodemodContext()
    for module, name in add:
        AddImportsVisitor.add_needed_import(context, module, name)
    new = AddImportsVisitor(context).transform_module(head)
    if removes:  # the name is used nowhere else in the module (counted): the head may decide
        context = CodemodContext()
        for module, name, asname in removes:
            RemoveImportsVisitor.remove_unused_import(context, module, name, asname)
        new = RemoveImportsVisitor(context).transform_module(new)
    return replacements(head.code, new.code)


def _imports(part: cst.BaseSmallStatement, module: str, name: Optional[str], asname: Optional[str]) -> bool:
    """Whether ``part`` is ``from module import name [as asname]`` (``import module [as
    asname]`` when ``name`` is None)."""
    if isinstance(part, cst.ImportFrom) and name is not None and part.module is not None and not part.relative \
            and not isinstance(part.names, cst.ImportStar):
        return libcst.helpers.get_full_name_for_node(part.module) == module and any(
            alias.evaluated_name == name and alias.evaluated_alias == asname for alias in part.names)
    if isinstance(part, cst.Import) and name is None:
        return any(alias.evaluated_name == module and alias.evaluated_alias == asname for alias in part.names)
    return False


__all__: Sequence[str] = ("AdamWCodemod", "FixError", "FixResult", "apply_replacements", "fix_each", "fix_each_cst",
                          "fix_source", "transform")

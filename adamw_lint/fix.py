"""The fixer: carries out the analysis engine's fix plans with libcst, losslessly.

``AdamWCodemod`` is a ``VisitorBasedCodemodCommand``, so the same fixer runs from
``adamw-lint fix`` and from ``python -m libcst.tool codemod -x adamw_lint.fix.AdamWCodemod --no-format``.
It never decides anything itself: which calls change, and into what, comes from
``analysis`` (the engine behind ``check`` and flake8); this module only edits the nodes at the
spans the plan names, and schedules the imports through libcst's own import visitors.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider

from .analysis import analyze_source
from .findings import Edit, Finding, Span
from .noqa import without_noqa
from .selection import Selection


class FixError(Exception):
    """The fixed text was not written: it would not parse, or still has fixable findings."""


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
    ) -> None:
        super().__init__(context)
        self._given = findings  # already analyzed by the caller (fix_source): not again
        self.style = style
        self.selection = selection or Selection()
        self.only = only  # fix just the finding at this span (SARIF's per-result fixes)
        self.applied: List[Finding] = []
        self._edits: Dict[Tuple[str, Span], List[Edit]] = {}

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
            self._given = self.selection.filter(without_noqa(analyze_source(source, self.style), source))
        findings = [f for f in self._given if f.fix and (self.only is None or f.span == self.only)]
        self._given = None  # libcst.tool reuses one command for many files
        self.applied = findings
        self._edits = {}
        if not findings:
            return tree
        for finding in findings:
            assert finding.fix is not None
            for edit in finding.fix.edits:
                target = "replace" if edit.kind == "replace" else "container"
                self._edits.setdefault((target, edit.span), []).append(edit)
            for module, name in finding.fix.add_imports:
                AddImportsVisitor.add_needed_import(self.context, module, name)
            for module, name, asname in finding.fix.remove_imports:
                RemoveImportsVisitor.remove_unused_import(self.context, module, name, asname)
        return tree.visit(self)

    def _span(self, node: cst.CSTNode) -> Span:
        code_range = self.get_metadata(PositionProvider, node)
        return (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        updated = super().on_leave(original_node, updated_node)
        if not self._edits or not isinstance(original_node, cst.BaseExpression):
            return updated
        span = self._span(original_node)
        for edit in self._edits.get(("container", span), ()):
            updated = _apply_container_edit(updated, edit)
        for edit in self._edits.get(("replace", span), ()):
            replacement = cst.parse_expression(edit.text)
            updated = replacement.with_changes(lpar=updated.lpar, rpar=updated.rpar)  # type: ignore[union-attr]
        return updated


def _apply_container_edit(node, edit: Edit):
    if edit.kind == "add-keyword" and isinstance(node, cst.Call):
        arg = cst.Arg(
            keyword=cst.Name(edit.name),
            value=cst.parse_expression(edit.text),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        return node.with_changes(args=_append(list(node.args), arg))
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


def _append(items: List[cst.Arg], new: cst.Arg) -> List[cst.Arg]:
    """Append keeping the call's layout: the new item takes the old last item's (trailing) comma,
    and the old last item takes the comma before it (one line, or one item per line)."""
    if not items:
        return [new]
    last = items[-1]
    separator = items[-2].comma if len(items) > 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if not isinstance(separator, cst.Comma):
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*items[:-1], last.with_changes(comma=separator), new.with_changes(comma=last.comma)]


def _remove(items: List[_Item], match) -> List[_Item]:
    """Remove matching items; when the last one goes, the new last item inherits its comma."""
    kept: List[_Item] = []
    for i, item in enumerate(items):
        if not match(item):
            kept.append(item)
        elif i == len(items) - 1 and kept:
            kept[-1] = kept[-1].with_changes(comma=item.comma)
    return kept


@dataclass
class FixResult:
    source: str  # the fixed text (the input when nothing changed)
    fixed: List[Finding] = field(default_factory=list)  # findings whose fix was applied
    remaining: List[Finding] = field(default_factory=list)  # findings left (no automatic fix)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def fix_source(
    source: str,
    style: str = "rename",
    selection: Optional[Selection] = None,
    only: Optional[Span] = None,
    findings: Optional[List[Finding]] = None,
) -> FixResult:
    """Fix one module's text. Raises SyntaxError for input that does not parse, and FixError
    (nothing changed) when the result would not parse or would still have fixable findings.
    ``only``: fix just the finding at that span. ``findings``: this text's selected, noqa-filtered
    findings when the caller has them already."""
    selection = selection or Selection()
    if findings is None:
        findings = selection.filter(without_noqa(analyze_source(source, style), source))
    if not any(f.fix for f in findings):
        return FixResult(source, [], findings)
    command = AdamWCodemod(CodemodContext(), style=style, selection=selection, only=only, findings=findings)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise SyntaxError(str(error)) from None
    new_source = command.transform_module(module).code
    try:
        ast.parse(new_source)
    except SyntaxError as error:
        raise FixError(f"the fixed code would not parse ({error.msg}); nothing was changed") from None
    after = selection.filter(without_noqa(analyze_source(new_source, style), new_source))
    unfixed = [f for f in after if f.fix] if only is None else []
    if unfixed:
        where = ", ".join(f"line {f.line} ({f.code})" for f in unfixed)
        raise FixError(f"a fix did not apply cleanly at {where}; nothing was changed")
    return FixResult(new_source, command.applied, after)


__all__: Sequence[str] = ("AdamWCodemod", "FixError", "FixResult", "fix_source")

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
import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from .analysis import analyze_source
from .files import physical_lines
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
        return _apply_edits(updated, self._edits.get(("container", span), ()), self._edits.get(("replace", span), ()))


def _apply_edits(node, container: Sequence[Edit], replace: Sequence[Edit]):
    """One node's edits: first those on the call or dict itself, then a replacement of the node."""
    for edit in container:
        node = _apply_container_edit(node, edit)
    for edit in replace:
        node = cst.parse_expression(edit.text).with_changes(lpar=node.lpar, rpar=node.rpar)
    return node


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


Replacement = Tuple[int, int, str]  # 0-based character offset into the source, characters deleted, text inserted


def fix_each(source: str, findings: Sequence[Finding]) -> Dict[Span, List[Replacement]]:
    """Each fixable finding's own fix, as if it were the only one applied, from ONE libcst parse of
    ``source`` (SARIF's per-result fixes). Keyed by the finding's span; import changes included.
    A file libcst cannot parse, or nests too deeply, gets no fixes (never an exception)."""
    wanted = [f for f in findings if f.fix is not None and f.cell is None]
    if not wanted:
        return {}
    try:
        return _Singles(source).fixes(wanted)
    except (cst.ParserSyntaxError, RecursionError, SyntaxError, ValueError, FixError):
        return {}


class _Singles:
    """One parse and one position table, shared by every finding's fix."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.module = cst.parse_module(source)
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
        self.uses = Counter(n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name))
        self.imports: Dict[object, List[Replacement]] = {}

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def fixes(self, findings: Sequence[Finding]) -> Dict[Span, List[Replacement]]:
        result = {}
        for finding in findings:
            assert finding.fix is not None
            removes = tuple(r for r in finding.fix.remove_imports if self.uses[r[2] or r[1]] <= 1)
            if removes:  # the import goes only if this call was its last use: the whole file decides
                result[finding.span] = self._whole(finding)
                continue
            edits = [r for span in self._top_spans(finding.fix.edits) for r in self._node_edit(span, finding.fix.edits)]
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

    def _imports(self, add: Tuple[Tuple[str, Optional[str]], ...]) -> List[Replacement]:
        if not add:
            return []
        if add not in self.imports:
            # libcst places new imports by the module's top-level imports only: transform the
            # statements up to the last of them (a prefix of the source), not the whole file
            body = self.module.body
            last = max((i for i, stmt in enumerate(body) if isinstance(stmt, cst.SimpleStatementLine)
                        and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)), default=-1)
            head = self.module.with_changes(body=body[:max(last + 1, min(2, len(body)))], footer=())
            context = CodemodContext()
            for module, name in add:
                AddImportsVisitor.add_needed_import(context, module, name)
            new = AddImportsVisitor(context).transform_module(head).code
            self.imports[add] = _replacements(head.code, new)
        return self.imports[add]

    def _whole(self, finding: Finding) -> List[Replacement]:
        command = AdamWCodemod(CodemodContext(), only=finding.span, findings=[finding])
        return _replacements(self.source, command.transform_module(self.module).code)


def _replacements(old: str, new: str) -> List[Replacement]:
    """Line-level differences between two texts, as replacements in ``old``."""
    before, after = physical_lines(old), physical_lines(new)
    starts = [0]
    for line in before:
        starts.append(starts[-1] + len(line))
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            found.append((starts[i1], starts[i2] - starts[i1], "".join(after[j1:j2])))
    return found


def apply_replacements(source: str, replacements: Sequence[Replacement]) -> str:
    """``source`` with non-overlapping replacements applied (what a SARIF consumer does)."""
    for offset, length, text in sorted(replacements, reverse=True):
        source = source[:offset] + text + source[offset + length:]
    return source


__all__: Sequence[str] = ("AdamWCodemod", "FixError", "FixResult", "apply_replacements", "fix_each", "fix_source")

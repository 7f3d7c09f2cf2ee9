"""Property-based tests of the fixer over generated call shapes (hypothesis).

Properties: the fixed program parses; re-checking it finds nothing fixable; fixing is
idempotent; every line outside the rewritten calls and the import block is unchanged; the AST
differs from the original's only by the expected renames and switch edits; and pycodestyle finds
no continuation-line, line-length or trailing-whitespace problem the original did not have.
Programs have hanging and visually aligned calls, imports guarded by ``try``/``if``, and star
imports that could rebind a bare new name.
"""
import ast
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fix_format import new_style_problems

from adamw_lint.analysis import analyze_source
from adamw_lint.fix import fix_source

IMPORTS = {
    "torch.optim.{cls}": "import torch",
    "optim.{cls}": "import torch.optim as optim",
    "O.{cls}": "from torch import optim as O",
    "{cls}": "from torch.optim import {cls}",
    "X{cls}": "from torch.optim import {cls} as X{cls}",
}

comment = st.sampled_from(["", "  # note", "  # weight_decay=1e-4 in a comment"])
newline = st.sampled_from(["", "\n    ", "\n        "])
wd_value = st.sampled_from(["1e-4", "5e-4", "0.0", "0", "args.wd", "WD", "cfg['wd']"])


@st.composite
def call(draw):
    cls = draw(st.sampled_from(["Adam", "NAdam", "RAdam", "AdamW", "Adamax", "SGD"]))
    spelling = draw(st.sampled_from(sorted(IMPORTS)))
    name = spelling.format(cls=cls)
    imports = IMPORTS[spelling].format(cls=cls)
    params = draw(st.sampled_from(["model.parameters()", "params", "[{'params': a, 'weight_decay': 1e-4}, {'params': b}]"]))
    positional = draw(st.booleans())
    if positional:
        args = [params, "1e-3", "(0.9, 0.999)", "1e-8", draw(wd_value)]
    else:
        args = [params, "lr=1e-3"]
        if draw(st.booleans()):
            args.append(f"weight_decay={draw(wd_value)}")
    if cls in ("Adam", "NAdam", "RAdam") and draw(st.booleans()):
        args.append(f"decoupled_weight_decay={draw(st.sampled_from(['False', 'True']))}")
    pieces = []
    if draw(st.booleans()):  # visually aligned with the bracket (ALIGN: filled in by program())
        text = f"{name}(" + ",\nALIGN".join(args) + ")"
    else:
        for arg in args:
            pieces.append(draw(newline) + arg)
        trailing = "," if draw(st.booleans()) else ""
        text = f"{name}(" + ", ".join(pieces) + trailing + draw(newline) + ")"
    if draw(st.booleans()):
        text = f"functools.partial({name}, " + ", ".join(args[1:] or ["lr=1e-3"]) + ")"
        imports += "\nimport functools"
    return imports, text


@st.composite
def program(draw):
    calls = draw(st.lists(call(), min_size=1, max_size=4))
    imports = sorted({line for imp, _ in calls for line in imp.splitlines()})
    guard = draw(st.sampled_from(["", "try", "if"]))
    if guard == "try":
        imports = ["try:", *(f"    {line}" for line in imports), "except ImportError:", "    pass"]
    elif guard == "if":
        imports = ["if os.environ.get('USE_TORCH', '1') == '1':", *(f"    {line}" for line in imports)]
    if draw(st.booleans()):
        imports.append(draw(st.sampled_from(["from mylib import *", "from .helpers import *"])))
    body = ["WD = 3e-4", "", "", "def unrelated(x):", "    return x * 2  # keep me", "", ""]
    for i, (_, text) in enumerate(calls):
        prefix = f"opt{i} = "
        text = text.replace("ALIGN", " " * (len(prefix) + text.index("(") + 1))
        body.append(f"{prefix}{text}{draw(comment)}")
        if draw(st.booleans()):
            body.append("print('between calls')")
    return "\n".join(["import os", *imports, "", *body]) + "\n"


def _normalize(tree: ast.AST) -> str:
    """An AST dump with the edits the fixer is allowed to make undone."""

    class Undo(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if node.attr in ("Adam", "AdamW"):  # torch.optim.AdamW where a star import took the bare name
                return ast.Name(id="Adam", ctx=node.ctx)
            return node

        def visit_Import(self, node):
            return None

        visit_ImportFrom = visit_Import

        def visit_Name(self, node):
            if node.id in ("AdamW", "XAdamW", "XAdam"):
                node.id = "Adam"
            return node

        def visit_Call(self, node):
            self.generic_visit(node)
            node.keywords = [
                k for k in node.keywords
                if k.arg != "decoupled_weight_decay"
                and not (k.arg == "weight_decay" and isinstance(k.value, ast.Constant) and k.value.value == 0)
            ]
            node.args = [a for a in node.args if not (isinstance(a, ast.Constant) and isinstance(a.value, bool))]
            return node

    tree = Undo().visit(tree)
    return "\n".join(ast.dump(s) for s in tree.body)  # type: ignore[attr-defined]


EXAMPLES = int(os.environ.get("ADAMW_LINT_FUZZ_EXAMPLES", "150"))  # docs/reliability.md: a longer run


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program())
def test_fixer_properties(source):
    result = fix_source(source)
    fixed = result.source
    ast.parse(fixed)
    assert [f for f in analyze_source(fixed) if f.fix] == []
    assert fix_source(fixed).source == fixed
    if not result.changed:
        assert fixed == source
        return
    spans = [f.span for f in result.fixed]
    # every line outside the rewritten calls and the imports is still there, in order (lines of a
    # rewritten call may move, e.g. continuation lines aligned with a bracket that moved)
    kept = [line for number, line in enumerate(source.splitlines(), 1)
            if not any(start <= number <= end for start, _, end, _ in spans) and "import" not in line]
    remaining = iter(fixed.splitlines())
    assert all(any(line == other for other in remaining) for line in kept), kept
    assert _normalize(ast.parse(source)) == _normalize(ast.parse(fixed))
    assert new_style_problems(source, fixed) == {}


def test_generated_programs_exercise_the_fixer():
    # the generator must produce programs the fixer changes, or the properties above prove little;
    # counted here, by this test alone, so it holds whichever tests run before it
    changed = []

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(program())
    def fix_one(source):
        changed.append(fix_source(source).changed)

    fix_one()
    assert len(changed) >= 50 and sum(changed) >= 10

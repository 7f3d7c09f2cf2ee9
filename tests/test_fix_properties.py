"""Property-based tests of the fixer over generated call shapes (hypothesis).

Properties: the fixed program parses; re-checking it finds nothing fixable; fixing is
idempotent; every line outside the rewritten calls and the import block is unchanged; and the
AST differs from the original's only by the expected renames and switch edits.
"""
import ast
import difflib
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    body = ["WD = 3e-4", "", "def unrelated(x):", "    return x * 2  # keep me", ""]
    for i, (_, text) in enumerate(calls):
        body.append(f"opt{i} = {text}{draw(comment)}")
        if draw(st.booleans()):
            body.append("print('between calls')")
    return "\n".join(["import os", *imports, "", *body]) + "\n"


def _normalize(tree: ast.AST) -> str:
    """An AST dump with the edits the fixer is allowed to make undone."""

    class Undo(ast.NodeTransformer):
        def visit_Attribute(self, node):
            self.generic_visit(node)
            if node.attr == "AdamW":
                node.attr = "Adam"
            return node

        def visit_Name(self, node):
            if node.id in ("AdamW", "XAdamW"):
                node.id = "Adam"
            if node.id == "XAdam":
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
    body = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]  # type: ignore[attr-defined]
    return "\n".join(ast.dump(s) for s in body)


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
    before, after = source.splitlines(), fixed.splitlines()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            for line in range(i1 + 1, i2 + 1):
                inside = any(start <= line <= end for start, _, end, _ in spans)
                assert inside or "import" in before[line - 1], (line, before[line - 1])
    assert _normalize(ast.parse(source)) == _normalize(ast.parse(fixed))


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

"""JSON/SARIF fixes, libcst's limits and notebook fixes: work that grows with the input, and a
native crash of libcst's parser that costs one file, not the run (issues 20 and 23: H15, H16b,
H17, H21a). Costs are counted as operations, never timed."""

import json
import sys
from contextlib import contextmanager

import libcst as cst
import pytest
from libcst._nodes.internal import CodegenState

from adamw_lint.analysis import analyze_source
from adamw_lint.fix import CST_CHAIN_LIMIT, FixError, apply_replacements, fix_each, fix_source, parse_module
from adamw_lint.noqa import without_noqa
from helpers import BAD, run_cli


@contextmanager
def counted_tokens():
    """Every token libcst's code generation emits (``.code``, ``code_for_node``, the position
    table): an operation count for the code generated."""
    count = [0]
    original = CodegenState.add_token

    def add_token(self, value):
        count[0] += 1
        return original(self, value)

    CodegenState.add_token = add_token
    try:
        yield count
    finally:
        CodegenState.add_token = original


def _big_module(lines: int, findings: int) -> str:
    """A module of about ``lines`` lines with ``findings`` findings of every kind the per-finding
    fixes handle: calls over two lines (H17), calls on one line, a from-import the new name joins,
    calls inside functions and classes, and a line at the line length that the rename makes too
    long (broken as black would: libcst's work, where the others are done on the text)."""
    head = "import torch\nfrom torch.optim import Adam\n"
    kinds = [
        "opt{i} = torch.optim.Adam(\n    p, weight_decay=1e-4)\n",
        "opt{i} = torch.optim.Adam(p, weight_decay=1e-4)\n",
        "opt{i} = Adam(p, lr=1e-3, weight_decay=1e-4)\n",
        "def make{i}(p):\n    return torch.optim.Adam(\n        p, weight_decay=1e-4)\n",
        "class Holder{i}:\n    def build(self, p):\n"
        "        self.opt = Adam(p,\n                        weight_decay=1e-4)\n",
        "opt_at_the_line_length_{i:05d} = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n",
    ]
    filler = lines // findings - 2
    parts = [head]
    for i in range(findings):
        parts.append("x = 1\n" * filler)
        parts.append(kinds[i % len(kinds)].format(i=i))
    return "".join(parts)


def _findings(source):
    return without_noqa(analyze_source(source), source)


def test_json_fixes_of_a_20000_line_file_with_200_findings_generate_code_in_linear_time():
    source = _big_module(20000, 200)
    assert source.count("\n") >= 20000
    findings = _findings(source)
    assert len(findings) == 200 and all(f.fix for f in findings)
    with counted_tokens() as once:
        cst.parse_module(source).code
    with counted_tokens() as tokens:
        each = fix_each(source, findings)
    assert set(each) == {f.span for f in findings}
    # the position table is one generation of the module, each finding's statement one more: a
    # few modules' worth in all (a whole-module transform per finding was about 600 modules' worth)
    assert 0 < tokens[0] <= 4 * once[0], (tokens[0], once[0])  # libcst did the too-long lines
    for finding in findings[:5]:  # each fix alone is the fix of that call: its lines and the import change
        fixed = apply_replacements(source, each[finding.span]).splitlines()
        changed = [n for n, (a, b) in enumerate(zip(source.splitlines(), fixed)) if a != b]
        assert len(fixed) == source.count("\n") and 1 <= len(changed) <= 3, (finding, changed)
        assert all(abs(n + 1 - finding.line) <= 3 or n < 3 for n in changed), (finding, changed)


def test_each_finding_fix_equals_fixing_that_finding_alone_in_a_generated_module():
    source = _big_module(300, 10)
    findings = _findings(source)
    assert len(findings) == 10
    each = fix_each(source, findings)
    for finding in findings:
        assert apply_replacements(source, each[finding.span]) == fix_source(source, only=finding.span).source, finding


LOCAL_IMPORTS = [  # a function's own import of the class, which the fix changes (avalanche's strategy_wrappers.py)
    "    from torch.optim import Adam\n",
    "    from torch.optim import Adam, SGD\n",
    "    from torch.optim import SGD, Adam  # the optimizers\n",
    "    from torch.optim import (\n        Adam,  # adaptive\n        SGD,\n    )\n",
    "    import os; from torch.optim import Adam\n",
]


@pytest.mark.parametrize("local", LOCAL_IMPORTS)
@pytest.mark.parametrize("listed", ["", '__all__ = ["train"]\n'])
def test_a_local_import_the_fix_changes_is_fixed_statement_by_statement(monkeypatch, local, listed):
    """The fix joins ``AdamW`` to the function's own import and takes ``Adam`` out: the same
    lines as a transform of the whole module (libcst's import visitors with scope metadata over
    all of it: 18 s on a 55 KB module), from the two statements alone."""
    from adamw_lint import fix

    filler = "".join(f"def helper_{i}(x):\n    return [x * {i}, {{'k': x}}]\n\n" for i in range(40))
    source = (f"import torch\n{listed}\n{filler}def train(model):\n{local}"
              "    return Adam(model.parameters(), lr=1e-3,\n                weight_decay=1e-4)\n\n" + filler)
    findings = _findings(source)
    assert len(findings) == 1 and findings[0].fix is not None
    expected = fix_source(source, only=findings[0].span).source
    assert "import Adam\n" not in expected and "AdamW" in expected
    monkeypatch.setattr(fix._Singles, "_whole", lambda self, finding: pytest.fail("the whole module was transformed"))
    each = fix_each(source, findings)
    assert apply_replacements(source, each[findings[0].span]) == expected


@pytest.mark.parametrize("mention", ['    return typing.cast("Adam", opt)\n', '    opt: "Adam"\n    return opt\n',
                                     '    return opt  # an Adam\n'])
def test_a_local_import_named_in_a_string_or_comment_is_left_to_the_whole_module(monkeypatch, mention):
    """libcst's scope analysis reads a string annotation or ``cast("Adam", …)`` as a use of the
    import (it keeps ``Adam``): the statements alone cannot tell, so the module decides."""
    from adamw_lint import fix

    source = ("import typing\nFILLER = 1\n\n\ndef train(model):\n    from torch.optim import Adam\n"
              "    opt = Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n" + mention)
    findings = _findings(source)
    whole = []
    original = fix._Singles._whole
    monkeypatch.setattr(fix._Singles, "_whole", lambda self, finding: whole.append(1) or original(self, finding))
    expected = fix_source(source, only=findings[0].span).source
    assert apply_replacements(source, fix_each(source, findings)[findings[0].span]) == expected
    assert whole and fix_source(source).source == expected


def test_a_package_init_keeps_the_import_its_users_may_import(tmp_path):
    """``from torch.optim import Adam`` in a package's ``__init__.py`` is its API: the codemod
    never removes it, and the per-finding fix of a call that needs breaking does not either."""
    init = tmp_path / "pkg" / "__init__.py"
    init.parent.mkdir()
    source = ("from torch.optim import Adam\nFILLER = 1\n\n\ndef make_optimizer(model, lr, wd):\n"
              "    return Adam(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, 0.999), eps=1e-8)\n")
    findings = _findings(source)
    expected = fix_source(source, only=findings[0].span, path=str(init)).source
    assert "from torch.optim import AdamW, Adam" in expected or "from torch.optim import Adam, AdamW" in expected
    each = fix_each(source, findings, path=str(init))
    assert apply_replacements(source, each[findings[0].span]) == expected


def test_a_local_import_that_another_function_also_makes_is_left_to_the_whole_module():
    """Two statements import the name: which one the fix empties is the module's scope analysis."""
    source = ("import torch\n\ndef train(model):\n    from torch.optim import Adam\n"
              "    return Adam(model.parameters(), weight_decay=1e-4)\n\n"
              "def other():\n    from torch.optim import Adam\n    return 1\n")
    findings = _findings(source)
    each = fix_each(source, findings)
    assert apply_replacements(source, each[findings[0].span]) == fix_source(source, only=findings[0].span).source


def test_an_import_whose_name_is_only_bound_again_is_removed_as_the_module_decides():
    """``except ImportError: AdamW = None`` binds the name again but never reads it: the import is
    unused once the call is fixed, and the SARIF fix takes it out as ``fix`` does."""
    source = ("try:\n    from transformers import AdamW\nexcept ImportError:\n    AdamW = None\n"
              "opt = AdamW(params, lr=5e-5)\n")
    findings = _findings(source)
    expected = fix_source(source, only=findings[0].span).source
    assert "from transformers import AdamW" not in expected
    assert apply_replacements(source, fix_each(source, findings)[findings[0].span]) == expected


# supar's parser.py: the imports, then one class that holds every use; the optimizer's class
# imported at the top, ``transformers.AdamW`` imported with another name in a method
SUPAR = """import os

import torch
from torch.optim import Adam
{top}

class Parser:
    def train(self, args):
        if args.encoder == "lstm":
            self.optimizer = Adam(self.model.parameters(), args.lr, (args.mu, args.nu), args.eps, args.weight_decay)
        else:
            {local}
            self.optimizer = AdamW(
                [{{"params": p}} for n, p in self.model.named_parameters()],
                args.lr)
            self.scheduler = get_linear_schedule_with_warmup(self.optimizer, 1, 2)
{rest}"""
SUPAR_LOCALS = [
    "from transformers import AdamW, get_linear_schedule_with_warmup",
    "from transformers import (AdamW,  # removed in 4.50\n                get_linear_schedule_with_warmup)",
    "from transformers import get_linear_schedule_with_warmup, AdamW",
]


@pytest.mark.parametrize("local", SUPAR_LOCALS)
@pytest.mark.parametrize("top, rest", [("", ""), ("from torch.optim.lr_scheduler import ExponentialLR\n", ""),
                                       ("", "\n\ndef later():\n    return os.sep\n")])
def test_a_use_inside_the_statement_after_the_imports_is_fixed_statement_by_statement(monkeypatch, local, top, rest):
    """The import's last use is inside the class that follows the imports (the head libcst places
    imports by): the class is left out of the head as a stub, so the import change is found
    without it, and a function's own import that keeps another name is regenerated alone."""
    from adamw_lint import fix

    source = SUPAR.format(top=top, local=local, rest=rest)
    findings = _findings(source)
    assert [f.code for f in findings] == ["AWL101", "AWL104"]
    expected = [fix_source(source, only=finding.span).source for finding in findings]
    assert "from torch.optim import Adam\n" not in expected[0] and "from transformers import AdamW" not in expected[1]
    monkeypatch.setattr(fix._Singles, "_whole", lambda self, finding: pytest.fail("the whole module was transformed"))
    each = fix_each(source, findings)
    assert [apply_replacements(source, each[finding.span]) for finding in findings] == expected


@pytest.mark.parametrize("mention", ['    """Trains with Adam."""\n', "    # an Adam\n", '    KIND = "Adam"\n',
                                     "    kind = torch.optim.Adam\n"])
def test_an_import_named_again_in_the_class_after_the_imports_is_left_to_the_whole_module(monkeypatch, mention):
    """The class that is stubbed out of the head also names the class in a docstring, comment,
    string or attribute: whether the import stays is the module's scope analysis."""
    source = SUPAR.format(top="", local=SUPAR_LOCALS[0], rest="").replace("class Parser:\n", "class Parser:\n" + mention)
    findings = _findings(source)
    each = fix_each(source, findings)
    for finding in findings:
        assert apply_replacements(source, each[finding.span]) == fix_source(source, only=finding.span).source


def test_two_functions_that_each_import_the_class_are_fixed_as_the_module_decides():
    """Each function's own ``from transformers import AdamW, …``: the uses of ``AdamW`` are counted
    in the module (two), but each import's last use is in its own function; the scopes decide."""
    body = "    from transformers import AdamW, {other}\n    opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)\n"
    source = ("import torch\n\n\ndef a(model):\n" + body.format(other="get_linear_schedule_with_warmup")
              + "\n\ndef b(model):\n" + body.format(other="get_constant_schedule"))
    findings = _findings(source)
    assert [f.code for f in findings] == ["AWL104", "AWL104"]
    each = fix_each(source, findings)
    for finding in findings:
        fixed = apply_replacements(source, each[finding.span])
        assert fixed == fix_source(source, only=finding.span).source and fixed.count("import AdamW") == 1


def test_fix_each_builds_one_fixer_per_file():
    from adamw_lint import fix

    source = _big_module(600, 20)
    built = []
    original = fix.AdamWCodemod.__init__

    def init(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    fix.AdamWCodemod.__init__ = init
    try:
        each = fix_each(source, _findings(source))
    finally:
        fix.AdamWCodemod.__init__ = original
    assert len(each) == 20 and len(built) == 1  # for the three lines the rename makes too long


# --- H15: an and/or chain that overflows libcst's native parser --------------------------------

CHAIN = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\nflag = " + " or ".join(["a"] * 12000) + "\n"


def test_a_long_or_chain_is_refused_before_libcst_parses_it():
    with pytest.raises(FixError, match="chain of 12000 operands.*libcst"):
        parse_module(CHAIN)
    assert isinstance(parse_module("x = " + " or ".join(["a"] * (CST_CHAIN_LIMIT - 1)) + "\n"), cst.Module)
    # the words alone do not refuse a file: only a real chain does
    words = "".join(f"# and or\nx{i} = a or b\n" for i in range(CST_CHAIN_LIMIT))
    assert parse_module(words).code == words


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fix_with_a_chain_file_reports_it_and_fixes_the_others(tmp_path, jobs):
    for name in ("a.py", "c.py"):
        (tmp_path / name).write_text(BAD)
    (tmp_path / "b.py").write_text(CHAIN)
    result = run_cli("fix", "-j", jobs, ".", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "b.py: not fixed: an `and`/`or` chain of 12000 operands" in result.stderr
    assert "Traceback" not in result.stderr
    assert "AdamW" in (tmp_path / "a.py").read_text() and "AdamW" in (tmp_path / "c.py").read_text()
    assert (tmp_path / "b.py").read_text() == CHAIN


def test_serial_and_parallel_agree_on_a_chain_file(tmp_path):
    for name in ("a.py", "c.py"):
        (tmp_path / name).write_text(BAD)
    (tmp_path / "b.py").write_text(CHAIN)
    runs = [run_cli("fix", "--diff", "-j", jobs, ".", cwd=tmp_path) for jobs in ("1", "2")]
    assert runs[0].returncode == 2 and "b.py: not fixed" in runs[0].stderr
    serial, parallel = [(r.returncode, r.stdout, r.stderr) for r in runs]
    assert serial == parallel


@pytest.mark.parametrize("form", ["json", "sarif"])
def test_json_and_sarif_on_a_chain_file_report_the_finding_without_edits(tmp_path, form):
    (tmp_path / "b.py").write_text(CHAIN)
    result = run_cli("check", "--format", form, "b.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    if form == "json":
        assert [f["code"] for f in document] == ["AWL101"] and "edits" not in document[0]["fix"]
    else:
        assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["AWL101"]


# --- H16b: libcst's own limit is not a syntax error --------------------------------------------

def test_libcst_limit_on_valid_python_is_named_as_such(tmp_path):
    strings = "x = " + " ".join(['"a"'] * 5000) + "\n"
    # the fix joins a name to an import in brackets on one line (libcst's work); a rename, and the
    # import of the renamed name alone or among others on a line, are done on the text (textfix)
    source = "from torch.optim import (Adam, SGD)\nopt = Adam(p, weight_decay=1e-4)\n" + strings
    compile(source, "s.py", "exec")  # valid Python
    (tmp_path / "s.py").write_text(source)
    (tmp_path / "renamed.py").write_text(BAD + strings)
    result = run_cli("fix", "s.py", "renamed.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "s.py: not fixed: libcst, the library that rewrites code, cannot parse this valid Python" in result.stderr
    assert "its own limit, not a syntax error" in result.stderr
    assert "renamed.py" not in result.stderr and "AdamW(" in (tmp_path / "renamed.py").read_text()


def test_a_real_syntax_error_is_still_a_syntax_error():
    with pytest.raises(SyntaxError):
        parse_module("x = (\n")


# --- H21a: a notebook fix is linear in the number of cells -------------------------------------

def _notebook(cells: int) -> bytes:
    code = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": [f"x{i} = {i}\n"]} for i in range(cells)]
    code[0]["source"] = ["import torch\n"]
    code[1]["source"] = ["from torch.optim import Adam\n", "opt = Adam(p, weight_decay=1e-4)\n"]
    return json.dumps({"cells": code, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


def _calls_to_fix(cells: int) -> int:
    """Python calls and generator steps while fixing a notebook of ``cells`` cells."""
    from adamw_lint import notebook
    from adamw_lint.selection import Selection

    raw = _notebook(cells)
    count = [0]

    def profile(frame, event, arg):
        if event == "call":
            count[0] += 1

    sys.setprofile(profile)
    try:
        fixed = notebook.fix_cells("nb.ipynb", raw, Selection(), "rename")
    finally:
        sys.setprofile(None)
    assert fixed.data is not None and b"AdamW" in fixed.data
    return count[0]


def test_notebook_fix_work_grows_linearly_with_the_cells():
    small, large = _calls_to_fix(1000), _calls_to_fix(2000)
    assert large < 2.3 * small, (small, large)  # the quadratic scan made it about 3.5 times


def test_matcher_search_happens_once_per_transformer_class(monkeypatch):
    import builtins

    import libcst.matchers as m
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    from adamw_lint.fix import AdamWCodemod

    for kind in (AdamWCodemod, AddImportsVisitor, RemoveImportsVisitor):
        kind(CodemodContext())  # the first of each class searches
    calls = []
    original = builtins.dir
    monkeypatch.setattr(builtins, "dir", lambda *a: calls.append(1) or original(*a))
    for _ in range(50):
        for kind in (AdamWCodemod, AddImportsVisitor, RemoveImportsVisitor):
            kind(CodemodContext())
    assert calls == []

    class Decorated(m.MatcherDecoratableTransformer):  # a class with decorated methods still gets them
        @m.leave(m.Name("a"))
        def rename(self, original, updated):
            return updated.with_changes(value="b")

    monkeypatch.setattr(builtins, "dir", original)
    assert cst.parse_module("a = a\n").visit(Decorated()).code == "b = b\n"
    assert cst.parse_module("a = 1\n").visit(Decorated()).code == "b = 1\n"


def test_fix_each_on_a_file_whose_lines_end_in_a_lone_carriage_return():
    # libcst counts a lone CR as a line end: the fixer's own line lookups must too (an IndexError before)
    source = "import torch\nopts = [\n    torch.optim.Adam(p, weight_decay=1e-4),\n    torch.optim.Adam(\n" \
             "        q, weight_decay=1e-4),\n]\n".replace("\n", "\r")
    findings = _findings(source)
    each = fix_each(source, findings)
    assert len(findings) == 2 and set(each) == {f.span for f in findings}
    first, second = (apply_replacements(source, each[f.span]) for f in findings)
    assert first == source.replace("Adam(p", "AdamW(p") and second == source.replace("Adam(\r", "AdamW(\r")

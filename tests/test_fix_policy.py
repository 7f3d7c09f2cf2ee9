"""What a fix may do: its applicability, the torch it must run on, where its imports go, what it
keeps (hostile inputs #3-#6), the ZeRO trap (17) and the optax chain's hidden arguments."""
import ast
import subprocess
import sys
import textwrap

import pytest

from adamw_lint.analysis import analyze_source
from adamw_lint.catalog.schema import SAFE, UNSAFE
from adamw_lint.fix import fix_source


def _fix(source, **options):
    return fix_source(textwrap.dedent(source), **options).source


# --- applicability ------------------------------------------------------------------------------

ADAM = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
HF = "import torch\nimport transformers\nopt = transformers.AdamW(p, lr=5e-5)\n"


def test_applicability_comes_from_the_rule():
    (adam,) = analyze_source(ADAM)
    (hf,) = analyze_source(HF)
    assert adam.fix.applicability == UNSAFE  # coupled -> decoupled changes numerics
    assert hf.fix.applicability == SAFE  # AWL104 keeps transformers' defaults explicit
    assert hf.fix.applies_at(SAFE) and not adam.fix.applies_at(SAFE)
    assert adam.fix.applies_at(UNSAFE) and hf.fix.applies_at(UNSAFE)


def test_only_safe_fixes_are_applied_at_safe():
    both = ADAM + HF.replace("import torch\n", "")
    result = fix_source(both, applicability=SAFE)
    assert "torch.optim.AdamW(p, lr=5e-5, eps=1e-6, weight_decay=0.0)" in result.source
    assert "torch.optim.Adam(p, weight_decay=1e-4)" in result.source  # the unsafe one waits
    assert [f.code for f in result.fixed] == ["AWL104"]
    assert [f.code for f in result.held_back(SAFE)] == ["AWL101"]
    everything = fix_source(both)  # `adamw-lint fix`: every selected fix
    assert [f.code for f in everything.fixed] == ["AWL101", "AWL104"] and everything.held_back(UNSAFE) == []


def test_display_only_fix_is_never_applied():
    (finding,) = analyze_source(ADAM)
    shown = finding._replace(fix=finding.fix._replace(applicability="display-only"))
    assert not shown.fix.applies_at(UNSAFE)
    assert not fix_source(ADAM, findings=[shown]).changed


# --- the project's torch ------------------------------------------------------------------------

SWITCHES = "import torch\na = torch.optim.Adam(p, weight_decay=1e-4)\nn = torch.optim.NAdam(p, weight_decay=1e-4)\n" \
           "r = torch.optim.RAdam(p, weight_decay=1e-4)\n"


@pytest.mark.parametrize("target,adam,nadam,radam", [
    (None, "Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)", True, True),
    ((2, 7), "Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)", True, True),
    ((2, 2), "AdamW(p, weight_decay=1e-4)", True, True),
    ((2, 1), "AdamW(p, weight_decay=1e-4)", True, False),
    ((1, 13), "AdamW(p, weight_decay=1e-4)", False, False),
])
def test_flag_style_within_the_target_torch(target, adam, nadam, radam):
    findings = analyze_source(SWITCHES, "flag", target_torch=target)
    by_line = {f.line: f for f in findings}
    fixed = fix_source(SWITCHES, "flag", target_torch=target).source
    assert f"a = torch.optim.{adam}\n" in fixed
    for line, name, offered, since in ((3, "NAdam", nadam, "2.1"), (4, "RAdam", radam, "2.2")):
        assert (by_line[line].fix is not None) == offered
        assert ("decoupled_weight_decay=True" in fixed.splitlines()[line - 1]) == offered
        if not offered:
            assert f"needs torch {since} or later" in by_line[line].fix_blocked
            assert f"{target[0]}.{target[1]}" in by_line[line].fix_blocked


def test_rename_style_needs_no_new_torch():
    assert "torch.optim.AdamW(p, weight_decay=1e-4)" in fix_source(ADAM, target_torch=(1, 8)).source


# --- ZeroRedundancyOptimizer(overlap_with_ddp=True): trap 17 -------------------------------------

@pytest.mark.parametrize("overlap", ["True", "flag"])
def test_zero_overlap_with_ddp_gets_the_rename_not_the_switch(overlap):
    source = ("from torch.distributed.optim import ZeroRedundancyOptimizer as Z\nfrom torch.optim import Adam, NAdam\n"
              f"a = Z(p, optimizer_class=Adam, overlap_with_ddp={overlap}, weight_decay=1e-4)\n"
              f"n = Z(p, optimizer_class=NAdam, overlap_with_ddp={overlap}, weight_decay=1e-4)\n")
    by_line = {f.line: f for f in analyze_source(source, "flag")}
    assert by_line[3].fix.description == "Replace torch.optim.Adam with torch.optim.AdamW"
    assert by_line[4].fix is None and "overlap_with_ddp=True" in by_line[4].fix_blocked
    fixed = fix_source(source, "flag").source
    assert "decoupled_weight_decay" not in fixed and "optimizer_class=AdamW" in fixed


def test_zero_without_overlap_keeps_the_switch():
    source = ("from torch.distributed.optim import ZeroRedundancyOptimizer as Z\nfrom torch.optim import Adam\n"
              "a = Z(p, optimizer_class=Adam, overlap_with_ddp=False, weight_decay=1e-4)\n")
    assert "decoupled_weight_decay=True" in fix_source(source, "flag").source


# --- optax: the hidden-argument check ------------------------------------------------------------

@pytest.mark.parametrize("call,blocked", [
    ("optax.adam(1e-3, **kw)", "through *args/**kwargs"),
    ("optax.adam(*args)", "through *args/**kwargs"),
    ("optax.adam(1e-3, **{'weight_decay': 0.1})", "already receives weight_decay"),
])
def test_optax_chain_with_hidden_arguments_gets_no_fix(call, blocked):
    source = f"import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4), {call})\n"
    (finding,) = analyze_source(source)
    assert finding.fix is None and blocked in finding.fix_blocked


def test_optax_chain_with_visible_arguments_is_fixed():
    source = "import optax\nkw = {'b2': 0.98}\ntx = optax.chain(optax.add_decayed_weights(1e-4), optax.adam(1e-3, **kw))\n"
    assert "tx = optax.adamw(1e-3, **kw, weight_decay=1e-4)\n" in fix_source(source).source


# --- imports: where the old binding came from (hostile #4) ---------------------------------------

GUARDS = {
    "try": """\
        try:
            from torch.optim import Adam
        except ImportError:
            pass


        def make(p):
            return Adam(p, weight_decay=1e-4)
        """,
    "if": """\
        import importlib.util

        HAS_TORCH = importlib.util.find_spec("torch") is not None
        if HAS_TORCH:
            from torch.optim import Adam


        def make(p):
            return Adam(p, weight_decay=1e-4)
        """,
    "function": """\
        def make(p):
            from torch.optim import Adam

            return Adam(p, weight_decay=1e-4)
        """,
    "module": """\
        import importlib.util

        if importlib.util.find_spec("torch") is not None:
            import torch


        def make(p):
            return torch.optim.Adam(p, weight_decay=1e-4)
        """,
}


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_new_import_goes_where_the_old_one_was(name, tmp_path):
    fixed = _fix(GUARDS[name])
    assert "AdamW(p, weight_decay=1e-4)" in fixed
    tree = ast.parse(fixed)
    top_level = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    assert not any("torch" in ast.unparse(s) for s in top_level), fixed  # nothing unguarded at the top
    assert "Adam," not in fixed and "import Adam\n" not in fixed  # the old name went with its last use
    # where torch cannot be found, the module imports as it did before the fix
    for text in (textwrap.dedent(GUARDS[name]), fixed):
        (tmp_path / "m.py").write_text(text)
        done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['torch'] = None; import m"],
                              cwd=tmp_path, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr


def test_new_import_after_an_old_import_of_another_module_in_the_same_block():
    fixed = _fix("""\
        try:
            from transformers import AdamW
        except ImportError:
            AdamW = None
        opt = AdamW(params, lr=5e-5)
        """)
    assert "try:\n    import torch\nexcept ImportError:\n    AdamW = None\n" in fixed, fixed  # the unused old import went
    assert "torch.optim.AdamW(params, lr=5e-5, eps=1e-6, weight_decay=0.0)" in fixed


def test_module_level_import_still_merges_at_the_top():
    fixed = _fix("from torch.optim import SGD, Adam\nopt = Adam(p, weight_decay=1e-4)\n")
    first, rest = fixed.split("\n", 1)
    assert sorted(first.replace(",", "").split()[3:]) == ["AdamW", "SGD"] and first.startswith("from torch.optim import")
    assert rest == "opt = AdamW(p, weight_decay=1e-4)\n"


# --- bare names a star import could rebind (hostile #5) ------------------------------------------

@pytest.mark.parametrize("star", ["from mylib import *", "from .sibling import *"])
def test_star_import_makes_the_rename_spell_the_module(star):
    fixed = _fix(f"from torch.optim import Adam\n{star}\nopt = Adam(params, weight_decay=1e-4)\n")
    assert "opt = torch.optim.AdamW(params, weight_decay=1e-4)" in fixed
    assert "import torch\n" in fixed


def test_star_import_of_the_same_module_allows_the_bare_name():
    fixed = _fix("from torch.optim import *\nopt = Adam(params, weight_decay=1e-4)\n")
    assert "opt = AdamW(params, weight_decay=1e-4)" in fixed


def test_later_assignment_of_the_new_name_is_not_captured():
    fixed = _fix("from torch.optim import Adam\nopt = Adam(params, weight_decay=1e-4)\nAdamW = None\n")
    assert "opt = torch.optim.AdamW(params, weight_decay=1e-4)" in fixed


# --- module-level names other modules may import (hostile #6) -----------------------------------

CALL = "opt = Adam(params, weight_decay=1e-4)\n"


@pytest.mark.parametrize("source,path,kept", [
    ("from torch.optim import Adam\n__all__ = ['Adam', 'opt']\n" + CALL, "m.py", True),
    ("from torch.optim import Adam\n__all__ = names()\n" + CALL, "m.py", True),
    ("from torch.optim import Adam as Adam\n" + CALL, "m.py", True),
    ("from torch.optim import Adam\n" + CALL, "pkg/__init__.py", True),
    ("from torch.optim import Adam\n__all__ = ['opt']\n" + CALL, "m.py", False),
    ("from torch.optim import Adam\n" + CALL, "m.py", False),
])
def test_module_level_names_others_may_import_are_kept(source, path, kept):
    fixed = fix_source(source, path=path).source
    assert "opt = AdamW(params, weight_decay=1e-4)" in fixed
    still = any(isinstance(s, ast.ImportFrom) and any(a.name == "Adam" for a in s.names) for s in ast.parse(fixed).body)
    assert still == kept, fixed


# --- comments and continuations inside the rewritten callee (hostile #3) ------------------------

@pytest.mark.parametrize("callee", [
    "(torch  # why\n       .optim.Adam)",
    "torch.optim \\\n    .Adam",
    "(torch.optim  # the module\n .Adam)",
])
def test_comments_and_continuations_inside_the_callee_are_kept(callee):
    source = f"import torch\nopt = {callee}(p, weight_decay=1e-4)\n"
    fixed = fix_source(source).source
    assert fixed == source.replace(".Adam)", ".AdamW)").replace(".Adam(", ".AdamW(")


@pytest.mark.parametrize("target,overlap,advice", [
    (None, "False", "pass decoupled_weight_decay=True (torch 2.7 or later)"),
    ((2, 5), "False", "use torch.optim.AdamW (decoupled_weight_decay=True needs torch 2.7 or later, "
                      "and the project allows torch 2.5"),
    (None, "True", "use torch.optim.AdamW (with overlap_with_ddp=True"),
])
def test_flag_style_message_says_what_the_fix_does(target, overlap, advice):
    source = ("from torch.distributed.optim import ZeroRedundancyOptimizer as Z\nimport torch\n"
              f"a = Z(p, optimizer_class=torch.optim.Adam, overlap_with_ddp={overlap}, weight_decay=1e-4)\n")
    (finding,) = analyze_source(source, "flag", target_torch=target)
    assert advice in finding.message
    assert finding.fix.description.startswith("Set decoupled_weight_decay=True") == advice.startswith("pass")

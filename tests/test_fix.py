"""The fixer: fixture pairs, safety guarantees, the libcst codemod, and numerics after fixing."""
import os
import subprocess
import sys

import pytest
from libcst.codemod import CodemodTest

from adamw_lint.analysis import analyze_source
from adamw_lint.cli import main
from adamw_lint.files import SourceError, decode, encode, write_atomic
from adamw_lint.fix import AdamWCodemod, FixError, fix_source
from adamw_lint.noqa import without_noqa

from helpers import FIXTURES, ROOT

PAIRS = sorted(p for p in (FIXTURES / "fix").glob("*.py") if not p.name.endswith(".fixed.py"))


def fix_bytes(raw: bytes, style: str = "rename") -> bytes:
    decoded = decode("x.py", raw)
    return encode(decoded, fix_source(decoded.text, style).source)


@pytest.mark.parametrize("case", PAIRS, ids=[p.stem for p in PAIRS])
def test_fixture_pair(case, tmp_path, capsys):
    expected = case.with_name(case.stem + ".fixed.py").read_bytes()
    assert fix_bytes(case.read_bytes()) == expected
    assert fix_bytes(expected) == expected  # fixing twice changes nothing
    target = tmp_path / case.name
    target.write_bytes(case.read_bytes())
    target.chmod(0o640)
    main(["fix", str(target)])
    assert target.read_bytes() == expected  # the CLI writes the same bytes, encoding and all
    assert oct(target.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in tmp_path.iterdir()] == [case.name]  # no temporary files left


def test_pairs_cover_the_byte_level_cases():
    crlf = (FIXTURES / "fix" / "crlf.fixed.py").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 0
    assert (FIXTURES / "fix" / "bom.fixed.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\xe9t\xe9" in (FIXTURES / "fix" / "latin1_cookie.fixed.py").read_bytes()


def test_only_rewritten_lines_change():
    import difflib

    for case in PAIRS:
        before = case.read_bytes().splitlines()
        after = case.with_name(case.stem + ".fixed.py").read_bytes().splitlines()
        fixed = [f for f in analyze_source(decode("x", case.read_bytes()).text) if f.fix]
        assert fixed, case.name
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if tag in ("replace", "delete"):
                # every removed or replaced line lies inside a fixed call's span, or is an import
                for line in range(i1 + 1, i2 + 1):
                    text = before[line - 1]
                    inside = any(f.span[0] <= line <= f.span[2] for f in fixed)
                    assert inside or b"import" in text, (case.name, line, text)


def test_flag_style():
    source = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4, decoupled_weight_decay=False)\n"
    result = fix_source(source, style="flag")
    assert result.source == "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)\n"
    source = "from torch.optim import Adam\nopt = Adam(p, weight_decay=1e-4)\n"
    assert fix_source(source, style="flag").source == "from torch.optim import Adam\nopt = Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)\n"
    finding = analyze_source(source, style="flag")[0]
    assert "pass decoupled_weight_decay=True (torch 2.7 or later)" in finding.message


def test_noqa_line_is_not_rewritten():
    source = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)  # noqa: AWL101\n"
    assert not fix_source(source).changed


def test_name_conflict_blocks_the_fix_and_says_why():
    source = (
        "from transformers import AdamW\nimport something as torch\n"
        "opt = AdamW(p, lr=5e-5)\n"
    )
    finding = analyze_source(source)[0]
    assert finding.fix is None and "already names for something else" in finding.fix_blocked


def test_unfixable_reasons():
    source = "import transformers\nopt = transformers.AdamW(p, correct_bias=False)\n"
    assert "correct_bias=False has no equivalent" in analyze_source(source)[0].fix_blocked
    source = "import torch\nkw = dict(decoupled_weight_decay=False)\nopt = torch.optim.Adam(p, weight_decay=1e-4, **kw)\n"
    assert "not passed as a keyword of the call" in analyze_source(source)[0].fix_blocked


class TestCodemod(CodemodTest):
    TRANSFORM = AdamWCodemod

    def test_rename_with_imports(self) -> None:
        before = "from torch.optim import Adam\n\nopt = Adam(p, lr=1e-3, weight_decay=1e-4)\n"
        after = "from torch.optim import AdamW\n\nopt = AdamW(p, lr=1e-3, weight_decay=1e-4)\n"
        self.assertCodemod(before, after)

    def test_flag_style(self) -> None:
        before = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
        after = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4, decoupled_weight_decay=True)\n"
        self.assertCodemod(before, after, style="flag")

    def test_nothing_to_do(self) -> None:
        source = "import torch\nopt = torch.optim.AdamW(p, weight_decay=1e-2)\n"
        self.assertCodemod(source, source)


def test_libcst_tool_runs_the_same_codemod(tmp_path):
    target = tmp_path / "train.py"
    target.write_bytes((FIXTURES / "fix" / "multiline_comments.py").read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "-x", "adamw_lint.fix.AdamWCodemod", "--no-format", str(target)],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == (FIXTURES / "fix" / "multiline_comments.fixed.py").read_bytes()


def test_diff_writes_nothing_and_exits_1(tmp_path, capsys):
    target = tmp_path / "t.py"
    source = "import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n"
    target.write_text(source)
    assert main(["fix", "--diff", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "-opt = torch.optim.Adam(p, weight_decay=1e-4)\n+opt = torch.optim.AdamW(p, weight_decay=1e-4)\n" in out
    assert "Would fix 1 call in 1 file." in err and "re-tune weight_decay" in err
    assert target.read_text() == source
    assert main(["fix", str(tmp_path)]) == 0
    assert main(["fix", "--diff", str(tmp_path)]) == 0
    assert main(["fix", "--no-cache", "--diff", str(tmp_path)]) == 0  # check's option, accepted


def test_the_retune_note_comes_with_a_fix_that_changes_numerics_only(tmp_path, capsys):
    target = tmp_path / "t.py"
    target.write_text("import transformers\nopt = transformers.AdamW(p, lr=5e-5, weight_decay=0.01)\n")  # AWL104: safe
    assert main(["fix", "--diff", str(tmp_path)]) == 1
    _, err = capsys.readouterr()
    assert "Would fix 1 call in 1 file." in err and "re-tune weight_decay" not in err
    target.write_text(target.read_text() + "import torch\nold = torch.optim.Adam(p, weight_decay=1e-4)\n")
    assert main(["fix", "--diff", str(tmp_path)]) == 1
    _, err = capsys.readouterr()
    assert "Would fix 2 calls in 1 file." in err and "The weight-decay fixes change training numerics" in err


def test_remaining_findings_exit_1_and_are_listed(tmp_path, capsys):
    (tmp_path / "t.py").write_text("import torch\na = torch.optim.Adam(p, weight_decay=1e-4)\nb = torch.optim.RMSprop(p, weight_decay=1e-4)\n")
    assert main(["fix", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Fixed 1 call in 1 file." in err and "1 finding without an automatic fix:" in err and "AWL103" in err


def test_files_without_findings_are_not_touched(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text("import torch\nopt = torch.optim.AdamW(p)\n")
    os.utime(clean, ns=(1_000_000_000, 1_000_000_000))
    assert main(["fix", str(tmp_path)]) == 0
    assert clean.stat().st_mtime_ns == 1_000_000_000


def test_unparsable_file_is_skipped_and_reported(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4\n")
    assert main(["fix", str(tmp_path)]) == 2
    assert "broken.py:2:" in capsys.readouterr().err
    assert broken.read_text().endswith("1e-4\n")


def test_fix_that_does_not_apply_cleanly_writes_nothing(monkeypatch):
    import adamw_lint.fix as fix_module

    monkeypatch.setattr(fix_module, "_apply_container_edit", lambda node, edit, *layout: node)
    with pytest.raises(FixError):  # two fixes: one transform of the module
        fix_source("import torch\nopt = torch.optim.RAdam(p, weight_decay=1e-4)\nopt2 = torch.optim.RAdam(q, weight_decay=1e-4)\n")
    import adamw_lint.textfix as textfix

    monkeypatch.setattr(textfix, "fix_each", lambda source, findings, **kw: {f.span: [] for f in findings})
    with pytest.raises(FixError):  # one fix: its own replacements, as SARIF gives them
        fix_source("import torch\nopt = torch.optim.RAdam(p, weight_decay=1e-4)\n")


def test_an_edit_in_place_while_the_fix_replaces_the_file_is_kept(tmp_path, monkeypatch):
    """Where names cannot be swapped atomically, ``os.replace`` can win a race against an editor
    that writes into the old file: what the editor wrote is put back over the fix."""
    from adamw_lint import files

    target = tmp_path / "t.py"
    target.write_bytes(b"old\n")

    def edited_then_unswappable(first, second):
        with open(second, "r+b") as editor:
            editor.write(b"edited by hand\n")
        return False
    monkeypatch.setattr(files, "_exchange", edited_then_unswappable)
    with pytest.raises(SourceError, match="changed on disk since it was read; not written"):
        write_atomic(str(target), b"new\n", expected=b"old\n")
    assert target.read_bytes() == b"edited by hand\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.py"]


def test_write_refuses_changed_read_only_and_symlinked_files(tmp_path):
    target = tmp_path / "t.py"
    target.write_bytes(b"old\n")
    with pytest.raises(SourceError, match="changed on disk"):
        write_atomic(str(target), b"new\n", expected=b"older\n")
    target.chmod(0o444)
    with pytest.raises(SourceError, match="read-only"):
        write_atomic(str(target), b"new\n", expected=b"old\n")
    target.chmod(0o644)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    with pytest.raises(SourceError, match="symlink"):
        write_atomic(str(link), b"new\n", expected=b"old\n")
    assert target.read_bytes() == b"old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "t.py"]


def test_read_only_file_under_fix_is_reported_and_untouched(tmp_path, capsys):
    target = tmp_path / "t.py"
    target.write_text("import torch\nopt = torch.optim.Adam(p, weight_decay=1e-4)\n")
    target.chmod(0o444)
    assert main(["fix", str(tmp_path)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert "AdamW" not in target.read_text()


def test_fixed_program_trains_with_decoupled_decay_and_the_same_hyperparameters():
    torch = pytest.importorskip("torch")

    def build(path):
        namespace = {"__name__": "fixture"}
        torch.manual_seed(0)
        exec(compile(path.read_text(), str(path), "exec"), namespace)  # our own fixture, in a test
        return namespace["OPTIMIZERS"], namespace["model"]

    before, _ = build(FIXTURES / "fix" / "runnable.py")
    after, _ = build(FIXTURES / "fix" / "runnable.fixed.py")
    assert len(before) == len(after) == 7
    for old, new in zip(before, after):
        assert len(old.param_groups) == len(new.param_groups)
        for g_old, g_new in zip(old.param_groups, new.param_groups):
            assert g_old.get("decoupled_weight_decay") is False
            assert g_new["decoupled_weight_decay"] is True
            for key in ("lr", "betas", "eps", "weight_decay", "amsgrad"):
                assert g_old.get(key) == g_new.get(key), key
            assert [p.shape for p in g_old["params"]] == [p.shape for p in g_new["params"]]


# --- fix_each: every finding's own fix from one parse (SARIF) ----------------------------------

def test_fix_each_equals_fixing_that_finding_alone():
    from adamw_lint.fix import apply_replacements, fix_each

    sources = [decode("x", case.read_bytes()).text for case in PAIRS]
    sources.append("import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4), optax.adam(1e-3))\n"
                   "from torch.optim import Adam\nimport torch\na = Adam(p, weight_decay=1e-4)\n"
                   "b = (torch  # why\n     .optim.RAdam)(p, weight_decay=1e-4)\n")
    checked = 0
    for source in sources:
        findings = without_noqa(analyze_source(source), source)
        each = fix_each(source, findings)
        assert set(each) == {f.span for f in findings if f.fix}
        for finding in findings:
            if finding.fix is None:
                continue
            alone = fix_source(source, only=finding.span).source
            assert apply_replacements(source, each[finding.span]) == alone, finding
            checked += 1
    assert checked >= 15


def test_fix_each_changes_the_imports_as_the_whole_file_fix_does():
    from adamw_lint.fix import apply_replacements, fix_each

    sources = [  # an import placed right before code (a blank line follows it), and imports left unused
        "from transformers import AdamW, get_scheduler\nimport os\nopt = AdamW(p, lr=1e-3)\nx = AdamW\n",
        "from transformers import AdamW, get_scheduler\nimport os\nopt = AdamW(p, lr=1e-3)\n",
        "from torch.optim import (\n    Adam,  # old\n    SGD,\n)\nimport os\n\n\na = Adam(p, weight_decay=1e-4)\n",
        "from torch.optim import Adam\n__all__ = ['Adam']\nopt = Adam(p, weight_decay=1e-4)\n",
    ]
    for source in sources:
        findings = analyze_source(source)
        each = fix_each(source, findings)
        for finding in (f for f in findings if f.fix):
            assert apply_replacements(source, each[finding.span]) == fix_source(source, only=finding.span).source


def test_an_import_the_fix_leaves_unused_does_not_regenerate_the_module(monkeypatch):
    from adamw_lint import fix
    from adamw_lint.fix import apply_replacements, fix_each

    source = ("from torch.optim import Adam\n" + "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(300))
              + "opt = Adam(p, weight_decay=1e-4)\n")
    whole = []
    original = fix._Singles._whole
    monkeypatch.setattr(fix._Singles, "_whole", lambda self, finding: whole.append(1) or original(self, finding))
    [finding] = analyze_source(source)
    fixed = apply_replacements(source, fix_each(source, [finding])[finding.span])
    assert whole == []  # the import statement and the call, each on its own
    assert fixed == fix_source(source).source and fixed.startswith("from torch.optim import AdamW\n")


def test_fix_each_is_one_parse_for_many_findings():
    from adamw_lint.fix import apply_replacements, fix_each

    # the work it takes is counted in test_speed_fixes.py (code generated, fixers built)
    source = "from torch.optim import Adam\n" + "".join(f"o{i} = Adam(p, weight_decay=1e-4)\n" for i in range(200))
    findings = analyze_source(source)
    assert len(findings) == 200
    each = fix_each(source, findings)
    assert apply_replacements(source, each[findings[7].span]).splitlines()[8] == "o7 = AdamW(p, weight_decay=1e-4)"
    assert apply_replacements(source, each[findings[7].span]) == fix_source(source, only=findings[7].span).source


def test_fix_each_on_a_pathologically_nested_file_gives_no_fixes_and_no_traceback():
    from adamw_lint.fix import apply_replacements, fix_each, fix_each_cst

    source = "import torch\nx = " + "f(" * 150 + "torch.optim.Adam(p, weight_decay=1e-4)" + ")" * 150 + "\n"
    findings = analyze_source(source)
    assert [f.code for f in findings] == ["AWL101"]
    assert fix_each_cst(source, findings) == {}  # libcst's parser recurses too deeply: no fix, no exception
    # a rename on a line that was already too long is done on the text, without libcst
    [fixed] = fix_each(source, findings).values()
    assert apply_replacements(source, fixed) == source.replace("Adam(", "AdamW(")
    # beside a fix only libcst can lay out (the rename takes its line past the length): that one has none
    at_the_length = "opt_at_the_line_length_00000 = torch.optim.Adam(params_list, lr=1e-3, weight_decay=1e-4)\n"
    both = source + at_the_length
    findings = analyze_source(both)
    assert len(findings) == 2 and list(fix_each(both, findings)) == [findings[0].span]

"""Rule docs are generated from the catalog; the committed pages must be current."""
import pytest

from adamw_lint import catalog, docs

from helpers import ROOT, run_cli

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety")


@pytest.mark.parametrize("name,text", sorted(docs.pages().items()))
def test_committed_docs_are_generated_from_the_catalog(name, text):
    page = ROOT / "docs" / "rules" / name
    assert page.read_text(encoding="utf-8") == text, "run: python -m adamw_lint.docs"


@pytest.mark.parametrize("rule", catalog.RULES, ids=lambda r: r.code)
def test_every_rule_page_has_ruff_sections_and_explain_prints_it(rule):
    text = docs.render(rule.code)
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    result = run_cli("explain", rule.code.lower())
    assert result.returncode == 0 and result.stdout == text


def test_fix_availability_is_derived_from_examples():
    assert "Fix is always available." in docs.render("AWL101")
    assert "No automatic fix." in docs.render("AWL103")
    assert "Fix is sometimes available." in docs.render("AWL104")


def test_readme_rule_table_lists_every_rule():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in catalog.RULES:
        assert f"| [{rule.code}](docs/rules/{rule.code}.md) |" in readme


@pytest.mark.parametrize("rule", catalog.RULES, ids=lambda r: r.code)
def test_use_instead_is_python_that_the_rule_accepts(rule):
    import ast

    from adamw_lint.analysis import analyze_source

    text = docs.render(rule.code)
    block = text.split("## Use instead\n\n```python\n", 1)[1].split("```", 1)[0]
    assert block.strip()
    ast.parse(block)
    assert rule.code not in {f.code for f in analyze_source(block)}


def test_semantics_reference_lives_in_the_repository_and_every_citation_resolves():
    import re

    semantics = (ROOT / "docs" / "semantics.md").read_text(encoding="utf-8")
    shared = ROOT.parent / "shared" / "optimizer-semantics.md"
    if shared.exists():  # kept in sync with the team's copy: cp ../shared/optimizer-semantics.md docs/semantics.md
        assert semantics == shared.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", semantics, re.M))
    cited = 0
    for row in catalog.all_rows():
        for section in re.findall(r"§(\d+(?:\.\d+)?)", row.source):
            assert section in headings, (row.source, section)
            cited += 1
        for trap in re.findall(r"traps? ([\d, and]+)", row.source):
            for number in re.findall(r"\d+", trap):
                assert re.search(rf"^{number}\. ", semantics[semantics.index("## 6."):], re.M), (row.source, number)
    assert cited >= 30
    # facts beyond the reference: docs/semantics-additions.md, cited as "additions §An"
    additions = (ROOT / "docs" / "semantics-additions.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (A\d+)\. ", additions, re.M))
    cited = [s for row in catalog.all_rows() for s in re.findall(r"additions §(A\d+)", row.source)]
    assert cited and set(cited) <= sections, (cited, sections)

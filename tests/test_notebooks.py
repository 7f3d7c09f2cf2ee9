"""Notebooks on hostile input: cells joined without markers, IPython that is not Python, cells that
do not parse, malformed notebook JSON (hostile-inputs.md #1, #2, #9/10, #11)."""

import ast
import json

import pytest
from helpers import BAD, ROOT, cli

from adamw_lint import notebook
from adamw_lint.files import SourceError
from adamw_lint.notebook import check_cells, fix_cells, mask, unmask
from adamw_lint.selection import Selection

nbformat = pytest.importorskip("nbformat")

ADAM = "opt = torch.optim.Adam(p, weight_decay=1e-4)"
ADAMW = "opt = torch.optim.AdamW(p, weight_decay=1e-4)"


def notebook_bytes(*cells: str) -> bytes:
    """A notebook as Jupyter writes it (nbformat: sorted keys, indent 1, sources as line lists)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    return nbformat.writes(nb).encode("utf-8")


def raw_notebook(cells: list) -> bytes:
    """A notebook of these cells and a markdown cell that mentions Adam (candidates for the CLI)."""
    cells = [*cells, {"cell_type": "markdown", "metadata": {}, "source": "Adam"}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode() + b"\n"


def code_cell(source) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def check(raw: bytes):
    return check_cells("nb.ipynb", raw, Selection(), "rename")


def fix(raw: bytes):
    return fix_cells("nb.ipynb", raw, Selection(), "rename")


def where(findings):
    return [(f.cell, f.line, f.col, f.code) for f in findings]


def cell_sources(data: bytes):
    return ["".join(c["source"]) for c in json.loads(data)["cells"]]


def assert_only_replaced(before: bytes, after: bytes, old: str, new: str, count: int = 1) -> None:
    """The fixed file is the original, byte for byte, with ``old`` replaced by ``new`` only."""
    assert before.count(old.encode()) == count
    assert after == before.replace(old.encode(), new.encode())
    nbformat.validate(nbformat.reads(after.decode(), as_version=4))


# --- #1, #2: nothing inserted into the code can collide with user text ---------------------------

def test_user_text_that_looks_like_an_old_cell_marker_is_kept():
    raw = notebook_bytes(f"import torch\n# __adamw_lint_cell_2__\n{ADAM}\n", "x = 1\n")
    findings, errors = check(raw)
    assert where(findings) == [(1, 3, 6, "AWL101")] and errors == []
    data, fixed, remaining, errors = fix(raw)
    assert len(fixed) == 1 and remaining == [] and errors == []
    assert_only_replaced(raw, data, ADAM, ADAMW)


def test_user_text_that_looks_like_an_old_magic_placeholder_is_kept():
    raw = notebook_bytes(f"import torch\nthreshold = 0.5  # __adamw_lint_magic_2_0__\n{ADAM}\n", "!rm -rf build/\n")
    data, fixed, _, errors = fix(raw)
    assert len(fixed) == 1 and errors == []
    assert_only_replaced(raw, data, ADAM, ADAMW)
    assert cell_sources(data)[1] == "!rm -rf build/\n"


def test_ipython_lines_return_to_their_places_when_the_fix_adds_and_removes_imports():
    # the fix inserts `from torch.optim import AdamW` and removes `... import Adam`: lines shift,
    # and a user's own `pass` lines look exactly like the placeholders
    cell = (
        "!nvidia-smi\nfrom torch.optim import Adam\nif True:\n    pass\n    %env X=1\npass\n"
        "%matplotlib inline\nopt = Adam(p, weight_decay=1e-4)\nfor f in files:\n    !echo {f}\n    pass\n!echo done"
    )
    data, fixed, remaining, errors = fix(notebook_bytes(cell))
    assert len(fixed) == 1 and remaining == [] and errors == []
    assert cell_sources(data)[0] == (  # libcst puts the new import first, the old one goes
        "from torch.optim import AdamW\n\n!nvidia-smi\nif True:\n    pass\n    %env X=1\npass\n"
        "%matplotlib inline\nopt = AdamW(p, weight_decay=1e-4)\nfor f in files:\n    !echo {f}\n    pass\n!echo done"
    )


# --- cells share one namespace, findings map back to (cell, line) -------------------------------

def test_an_import_in_one_cell_counts_in_a_later_cell_and_positions_are_cell_relative():
    raw = notebook_bytes("import torch\n", "x = 1\ny = 2\n", '# note\nz = "é"; opt = torch.optim.Adam(p, weight_decay=1e-4)\n')
    findings, _ = check(raw)
    assert where(findings) == [(3, 2, 15, "AWL101")]  # columns in characters, as in .py files
    assert findings[0].fix is not None and findings[0].fix.edits[0].span[0] == 2  # the fix plan too


def test_noqa_applies_in_its_own_cell_only():
    raw = notebook_bytes("import torch\n", f"{ADAM}  # noqa: AWL101\n", f"{ADAM}\n")
    assert where(check(raw).findings) == [(3, 1, 6, "AWL101")]


def test_markdown_and_non_python_cell_magics_are_not_analyzed_but_count_in_cell_numbers():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"import torch\n{ADAM}"),
        nbformat.v4.new_code_cell(f"%%bash\n{ADAM}"),
        nbformat.v4.new_code_cell(f"\n%%time\nimport torch\n{ADAM}"),
    ])
    assert where(check(nbformat.writes(nb).encode()).findings) == [(3, 4, 6, "AWL101")]


def test_a_python_cell_magic_stays_the_first_line_when_the_fix_adds_an_import():
    raw = notebook_bytes("%%time\nfrom torch.optim import Adam\nopt = Adam(p, weight_decay=1e-4)")
    data, fixed, _, errors = fix(raw)
    assert len(fixed) == 1 and errors == []
    assert cell_sources(data) == ["%%time\nfrom torch.optim import AdamW\nopt = AdamW(p, weight_decay=1e-4)"]


# --- imports across cells --------------------------------------------------------------------------

@pytest.mark.parametrize("user", [
    "Adam(q)\n",  # a call without weight decay: no finding, still needs the import
    "%timeit Adam(q)\n",  # IPython runs the magic's Python: a use the masked line would hide
    "opt2 = Adam(q, weight_decay=1e-4)  # noqa\n",  # a finding that is not fixed
    "def make(q):\n    return Adam\n",
])
def test_an_import_another_cell_still_uses_is_never_removed(user):
    raw = notebook_bytes("from torch.optim import Adam\n", "opt = Adam(p, weight_decay=1e-4)\n", user)
    data, fixed, _, errors = fix(raw)
    assert len(fixed) == 1 and errors == []
    first, second, third = cell_sources(data)
    assert first == "from torch.optim import Adam\n" and third == user
    assert second == "from torch.optim import AdamW\n\nopt = AdamW(p, weight_decay=1e-4)\n"  # the new import: this cell


def test_an_import_no_cell_uses_any_more_is_removed_and_the_new_one_goes_into_the_fixed_cell():
    raw = notebook_bytes("import torch\nfrom torch.optim import Adam\n", "opt = Adam(p, weight_decay=1e-4)\n")
    data, fixed, remaining, errors = fix(raw)
    assert (len(fixed), remaining, errors) == (1, [], [])
    assert cell_sources(data) == ["import torch\n", "from torch.optim import AdamW\n\nopt = AdamW(p, weight_decay=1e-4)\n"]
    assert fix(data).data is None  # fixed once: nothing left to do


# --- #9/10: valid IPython is not a parse error -----------------------------------------------------

IPYTHON_CELLS = [
    "%timeit -n 3 \\\n    sum(range(10))\n",  # a magic continued black-style on an indented line
    "best = %timeit -o \\\n    sum(range(10))\n",
    "%pip install torch \\\n  torchvision\n",
    "!pip install a \\\n  b\n",
    "ok = (a\n      != b)\n",  # Python: a != b on a continuation line
    "?obj\n",
    "obj?\n",
    "obj.attr??\n",
    "torch.optim.\\\n    Adam?\n",  # help on a backslash-continued name
    "out = !ls\n",
    "a, b = !ls\n",
    "home = %env HOME\n",
    "if True:\n    %time x = 1\n    !echo {x}\n",
    "%load_ext autoreload\n%autoreload 2\n",
]


@pytest.mark.parametrize("cell", IPYTHON_CELLS)
def test_valid_ipython_is_not_a_parse_error_and_hides_nothing(cell):
    raw = notebook_bytes("import torch\n", cell, f"{ADAM}\n", f"{cell}{ADAM}\n")
    findings, errors = check(raw)
    assert errors == []
    assert [(f.cell, f.line) for f in findings] == [(3, 1), (4, len(cell.splitlines()) + 1)]
    data, fixed, _, errors = fix(raw)
    assert len(fixed) == 2 and errors == []
    assert_only_replaced(raw, data, ADAM, ADAMW, count=2)


def test_the_ipython_examples_are_valid_ipython():
    # IPython itself, where installed, is the judge of what these tests call valid IPython
    transformer = pytest.importorskip("IPython.core.inputtransformer2").TransformerManager()
    for cell in IPYTHON_CELLS:
        ast.parse(transformer.transform_cell(cell))


@pytest.mark.parametrize("source", [
    "x = a % b\ny = (a\n% b)\nz = (a\n     != b)\n",
    's = """\n!not a shell escape\n%not a magic\nobj?\n"""\n',
    "t = 'it''s'\nu = \"why?\"\nv = 1  # why?\nw = {'k': '?'}\n",
    "x = a \\\n    % b\n",  # a backslash continuation of Python
    "print('%d' % 3)\nprint(\n    '%s'\n    % x)\n",
    "x = y == 2\nx <= 3\nd[k] = v\nx += 1\n",
])
def test_python_is_never_taken_for_ipython(source):
    assert mask(source) == (source, {})


def test_every_python_file_of_this_project_is_left_unmasked():
    # real code, not examples shaped for the masker: none of it is IPython
    files = sorted((ROOT / "adamw_lint").rglob("*.py")) + sorted((ROOT / "tests").glob("*.py"))
    assert len(files) > 20
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert mask(source) == (source, {}), path


@pytest.mark.parametrize("cell", IPYTHON_CELLS)
def test_masking_keeps_lines_and_restores_them_by_position(cell):
    masked, originals = mask(cell)
    ast.parse(masked)
    assert masked.count("\n") == cell.count("\n") and "#" not in masked  # nothing inserted but `pass`
    assert unmask(masked, originals) == cell


# --- one cell that does not parse costs only that cell ---------------------------------------------

def test_a_cell_with_a_syntax_error_is_reported_and_the_others_still_analyzed_and_fixed():
    broken = "def f(:\n    torch.optim.Adam(q, weight_decay=1e-4)\n"
    raw = notebook_bytes("import torch\n", broken, f"{ADAM}\n")
    findings, errors = check(raw)
    assert where(findings) == [(3, 1, 6, "AWL101")]
    assert [e.reason for e in errors] == ["cell 2, line 1 cannot be parsed: invalid syntax"]
    assert errors[0].path == "nb.ipynb"
    data, fixed, _, fix_errors = fix(raw)
    assert len(fixed) == 1 and [e.reason for e in fix_errors] == [e.reason for e in errors]
    assert_only_replaced(raw, data, ADAM, ADAMW)  # the broken cell's Adam call is untouched
    assert cell_sources(data)[1] == broken


def test_cli_reports_the_broken_cell_with_exit_2(tmp_path, capsys):
    (tmp_path / "nb.ipynb").write_bytes(notebook_bytes("import torch\n", "x = (\n", f"{ADAM}\n"))
    (tmp_path / "good.py").write_text(BAD)
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "nb.ipynb: cell 2, line 1 cannot be parsed" in err and "Traceback" not in err
    assert "good.py:2:7: AWL101" in out


# --- #11: malformed notebooks are errors naming the file (and cell), never tracebacks --------------

HOSTILE = {
    "nested brackets in a cell": (raw_notebook([code_cell("x = " + "[" * 50_000)]), "cell 1, line 1 cannot be parsed"),
    "a 5,000-digit integer in a cell": (raw_notebook([code_cell("x = " + "7" * 5_000)]), "cell 1, line 1 cannot be parsed"),
    "an expression too deep for the parser": (raw_notebook([code_cell("x = " + " + ".join(["a"] * 5_000))]),
                                              "cell 1 is nested too deeply"),
    "a number in source": (raw_notebook([code_cell(["import torch\n", 5])]), "cell 1 has a source that is not text"),
    "source is null": (raw_notebook([code_cell(None)]), "cell 1 has a source that is not text"),
    "source is a mapping": (raw_notebook([code_cell({"a": "Adam"})]), "cell 1 has a source that is not text"),
    "a null byte in a cell": (raw_notebook([code_cell("x = 1\x00\n")]), "cell 1"),
    "nested brackets in the JSON": (b'{"Adam": 1, "cells": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
    "a 5,000-digit integer in the JSON": (b'{"Adam": 1, "cells": [], "x": ' + b"7" * 5_000 + b"}",
                                          "is not valid notebook JSON"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_notebooks_are_source_errors(name):
    raw, reason = HOSTILE[name]
    for run in (check_cells, fix_cells):
        try:
            errors = run("nb.ipynb", raw, Selection(), "rename")[-1]
        except SourceError as error:  # the whole file
            errors = [error]
        assert len(errors) == 1 and reason in str(errors[0]) and str(errors[0]).startswith("nb.ipynb"), name


@pytest.mark.parametrize("name", ["nested brackets in a cell", "a number in source", "a 5,000-digit integer in the JSON"])
def test_cli_hostile_notebook_exits_2_and_other_files_are_unaffected(tmp_path, capsys, name):
    raw, reason = HOSTILE[name]
    (tmp_path / "nb.ipynb").write_bytes(raw)
    (tmp_path / "good.py").write_text(BAD)
    code, out, err = cli(capsys, "fix", "--diff", str(tmp_path))
    assert code == 2 and reason in err and "Traceback" not in err
    assert "+opt = torch.optim.AdamW(p, weight_decay=1e-4)" in out


def test_a_cell_too_deep_for_the_engine_is_reported_and_the_other_cells_analyzed(monkeypatch):
    # the engine recurses over the tree; a cell it cannot analyze must not cost the others
    real = notebook.analyze_tree

    def shallow_engine(tree, lines, style="rename", **options):
        if any(isinstance(n, ast.Name) and n.id == "deep" for n in ast.walk(tree)):
            raise RecursionError("maximum recursion depth exceeded")
        return real(tree, lines, style, **options)

    monkeypatch.setattr(notebook, "analyze_tree", shallow_engine)
    raw = notebook_bytes("import torch\n", "deep = 1\n", f"{ADAM}\n")
    findings, errors = check(raw)
    assert where(findings) == [(3, 1, 6, "AWL101")]
    assert [e.reason for e in errors] == ["cell 2 is nested too deeply to analyze"]
    # fixing: that cell is left alone, and still counts as using the names it mentions
    raw = notebook_bytes("from torch.optim import Adam\n", "deep = Adam\n", "opt = Adam(p, weight_decay=1e-4)\n")
    data, fixed, _, errors = fix(raw)
    assert len(fixed) == 1 and [e.reason for e in errors] == ["cell 2 is nested too deeply to analyze"]
    assert cell_sources(data)[:2] == ["from torch.optim import Adam\n", "deep = Adam\n"]


# --- the notebook's own layout ---------------------------------------------------------------------

def test_source_lists_split_unusually_keep_their_unchanged_items():
    # split at a form feed (as nbformat does) and mid-line
    source = ["import torch\n", "x = 'a\x0c", "b'\n", ADAM + "\n", "y = 1\n", "z", " = 2"]
    raw = raw_notebook([code_cell(source)])
    data, fixed, _, _ = fix(raw)
    assert len(fixed) == 1
    assert json.loads(data)["cells"][0]["source"] == [*source[:3], ADAMW + "\n", *source[4:]]


def test_a_cell_source_given_as_one_string_stays_one_string():
    raw = raw_notebook([code_cell(f"import torch\n{ADAM}")])
    data, _, _, _ = fix(raw)
    assert json.loads(data)["cells"][0]["source"] == f"import torch\n{ADAMW}"
    assert data == raw.replace(ADAM.encode(), ADAMW.encode())


def test_results_cross_process_boundaries():
    import pickle

    raw = notebook_bytes("import torch\n", "x = (\n", f"{ADAM}\n")
    for result in (check(raw), fix(raw)):
        copy = pickle.loads(pickle.dumps(result))
        assert [str(e) for e in copy.errors] == [str(e) for e in result.errors] and len(copy.errors) == 1


def test_cli_reports_the_broken_cell_and_the_other_cells_findings(tmp_path, capsys):
    (tmp_path / "nb.ipynb").write_bytes(notebook_bytes("import torch\n", "x = (\n", f"{ADAM}\n"))
    (tmp_path / "good.py").write_text(BAD)
    code, out, err = cli(capsys, "check", str(tmp_path))
    assert code == 2 and "nb.ipynb: cell 2, line 1 cannot be parsed" in err
    assert "nb.ipynb:cell 3:1:7: AWL101" in out and "good.py:2:7: AWL101" in out
    code, out, err = cli(capsys, "fix", str(tmp_path))
    assert code == 2 and "cell 2, line 1 cannot be parsed" in err
    assert cell_sources((tmp_path / "nb.ipynb").read_bytes()) == ["import torch\n", "x = (\n", f"{ADAMW}\n"]


def test_sarif_and_github_point_at_the_line_of_the_ipynb_file(tmp_path, capsys):
    data = notebook_bytes("import torch\n", f"x = 1\n{ADAM}\n")
    (tmp_path / "nb.ipynb").write_bytes(data)
    stored = data.decode().splitlines()
    expected = next(i for i, line in enumerate(stored, 1) if "torch.optim.Adam(" in line)
    code, out, _ = cli(capsys, "check", "--format", "sarif", str(tmp_path))
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": expected}
    assert location["message"]["text"] == "cell 2, line 2, column 7"
    code, out, _ = cli(capsys, "check", "--format", "github", str(tmp_path))
    assert f",line={expected}," in out and "::cell 2, line 2: AWL101" in out


def test_file_lines_for_string_and_list_sources():
    data = json.dumps({"cells": [{"cell_type": "code", "source": "a\nb\n"},
                                 {"cell_type": "code", "source": ["x\n", "y\nz", "w\n"]}],
                       "nbformat": 4, "metadata": {}}, indent=1).encode()
    lines = data.decode().splitlines()
    where = notebook.file_lines(data)
    assert where[(1, 1)] == where[(1, 2)] and '"source": "a\\nb\\n"' in lines[where[(1, 1)] - 1]
    assert [lines[where[(2, n)] - 1].strip() for n in (1, 2, 3, 4)] == ['"x\\n",', '"y\\nz",', '"y\\nz",', '"w\\n"']
    assert notebook.file_lines(b'{"cells": [ "broken') == {}


def test_a_keras_finding_names_the_regularizer_by_cell_and_line(tmp_path, capsys):
    cells = ["import keras\nfrom keras import layers, regularizers\n",
             "model = keras.Sequential([layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4))])\n",
             "model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n"]
    (tmp_path / "nb.ipynb").write_bytes(notebook_bytes(*cells))
    code, out, _ = cli(capsys, "check", str(tmp_path))
    assert code == 1 and "nb.ipynb:cell 3:1:" in out and "AWL201" in out
    assert "cell 2, line 1" in out and "(line 1)" not in out

"""The Keras/TF walks share what they learn of another module's builders between the files of a
run (one project index): each file must still get its own findings, show where a foreign
regularizer is, and note every module its result depends on."""
import textwrap

import pytest

from adamw_lint.analysis import analyze_source
from adamw_lint.recorded import RecordingIndex

NETS = """
    from tensorflow import keras
    from pkg.heads import head

    def build(l2=0.0):
        return keras.Sequential([keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(l2)), head()])
"""
HEADS = """
    from tensorflow import keras

    def head():
        return keras.layers.Dense(1)
"""
CALLERS = {
    "regularized.py": "from tensorflow import keras\nfrom pkg.nets import build\n\n"
                      "model = build(l2=1e-4)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "plain.py": "from tensorflow import keras\nfrom pkg.nets import build\n\n"
                "model = build()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
}


@pytest.fixture
def package(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(textwrap.dedent(NETS))
    (package / "heads.py").write_text(textwrap.dedent(HEADS))
    for name, source in CALLERS.items():
        (package / name).write_text(source)
    return tmp_path


def _check(index: RecordingIndex, root, name: str):
    index.located = {}
    path = root / "pkg" / name
    found = analyze_source(path.read_text(), path=str(path), project=index)
    return [(f.line, f.code, f.message) for f in found], index.located


@pytest.mark.parametrize("order", [["regularized.py", "plain.py"], ["plain.py", "regularized.py"]])
def test_two_callers_of_one_builder_keep_their_own_findings_in_one_run(package, order, monkeypatch):
    monkeypatch.chdir(package)
    alone = {name: _check(RecordingIndex([str(package)]), package, name) for name in CALLERS}
    shared = RecordingIndex([str(package)])
    for name in order:
        assert _check(shared, package, name) == alone[name]
    findings, located = alone["regularized.py"]
    assert [(line, code) for line, code, _ in findings] == [(5, "AWL201")]
    assert "pkg/nets.py:6" in findings[0][2]  # the regularizer is shown where it is written
    assert alone["plain.py"][0] == []  # build() leaves l2 at zero
    assert located.get("pkg.heads") is not None  # only the walk through build looks for it

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


CYCLE = {  # zoo.build → layers.wrap → zoo.block: a walk from zoo.py comes back into it through layers.py
    "kproj/__init__.py": "",
    "kproj/a.py": "import tensorflow as tf\nfrom kproj.zoo import other\n\n"
                  "m = other()\nm.compile(optimizer='adam', loss='mse')\n",
    "kproj/layers.py": "from kproj.zoo import block\n\n\ndef wrap():\n    return block()\n",
    "kproj/zoo.py": """
        from tensorflow import keras
        from kproj import layers

        def block():
            return keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(1e-4))

        def build():
            return keras.Sequential([layers.wrap()])

        def other():
            return keras.Sequential([keras.layers.Dense(3)])

        def train():
            model = build()
            model.compile(optimizer="adam", loss="mse")
    """,
}


def test_a_files_findings_do_not_depend_on_what_the_run_parsed_before(tmp_path, capsys):
    """a.py, checked first, makes the project index parse zoo.py: zoo.py's own check, whose walk
    comes back into zoo.py through layers.py, must read the same as when zoo.py is checked alone
    (a shared tree once made its sites read ``line 5`` in one run and ``kproj/zoo.py:5`` in the other)."""
    from helpers import cli

    for name, text in CYCLE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    zoo = str(tmp_path / "kproj" / "zoo.py")
    runs = [cli(capsys, "check", "--no-cache", "-j", "1", target) for target in (str(tmp_path), zoo)]
    assert all(code == 1 for code, _, _ in runs)
    lines = [[line for line in out.splitlines() if line.startswith(zoo)] for _, out, _ in runs]
    assert lines[0] == lines[1] and len(lines[0]) == 1 and "AWL201" in lines[0][0]


def test_sites_on_the_same_line_of_several_modules_are_listed_the_same_way_in_every_process(tmp_path):
    # each process salts str hashes anew: the sites' order came out of a set
    import subprocess
    import sys

    from helpers import ROOT

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    for name in "dbca":
        (tmp_path / "pkg" / f"{name}.py").write_text(
            f"from tensorflow import keras\n\n\ndef block_{name}():\n"
            "    return keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(1e-4))\n")
    (tmp_path / "train.py").write_text(
        "from tensorflow import keras\n\n" + "".join(f"from pkg.{n} import block_{n}\n" for n in "abcd")
        + "\nmodel = keras.Sequential([block_a(), block_b(), block_c(), block_d()])\n"
        "model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n")
    outputs = set()
    for seed in range(6):
        done = subprocess.run([sys.executable, "-m", "adamw_lint", "check", "--no-cache", "-q", "train.py"],
                              cwd=tmp_path, capture_output=True, text=True,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": str(seed)})
        assert done.returncode == 1, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "(pkg/a.py:5; pkg/b.py:5; pkg/c.py:5; pkg/d.py:5)" in outputs.pop()


def test_keras_own_source_is_its_api_not_a_model_to_follow(tmp_path):
    """Checked where Keras's source is the project (keras's own tests), ``keras.models.Sequential``
    means what the catalog says it does: its implementation is not followed (doing so found the
    implementation's own regularizers and took 27 of keras's tests past the walk's bound)."""
    package = tmp_path / "keras"
    (package / "tests").mkdir(parents=True)
    (package / "__init__.py").write_text("from keras import layers, models, optimizers, regularizers\n")
    (package / "layers.py").write_text("class Dense:\n    def __init__(self, units, kernel_regularizer=None):\n"
                                       "        self.kernel_regularizer = kernel_regularizer\n")
    (package / "regularizers.py").write_text("def l2(c):\n    return c\n")
    (package / "optimizers.py").write_text("class Adam:\n    def __init__(self, learning_rate=1e-3):\n        pass\n")
    (package / "models.py").write_text(
        "from keras import layers, regularizers\n\n\nclass Sequential:\n    def __init__(self, given=None):\n"
        "        self._probe = layers.Dense(1, kernel_regularizer=regularizers.l2(1e-4))  # the implementation's\n")
    (package / "tests" / "__init__.py").write_text("")
    test = ("import keras\n\nplain = keras.models.Sequential([keras.layers.Dense(2)])\n"
            "plain.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n"
            "l2 = keras.models.Sequential([keras.layers.Dense(2, kernel_regularizer=keras.regularizers.l2(1e-3))])\n"
            "l2.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n")
    (package / "tests" / "model_test.py").write_text(test)
    found = analyze_source(test, path=str(package / "tests" / "model_test.py"), project=RecordingIndex([str(tmp_path)]))
    assert [(f.line, f.code) for f in found] == [(6, "AWL201")]

"""A Keras/TF walk is not taken into code that cannot reach by name what it reacts to
(``KerasTfChecker._may_react``, ``ProjectIndex.reach_may_hold``): a layer walk reacts to a
regularizer keyword, ``add_loss`` or an L2 regularizer's library name, a loss walk to ``x.losses``
or an L2 term, and each is spelled in words, in the module or in one whose name it holds (and so
on). Each case runs with the words looked at and without, and the findings must be the same;
the real CLI runs in git repositories for what a user sees, with the cases where a word is out
of sight (a skipped or linked folder, a hidden one, a buffer, an edit the cache must see)."""
import ast
import os
import textwrap

import pytest

from adamw_lint.checkers.keras_tf import KerasTfChecker
from adamw_lint.engine import analyze_tree
from adamw_lint.files import physical_lines
from adamw_lint.recorded import RecordingIndex
from helpers import make_repo, run_cli

CLEAN = """
from tensorflow.keras import layers


def block(x, units):
    for _ in range(3):
        x = layers.Dense(units, activation="relu")(x)
    return layers.Dropout(0.1)(x)
"""
REGULARIZED = """
from tensorflow.keras import layers, regularizers


def dense(x):
    return layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4))(x)
"""
LIMIT_MESSAGE = "analysis stopped after 20000 nodes following a model or loss; findings in this file may be missing"
TRAIN = """
import tensorflow as tf
{imports}

inputs = tf.keras.Input((8,))
model = tf.keras.Model(inputs, {outputs})
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse")
"""


@pytest.fixture
def walked(monkeypatch):
    """The nodes the layer and loss walks visit (not whether a model is followed: ``_follows``),
    and the summaries that may spare them."""
    counted = []
    original, summary = KerasTfChecker._walk, KerasTfChecker._reached

    def reached(self, *args):
        counted.append(1)
        return summary(self, *args)

    def walk(self, expr, scope, stop=None, calls=None):
        for step in original(self, expr, scope, stop, calls):
            if calls is not None:  # from ``_walked``
                counted.append(1)
            yield step
    monkeypatch.setattr(KerasTfChecker, "_walk", walk)
    monkeypatch.setattr(KerasTfChecker, "_reached", reached)
    return counted


def _analyze(root, name, monkeypatch=None, gate=True):
    """Findings of ``root/name`` as a run over ``root`` finds them, with the words looked at or not."""
    path = os.path.join(root, name)
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    with pytest.MonkeyPatch.context() as m:
        if not gate:
            m.setattr(KerasTfChecker, "_may_react", lambda self, kind: True)
        found = analyze_tree(ast.parse(source), physical_lines(source), fixes=False, path=path,
                             project=RecordingIndex([str(root)]))
    return [(f.line, f.code, f.message) for f in found]


def _write(root, files):
    for name, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, name)) or root, exist_ok=True)
        with open(os.path.join(root, name), "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text))


def test_a_model_built_without_regularizer_words_is_not_walked(tmp_path, walked):
    _write(tmp_path, {"blocks.py": CLEAN, "train.py": TRAIN.format(imports="from blocks import block",
                                                                   outputs="block(inputs, 8)")})
    assert _analyze(tmp_path, "train.py") == []
    assert walked == []  # neither walked nor summarised
    assert _analyze(tmp_path, "train.py", gate=False) == []
    assert walked != []  # the summary the words spared


def test_a_regularizer_two_imports_away_is_found(tmp_path):
    """train → models (no such word) → layers_lib (a regularizer): the words of every module
    reached by name count, and a package's ``from .. import`` reaches its ``__init__``."""
    _write(tmp_path, {
        "layers_lib.py": REGULARIZED,
        "pkg/__init__.py": "from layers_lib import dense as shared_dense\n",
        "pkg/models/__init__.py": "",
        "pkg/models/net.py": "from .. import shared_dense\n\n\ndef net(x):\n    return shared_dense(x)\n",
        "models.py": "from layers_lib import dense\n\n\ndef net(x):\n    return dense(x)\n",
        "train.py": TRAIN.format(imports="from models import net", outputs="net(inputs)"),
        "train_pkg.py": TRAIN.format(imports="from pkg.models.net import net", outputs="net(inputs)"),
    })
    for name in ("train.py", "train_pkg.py"):
        found = _analyze(tmp_path, name)
        assert [code for _, code, _ in found] == ["AWL201"] and "layers_lib.py:6" in found[0][2], found
        assert found == _analyze(tmp_path, name, gate=False)


def test_an_l2_term_in_a_helper_module_is_found_by_the_loss_walk(tmp_path):
    _write(tmp_path, {
        "penalties.py": "import tensorflow as tf\n\n\ndef penalty(w):\n    return 1e-4 * tf.nn.l2_loss(w)\n",
        "train.py": """
            import tensorflow as tf
            from penalties import penalty

            w = tf.Variable(tf.zeros((3, 3)))
            loss = tf.reduce_sum(w) + penalty(w)
            step = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)
            """,
    })
    found = _analyze(tmp_path, "train.py")
    assert [code for _, code, _ in found] == ["AWL202"], found
    assert found == _analyze(tmp_path, "train.py", gate=False)


def test_a_regularizer_spelled_in_fullwidth_letters_is_read_as_python_reads_it(tmp_path):
    _write(tmp_path, {
        "blocks.py": 'from tensorflow.keras import layers\n\n\ndef dense(x):\n'
                     '    return layers.Dense(4, ｋernel_regularizer="l2")(x)\n',
        "train.py": TRAIN.format(imports="from blocks import dense", outputs="dense(inputs)"),
    })
    assert [code for _, code, _ in _analyze(tmp_path, "train.py")] == ["AWL201"]


def _codes(repository, *args, stdin=None):
    result = run_cli("check", "-q", *args, cwd=repository, stdin=stdin)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    return [line.split(": ")[1].split(" ")[0] + " " + line.split(":")[0] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("layout", ["skipped", "linked", "inside"])
def test_modules_the_listing_does_not_hold_are_not_taken_for_clean(tmp_path, layout):
    """An import can reach a module under a folder the project's listing skips (``env/``), a
    linked folder, or beside a script named alone in a skipped folder: their words are not
    known, so the walk is taken, and finds the regularizer there."""
    if layout == "skipped":
        files = {"env/__init__.py": "", "env/regularized.py": REGULARIZED,
                 "train.py": TRAIN.format(imports="from env.regularized import dense", outputs="dense(inputs)")}
    elif layout == "linked":
        _write(tmp_path / "outside", {"lib/__init__.py": "", "lib/regularized.py": REGULARIZED})
        files = {"train.py": TRAIN.format(imports="from lib.regularized import dense", outputs="dense(inputs)")}
    else:
        files = {"build/scripts/regularized.py": REGULARIZED,
                 "build/scripts/train.py": TRAIN.format(imports="from regularized import dense",
                                                        outputs="dense(inputs)")}
    repository = make_repo(tmp_path / "repo", files)
    if layout == "linked":
        os.symlink(tmp_path / "outside" / "lib", repository / "lib")
    script = "build/scripts/train.py" if layout == "inside" else "train.py"
    assert _codes(repository, "--no-cache", script) == [f"AWL201 {script}"]


def test_the_cache_and_a_buffer_see_a_regularizer_added_where_there_was_no_word(tmp_path):
    repository = make_repo(tmp_path, {
        "blocks.py": CLEAN,
        "train.py": TRAIN.format(imports="from blocks import block", outputs="block(inputs, 8)"),
    })
    assert _codes(repository, ".") == []
    (repository / "blocks.py").write_text(CLEAN.replace('activation="relu"', 'kernel_regularizer="l2"'))
    assert _codes(repository, ".") == ["AWL201 train.py"]  # the cached clean result is not reused
    (repository / "blocks.py").write_text(CLEAN)
    assert _codes(repository, ".") == []
    buffer = TRAIN.format(imports="from blocks import block\nfrom tensorflow.keras import layers",
                          outputs='layers.Dense(2, kernel_regularizer="l2")(block(inputs, 8))')
    assert _codes(repository, "--stdin-filename", "train.py", "-", stdin=buffer) == ["AWL201 train.py"]


def test_a_listing_cut_at_its_bound_says_nothing_of_the_words(tmp_path, walked, monkeypatch):
    from adamw_lint import project_index

    _write(tmp_path, {"blocks.py": CLEAN, "train.py": TRAIN.format(imports="from blocks import block",
                                                                   outputs="block(inputs, 8)")})
    monkeypatch.setattr(project_index, "_MAX_MODULES", 1)
    assert _analyze(tmp_path, "train.py") == []
    assert walked != []  # the words of the modules it did not list are not known: the summary is taken


def test_without_the_project_a_walk_stays_in_its_module_and_its_words_decide(walked):
    """As the flake8 plugin runs: no project followed."""
    def analyze(source):
        source = textwrap.dedent(source)
        return [f.code for f in analyze_tree(ast.parse(source), physical_lines(source), fixes=False)]

    assert analyze(TRAIN.format(imports=CLEAN, outputs="block(inputs, 8)")) == []
    assert walked == []
    assert analyze(TRAIN.format(imports=REGULARIZED, outputs="dense(inputs)")) == ["AWL201"]


def test_a_package_above_a_namespace_folder_is_reached_by_its_relative_import(tmp_path):
    """``pkg/models/`` has no ``__init__.py``; ``from .. import shared_dense`` still reaches
    ``pkg/__init__.py`` (a review's case)."""
    _write(tmp_path, {
        "layers_lib.py": REGULARIZED,
        "pkg/__init__.py": "from layers_lib import dense as shared_dense\n",
        "pkg/models/train.py": TRAIN.format(imports="from .. import shared_dense", outputs="shared_dense(inputs)"),
    })
    found = _analyze(tmp_path, "pkg/models/train.py")
    assert [code for _, code, _ in found] == ["AWL201"] and found == _analyze(tmp_path, "pkg/models/train.py", gate=False)


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_a_module_listed_once_under_another_name_is_still_reached_by_its_own(tmp_path, link):
    """The listing reads a file once (by its inode): ``compat_regs.py``, a link to
    ``lib/regs.py``, comes first, and ``regs`` must still name the module."""
    _write(tmp_path, {"lib/__init__.py": "", "lib/regs.py": REGULARIZED,
                      "train.py": TRAIN.format(imports="from lib.regs import dense", outputs="dense(inputs)")})
    (os.symlink if link == "symbolic" else os.link)(tmp_path / "lib" / "regs.py", tmp_path / "compat_regs.py")
    assert [code for _, code, _ in _analyze(tmp_path, "train.py")] == ["AWL201"]


def test_a_module_named_with_letters_beyond_ascii_is_reached(tmp_path):
    _write(tmp_path, {"modèle.py": REGULARIZED,
                      "train.py": TRAIN.format(imports="from modèle import dense", outputs="dense(inputs)")})
    assert [code for _, code, _ in _analyze(tmp_path, "train.py")] == ["AWL201"]
    _write(tmp_path, {"模型.py": CLEAN})  # a name without an ASCII word: nothing can be ruled out
    from adamw_lint.project_index import ProjectIndex

    index = ProjectIndex([str(tmp_path)])
    assert index.reach_may_hold(str(tmp_path / "modèle.py"), frozenset({b"x"}), lambda held: False)


def test_a_name_getattr_spells_in_pieces_is_not_ruled_out(tmp_path):
    """``getattr(tf.nn, "l2_" "loss")`` is ``tf.nn.l2_loss``, and no word says so."""
    _write(tmp_path, {"train.py": """
        import tensorflow as tf

        w = tf.Variable(tf.zeros((3, 3)))
        loss = tf.reduce_sum(w) + 1e-4 * getattr(tf.nn, "l2_" "loss")(w)
        step = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)
        """})
    assert [code for _, code, _ in _analyze(tmp_path, "train.py")] == ["AWL202"]
    source = textwrap.dedent(open(tmp_path / "train.py", encoding="utf-8").read())
    assert [f.code for f in analyze_tree(ast.parse(source), physical_lines(source), fixes=False)] == ["AWL202"]


def test_the_packages_above_a_module_end_at_the_root(tmp_path):
    from adamw_lint.project_index import ProjectIndex

    index = ProjectIndex([str(tmp_path)])
    index._listed = frozenset({"/__init__.py", "/a.py"})
    assert index._packages_above("/") == ("/__init__.py",)
    deep = os.path.join("/", *["d"] * 3000)  # deeper than the recursion limit
    assert index._packages_above(deep) == ("/__init__.py",)


@pytest.mark.parametrize("appears", ["skipped", "linked"])
def test_the_cache_sees_a_folder_the_listing_skips_appear(tmp_path, appears):
    """``from build.regs import dense`` finds nothing, and is cached clean; then ``build/regs.py``
    (a folder the listing does not enter) or a linked ``build`` appears (a review's case)."""
    repository = make_repo(tmp_path / "repo", {
        "train.py": TRAIN.format(imports="from build.regs import dense", outputs="dense(inputs)")})
    assert _codes(repository, ".") == []
    if appears == "skipped":
        _write(repository, {"build/regs.py": REGULARIZED})
    else:
        _write(tmp_path / "outside", {"regs.py": REGULARIZED})
        os.symlink(tmp_path / "outside", repository / "build")
    assert _codes(repository, ".") == ["AWL201 train.py"]


@pytest.mark.parametrize("cookie", ["utf-8", "utf-7"])
def test_a_regularizer_in_a_module_that_declares_its_encoding_is_read_as_python_reads_it(tmp_path, cookie):
    """``# coding: utf-8`` (most of a Google project's modules) is read as written; in UTF-7, an
    identifier can be spelled all in base64 (no word of it is written)."""
    keyword = "+AGsAZQByAG4AZQBsAF8AcgBlAGcAdQBsAGEAcgBpAHoAZQBy-" if cookie == "utf-7" else "kernel_regularizer"
    (tmp_path / "blocks.py").write_bytes(
        f'# coding: {cookie}\nfrom tensorflow.keras import layers\n\n\ndef dense(x):\n'
        f'    return layers.Dense(4, {keyword}="l2")(x)\n'.encode())
    _write(tmp_path, {"train.py": TRAIN.format(imports="from blocks import dense", outputs="dense(inputs)")})
    assert [code for _, code, _ in _analyze(tmp_path, "train.py")] == ["AWL201"]


def test_the_cache_sees_a_link_made_to_a_module_it_listed(tmp_path):
    """``lib/zoo.py`` appears as a link to ``lib/plain.py``, then to ``lib/blocks.py``: the listing
    reads each file once, under the name it meets first, but an import can spell the link's
    (a review's case)."""
    repository = make_repo(tmp_path, {
        "lib/__init__.py": "", "lib/blocks.py": REGULARIZED, "lib/plain.py": CLEAN,
        "train.py": TRAIN.format(imports="from lib.zoo import dense", outputs="dense(inputs)")})
    assert _codes(repository, ".") == []
    os.symlink("plain.py", repository / "lib" / "zoo.py")
    assert _codes(repository, ".") == []  # a module without the builder: nothing either way
    os.remove(repository / "lib" / "zoo.py")
    os.symlink("blocks.py", repository / "lib" / "zoo.py")  # moved to another file
    assert _codes(repository, ".") == ["AWL201 train.py"]


def test_what_cannot_be_known_is_found_once_per_run(tmp_path, monkeypatch):
    """A name without an ASCII word, or a module on the way holding ``getattr``: a yes for every
    module on the way, found once (each later ask is a look-up, not a walk of the chain)."""
    from adamw_lint import project_index
    from adamw_lint.project_index import ProjectIndex

    chain = {f"m{i:03}.py": f"import m{i + 1:03}\n" for i in range(200)}
    chain["m200.py"] = "x = getattr(object, 'mro')\n"
    _write(tmp_path, {**chain, **{f"s{i}.py": "import m000\n" for i in range(20)}})
    read = []
    original = project_index.module_words
    monkeypatch.setattr(project_index, "module_words", lambda *args: read.append(1) or original(*args))
    index = ProjectIndex([str(tmp_path)])
    assert all(index.reach_may_hold(str(tmp_path / f"s{i}.py"), frozenset({b"x"}), bool) for i in range(20))
    assert len(read) < 250  # each module read once, the chain walked once

    _write(tmp_path, {"模型.py": CLEAN})
    stems = []
    monkeypatch.setattr(project_index, "text_words", lambda text: stems.append(text) or frozenset())
    index = ProjectIndex([str(tmp_path)])
    assert all(index.reach_may_hold(str(tmp_path / f"s{i}.py"), frozenset({b"x"}), bool) for i in range(20))
    assert stems == ["模型"]  # the names looked at once


def test_a_model_too_large_to_walk_without_any_word_is_not_walked_to_its_bound(tmp_path):
    """Before, the walk stopped at its bound and said findings may be missing: no finding can be."""
    layers = "".join("    x = layers.Dense(8)(x)\n" for _ in range(5000))
    _write(tmp_path, {"blocks.py": "from tensorflow.keras import layers\n\n\ndef block(x):\n" + layers + "    return x\n",
                      "train.py": TRAIN.format(imports="from blocks import block", outputs="block(inputs)")})
    path = os.path.join(tmp_path, "train.py")
    source = open(path, encoding="utf-8").read()
    for gate, expected in ((True, []), (False, [LIMIT_MESSAGE])):
        limits = []
        with pytest.MonkeyPatch.context() as m:
            if not gate:
                m.setattr(KerasTfChecker, "_may_react", lambda self, kind: True)
                m.setattr(KerasTfChecker, "_finds_nothing", lambda self, kind, expr, scope: False)
            found = analyze_tree(ast.parse(source), physical_lines(source), fixes=False, path=path,
                                 project=RecordingIndex([str(tmp_path)]), limited=limits.append)
        assert found == [] and limits == expected

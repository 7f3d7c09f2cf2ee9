"""A Keras/TF walk that provably finds nothing is not taken (``KerasTfChecker._finds_nothing``):
nothing it reacts to (a layer given a regularizer, an ``add_loss``, ``x.losses``, an L2 term) is
reachable from where it starts, and too few nodes are for it to stop at its bound. Each test
runs the analysis twice, with those summaries and with every walk taken, and the two must
agree, findings and bound messages alike; counts of the nodes walks visit show the saving."""
import ast
import os
import textwrap

import pytest

from adamw_lint.checkers import keras_tf
from adamw_lint.checkers.keras_tf import KerasTfChecker
from adamw_lint.engine import analyze_tree
from adamw_lint.files import physical_lines
from adamw_lint.recorded import RecordingIndex

HEAD = "import keras\nimport tensorflow as tf\nfrom keras import layers, regularizers\n"
LIMIT_MESSAGE = ("analysis stopped after 20000 nodes following a model or loss; "
                 "findings in this file may be missing")


@pytest.fixture(autouse=True)
def every_module_may_react(monkeypatch):
    """The summaries are what these tests measure: the words a module holds, which spare most of
    these walks before any summary (``_may_react``), are tested in ``test_keras_walk_words.py``."""
    monkeypatch.setattr(KerasTfChecker, "_may_react", lambda self, kind: True)


@pytest.fixture
def visited(monkeypatch):
    """The nodes the walks visit (every walk: models, losses, and whether a model is followed)."""
    counted = []
    original = KerasTfChecker._walk

    def walk(self, expr, scope, *args):
        for step in original(self, expr, scope, *args):
            counted.append(1)
            yield step
    monkeypatch.setattr(KerasTfChecker, "_walk", walk)
    return counted


def _analyze(source, path=None, project=None):
    limits = []
    found = analyze_tree(ast.parse(source), physical_lines(source), fixes=False, path=path, project=project,
                         limited=limits.append)
    return [(f.line, f.code, f.message) for f in found], limits


def _both(monkeypatch, run, visited=None):
    """``run()`` with the summaries and with every walk taken: the same result, which is returned
    (with how many nodes the walks visited each time, when counted)."""
    start = len(visited) if visited is not None else 0
    summarised = run()
    middle = len(visited) if visited is not None else 0
    with monkeypatch.context() as m:
        m.setattr(KerasTfChecker, "_finds_nothing", lambda self, kind, expr, scope: False)
        walked = run()
    assert summarised == walked
    if visited is None:
        return summarised
    return summarised, middle - start, len(visited) - middle


def _one_file(monkeypatch, source, visited=None):
    return _both(monkeypatch, lambda: _analyze(HEAD + textwrap.dedent(source)), visited)


# one file ------------------------------------------------------------------------------------
CLEAN_BLOCK = """
    def block(x, units):
        h = layers.Dense(units, activation="relu")(x)
        h = layers.BatchNormalization()(h)
        h = layers.Dropout(0.1)(h)
        return layers.Dense(units)(h)
"""


def test_clean_models_built_by_one_builder_are_not_walked_again(monkeypatch, visited):
    models = "".join(f"""
    inputs{i} = keras.Input((8,))
    model{i} = keras.Model(inputs{i}, block(block(inputs{i}, 16), 4))
    model{i}.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """ for i in range(10))
    (findings, limits), summarised, walked = _one_file(monkeypatch, CLEAN_BLOCK + models, visited)
    assert findings == [] and limits == []
    assert walked >= 10 * 40  # every model's walk goes through the builder's body
    assert summarised < walked / 4  # only whether each model is followed (that walk stops at the first def)


def test_a_regularizer_behind_a_builder_already_summarised_clean_is_found(monkeypatch, visited):
    source = CLEAN_BLOCK + """
    def regularized_block(x):
        return layers.Dense(3, kernel_regularizer=regularizers.l2(1e-4))(block(x, 8))

    inputs = keras.Input((8,))
    plain = keras.Model(inputs, block(inputs, 4))
    plain.compile(optimizer=keras.optimizers.Adam(), loss="mse")

    outputs = regularized_block(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """
    (findings, limits), _, _ = _one_file(monkeypatch, source, visited)
    assert [(line, code) for line, code, _ in findings] == [(20, "AWL201")]
    assert "line 12" in findings[0][2] and not limits


def test_a_builder_left_at_zero_by_one_call_and_not_by_another(monkeypatch):
    source = """
    def build(l2=0.0):
        return keras.Sequential([layers.Dense(3, kernel_regularizer=regularizers.l2(l2))])

    plain = build()
    plain.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    zero = build(l2=0)
    zero.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    regularized = build(l2=1e-4)
    regularized.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(13, "AWL201")]


def _compiled_with_adam(**models: str) -> str:
    """Lines that build each model (name = expression) and compile it with Adam, in order."""
    return "".join(f'{name} = {built}\n{name}.compile(optimizer=keras.optimizers.Adam(), loss="mse")\n'
                   for name, built in models.items())


def test_a_builder_is_judged_by_every_call_of_it_the_walk_meets(monkeypatch):
    """The calls of a builder were read as the walk met them: ``build``'s body was judged after
    ``build(0.0)`` alone, and the L2 ``build(1e-3)`` gives the same model was dropped."""
    source = textwrap.dedent("""
    def build(l2):
        return layers.Dense(3, kernel_regularizer=regularizers.l2(l2))

    """) + _compiled_with_adam(zero_first="keras.Sequential([build(0.0), build(1e-3)])",
                               zero_last="keras.Sequential([build(1e-3), build(0.0)])",
                               both_zero="keras.Sequential([build(0.0), build(0)])")
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(9, "AWL201"), (11, "AWL201")]


def test_a_copy_method_that_passes_the_kept_value_back_gives_no_value_of_its_own(monkeypatch):
    """``copy()`` building the class again from what ``__init__`` kept (tf-agents' test networks)
    passes whatever each construction passed: the plain one stays without L2. A value kept
    elsewhere is not known to be the same: it is judged by what the constructions pass for it."""
    source = """
    class Critic(keras.Model):
        def __init__(self, l2_weight=0.0, other=0.0):
            super().__init__()
            self._l2_weight = l2_weight
            self._other = other
            self._dense = layers.Dense(1, kernel_regularizer=regularizers.l2(l2_weight))

        def copy(self):
            return Critic(l2_weight=self._l2_weight)

        def call(self, x):
            return self._dense(x)

    """
    source = textwrap.dedent(source) + _compiled_with_adam(plain="Critic()", regularized="Critic(l2_weight=1e-3)")
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(21, "AWL201")]
    other = source.replace("Critic(l2_weight=self._l2_weight)", "Critic(l2_weight=self._other)")
    findings, _ = _one_file(monkeypatch, other.replace("other=0.0", "other=1e-2"))
    assert [(line, code) for line, code, _ in findings] == [(19, "AWL201"), (21, "AWL201")]
    # kept from a parameter that every construction leaves at zero: the copy passes zero too
    findings, _ = _one_file(monkeypatch, other)
    assert [(line, code) for line, code, _ in findings] == [(21, "AWL201")]
    # a copy is all the walk meets: what was copied is not known (a subclass's super().__init__
    # passes 1e-3, and is not a call of Critic); set again in a method: not the kept value
    copied = textwrap.dedent("""
    class Big(Critic):
        def __init__(self):
            super().__init__(l2_weight=1e-3)

    """) + _compiled_with_adam(copied="Big().copy()")
    findings, _ = _one_file(monkeypatch, source + copied)
    assert [(line, code) for line, code, _ in findings] == [(21, "AWL201"), (28, "AWL201")]
    reset = source.replace("        return self._dense(x)\n",
                           "        return self._dense(x)\n\n    def thaw(self):\n        self._l2_weight = 1e-3\n")
    findings, _ = _one_file(monkeypatch, reset)
    assert [(line, code) for line, code, _ in findings] == [(22, "AWL201"), (24, "AWL201")]


def test_add_loss_of_an_l2_term_beside_clean_models(monkeypatch):
    source = CLEAN_BLOCK + """
    inputs = keras.Input((8,))
    plain = keras.Model(inputs, block(inputs, 4))
    plain.compile(optimizer=keras.optimizers.Adam(), loss="mse")

    model = keras.Model(inputs, block(inputs, 2))
    model.add_loss(1e-4 * tf.nn.l2_loss(model.layers[1].kernel))
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse")

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, x):
            self.add_loss(1e-4 * tf.nn.l2_loss(self.dense.kernel))
            return self.dense(x)

    net = Net()
    net.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(17, "AWL202"), (29, "AWL202")]


def test_model_losses_in_a_minimized_loss(monkeypatch):
    source = CLEAN_BLOCK + """
    inputs = keras.Input((8,))
    regularized = keras.Model(inputs, layers.Dense(1, kernel_regularizer=regularizers.l2(1e-4))(block(inputs, 4)))
    plain = keras.Model(inputs, block(inputs, 4))

    def regularized_loss(x, y):
        return tf.reduce_mean((regularized(x) - y) ** 2) + tf.add_n(regularized.losses)

    def plain_loss(x, y):
        return tf.reduce_mean((plain(x) - y) ** 2)

    def weight_loss(x, y):
        return plain_loss(x, y) + 1e-4 * tf.nn.l2_loss(plain.layers[1].kernel)

    opt = tf.keras.optimizers.Adam()
    opt.minimize(lambda: regularized_loss(x, y), regularized.trainable_variables)
    other = tf.keras.optimizers.Adam()
    other.minimize(lambda: plain_loss(x, y), plain.trainable_variables)
    third = tf.keras.optimizers.Adam()
    third.minimize(lambda: weight_loss(x, y), plain.trainable_variables)
    """
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(24, "AWL202"), (28, "AWL202")]


def test_builders_that_call_each_other(monkeypatch):
    source = """
    def even(x, n):
        return x if n == 0 else odd(layers.Dense(4, kernel_regularizer=None)(x), n - 1)

    def odd(x, n):
        return even(layers.Dense(4, kernel_regularizer=None)(x), n - 1)

    def regularized_even(x, n):
        return x if n == 0 else regularized_odd(layers.Dense(4, kernel_regularizer=None)(x), n - 1)

    def regularized_odd(x, n):
        return regularized_even(layers.Dense(4, kernel_regularizer="l2")(x), n - 1)

    inputs = keras.Input((8,))
    plain = keras.Model(inputs, even(inputs, 4))
    plain.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    model = keras.Model(inputs, regularized_even(inputs, 4))
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """
    findings, limits = _one_file(monkeypatch, source)
    assert limits == []
    assert [(line, code) for line, code, _ in findings] == [(21, "AWL201")]


@pytest.mark.parametrize("regularized", [False, True])
def test_a_chain_of_builders_deeper_than_summaries_nest(monkeypatch, regularized):
    depth = keras_tf._NESTING + 10
    last = 'layers.Dense(2, kernel_regularizer="l2")(x)' if regularized else "layers.Dense(2)(x)"
    builders = "".join(f"def f{i}(x):\n    return f{i + 1}(layers.Dense(2, kernel_regularizer=None)(x))\n"
                       for i in reversed(range(depth)))  # each defined before it is called
    source = f"def f{depth}(x):\n    return {last}\n" + builders + (
        "inputs = keras.Input((8,))\nmodel = keras.Model(inputs, f0(inputs))\n"
        "model.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n")
    findings, limits = _both(monkeypatch, lambda: _analyze(HEAD + source))
    assert limits == []
    assert [code for _, code, _ in findings] == (["AWL201"] if regularized else [])


# the walk's bound ---------------------------------------------------------------------------------
def _long_builder(statements, regularized_at=None):
    """A builder with ``statements`` layers in a row (about ten nodes a walk visits each)."""
    lines = ["def build(x):"]
    for i in range(statements):
        regularizer = '"l2"' if i == regularized_at else "None"
        lines.append(f"    x = layers.Dense({i}, kernel_regularizer={regularizer})(x)")
    lines += ["    return x", "", "inputs = keras.Input((8,))", "model = keras.Model(inputs, build(inputs))",
              "model.compile(optimizer=keras.optimizers.Adam(), loss='mse')", ""]
    return HEAD + "\n".join(lines)


def _longest_walk(monkeypatch, source):
    """How many nodes the longest walk visits when every walk is taken."""
    lengths = []
    original = KerasTfChecker._walk

    def walk(self, expr, scope, *args):
        length = 0
        try:
            for step in original(self, expr, scope, *args):
                length += 1
                yield step
        finally:
            lengths.append(length)
    with monkeypatch.context() as m:
        m.setattr(KerasTfChecker, "_finds_nothing", lambda self, kind, expr, scope: False)
        m.setattr(KerasTfChecker, "_walk", walk)
        _analyze(source)
    return max(lengths)


# a walk of 19,963 nodes (not taken), of 19,998 (taken: its summary counts some twice) and
# of 20,000, where it stops
@pytest.mark.parametrize("statements, nodes", [(2850, 19963), (2855, 19998), (2856, 20000)])
def test_a_walk_near_its_bound_stops_where_it_did(monkeypatch, visited, statements, nodes):
    source = _long_builder(statements)
    (findings, limits), summarised, _ = _both(monkeypatch, lambda: _analyze(source), visited)
    assert findings == []
    assert _longest_walk(monkeypatch, source) == nodes
    assert limits == ([LIMIT_MESSAGE] if nodes == keras_tf._WALK_LIMIT else [])
    assert summarised < 10 if statements == 2850 else summarised > 19000


def test_a_builder_past_the_bound_still_says_so_and_misses_what_the_walk_misses(monkeypatch):
    # the walk goes through the builder's statements in order, seven nodes each: it stops in the 2,857th
    early = _long_builder(3000, regularized_at=10)
    late = _long_builder(3000, regularized_at=2990)
    findings, limits = _both(monkeypatch, lambda: _analyze(early))
    assert [code for _, code, _ in findings] == ["AWL201"] and limits == [LIMIT_MESSAGE]
    assert _both(monkeypatch, lambda: _analyze(late)) == ([], [LIMIT_MESSAGE])


def _builders(sizes, calls, models=()):
    """Builders ``b0``, ``b1``, ... of ``sizes[i]`` layers each, ``b<i>`` calling those ``calls[i]``
    names (defined before it) first, a model built by each of ``models``, then one by the last."""
    lines = []
    for i, size in enumerate(sizes):
        lines.append(f"def b{i}(x):")
        lines += [f"    x = b{j}(x)" for j in calls[i]]
        lines += [f"    x = layers.Dense({k}, kernel_regularizer=None)(x)" for k in range(size)]
        lines.append("    return x")
    lines.append("inputs = keras.Input((8,))")
    for i in models:
        lines += [f"m{i} = keras.Model(inputs, b{i}(inputs))",
                  f"m{i}.compile(optimizer=keras.optimizers.Adam(), loss='mse')"]
    lines += [f"model = keras.Model(inputs, b{len(sizes) - 1}(inputs))",
              "model.compile(optimizer=keras.optimizers.Adam(), loss='mse')", ""]
    return HEAD + "\n".join(lines)


@pytest.mark.parametrize("models", [(), range(7)])
def test_builders_each_under_the_bound_and_over_it_together(monkeypatch, visited, models):
    # eight builders of 2,800 nodes: b<i> alone (its parameter is followed to b8's call of it,
    # so to b0 ... b<i-1> too) is under the bound up to b6; the model of b8 reaches all eight,
    # through summaries computed by the walks it spares first when there are such models
    source = _builders([400] * 8 + [1], [()] * 8 + [range(8)], models)
    (findings, limits), summarised, walked = _both(monkeypatch, lambda: _analyze(source), visited)
    assert findings == [] and limits == [LIMIT_MESSAGE]
    assert summarised == walked if not models else summarised < walked - 6 * 2800


def test_builders_that_share_a_long_one_are_counted_once(monkeypatch, visited):
    # b0 (11,200 nodes) is reached through b1 and b2: together they are 11,200 + 2 * 700 + the model
    source = _builders([1600, 100, 100, 1], [(), (0,), (0,), (1, 2)])
    (findings, limits), summarised, walked = _both(monkeypatch, lambda: _analyze(source), visited)
    assert findings == [] and limits == []
    assert walked > 12000 and summarised < 10


# a project ----------------------------------------------------------------------------------
NETS = """
    from tensorflow import keras
    from pkg.heads import head

    def clean(units):
        return keras.Sequential([keras.layers.Dense(units), head()])

    def build(l2=0.0):
        return keras.Sequential([keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(l2)), clean(2)])
"""
HEADS = """
    from tensorflow import keras

    def head():
        return keras.layers.Dense(1)
"""
HEADS_REGULARIZED = """
    from tensorflow import keras

    def head():
        return keras.layers.Dense(1, kernel_regularizer="l2")
"""
WRAPPERS = """
    from tensorflow import keras
    from pkg.nets import clean, build

    def wrapped_clean():
        return keras.Sequential([clean(4), clean(8)])

    def wrapped_build():
        return keras.Sequential([clean(4), build(l2=1e-4)])
"""
CALLERS = {
    "plain.py": "from tensorflow import keras\nfrom pkg.nets import clean\n\n"
                "model = clean(4)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "zero.py": "from tensorflow import keras\nfrom pkg.nets import build\n\n"
               "model = build()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "regularized.py": "from tensorflow import keras\nfrom pkg.nets import build\n\n"
                      "model = build(l2=1e-4)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "wrapped_plain.py": "from tensorflow import keras\nfrom pkg.wrappers import wrapped_clean\n\n"
                        "model = wrapped_clean()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "wrapped.py": "from tensorflow import keras\nfrom pkg.wrappers import wrapped_build, wrapped_clean\n\n"
                  "plain = wrapped_clean()\nplain.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n"
                  "model = wrapped_build()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
}


def _package(root, heads=HEADS):
    package = root / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(textwrap.dedent(NETS))
    (package / "heads.py").write_text(textwrap.dedent(heads))
    (package / "wrappers.py").write_text(textwrap.dedent(WRAPPERS))
    for name, source in CALLERS.items():
        (package / name).write_text(source)
    return root


def _check(index, root, name):
    index.located = {}
    path = root / "pkg" / name
    return _analyze(path.read_text(), path=str(path), project=index), index.located


def _checked_together(monkeypatch, root, names):
    """Each file's findings (with and without summaries, ``_both``), the files checked in
    ``names``' order with one index, as one run checks them."""
    def run():
        shared = RecordingIndex([str(root)])
        return {name: _check(shared, root, name)[0] for name in names}

    return _both(monkeypatch, run)


def _codes(findings):
    return {name: [(line, code) for line, code, _ in found] for name, (found, limits) in findings.items()}


@pytest.mark.parametrize("order", [list(CALLERS), list(reversed(CALLERS))])
def test_the_files_of_a_run_share_summaries_and_keep_their_own_findings(tmp_path, monkeypatch, order):
    root = _package(tmp_path)
    monkeypatch.chdir(root)

    def run():
        alone = {name: _check(RecordingIndex([str(root)]), root, name) for name in CALLERS}
        shared = RecordingIndex([str(root)])
        together = {name: _check(shared, root, name) for name in order}
        for name in CALLERS:
            assert together[name][0] == alone[name][0]
            # a file whose walk is not taken still notes every module that walk would look for
            assert {"pkg.nets", "pkg.heads"} <= set(together[name][1]) & set(alone[name][1])
        return {name: findings for name, (findings, _) in alone.items()}

    findings = _both(monkeypatch, run)
    assert _codes(findings) == {"plain.py": [], "zero.py": [], "regularized.py": [(5, "AWL201")],
                     "wrapped_plain.py": [], "wrapped.py": [(7, "AWL201")]}
    assert "pkg/nets.py:9" in findings["regularized.py"][0][0][2]  # shown where it is written
    assert "pkg/nets.py:9" in findings["wrapped.py"][0][0][2]


def test_a_regularizer_two_modules_away_is_found_by_every_caller(tmp_path, monkeypatch):
    root = _package(tmp_path, heads=HEADS_REGULARIZED)
    monkeypatch.chdir(root)

    findings = _checked_together(monkeypatch, root, CALLERS)
    assert _codes(findings) == {"plain.py": [(5, "AWL201")], "zero.py": [(5, "AWL201")], "regularized.py": [(5, "AWL201")],
                     "wrapped_plain.py": [(5, "AWL201")], "wrapped.py": [(5, "AWL201"), (7, "AWL201")]}
    assert all("pkg/heads.py:5" in found[0][2] for found, _ in findings.values())


LOSSES = """
    import tensorflow as tf
    from tensorflow import keras

    def plain_loss(model, x, y):
        return tf.reduce_mean((model(x) - y) ** 2)

    def regularized_loss(model, x, y):
        return plain_loss(model, x, y) + 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in model.trainable_variables])

    def plain_model():
        return keras.Sequential([keras.layers.Dense(3)])

    def model_with_added_loss():
        model = plain_model()
        model.add_loss(1e-4 * tf.nn.l2_loss(model.layers[0].kernel))
        return model
"""
MINIMIZE_PLAIN = "opt = tf.keras.optimizers.Adam()\nopt.minimize(lambda: plain_loss(model, x, y), model.trainable_variables)\n"
LOSS_CALLERS = {
    "plain_loss.py": "import tensorflow as tf\nfrom pkg.losses import plain_loss\n\n" + MINIMIZE_PLAIN,
    "regularized_loss.py": "import tensorflow as tf\nfrom pkg.losses import plain_loss, regularized_loss\n\n" + MINIMIZE_PLAIN +
                           "other = tf.keras.optimizers.Adam()\n"
                           "other.minimize(lambda: regularized_loss(model, x, y), model.trainable_variables)\n",
    "plain_model.py": "from tensorflow import keras\nfrom pkg.losses import plain_model\n\n"
                      "model = plain_model()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
    "added_loss.py": "from tensorflow import keras\nfrom pkg.losses import model_with_added_loss\n\n"
                     "model = model_with_added_loss()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
}


@pytest.mark.parametrize("order", [list(LOSS_CALLERS), list(reversed(LOSS_CALLERS))])
def test_loss_terms_and_add_loss_in_another_module(tmp_path, monkeypatch, order):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "losses.py").write_text(textwrap.dedent(LOSSES))
    for name, source in LOSS_CALLERS.items():
        (package / name).write_text(source)
    monkeypatch.chdir(tmp_path)

    findings = _checked_together(monkeypatch, tmp_path, order)
    assert _codes(findings) == {"plain_loss.py": [], "regularized_loss.py": [(6, "AWL202")], "plain_model.py": [],
                     "added_loss.py": [(5, "AWL202")]}
    assert "pkg/losses.py:9" in findings["regularized_loss.py"][0][0][2]
    assert "pkg/losses.py:16" in findings["added_loss.py"][0][0][2]


def _big_package(root):
    """``pkg.big.wide`` builds a model from two builders of ~12,000 nodes each: each is under the
    bound, together they are over it, and their summary gives up (its steps run out) in the second."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    lines = ["from tensorflow import keras", ""]
    for name in ("first", "second"):
        lines.append(f"def {name}(x):")
        lines += [f"    x = keras.layers.Dense({k}, kernel_regularizer=None)(x)" for k in range(1700)]
        lines += ["    return x", ""]
    lines += ["def wide(x):", "    return second(first(x))", ""]
    (package / "big.py").write_text("\n".join(lines))
    caller = ("from tensorflow import keras\nfrom pkg.big import wide\n\ninputs = keras.Input((8,))\n"
              "model = keras.Model(inputs, wide(inputs))\n"
              "model.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n")
    for name in ("a.py", "b.py"):
        (package / name).write_text(caller)


def test_a_summary_given_up_is_not_taken_again_by_the_next_file(tmp_path, monkeypatch):
    # the first file's summary gives up inside ``wide`` and ``second``: they are settled as
    # unknown for the run, so the second file's summary stops at ``wide`` at once instead of
    # exploring ``second`` again; both files' walks are taken, and stop at the bound
    _big_package(tmp_path)
    monkeypatch.chdir(tmp_path)
    explored = []
    original = KerasTfChecker._reacts

    def reacts(self, kind, node, scope):
        explored.append(self.ctx.path)
        return original(self, kind, node, scope)
    monkeypatch.setattr(KerasTfChecker, "_reacts", reacts)

    findings = _checked_together(monkeypatch, tmp_path, ["a.py", "b.py"])
    assert findings == {name: ([], [LIMIT_MESSAGE]) for name in ("a.py", "b.py")}
    first, second = (sum(1 for p in explored if p.endswith(name)) for name in ("a.py", "b.py"))
    assert first > keras_tf._WALK_LIMIT and second < 50


# the files of a run with other star imports ---------------------------------------------------
def _per_file(monkeypatch, method):
    """How many times each file's checker calls ``method`` of its own, by file name."""
    counted = {}
    original = getattr(KerasTfChecker, method)

    def counting(self, *args):
        name = os.path.basename(self.ctx.path)
        counted[name] = counted.get(name, 0) + 1
        return original(self, *args)
    monkeypatch.setattr(KerasTfChecker, method, counting)
    return counted


STARS = (("first.py", "pkg.heads"), ("second.py", "tensorflow.contrib.opt"), ("third.py", "pkg.nets"))


@pytest.mark.parametrize("regularized", [False, True])
def test_files_with_other_star_imports_share_what_a_builder_reaches(tmp_path, monkeypatch, regularized):
    """A file's star imports do not change what another module's names mean, whether they resolve
    an optimizer's name (``tensorflow.contrib.opt``) or not (a project module): the files share
    that module's steps and summaries (each of stellargraph's tests summarised the 6,600 nodes of
    the library its model is built by)."""
    root = _package(tmp_path, heads=HEADS_REGULARIZED if regularized else HEADS)
    package = root / "pkg"
    built = "build(l2=1e-4)" if regularized else "clean(4)"
    for name, star in STARS:
        (package / name).write_text(f"from tensorflow import keras\nfrom pkg.nets import build, clean\nfrom {star} import *\n\n"
                                    f"model = {built}\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n")
    monkeypatch.chdir(root)
    summarised, stepped = _per_file(monkeypatch, "_reacts"), _per_file(monkeypatch, "_step")
    findings = _checked_together(monkeypatch, root, [name for name, _ in STARS])
    assert _codes(findings) == {name: [(6, "AWL201")] if regularized else [] for name, _ in STARS}
    if regularized:
        assert all("pkg/nets.py:9" in found[0][2] and "pkg/heads.py:5" in found[0][2] for found, _ in findings.values())
    counts = summarised if not regularized else stepped  # what a walk that finds nothing, or one taken, computes
    assert 3 * max(counts["second.py"], counts["third.py"]) < counts["first.py"]  # their own module's only


def test_a_name_is_looked_up_in_the_star_imports_of_the_module_it_is_read_in():
    from adamw_lint.scope import Resolver

    checked, other = Resolver(frozenset({"torch.optim.Adam"})), Resolver(frozenset())
    checked.visit(ast.parse("from torch.optim import *\n"))
    other.visit(ast.parse("from pkg.layers import *\n"))
    adam = ast.parse("Adam", mode="eval").body
    assert checked.qualname(adam, checked.module) == "torch.optim.Adam"
    assert checked.qualname(adam, other.module) is None  # not the checked file's star import
    checked, other = Resolver(frozenset({"torch.optim.Adam"})), Resolver(frozenset())
    checked.visit(ast.parse("import torch\n"))
    tree = ast.parse("from torch.optim import *\n\n\ndef make():\n    return lambda: [Adam for _ in ()]\n")
    other.visit(tree)
    assert checked.qualname(adam, other.module) == "torch.optim.Adam"  # its own
    inner = tree.body[1].body[0].value.body  # the comprehension in the lambda in the def
    read = inner.elt
    assert checked.qualname(read, other.scopes[id(inner)]) == "torch.optim.Adam"


@pytest.mark.parametrize("starred", [False, True])
@pytest.mark.parametrize("order", [["a.py", "b.py"], ["b.py", "a.py"]])
def test_another_modules_names_mean_the_same_to_every_file(tmp_path, monkeypatch, order, starred):
    """A name another module leaves unbound means what that module's star imports make it, whatever
    the checked file star-imports: a regularizer handed to ``AdamWOptimizer`` (a library class once
    ``tensorflow.contrib.opt`` is star-imported; otherwise an unknown callee, whose arguments are
    taken as a project builder's) is judged the same for both files, checked alone or together,
    in either order."""
    compiled = "model = build()\nmodel.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n"
    star = "from tensorflow.contrib.opt import *\n" if starred else ""
    files = {"__init__.py": "",
             "nets.py": f"from tensorflow import keras\n{star}\n\ndef build():\n    return keras.Sequential("
                        "[keras.layers.Dense(3), AdamWOptimizer(keras.regularizers.l2(1e-4))])\n",
             "a.py": "from tensorflow import keras\nfrom pkg.nets import build\nfrom tensorflow.contrib.opt import *\n\n" + compiled,
             "b.py": "from tensorflow import keras\nfrom pkg.nets import build\n\n" + compiled}
    (tmp_path / "pkg").mkdir()
    for name, source in files.items():
        (tmp_path / "pkg" / name).write_text(source)
    monkeypatch.chdir(tmp_path)
    alone = {name: _check(RecordingIndex([str(tmp_path)]), tmp_path, name)[0] for name in order}
    together = _checked_together(monkeypatch, tmp_path, order)
    assert together == alone
    assert [(line, code) for line, code, _ in together["a.py"][0]] == ([] if starred else [(6, "AWL201")])
    assert [(line, code) for line, code, _ in together["b.py"][0]] == ([] if starred else [(5, "AWL201")])


@pytest.mark.parametrize("built", ["model = build()\n", "model = made\n"])
def test_a_builder_a_star_import_of_the_project_brings_is_walked(tmp_path, monkeypatch, built):
    """``from pkg.nets import *`` then ``build()`` (or ``made``, a model built at module level
    there): the walk enters it as it would for ``from pkg.nets import build``; a builder of the
    file's own that has the same name is its own."""
    compiled = built + "model.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n"
    files = {"__init__.py": "",
             "nets.py": "from tensorflow import keras\n\n\ndef build():\n    return keras.Sequential("
                        "[keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(1e-4))])\n\n\n"
                        "made = build()\n",
             "starred.py": "from tensorflow import keras\nfrom pkg.nets import *\n\n" + compiled,
             "own.py": "from tensorflow import keras\nfrom pkg.nets import *\n\n\ndef build():\n"
                       "    return keras.Sequential([keras.layers.Dense(3)])\n\n\nmade = build()\n" + compiled}
    (tmp_path / "pkg").mkdir()
    for name, source in files.items():
        (tmp_path / "pkg" / name).write_text(source)
    monkeypatch.chdir(tmp_path)
    found = _checked_together(monkeypatch, tmp_path, ["starred.py", "own.py"])
    assert [(line, code) for line, code, _ in found["starred.py"][0]] == [(5, "AWL201")]
    assert "pkg/nets.py:5" in found["starred.py"][0][0][2]
    assert found["own.py"][0] == []

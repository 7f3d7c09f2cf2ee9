"""TensorFlow/Keras and optax: where coupled L2 really lives (semantics §3, §4, traps 1, 7, 9, 11)."""
import textwrap

import pytest

from adamw_lint.analysis import analyze_source
from helpers import fixed


def codes(source: str):
    return [(f.line, f.code) for f in analyze_source(textwrap.dedent(source))]


@pytest.mark.parametrize(
    "source",
    [
        "import keras\nkeras.optimizers.Adam(weight_decay=1e-4)\n",
        "import keras\nkeras.optimizers.SGD(0.1, weight_decay=1e-4)\n",
        "import tensorflow as tf\ntf.keras.optimizers.Adam(1e-3, 0.9, 0.999, 1e-7, False, 1e-4)\n",
        "import tensorflow as tf\ntf.keras.optimizers.RMSprop(weight_decay=0.004)\n",
        "import tf_keras\ntf_keras.optimizers.Adagrad(weight_decay=1e-4)\n",
        "from keras.optimizers import AdamW\nAdamW(weight_decay=0.004)\n",
    ],
)
def test_keras_weight_decay_is_never_reported(source):
    assert codes(source) == []


def test_regularizer_finding_names_the_regularizer_lines_and_translation():
    source = """
        from keras import layers, optimizers, regularizers
        reg = regularizers.l2(5e-4)
        a = layers.Dense(8, kernel_regularizer=reg)
        b = layers.Dense(8, kernel_regularizer=regularizers.L2(5e-4), activity_regularizer=regularizers.l2(1))
        opt = optimizers.Adam(1e-3)
        model = keras.Sequential([a, b])
        model.compile(optimizer=opt, loss="mse")
    """
    findings = analyze_source("import keras\n" + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(7, "AWL201")]
    assert "(line 5; line 6)" in findings[0].message and "AdamW(weight_decay=0.001)" in findings[0].message
    assert findings[0].related == (5, 6)


def test_regularizer_without_adaptive_optimizer_or_only_activity_is_not_reported():
    head = "import keras\nfrom keras import layers, regularizers\n"
    assert codes(head + "m = keras.Sequential([layers.Dense(8, kernel_regularizer=regularizers.l2(1e-4))])\n"
                        "m.compile(optimizer=keras.optimizers.SGD(0.1))\n") == []
    assert codes(head + "m = keras.Sequential([layers.Dense(8, activity_regularizer=regularizers.l2(1e-4))])\n"
                        "m.compile(optimizer=keras.optimizers.Adam())\n") == []


def test_contrib_regularizer_translation_is_not_doubled():
    source = """
        import tensorflow as tf
        w = tf.get_variable('w', regularizer=None)
        layer = tf.layers.dense(x, 10, kernel_regularizer=tf.contrib.layers.l2_regularizer(1e-4))
        model = tf.keras.Sequential([tf.keras.layers.Dense(10, kernel_regularizer=tf.contrib.layers.l2_regularizer(1e-4))])
        model.compile(tf.train.AdamOptimizer(1e-3))
    """
    findings = analyze_source(textwrap.dedent(source))
    assert [f.code for f in findings] == ["AWL201"] and "weight_decay=0.0001" in findings[0].message


def test_compile_string_needs_keras_in_the_module():
    assert codes("import re\nkernel = layers.Dense(8, kernel_regularizer='l2')\nre.compile('adam')\n") == []
    source = ("import keras\nlayers = keras.layers\nd = layers.Dense(8, kernel_regularizer='l2')\n"
              "model = keras.Sequential([d])\nmodel.compile('adam', 'mse')\n")
    assert codes(source) == [(5, "AWL201")]


def test_loss_side_l2_with_sgd_is_fine_and_with_adam_is_not():
    base = "import tensorflow as tf\nloss = xent + wd * tf.nn.l2_loss(w)\n"
    assert codes(base + "opt = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)\n") == []
    assert codes(base + "opt = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)\n") == [(3, "AWL202")]
    model = "model = tf.keras.Sequential([tf.keras.layers.Dense(4, kernel_regularizer='l2')])\n"
    step = "reg = tf.add_n(model.losses)\nopt = tf.keras.optimizers.Adam()\nopt.minimize(lambda: xent + reg, model.weights)\n"
    assert codes("import tensorflow as tf\n" + model + step) == [(4, "AWL202")]


def test_an_l2_term_of_a_variable_var_list_leaves_out_is_not_its_l2():
    """``minimize(loss, var_list=[b])`` trains b alone: ``l2_loss(w)`` has no gradient there.
    Only variables created apart are told apart; what is not followed keeps the finding."""
    base = textwrap.dedent("""
        import tensorflow as tf
        w = tf.Variable(tf.zeros([10, 10]))
        b = tf.Variable(tf.zeros([10]))
        v = tf.get_variable("v", [3])
        v2 = tf.get_variable("v", [3])
        u = tf.get_variable("u", [3])
        loss = tf.reduce_mean(tf.square(b)) + 1e-4 * tf.nn.l2_loss(w) + 1e-4 * tf.nn.l2_loss(v)
        train_vars = [b, u]
    """)
    step = "op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss, var_list={})\n"
    assert codes(base + step.format("[b]")) == []
    assert codes(base + step.format("train_vars")) == []
    line = len(base.splitlines()) + 1
    for trains in ("[w]", "[b, v2]", "(b, v)", "None", "tf.trainable_variables()", "[x for x in tf.trainable_variables()]"):
        assert codes(base + step.format(trains)) == [(line, "AWL202")], trains
    assert codes(base + "op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)\n") == [(line, "AWL202")]
    every = "op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(tf.add_n([tf.nn.l2_loss(x) for x in ws]), var_list=[b])\n"
    assert codes(base + every) == [(line, "AWL202")]  # which variables ws holds is not followed
    # a tensor computed from a trained variable, a list grown later, a name rebound in a branch, a
    # variable made by a helper: not known to be apart
    cast = base.replace("tf.nn.l2_loss(w)", "tf.nn.l2_loss(tf.cast(w, tf.float16))")
    assert codes(cast + step.format("[w, b]")) == [(line, "AWL202")]
    derived = base.replace("train_vars = [b, u]", "train_vars = [w, b]\nwt = tf.transpose(w)").replace("l2_loss(w)", "l2_loss(wt)")
    assert codes(derived + step.format("train_vars")) == [(line + 1, "AWL202")]
    grown = base + "train_vars.append(w)\n"
    assert codes(grown + step.format("train_vars")) == [(line + 1, "AWL202")]
    branch = base + "if cond:\n    b = tf.Variable(tf.zeros([10]))\n    w = b\n"
    assert codes(branch + step.format("[b]")) == [(line + 3, "AWL202")]
    helper = base.replace('v2 = tf.get_variable("v", [3])', 'v2 = get_v()')
    assert codes(helper + step.format("[b, v2]")) == [(line, "AWL202")]


def test_decay_argument():
    assert codes("import keras\nkeras.optimizers.Adam(decay=0.0)\n") == []
    findings = analyze_source("import tensorflow as tf\ntf.keras.optimizers.legacy.SGD(0.1, decay=1e-4)\n")
    assert findings[0].code == "AWL203" and "learning-rate decay here" in findings[0].message


def test_tfa_and_contrib_are_reported_as_awl204():
    assert codes("import tensorflow_addons as tfa\nopt = tfa.optimizers.AdamW(1e-4)\n") == [(2, "AWL204")]
    assert codes("import tensorflow as tf\nopt = tf.contrib.opt.AdamWOptimizer(1e-4, 1e-3)\n") == [(2, "AWL204")]
    assert codes("from tensorflow_addons.optimizers import extend_with_decoupled_weight_decay as ext\n"
                 "AdamW = ext(tf.keras.optimizers.Adam)\n") == [(2, "AWL204")]


@pytest.mark.parametrize(
    "source,expected",
    [
        ("import optax as ox\nox.chain(ox.add_decayed_weights(1e-4), ox.scale_by_rms(), ox.scale(-1e-3))\n", "AWL301"),
        ("from optax import chain, adam, add_decayed_weights\nchain(add_decayed_weights(1e-4), adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(optax.add_decayed_weights(weight_decay=wd), optax.rmsprop(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(optax.sgd(1e-2), optax.add_decayed_weights(1e-4))\n", "AWL302"),
        ("import optax\noptax.adadelta(1.0, weight_decay=1e-4)\n", "AWL303"),
        ("import optax\noptax.adadelta(1.0, 0.9, 1e-6, 0.0)\n", None),
        ("import optax\noptax.chain(optax.add_decayed_weights(1e-4), optax.sgd(1e-2))\n", None),  # SGD: L2 is decay
        ("import optax\noptax.chain(optax.scale_by_adam(), optax.add_decayed_weights(1e-4), optax.scale(-1e-3))\n", None),
        ("import optax\noptax.chain(*transforms)\n", None),  # an unknown list: the order is not known
        ("import optax\nd = optax.add_decayed_weights(1e-4)\noptax.chain(d, optax.adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(*[optax.add_decayed_weights(1e-4), optax.adam(1e-3)])\n", "AWL301"),
        ("import optax\nts = (optax.add_decayed_weights(1e-4),)\noptax.chain(*ts, optax.adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(optax.masked(optax.add_decayed_weights(1e-4), m), optax.adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(optax.masked(inner=optax.add_decayed_weights(1e-4), mask=m), optax.adam(1e-3))\n",
         "AWL301"),
        ("import optax\noptax.chain(optax.add_decayed_weights(1e-4), optax.inject_hyperparams(optax.rmsprop)(1e-3))\n",
         "AWL301"),
        ("import optax\noptax.chain(optax.inject_hyperparams(optax.adam)(1e-3), optax.add_decayed_weights(1e-4))\n",
         "AWL302"),
        ("import optax\nd = optax.add_decayed_weights(0.0)\noptax.chain(d, optax.adam(1e-3))\n", None),
        ("import optax\noptax.chain(optax.masked(optax.add_decayed_weights(1e-4), m), optax.sgd(1e-2))\n", None),
        ("import optax\noptax.chain(optax.masked(optax.scale_by_adam(), m), optax.add_decayed_weights(1e-4),"
         " optax.scale(-1e-3))\n", None),
        # what a spread holds is not known, but the transforms around it keep their order
        ("import optax\noptax.chain(*[optax.add_decayed_weights(1e-4), *rest], optax.adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(optax.add_decayed_weights(1e-4), *rest, optax.adam(1e-3))\n", "AWL301"),
        ("import optax\noptax.chain(*rest, optax.add_decayed_weights(1e-4))\n", None),
    ],
)
def test_optax_chain_order(source, expected):
    assert [f.code for f in analyze_source(source)] == ([expected] if expected else [])


def test_loss_side_l2_in_torch_spellings():
    head = "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
    for expr in ["p.pow(2).sum()", "(p ** 2).sum()", "torch.norm(p) ** 2", "p.norm(2).pow(2)", "torch.sum(p * p)",
                 "p.norm() ** 2", "p.square().sum()", "torch.linalg.norm(p) ** 2", "torch.sum(torch.square(p))",
                 "torch.pow(p, 2).sum()", "torch.square(p).sum()"]:
        assert codes(head + f"reg = sum({expr} for p in model.parameters())\n") == [(3, "AWL105")], expr
    assert codes(head + "reg = sum(p.abs().sum() for p in model.parameters())\n") == []  # L1
    assert codes(head + "reg = sum(q.pow(2).sum() for p in model.parameters())\n") == []  # not the loop variable
    assert codes(head + "reg = sum(torch.sum(torch.square(p - p0)) for p in model.parameters())\n") == []  # a drift
    assert codes(head + "reg = sum(torch.pow(p, 3).sum() for p in model.parameters())\n") == []


def test_decay_after_the_scaling_is_a_sign_bug_only_when_the_scaling_negates():
    chain = "import optax\ntx = optax.chain(optax.scale_by_adam(), {}, optax.add_decayed_weights(1e-4))\n"
    negating = ["optax.scale_by_learning_rate(1e-3)", "optax.scale_by_learning_rate(1e-3, flip_sign=True)",
                "optax.scale(-1e-3)", "optax.scale(-lr)"]
    for scaling in negating:
        assert codes(chain.format(scaling)) == [(2, "AWL302")], scaling
    kept = ["optax.scale_by_learning_rate(1e-3, flip_sign=False)", "optax.scale(1e-3)", "optax.scale(lr)"]
    for scaling in kept:  # the update keeps its sign: the caller subtracts it, decay included (decoupled)
        assert codes(chain.format(scaling)) == [], scaling
    assert codes("import optax\ntx = optax.chain(optax.adam(1e-3), optax.add_decayed_weights(1e-4))\n") == [(2, "AWL302")]


@pytest.mark.parametrize("source,advice", [
    ("optax.chain(optax.adam(1e-3), optax.add_decayed_weights(1e-4))", "use optax.adamw(..., weight_decay=1e-4)"),
    ("optax.chain(optax.add_decayed_weights(wd), optax.scale_by_adam(), optax.scale(-1e-3))",
     "use optax.adamw(..., weight_decay=wd)"),
    # fjformer's RMSprop: optax.adamw would change the optimizer, not where the decay goes
    ("optax.chain(optax.scale_by_rms(decay=0.9), optax.scale(-1e-3), optax.add_decayed_weights(1e-4))",
     "put add_decayed_weights(1e-4) between the preconditioner and the learning-rate scaling"),
    ("optax.chain(optax.add_decayed_weights(1e-4), optax.rmsprop(1e-3))",
     "put add_decayed_weights(1e-4) between the preconditioner and the learning-rate scaling"),
    ("optax.chain(optax.sgd(1e-2), optax.add_decayed_weights(1e-4))",
     "put add_decayed_weights(1e-4) before the learning-rate scaling"),
])
def test_the_advice_keeps_the_chains_own_optimizer(source, advice):
    (finding,) = analyze_source(f"import optax\ntx = {source}\n")
    assert advice in finding.message, finding.message
    assert ("use optax.adamw" in finding.message) == advice.startswith("use optax.adamw")


def test_a_chain_assembled_elsewhere_is_reported_and_left_for_a_hand_fix():
    spread = "import optax\ntx = optax.chain(*[optax.add_decayed_weights(1e-4), optax.adam(1e-3)])\n"
    masked = "import optax\ntx = optax.chain(optax.masked(optax.add_decayed_weights(1e-4), m), optax.adam(1e-3))\n"
    for source in (spread, masked):
        (finding,) = analyze_source(source)
        assert finding.code == "AWL301" and finding.fix is None and "by hand" in finding.fix_blocked
        assert fixed(source) == source
    injected = ("import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4),"
                " optax.inject_hyperparams(optax.adam)(learning_rate=1e-3))\n")
    (finding,) = analyze_source(injected)  # adamw would drop the state's hyperparams that code reads
    assert finding.code == "AWL301" and finding.fix is None and fixed(injected) == injected
    written = "import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4), optax.adam(1e-3))\n"
    assert fixed(written) == "import optax\ntx = optax.adamw(1e-3, weight_decay=1e-4)\n"

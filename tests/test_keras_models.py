"""Keras/TF: an L2 penalty is charged only to the optimizer that trains it (issue 11).

Each recognition comes with its negative: the same code with the regularizer on another model,
the loss minimized by another optimizer, or a model the linter cannot follow.
"""
import json
import textwrap

import pytest

from adamw_lint.analysis import analyze_source
from adamw_lint.selection import Selection

HEAD = "import keras\nimport tensorflow as tf\nfrom keras import layers, regularizers\n"


def codes(source: str):
    return [(f.line, f.code) for f in analyze_source(HEAD + textwrap.dedent(source))]


def test_several_models_in_one_file_each_charged_with_its_own_regularizers():
    source = """
        plain = keras.Sequential([layers.Dense(64), layers.Dense(10)])
        plain.compile(optimizer="adam", loss="mse")
        reg = keras.Sequential([layers.Dense(64, kernel_regularizer=regularizers.l2(1e-4)), layers.Dense(10)])
        reg.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        other = keras.Sequential([layers.Dense(8)])
        other.compile(optimizer=keras.optimizers.RMSprop(), loss="mse")
    """
    findings = analyze_source(HEAD + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(8, "AWL201")]
    assert "(line 7)" in findings[0].message and findings[0].related == (7,)


def test_model_add_and_the_variable_it_is_bound_to():
    source = """
        a = keras.Sequential()
        a.add(layers.Dense(10, kernel_regularizer="l2"))
        b = keras.Sequential()
        b.add(layers.Dense(10))
        b.compile(optimizer="adam")
        a.compile(optimizer="nadam")
    """
    assert codes(source) == [(10, "AWL201")]


def test_rebinding_a_name_starts_a_new_model():
    source = """
        model = keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])
        model.compile(optimizer="sgd")
        model = keras.Sequential([layers.Dense(10)])
        model.compile(optimizer="adam")
    """
    assert codes(source) == []


def test_functional_graph_from_input_to_model():
    source = """
        inputs = keras.Input(shape=(32,))
        x = layers.Dense(64, activation="relu")(inputs)
        dense = layers.Dense(64, kernel_regularizer=regularizers.l2(5e-4))
        x = dense(x)
        outputs = layers.Dense(10)(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(optimizer=keras.optimizers.Adam(), loss="mse")

        side = layers.Dense(3, kernel_regularizer=regularizers.l2(1e-4))(keras.Input(shape=(3,)))
        clean_in = keras.Input(shape=(8,))
        clean = keras.Model(clean_in, layers.Dense(2)(clean_in))
        clean.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    """
    findings = analyze_source(HEAD + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(11, "AWL201")]
    assert findings[0].related == (7,) and "weight_decay=0.001" in findings[0].message


def test_subclassed_model_layers_from_init():
    source = """
        class Regularized(keras.Model):
            def __init__(self):
                super().__init__()
                self.head = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))

            def call(self, x):
                return self.head(x)

        class Plain(keras.Model):
            def __init__(self):
                super().__init__()
                self.head = layers.Dense(10)

        a = Plain()
        a.compile(optimizer=keras.optimizers.Adam())
        b = Regularized()
        b.compile(optimizer=keras.optimizers.Adamax())
    """
    assert codes(source) == [(21, "AWL201")]


def test_builder_function_compiled_by_the_caller():
    source = """
        def conv_block(x, filters):
            return layers.Conv2D(filters, 3, kernel_regularizer=regularizers.l2(1e-4))(x)

        def build_regularized():
            inputs = keras.Input(shape=(32, 32, 3))
            return keras.Model(inputs, conv_block(inputs, 16))

        def build_plain():
            inputs = keras.Input(shape=(32, 32, 3))
            return keras.Model(inputs, layers.Conv2D(16, 3)(inputs))

        def main():
            model = build_plain()
            model.compile(optimizer=keras.optimizers.Adam())
            model = build_regularized()
            model.compile(optimizer=keras.optimizers.Adagrad())
    """
    findings = analyze_source(HEAD + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(20, "AWL201")]
    assert findings[0].related == (6,)  # the line of the regularizer, inside the helper


def test_model_that_cannot_be_followed_is_not_reported():
    source = """
        layer = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))

        def train(model, data):
            model.compile(optimizer=keras.optimizers.Adam())
            return model.fit(data)

        class Trainer:
            def fit(self):
                self.model.compile(optimizer="adam")
    """
    assert codes(source) == []


def test_one_finding_per_optimizer_naming_every_regularizer():
    source = """
        opt = keras.optimizers.Adam()
        a = keras.Sequential([layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4))])
        b = keras.Sequential([layers.Dense(4, bias_regularizer=regularizers.l2(1e-4))])
        a.compile(optimizer=opt)
        b.compile(optimizer=opt)
    """
    findings = analyze_source(HEAD + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(5, "AWL201")]
    assert findings[0].related == (6, 7)


def test_model_losses_count_only_for_a_model_with_l2_regularizers():
    loop = textwrap.dedent("""
        optimizer = keras.optimizers.Adam()
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x)) + sum(model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    """)
    pooled = "model = keras.Sequential([layers.Dense(10), layers.ActivityRegularization(l2=1e-3)])\n"
    assert codes(pooled + loop) == []  # auxiliary losses, not weight L2
    regularized = "model = keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])\n"
    findings = analyze_source(HEAD + regularized + loop)
    assert [(f.line, f.code) for f in findings] == [(6, "AWL202")]
    assert "model.losses at line 8" in findings[0].message
    unknown = "def step(model):\n    return sum(model.losses)\nopt = keras.optimizers.Adam()\n"
    assert codes(unknown) == []


def test_add_loss_of_an_l2_term_on_a_compiled_model():
    source = """
        model = keras.Sequential([layers.Dense(10)])
        model.add_loss(1e-4 * tf.nn.l2_loss(model.weights[0]))
        model.compile(optimizer="adam")
        other = keras.Sequential([layers.Dense(10)])
        other.add_loss(tf.nn.l2_loss(y - t))
        other.compile(optimizer="adam")
    """
    assert codes(source) == [(7, "AWL202")]


def test_two_optimizers_two_losses_in_one_tf1_file():
    source = """
        def build(x, y, w_d, w_g):
            d_loss = xent(x) + 5e-4 * tf.nn.l2_loss(w_d)
            g_loss = xent(y)
            d_opt = tf.compat.v1.train.AdamOptimizer(1e-4)
            g_opt = tf.compat.v1.train.AdamOptimizer(1e-4)
            d_train = d_opt.minimize(d_loss, var_list=[w_d])
            g_train = g_opt.minimize(g_loss, var_list=[w_g])
            return d_train, g_train
    """
    findings = analyze_source(HEAD + textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(8, "AWL202")]
    assert "l2_loss at line 6" in findings[0].message


def test_get_regularization_loss_needs_regularizers_in_the_graph():
    train = "loss = xent + tf.compat.v1.losses.get_regularization_loss()\n" \
            "op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)\n"
    assert codes(train) == []
    layer = "h = tf.compat.v1.layers.dense(x, 8, kernel_regularizer=tf.keras.regularizers.l2(1e-4))\n"
    assert codes(layer + train) == [(6, "AWL202")]


def test_loss_computed_by_a_module_function():
    source = """
        def total_loss(logits, labels, weights):
            return xent(logits, labels) + 1e-4 * tf.add_n([tf.nn.l2_loss(w) for w in weights])

        opt = tf.compat.v1.train.RMSPropOptimizer(1e-3)
        train_op = opt.minimize(total_loss(logits, labels, weights))
    """
    assert codes(source) == [(8, "AWL202")]


def test_huge_regularizer_coefficient_does_not_crash():
    source = HEAD + "m = keras.Sequential([layers.Dense(2, kernel_regularizer=regularizers.l2(1" + "0" * 310 + "))])\n" \
                    "m.compile(optimizer=keras.optimizers.Adam())\n"
    findings = analyze_source(source)
    assert [f.code for f in findings] == ["AWL201"] and "weight_decay=2·c for L2(c)" in findings[0].message
    assert analyze_source(source, fixes=False)[0].message == findings[0].message


def test_several_models_in_one_notebook_follow_cells_in_order(tmp_path):
    from adamw_lint import notebook

    cells = [
        "import keras\nfrom keras import layers, regularizers",
        "a = keras.Sequential([layers.Dense(4)])\na.compile(optimizer='adam', loss='mse')",
        "b = keras.Sequential([\n    layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4)),\n])",
        "b.compile(optimizer=keras.optimizers.Adam(), loss='mse')",
    ]
    nb = {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "two_models.ipynb"
    raw = json.dumps(nb).encode()
    path.write_bytes(raw)
    findings, errors = notebook.check_cells(str(path), raw, Selection(), "rename")
    assert errors == []
    assert [(f.cell, f.line, f.code) for f in findings] == [(4, 1, "AWL201")]
    # the regularizer is named where the user sees it once the notebook maps module lines to cells
    assert findings[0].relocated(lambda line: f"module line {line}").message != findings[0].message


def test_a_helper_method_that_compiles_the_model_it_is_handed_static_or_not():
    """``self.get_model(layer)``: a ``@staticmethod`` takes ``layer`` as its first parameter, a
    method after ``self``."""
    source = """
        class Base:
            @staticmethod
            def get_model(layer):
                inputs = keras.Input(shape=(8,))
                model = keras.Model(inputs, layer(inputs))
                model.compile(optimizer='adam', loss='mse')
                return model

        class T(Base):
            def test(self):
                layer = layers.Dense(4, kernel_regularizer=regularizers.l2(1e-4))
                self.get_model(layer).fit(x, y)

            def test_plain(self):
                self.get_model(layers.Dense(4)).fit(x, y)
    """
    static = HEAD + textwrap.dedent(source)
    assert [(f.line, f.code, f.related) for f in analyze_source(static)] == [(10, "AWL201", (15,))]
    method = static.replace("    @staticmethod\n", "").replace("def get_model(layer)", "def get_model(self, layer)")
    assert [(f.line, f.code, f.related) for f in analyze_source(method)] == [(9, "AWL201", (14,))]
    classmethod_ = static.replace("@staticmethod", "@classmethod").replace("def get_model(layer)", "def get_model(cls, layer)")
    assert [(f.line, f.code) for f in analyze_source(classmethod_)] == [(10, "AWL201")]


def test_compile_called_through_a_class_compiles_its_first_argument():
    """``tf.keras.Model.compile(self, optimizer)`` in an override: the model is ``self`` and the
    optimizer is the second argument (before: the first, ``self``, was read as the optimizer)."""
    source = """
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))

            def compile(self, optimizer="adam", **kwargs):
                tf.keras.Model.compile(self, optimizer, **kwargs)
    """
    assert codes(source) == [(11, "AWL201")]
    assert codes(source.replace('optimizer="adam"', 'optimizer="sgd"')) == []
    assert codes(source.replace('tf.keras.Model.compile(self, optimizer,', 'keras.Model.compile(self, optimizer="adam",')) \
        == [(11, "AWL201")]
    # a class of the module, and one of the project (merlin's ``BaseModel.compile(self, ...)``)
    local = source.replace("class Net(keras.Model):", "class Base(keras.Model):\n            pass\n\n        class Net(Base):").replace(
        "tf.keras.Model.compile", "Base.compile")
    assert codes(local) == [(14, "AWL201")]
    assert codes(local.replace('optimizer="adam"', 'optimizer="sgd"')) == []


def test_compile_of_a_capitalized_instance_is_not_called_through_a_class():
    from adamw_lint.scope import names_class

    # a library's name is a class by the CapWords convention; a constant is not
    assert names_class("keras.Model") and names_class("tensorflow.keras.Sequential") and names_class("M2Net")
    assert not names_class("settings.MODEL") and not names_class("zoo.net") and not names_class("zoo.N")
    source = """
        MODEL = keras.Sequential([layers.Dense(10, kernel_regularizer="l2")])
        MODEL.compile(keras.optimizers.Adam(1e-3), "mse")
        PLAIN = keras.Sequential([layers.Dense(10)])
        PLAIN.compile(keras.optimizers.Adam(1e-3), "mse")
    """
    assert codes(source) == [(6, "AWL201")]


# a Keras model whose own training step adds ``self.losses``: its layers' regularization losses
KERAS_NET = """
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))
            self.opt = keras.optimizers.Adam()

        def train(self, x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, self(x)) + tf.add_n(self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.opt.apply_gradients(zip(grads, self.trainable_variables))
"""


def test_a_tf1_network_keeping_its_loss_terms_on_self_losses():
    # rl-coach's shape: ``self.losses`` is the class's own list of loss terms, not a Keras
    # model's regularization losses: the walk enters what the class stores there
    network = """
        class Net:
            def build(self, weights, l2):
                self.losses = tf.compat.v1.losses.get_losses("main")
                self.l2_regularization = tf.add_n([tf.nn.l2_loss(v) for v in weights]) * l2
                self.losses += self.l2_regularization
                self.total_loss = tf.reduce_sum(self.losses)
                self.optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=1e-3)
                self.train_op = self.optimizer.minimize(self.total_loss)
    """
    findings = analyze_source(HEAD + textwrap.dedent(network))
    assert [(f.line, f.code) for f in findings] == [(11, "AWL202")]
    assert "l2_loss at line 8" in findings[0].message
    # the L2 term kept on another attribute, never minimized: nothing
    apart = network.replace("self.losses += self.l2_regularization", "self.penalties = [self.l2_regularization]")
    assert codes(apart) == []
    # a Keras model's own ``self.losses`` (stored by no method of its class) is still its
    # layers' regularization losses
    findings = analyze_source(HEAD + textwrap.dedent(KERAS_NET))
    assert [(f.line, f.code) for f in findings] == [(9, "AWL202")] and "self.losses" in findings[0].message


def test_self_losses_stored_by_a_sibling_class_is_not_this_models():
    # Logger's own list is not Net's: Net's self.losses stays its layers' regularization losses
    logger = """
        class Logger(Base):
            def __init__(self):
                super().__init__()
                self.losses = []
    """
    source = "\nclass Base(keras.Model):\n    pass\n" + textwrap.dedent(KERAS_NET).replace("(keras.Model)", "(Base)") \
        + textwrap.dedent(logger)
    assert codes(source) == [(12, "AWL202")]


@pytest.mark.parametrize("kept,read,reported", [
    ("{'ce': ce, 'l2': l2}", "['ce']", False),
    ("{'ce': ce, 'l2': l2}", "['l2']", True),
    ("[ce, l2]", "[0]", False),
    ("[ce, l2]", "[-1]", True),
    ("[l2, ce]", "[-1]", False),
    ("{'ce': ce, 'l2': l2, **extra}", "['ce']", True),  # a spread may hold anything under 'ce'
    ("{'ce': ce, 'l2': l2}", "[key]", True),  # a computed key may read any entry
])
def test_a_loss_read_from_a_dict_or_list_of_terms_is_the_entry_read(kept, read, reported):
    source = f"""
        class Net:
            def build(self, weights, x, y):
                ce = tf.reduce_mean(tf.square(x - y))
                l2 = tf.add_n([tf.nn.l2_loss(v) for v in weights])
                self.terms = {kept}
                self.train_op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(self.terms{read})
    """
    assert codes(source) == ([(10, "AWL202")] if reported else [])
    local = source.replace("self.terms", "terms")
    assert codes(local) == ([(10, "AWL202")] if reported else [])


_REG = "keras.Sequential([layers.Dense(3, kernel_regularizer=regularizers.l2(1e-4))])"


@pytest.mark.parametrize("builder,use,expected", [  # reported at the construction
    # a function or method of the module returns the optimizer (mediapipe-model-maker's _create_optimizer)
    ("def make_opt():\n    return keras.optimizers.Adam(1e-3)\n", f"model = {_REG}\nmodel.compile(optimizer=make_opt(), loss='mse')\n",
     [(5, "AWL201")]),
    ("def make_opt(name):\n    if name == 'sgd':\n        return keras.optimizers.SGD(0.1)\n    return keras.optimizers.RMSprop()\n",
     f"model = {_REG}\nopt = make_opt('rms')\nmodel.compile(optimizer=opt, loss='mse')\n", [(7, "AWL201")]),
    ("def get_optimizer(lr):\n    return tf.compat.v1.train.AdamOptimizer(lr)\n",
     "def build(w, base, wd=5e-4):\n    loss = base + wd * tf.nn.l2_loss(w)\n    return get_optimizer(1e-3).minimize(loss)\n",
     [(5, "AWL202")]),
    ("class Task:\n    def _create_optimizer(self):\n        return keras.optimizers.Adam(1e-3)\n\n"
     "    def train(self):\n        self._model = " + _REG + "\n        self._optimizer = self._create_optimizer()\n"
     "        self._model.compile(optimizer=self._optimizer, loss='mse')\n", "", [(6, "AWL201")]),
    # not adaptive, not the model with the regularizers, or a def nested in the builder
    ("def make_opt():\n    return keras.optimizers.SGD(0.1)\n", f"model = {_REG}\nmodel.compile(optimizer=make_opt(), loss='mse')\n", []),
    ("def make_opt():\n    return keras.optimizers.Adam(1e-3)\n",
     "model = keras.Sequential([layers.Dense(3)])\nmodel.compile(optimizer=make_opt(), loss='mse')\n", []),
    ("def make_opt():\n    def other():\n        return keras.optimizers.Adam(1e-3)\n    return keras.optimizers.SGD(0.1)\n",
     f"model = {_REG}\nmodel.compile(optimizer=make_opt(), loss='mse')\n", []),
    # a sibling class's method of that name is not the one self runs
    ("class Base:\n    pass\n\nclass A(Base):\n    def _opt(self):\n        return keras.optimizers.Adam()\n\n"
     "class B(Base):\n    def _opt(self):\n        return keras.optimizers.SGD()\n\n"
     "    def train(self):\n        m = " + _REG + "\n        m.compile(optimizer=self._opt(), loss='mse')\n", "", []),
])
def test_an_optimizer_returned_by_a_builder_of_the_module(builder, use, expected):
    assert codes(builder + use) == expected


_ENCODER = ("def encoder(reg):\n    x = keras.Input(shape=(4,))\n"
            "    return keras.Model(x, layers.Dense(2, kernel_regularizer=reg)(x))\n\n")


@pytest.mark.parametrize("fill,reg,expected", [
    # parts stored one by one into a list the model is built from (dynamicgem's encoders)
    ("encs = [None] * 3\n    for i in range(3):\n        encs[i] = encoder({reg})", "regularizers.l2(1e-4)", True),
    ("encs = []\n    encs.append(encoder({reg}))", "regularizers.l2(1e-4)", True),
    ("encs = []\n    encs.insert(0, encoder({reg}))", "regularizers.l2(1e-4)", True),
    ("encs = []\n    encs.append(encoder({reg}))", "None", False),
])
def test_a_model_built_from_parts_stored_into_a_list(fill, reg, expected):
    source = _ENCODER + ("def build():\n    " + fill.format(reg=reg) + "\n    x = keras.Input(shape=(4,))\n"
                         "    model = keras.Model(x, layers.Concatenate()([e(x) for e in encs]))\n"
                         "    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n")
    assert bool(codes(source)) == expected


def test_a_model_built_from_parts_a_method_stores_into_self():
    source = _ENCODER + ("class Net:\n    def __init__(self):\n        self.encs = [None, None]\n"
                         "        for i in range(2):\n            self.encs[i] = encoder(regularizers.l2(1e-4))\n"
                         "        x = keras.Input(shape=(4,))\n        self.model = keras.Model(x, self.encs[0](x))\n"
                         "        self.model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n")
    assert [code for _, code in codes(source)] == ["AWL201"]


def test_a_walk_through_a_lambdas_parameter():
    source = ("build = lambda reg: keras.Sequential([layers.Dense(3, kernel_regularizer=reg)])\n"
              "model = build(regularizers.l2(1e-4))\n"
              "model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n")
    assert codes(source) == [(6, "AWL201")]  # a lambda's body is an expression: nothing is filled in it

"""TensorFlow and Keras (semantics §3; traps 1, 9, 11, 15)."""

from __future__ import annotations

from typing import Mapping, Tuple

from .schema import DECOUPLED, Example, L2Penalty, OptimizerApi, TrainingOptimizer

# ``import tensorflow.compat.v1 as tf`` then ``tf.keras.…`` is the same Keras
_KERAS_ROOTS = ("keras", "tensorflow.keras", "tf_keras", "tensorflow.python.keras", "tensorflow.compat.v1.keras",
                "tensorflow.compat.v2.keras")


def _keras(*paths: str) -> Tuple[str, ...]:
    return tuple(f"{root}.{path}" for root in _KERAS_ROOTS for path in paths)


def _keras_optimizers(*classes: str) -> Tuple[str, ...]:
    return _keras(*(f"{sub}.{cls}" for sub in ("optimizers", "optimizers.legacy", "optimizers.experimental")
                    for cls in classes))


TRAINING_OPTIMIZERS: Tuple[TrainingOptimizer, ...] = (
    TrainingOptimizer(
        names=_keras_optimizers("Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl",
                                "Lion", "Lamb", "Adafactor"),
        adaptive=True,
        keras=True,
        source="§1 rows 17-21, §3.1, §3.2, traps 1 and 11",
        valid=(
            "import keras\nopt = keras.optimizers.Adam(learning_rate=1e-3, weight_decay=1e-4)\n",
            "import tensorflow as tf\nopt = tf.keras.optimizers.Adam(1e-3, weight_decay=0.01)\n",
            "from tensorflow.keras.optimizers import RMSprop\nopt = RMSprop(weight_decay=0.004, decay=0.0)\n",
        ),
        invalid=(
            Example("import tensorflow as tf\nopt = tf.keras.optimizers.Adam(learning_rate=1e-3, decay=1e-4)\n"),
            Example("from tensorflow.keras.optimizers import legacy\nopt = legacy.Adam(0.001, decay=1e-6)\n"),
        ),
    ),
    TrainingOptimizer(
        names=_keras_optimizers("SGD"),
        adaptive=False,
        keras=True,
        source="§1 row 19, trap 11",
        valid=("import keras\nfrom keras import regularizers, layers\n"
               "layer = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))\n"
               "opt = keras.optimizers.SGD(0.1, momentum=0.9)\n",),
        invalid=(Example("import keras\nopt = keras.optimizers.SGD(learning_rate=0.1, decay=1e-4)\n"),),
    ),
    TrainingOptimizer(
        names=tuple(
            f"tensorflow.{ns}train.{cls}"
            for ns in ("", "compat.v1.")
            for cls in ("AdamOptimizer", "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer",
                        "AdagradDAOptimizer", "ProximalAdagradOptimizer", "FtrlOptimizer")
        ),
        adaptive=True,
        keras=False,
        source="§1 row 22, §3.3",
        codes=(),
    ),
)


# Keyword arguments that take a *weight* regularizer (activity_regularizer regularizes outputs).
REGULARIZER_KEYWORDS: Tuple[str, ...] = (
    "kernel_regularizer", "bias_regularizer", "depthwise_regularizer", "pointwise_regularizer",
    "recurrent_regularizer", "embeddings_regularizer", "beta_regularizer", "gamma_regularizer",
    "W_regularizer", "b_regularizer",
    "regularizer",  # Layer.add_weight(regularizer=...), tf.compat.v1.get_variable(regularizer=...)
)
REGULARIZER_STRINGS: Mapping[str, float] = {"l2": 0.01, "l1_l2": 0.01}  # Keras's defaults for the names
# Strings that name an adaptive optimizer in ``model.compile(optimizer=...)``.
KERAS_OPTIMIZER_STRINGS: Tuple[str, ...] = (
    "adam", "adamw", "adamax", "nadam", "rmsprop", "adagrad", "adadelta", "ftrl", "lion", "lamb", "adafactor",
)

# Functions that build an optimizer from its name or config (``optimizers.get("adam")``,
# ``optimizers.deserialize({"class_name": "Adam", "config": {...}})``): adaptive when the name
# is one of KERAS_OPTIMIZER_STRINGS (semantics §3.1: the same classes ``compile`` builds).
KERAS_OPTIMIZER_GETTERS: Tuple[str, ...] = _keras("optimizers.get", "optimizers.deserialize")

# tf.estimator's optimizers by name: getter → the exact names it accepts → the class each builds
# (tensorflow_estimator 2.15.0, ``python/estimator/canned/optimizers.py``: ``_OPTIMIZER_CLS_NAMES``
# holds the TF1 classes of semantics §3.3, ``_OPTIMIZER_CLS_NAMES_V2`` their Keras legacy twins;
# ``opt in _OPTIMIZER_CLS_NAMES``, so names match exactly). Code takes the name as a parameter
# (``dnn_optimizer='Adagrad'``) and hands it to a ``model_fn`` that calls the getter: the name is
# followed to the call that passes it.
_ESTIMATOR_CANNED = tuple(f"{root}.python.estimator.canned.optimizers" for root in ("tensorflow", "tensorflow_estimator"))
_TF1_BY_NAME = {name: f"tensorflow.compat.v1.train.{name}Optimizer" for name in ("Adagrad", "Adam", "Ftrl", "RMSProp")}
_TF1_BY_NAME["SGD"] = "tensorflow.compat.v1.train.GradientDescentOptimizer"
_LEGACY_BY_NAME = {name: f"tensorflow.keras.optimizers.legacy.{name.replace('RMSProp', 'RMSprop')}"
                   for name in ("Adagrad", "Adam", "Ftrl", "RMSProp", "SGD")}
OPTIMIZER_NAME_TABLES: Mapping[str, Mapping[str, str]] = {
    **{f"{module}.get_optimizer_instance": _TF1_BY_NAME for module in _ESTIMATOR_CANNED},
    **{f"{module}.get_optimizer_instance_v2": _LEGACY_BY_NAME for module in _ESTIMATOR_CANNED},
}

# Text of what the Keras/TF rules follow from an optimizer to a model or a loss (the engine reads
# a def or class body only if it mentions one of these, or an optimizer's name).
FOLLOWED_WORDS: Tuple[str, ...] = (
    "regularizer", "l2_loss", "regularization_loss", "apply_regularization", ".losses",
    ".compile(", ".minimize(", ".apply_gradients(", ".add(", ".add_loss(",
)

L2_PENALTIES: Tuple[L2Penalty, ...] = (
    L2Penalty(
        names=_keras("regularizers.l2", "regularizers.L2"),
        kind="regularizer",
        signature_text="l2=0.01, l=None",
        coefficient="l2",
        legacy_coefficient="l",
        gradient_factor=2.0,
        source="§1 row 25, §3.1, trap 9",
        valid=(
            "from tensorflow.keras import Sequential, layers, regularizers\n"
            "model = Sequential([layers.Dense(64, activity_regularizer=regularizers.l2(1e-5))])\n"
            "model.compile(optimizer='adam', loss='mse')\n",
            "from keras import Sequential, layers, regularizers\n"
            "model = Sequential([layers.Dense(64, kernel_regularizer=regularizers.l2(0.0))])\n"
            "model.compile(optimizer='adam', loss='mse')\n",
            # two models: the regularized one is trained by SGD, the Adam one has no regularizer
            "import keras\nfrom keras import layers, regularizers\n"
            "a = keras.Sequential([layers.Dense(8, kernel_regularizer=regularizers.l2(1e-4))])\n"
            "a.compile(optimizer=keras.optimizers.SGD(0.1), loss='mse')\n"
            "b = keras.Sequential([layers.Dense(8)])\nb.compile(optimizer='adam', loss='mse')\n",
            # a model that cannot be followed (a parameter) is not charged with another model's regularizer
            "import keras\nfrom keras import layers, regularizers\n"
            "head = layers.Dense(8, kernel_regularizer=regularizers.l2(1e-4))\n"
            "def train(model):\n    model.compile(optimizer=keras.optimizers.Adam(), loss='mse')\n",
        ),
        invalid=(
            Example(
                "import tensorflow as tf\nfrom tensorflow.keras import layers, regularizers\n"
                "model = tf.keras.Sequential([layers.Dense(64, kernel_regularizer=regularizers.l2(1e-4))])\n"
                "model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss='mse')\n"
            ),
            Example(
                "import keras\nmodel = keras.Sequential()\n"
                "model.add(keras.layers.Conv2D(32, 3, kernel_regularizer='l2'))\n"
                "model.compile(optimizer='rmsprop', loss='mse')\n"
            ),
            Example(
                "from keras.models import Sequential\nfrom keras.optimizers import Adam\nfrom keras.regularizers import l2\n"
                "model = Sequential()\nmodel.add(Dense(10, W_regularizer=l2(l=5e-4)))\nopt = Adam(lr=1e-3)\n"
                "model.compile(optimizer=opt, loss='mse')\n"
            ),
            Example(
                "import keras\nfrom keras import layers, regularizers\n"
                "inputs = keras.Input(shape=(32,))\n"
                "x = layers.Dense(64, kernel_regularizer=regularizers.l2(1e-4))(inputs)\n"
                "outputs = layers.Dense(10)(x)\nmodel = keras.Model(inputs, outputs)\n"
                "model.compile(optimizer='adam', loss='mse')\n"
            ),
            Example(
                "import keras\nfrom keras import layers, regularizers\n\n"
                "class Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
                "        self.dense = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))\n\n"
                "    def call(self, x):\n        return self.dense(x)\n\n"
                "model = Net()\nmodel.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')\n"
            ),
        ),
    ),
    L2Penalty(
        names=_keras("regularizers.l1_l2"),
        kind="regularizer",
        signature_text="l1=0.01, l2=0.01",
        coefficient="l2",
        gradient_factor=2.0,
        source="§1 row 25",
    ),
    L2Penalty(
        names=_keras("regularizers.L1L2"),
        kind="regularizer",
        signature_text="l1=0.0, l2=0.0",
        coefficient="l2",
        gradient_factor=2.0,
        source="§1 row 25",
        valid=("from keras import Sequential, layers, regularizers\n"
               "model = Sequential([layers.Dense(8, kernel_regularizer=regularizers.L1L2(l1=1e-4))])\n"
               "model.compile(optimizer='adam')\n",),
        invalid=(
            Example("from keras import Sequential, layers, optimizers, regularizers\n"
                    "def build():\n    return Sequential([layers.Dense(8, kernel_regularizer=regularizers.L1L2(l2=1e-4))])\n"
                    "opt = optimizers.Nadam()\nmodel = build()\nmodel.compile(opt, 'mse')\n"),
        ),
    ),
    L2Penalty(
        names=("tensorflow.contrib.layers.l2_regularizer",),
        kind="regularizer",
        signature_text="scale, scope=None",
        coefficient="scale",
        gradient_factor=1.0,  # scale * l2_loss(w) = scale * Σw²/2
        source="§3.3",
    ),
    L2Penalty(
        names=("tensorflow.nn.l2_loss", "tensorflow.compat.v1.nn.l2_loss"),
        kind="loss",
        signature_text="t, name=None",
        coefficient=None,
        gradient_factor=1.0,  # Σw²/2
        source="§1 row 26, §3.3, trap 9",
        of_weights=True,
        valid=("import tensorflow as tf\nl2 = tf.add_n([tf.nn.l2_loss(v) for v in weights])\n"
               "opt = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(xent + 1e-4 * l2)\n",
               "import tensorflow as tf\nmse = tf.nn.l2_loss(prediction - target) / batch\n"
               "opt = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(mse)\n",
               # two optimizers, two losses: the L2 belongs to the momentum one
               "import tensorflow as tf\nd_loss = d_xent + 1e-4 * tf.nn.l2_loss(d_w)\ng_loss = g_xent\n"
               "d_opt = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(d_loss)\n"
               "g_opt = tf.compat.v1.train.AdamOptimizer(1e-4).minimize(g_loss)\n"),
        invalid=(
            Example(
                "import tensorflow as tf\n"
                "loss = xent + 5e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])\n"
                "train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)\n"
            ),
            Example(
                "import tensorflow as tf\noptimizer = tf.keras.optimizers.Adam(1e-3)\n\n"
                "def step(x, y):\n    with tf.GradientTape() as tape:\n"
                "        loss = loss_fn(y, model(x)) + 1e-4 * tf.add_n([tf.nn.l2_loss(w) for w in model.weights])\n"
                "    grads = tape.gradient(loss, model.trainable_variables)\n"
                "    optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            ),
        ),
    ),
    L2Penalty(
        names=("tensorflow.contrib.layers.apply_regularization",),
        kind="loss",
        signature_text="regularizer, weights_list=None",
        coefficient=None,
        gradient_factor=1.0,
        applies="regularizer",
        source="§3.3",
        valid=("import tensorflow as tf\nreg = tf.contrib.layers.apply_regularization(tf.contrib.layers.l1_regularizer(0.1), ws)\n"
               "train_op = tf.train.AdamOptimizer(1e-3).minimize(nll + reg)\n",
               "import tensorflow as tf\nreg = tf.contrib.layers.apply_regularization(tf.contrib.layers.l2_regularizer(0.0), ws)\n"
               "train_op = tf.train.AdamOptimizer(1e-3).minimize(nll + reg)\n"),
        invalid=(
            Example(
                "import tensorflow as tf\nregularizer = tf.contrib.layers.l2_regularizer(scale=0.01)\n"
                "reg = tf.contrib.layers.apply_regularization(regularizer, weights)\n"
                "train_op = tf.train.AdamOptimizer(1e-3).minimize(neg_ll + 2 * reg)\n"
            ),
        ),
    ),
    L2Penalty(
        names=tuple(
            f"tensorflow.{ns}losses.{fn}"
            for ns in ("", "compat.v1.")
            for fn in ("get_regularization_loss", "get_regularization_losses")
        ),
        kind="loss",
        signature_text="scope=None, name='total_regularization_loss'",
        coefficient=None,
        gradient_factor=1.0,
        collects=True,
        source="§1 row 27, §3.3",
        valid=(
            # model.losses of a model without regularizers (a pooling layer's auxiliary loss)
            "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(10)])\n"
            "optimizer = tf.keras.optimizers.Adam()\nwith tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x)) + sum(model.losses)\n"
            "optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))\n",
        ),
        invalid=(
            Example(
                "import tensorflow as tf\n"
                "h = tf.compat.v1.layers.dense(x, 64, kernel_regularizer=tf.keras.regularizers.l2(1e-4))\n"
                "loss = xent + tf.compat.v1.losses.get_regularization_loss()\n"
                "train_op = tf.compat.v1.train.RMSPropOptimizer(1e-3).minimize(loss)\n"
            ),
            Example(
                "import tensorflow as tf\n"
                "model = tf.keras.Sequential([tf.keras.layers.Dense(10, kernel_regularizer=tf.keras.regularizers.l2(1e-4))])\n"
                "optimizer = tf.keras.optimizers.Adam()\nwith tf.GradientTape() as tape:\n"
                "    loss = loss_fn(y, model(x)) + sum(model.losses)\n"
                "grads = tape.gradient(loss, model.trainable_variables)\n"
                "optimizer.apply_gradients(zip(grads, model.trainable_variables))\n"
            ),
        ),
    ),
)

DECOUPLED_NOT_LR_SCALED: Tuple[OptimizerApi, ...] = (
    OptimizerApi(
        names=(
            "tensorflow_addons.optimizers.AdamW",
            "tensorflow_addons.optimizers.SGDW",
            "tensorflow_addons.optimizers.extend_with_decoupled_weight_decay",
            "tensorflow_addons.optimizers.weight_decay_optimizers.AdamW",
            "tensorflow.contrib.opt.AdamWOptimizer",
            "tensorflow.contrib.opt.MomentumWOptimizer",
        ),
        signature_text="weight_decay, *args, **kwargs",
        decay=DECOUPLED,
        source="§1 rows 23-24, §3.4, trap 15",
        code="AWL204",
        always=(
            "is decoupled but does not multiply the decay by the learning rate; moving to "
            "keras.optimizers.AdamW needs weight_decay / learning_rate"
        ),
        invalid=(Example("import tensorflow_addons as tfa\nopt = tfa.optimizers.AdamW(weight_decay=1e-4, learning_rate=1e-3)\n"),),
    ),
)

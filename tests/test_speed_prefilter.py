"""The pre-filter's Keras/TF branch (a module that names no optimizer): each exclusion is justified
by the catalog, and these tests keep the justification true as the catalog grows."""
import pytest

from adamw_lint import catalog, prefilter
from adamw_lint.analysis import may_contain_findings, may_contain_text
from adamw_lint.engine import analyze_source


def test_every_l2_penalty_the_keras_rules_follow_is_spelled_with_a_penalty_word():
    for keyword in catalog.REGULARIZER_KEYWORDS:
        assert any(word in keyword for word in prefilter._PENALTIES), keyword
    for row in catalog.L2_PENALTIES:
        if row.kind == "loss":
            for name in row.names:
                assert any(word in name.rsplit(".", 1)[1] for word in prefilter._PENALTIES), name


KERAS = "import keras\nmodel = keras.Sequential([keras.layers.Dense(3{layer})])\nmodel.compile(optimizer={opt}, loss='mse')\n"


@pytest.mark.parametrize("source, candidate", [
    (KERAS.format(layer="", opt="'adam'"), False),  # a string optimizer, no L2 anywhere: nothing to report
    (KERAS.format(layer=", kernel_regularizer=keras.regularizers.L2(1e-4)", opt="'adam'"), True),
    (KERAS.format(layer="", opt="'sgd'"), False),
    ("import tensorflow as tf\nopt = tf.keras.optimizers.get('rmsprop')\nopt.minimize(xent + 1e-4 * tf.nn.l2_loss(w))\n", True),
    ("import keras\nmodel = keras.Sequential([keras.layers.Dense(3, bias_regularizer='l2')])\n"
     "model.compile(optimizer=\"nadam\")\n", True),
    ("import keras\nopt = keras.optimizers.SGD(0.1)\n", False),  # SGD is reported only for decay=
    ("import keras\nopt = keras.optimizers.SGD(0.1, decay=1e-4)\n", True),
    ("import torch\nsched = 'adam'  # a string outside Keras/TF\nx.kernel_regularizer = 1\n", False),
])
def test_the_keras_branch_keeps_exactly_what_can_hold_a_finding(source, candidate):
    assert may_contain_findings(source.encode()) is candidate
    assert may_contain_text(source) is candidate
    if candidate:  # and what it keeps is what a rule reports
        assert analyze_source(source), source


@pytest.mark.parametrize("name", sorted(catalog.KERAS_OPTIMIZER_STRINGS))
def test_every_optimizer_string_is_found_in_either_quote_and_not_across_two(name):
    """The strings are searched per quote (``_Scan.strings``): each in matching quotes, never
    between a quote and the other (``"adam'`` is no string that names an optimizer)."""
    written = "import keras\nlayer.kernel_regularizer = reg\nopt = {}\n"
    for quoted, found in ((f'"{name}"', True), (f"'{name}'", True), (f"\"{name}'", False), (f"'{name}\"", False),
                          (f"'{name}x'", False), (f"'x{name}'", False)):
        assert may_contain_findings(written.format(quoted).encode()) is found, quoted
        assert may_contain_text(written.format(quoted)) is found, quoted

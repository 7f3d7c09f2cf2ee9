"""Issue 19: coupled L2 built one hop away — branches, wrappers, methods and class families,
builders — each with the negatives beside it (an SGD branch, a builder whose L2 is zero, a
second model, an AdamW wrapper)."""
import textwrap

import pytest

from adamw_lint.analysis import analyze_source

REG = "import tensorflow as tf\nfrom tensorflow.keras import layers, regularizers\n"


def found(source: str):
    return [(f.line, f.code) for f in analyze_source(textwrap.dedent(source))]


def messages(source: str):
    return [f.message for f in analyze_source(textwrap.dedent(source))]


# Keras/TF: the optimizer chosen in branches ------------------------------------------------
BRANCHES = REG + """
model = tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])
if args.opt == "adam":
    optimizer = tf.keras.optimizers.Adam(1e-3)
elif args.opt == "sgd":
    optimizer = tf.keras.optimizers.SGD(1e-2)
else:
    optimizer = tf.keras.optimizers.RMSprop(1e-3)
model.compile(optimizer=optimizer, loss="mse")
"""


def test_every_adaptive_branch_that_reaches_compile_is_reported_with_its_condition():
    assert found(BRANCHES) == [(6, "AWL201"), (10, "AWL201")]
    first, last = messages(BRANCHES)
    assert '(chosen when args.opt == "adam")' in first
    assert 'not (args.opt == "adam") and not (args.opt == "sgd")' in last


def test_sgd_in_every_branch_is_not_reported():
    source = BRANCHES.replace("Adam(1e-3)", "SGD(1e-3)").replace("RMSprop(1e-3)", "SGD(1e-3, momentum=0.9)")
    assert found(source) == []


def test_a_branch_whose_model_has_no_l2_is_not_reported():
    assert found(BRANCHES.replace("kernel_regularizer=regularizers.l2(1e-4)", "use_bias=False")) == []


def test_an_optimizer_the_last_assignment_replaces_on_every_path_is_not_reported():
    source = REG + textwrap.dedent("""
        model = tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])
        optimizer = tf.keras.optimizers.Adam(1e-3)
        optimizer = tf.keras.optimizers.SGD(1e-2)
        model.compile(optimizer=optimizer, loss="mse")
    """)
    assert found(source) == []


# wrappers -----------------------------------------------------------------------------------
WRAPPED = REG + """
model = tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])
opt = tf.keras.optimizers.Adam(1e-3)
opt = tf.keras.mixed_precision.LossScaleOptimizer(opt)
model.compile(optimizer=opt, loss="mse")
"""


def test_a_wrapped_optimizer_is_still_the_optimizer():
    assert found(WRAPPED) == [(5, "AWL201")]
    assert found(WRAPPED.replace("LossScaleOptimizer(opt)", "LossScaleOptimizer(inner_optimizer=opt)")) == [(5, "AWL201")]
    assert found(WRAPPED.replace("LossScaleOptimizer(opt)", "LossScaleOptimizer(optimizer=opt)")) == [(5, "AWL201")]


def test_a_wrapper_around_sgd_is_not_reported():
    assert found(WRAPPED.replace("optimizers.Adam(1e-3)", "optimizers.SGD(1e-3)")) == []


def test_hvd_style_wrapper_in_tf1():
    source = """
    import tensorflow as tf
    import horovod.tensorflow as hvd
    loss = xent + 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
    opt = tf.train.AdamOptimizer(1e-3)
    opt = hvd.DistributedOptimizer(opt)
    train_op = opt.minimize(loss)
    """
    assert found(source) == [(5, "AWL202")]
    assert found(source.replace("AdamOptimizer", "MomentumOptimizer")) == []


# TF1 model classes: self attributes across methods and classes --------------------------------
TF1_CLASSES = """
import tensorflow as tf

class Base:
    def train_op(self):
        return self.optimizer.minimize(self.loss)

class Net(Base):
    def __init__(self, wd):
        self.wd = wd
        self.optimizer = tf.train.AdamOptimizer(1e-3)
        self.build_loss()

    def build_loss(self):
        self.loss = tf.reduce_mean(tf.square(self.y - self.pred))
        for v in tf.trainable_variables():
            self.loss += self.wd * tf.nn.l2_loss(v)
"""


def test_tf1_optimizer_in_a_subclass_loss_in_a_method_minimize_in_the_base_class():
    assert found(TF1_CLASSES) == [(11, "AWL202")]
    assert "l2_loss at line 17" in messages(TF1_CLASSES)[0]


def test_tf1_class_without_l2_or_with_momentum_is_not_reported():
    assert found(TF1_CLASSES.replace("self.loss += self.wd * tf.nn.l2_loss(v)", "pass")) == []
    assert found(TF1_CLASSES.replace("AdamOptimizer(1e-3)", "MomentumOptimizer(1e-3, 0.9)")) == []


def test_an_unrelated_class_storing_the_same_attribute_names_is_not_the_family():
    source = TF1_CLASSES.replace("self.loss += self.wd * tf.nn.l2_loss(v)", "pass") + """
class Other:
    def build(self):
        self.loss = 1e-4 * tf.nn.l2_loss(w)
"""
    assert found(source) == []


def test_tf1_loss_returned_as_a_tuple_by_a_helper_method():
    source = """
    import tensorflow as tf
    class M:
        def compute_losses(self):
            main = tf.reduce_mean(xent)
            reg = 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
            return main, reg
        def build(self):
            main, reg = self.compute_losses()
            self.loss = main + reg
            self.opt = tf.train.AdamOptimizer(1e-3)
            self.train_op = self.opt.minimize(self.loss)
    """
    assert found(source) == [(11, "AWL202")]
    assert found(source.replace("reg = 1e-4 *", "reg = 0 *").replace("tf.nn.l2_loss(v)", "tf.reduce_sum(v)")) == []


def test_tf1_chained_construction_and_minimize():
    source = """
    import tensorflow as tf
    loss = tf.reduce_mean(xent) + 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    """
    assert found(source) == [(4, "AWL202")]
    assert found(source.replace("AdamOptimizer(1e-3)", "GradientDescentOptimizer(0.1)")) == []


# builders and the regularizers they are handed ------------------------------------------------
BUILDER = REG + """
def build(reg):
    return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=reg)])
model = build(regularizers.l2(1e-4))
model.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
"""


def test_a_regularizer_handed_to_a_builder_whose_model_is_compiled():
    assert found(BUILDER) == [(7, "AWL201")]
    assert found(BUILDER.replace("regularizers.l2(1e-4)", "None")) == []
    assert found(BUILDER.replace("regularizers.l2(1e-4)", "regularizers.l2(0.0)")) == []


def test_an_activity_regularizer_handed_to_a_builder_is_not_weight_l2():
    source = BUILDER.replace("def build(reg)", "def build(activity_regularizer)").replace(
        "kernel_regularizer=reg", "activity_regularizer=activity_regularizer").replace(
        "build(regularizers.l2(1e-4))", "build(activity_regularizer=regularizers.l2(1e-4))")
    assert found(source) == []


DEFAULTS = REG + """
def build(l2_reg=1e-5):
    return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2_reg))])
model = build()
model.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
"""


def test_a_builder_whose_l2_default_is_nonzero_left_at_its_default():
    assert found(DEFAULTS) == [(7, "AWL201")]


def test_a_builder_whose_l2_is_zero_by_default_or_as_called_is_not_reported():
    assert found(DEFAULTS.replace("l2_reg=1e-5", "l2_reg=0.0")) == []
    assert found(DEFAULTS.replace("model = build()", "model = build(l2_reg=0)")) == []
    assert found(DEFAULTS.replace("model = build()", "model = build(0.0)")) == []
    assert found(DEFAULTS.replace("model = build()", "model = build(l2_reg=wd)")) == [(7, "AWL201")]


LAYER = """
import tensorflow as tf
from tensorflow.keras.regularizers import l2

class DNN(tf.keras.layers.Layer):
    def __init__(self, units, l2_reg=0, **kwargs):
        self.units = units
        self.l2_reg = l2_reg
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=(4, self.units), regularizer=l2(self.l2_reg))
"""
NET = """
import tensorflow as tf
from layers import DNN

def embed(x, l2_reg):
    return tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.l2(l2_reg))(x)

def Net(l2_reg_dnn=0, l2_reg_embedding=1e-5):
    inputs = tf.keras.Input((8,))
    return tf.keras.Model(inputs, DNN(8, l2_reg_dnn)(embed(inputs, l2_reg_embedding)))

def Deep(l2_reg_dnn=0.0, depth=2):
    return Deep(l2_reg_dnn, depth - 1) if depth else Net(l2_reg_dnn)
"""


def test_a_coefficient_passed_on_through_two_builders_is_judged_by_the_first_ones_calls(tmp_path):
    """``Net(l2_reg_dnn=0)`` hands its parameter to ``DNN(8, l2_reg_dnn)``, which keeps it as
    ``self.l2_reg`` for ``build()``: left at zero by every call of Net, that layer has no L2."""
    from helpers import make_repo, run_cli

    calls = {"net": "Net()", "emb0": "Net(l2_reg_embedding=0)", "dnn": "Net(l2_reg_dnn=1e-4)", "both": "Net(0, 0)",
             "wd": "Net(l2_reg_dnn=wd)", "deep": "Deep()", "deep_wd": "Deep(1e-4)"}
    train = "import tensorflow as tf\nfrom models import Net, Deep\nwd = 1e-3\nmodel = {}\nmodel.compile(tf.keras.optimizers.Adam(), 'mse')\n"
    repository = make_repo(tmp_path, {"layers.py": LAYER, "models.py": NET,
                                      **{f"{name}.py": train.format(call) for name, call in calls.items()}})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.returncode == 1, result.stderr
    sites = {line.split(":", 1)[0]: line.split("regularizers (", 1)[1].split(")", 1)[0] for line in result.stdout.splitlines()}
    assert sites == {"net.py": "models.py:6", "dnn.py": "models.py:6; layers.py:12",  # emb0.py: neither
                     "wd.py": "models.py:6; layers.py:12", "deep.py": "models.py:6", "deep_wd.py": "models.py:6; layers.py:12"}


def test_a_coefficient_rebound_in_the_builder_that_passes_it_on_is_not_its_default(tmp_path):
    from helpers import make_repo, run_cli

    net = NET.replace("def Net(l2_reg_dnn=0, l2_reg_embedding=1e-5):\n",
                      "def Net(l2_reg_dnn=None, l2_reg_embedding=1e-5):\n    if l2_reg_dnn is None:\n        l2_reg_dnn = 1e-4\n")
    train = "import tensorflow as tf\nfrom models import Net\nmodel = Net()\nmodel.compile(tf.keras.optimizers.Adam(), 'mse')\n"
    repository = make_repo(tmp_path, {"layers.py": LAYER, "models.py": net, "train.py": train})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.returncode == 1 and "(models.py:6; layers.py:12)" in result.stdout, result.stdout + result.stderr


def test_builders_that_call_each_other_many_times_are_each_judged_once_per_walk(tmp_path, monkeypatch):
    """Ten builders, each calling the one below four times, passing their zero on: one question
    per builder and walk, not one per path (4**10 of them)."""
    from adamw_lint.checkers.keras_tf import KerasTfChecker
    from adamw_lint.project_index import ProjectIndex

    levels = ["from tensorflow.keras import layers, regularizers\n\n"
              "def f0(x, l2=0.0):\n    return layers.Dense(1, kernel_regularizer=regularizers.l2(l2))(x)\n"]
    levels += [f"def f{i}(x, l2=0.0):\n" + "".join(f"    x = f{i - 1}(x, l2)\n" for _ in range(4)) + "    return x\n"
               for i in range(1, 11)]
    (tmp_path / "models.py").write_text("\n".join(levels))
    source = ("import tensorflow as tf\nfrom models import f10\ninp = tf.keras.Input((4,))\n"
              "model = tf.keras.Model(inp, f10(inp{}))\nmodel.compile(tf.keras.optimizers.Adam(), 'mse')\n")
    judged = []
    original = KerasTfChecker._left_at_zero
    monkeypatch.setattr(KerasTfChecker, "_left_at_zero", lambda self, *a: judged.append(a[2]) or original(self, *a))
    path = str(tmp_path / "train.py")
    assert analyze_source(source.format(""), path=path, project=ProjectIndex([str(tmp_path)])) == []
    assert 0 < len(judged) <= 11
    found = analyze_source(source.format(", l2=1e-4"), path=path, project=ProjectIndex([str(tmp_path)]))
    assert [(f.line, f.code) for f in found] == [(5, "AWL201")] and "models.py:4" in found[0].message


def test_a_recursive_builder_passes_its_coefficient_on_unchanged_or_not():
    recursive = REG + """
def build(l2=0.0, depth=2):
    if depth:
        return build(l2, depth - 1)
    return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2))])
model = build()
model.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
"""
    assert found(recursive) == []
    assert found(recursive.replace("build(l2, depth - 1)", "build(1e-4, depth - 1)")) == [(9, "AWL201")]
    assert found(recursive.replace("    if depth:", "    l2 = l2 or 1e-4\n    if depth:")) == [(10, "AWL201")]


# PyTorch: a **kwargs spread beside an explicit decay ------------------------------------------
def test_a_spread_beside_an_explicit_decay_is_coupled_and_says_what_kw_could_change():
    source = "import torch\ndef make(params, kw):\n    return torch.optim.Adam(params, weight_decay=1e-4, **kw)\n"
    assert found(source) == [(3, "AWL101")]
    assert "unless **kw sets decoupled_weight_decay=True" in messages(source)[0]
    finding = analyze_source(source)[0]
    assert finding.fix is None and "decoupled_weight_decay" in finding.fix_blocked


def test_a_spread_alone_an_explicit_zero_or_adamw_is_not_reported():
    assert found("import torch\nopt = torch.optim.Adam(params, **kw)\n") == []
    assert found("import torch\nopt = torch.optim.Adam(params, weight_decay=0.0, **kw)\n") == []
    assert found("import torch\nopt = torch.optim.AdamW(params, weight_decay=1e-2, **kw)\n") == []
    # the switch is keyword-only: *rest cannot reach it
    assert found("import torch\nopt = torch.optim.Adam(params, *rest, weight_decay=1e-4, **kw)\n") == [(2, "AWL101")]


# PyTorch: callables of the same module (one summary each) -------------------------------------
LOCAL = """
import torch

def make(params, wd=0.0):
    return torch.optim.Adam(params, weight_decay=wd)

def fixed(params, **kw):
    return torch.optim.Adam(params, weight_decay=1e-4)

class Holder:
    def __init__(self, *args, **kwargs):
        self.optim = torch.optim.Adam(*args, **kwargs)

class SafeHolder:
    def __init__(self, *args, **kwargs):
        self.optim = torch.optim.AdamW(*args, **kwargs)

a = make(model.parameters(), wd=1e-4)
b = make(model.parameters(), wd=0.0)
c = fixed(model.parameters(), weight_decay=1e-2)
d = Holder(model.parameters(), lr=1e-3, weight_decay=1e-4)
e = SafeHolder(model.parameters(), lr=1e-3, weight_decay=1e-4)
f = Holder(model.parameters(), lr=1e-3)
"""


def test_a_local_factory_or_holder_class_is_reported_at_the_call_that_passes_the_decay():
    assert found(LOCAL) == [(5, "AWL101"), (8, "AWL101"), (18, "AWL101"), (21, "AWL101")]
    by_line = {f.line: f for f in analyze_source(textwrap.dedent(LOCAL))}
    assert "(via line 5 → torch.optim.Adam)" in by_line[18].message
    assert "(via line 12 → torch.optim.Adam)" in by_line[21].message
    assert by_line[21].fix is None  # the class is built in the holder: changed there


DISPATCHER = """
import torch

def dispatch(name, parameters, **extra):
    if name == 'adam':
        return torch.optim.Adam(parameters, **extra)
    elif name == 'rmsprop':
        return torch.optim.RMSprop(parameters, **extra)
    elif name == 'sgd':
        return torch.optim.SGD(parameters, **extra)
    raise ValueError(name)

a = dispatch("adam", params, lr=1e-3, weight_decay=1e-4)
b = dispatch("rmsprop", params, lr=1e-3, weight_decay=1e-4)
c = dispatch("sgd", params, lr=1e-3, weight_decay=1e-4)
d = dispatch("adamw", params, lr=1e-3, weight_decay=1e-4)
e = dispatch("adam", params, lr=1e-3)
f = dispatch(args.optim, params, lr=1e-3, weight_decay=1e-4)
g = dispatch(name="adam", parameters=params, weight_decay=0.0)
"""


def test_a_dispatcher_is_reported_at_the_call_for_the_branches_its_name_can_take():
    # stanza's get_optimizer(name, params, **extra_args): the decay arrives through **extra, the
    # name picks the branch; a string the call does not spell rules no branch out
    assert found(DISPATCHER) == [(13, "AWL101"), (14, "AWL103"), (18, "AWL101"), (18, "AWL103")]
    by_code = {(f.line, f.code): f.message for f in analyze_source(textwrap.dedent(DISPATCHER))}
    assert by_code[(13, "AWL101")].endswith("(via line 6 → torch.optim.Adam)")
    assert "(via line 6 → torch.optim.Adam (chosen when name == 'adam'))" in by_code[(18, "AWL101")]
    assert "(via line 8 → torch.optim.RMSprop (chosen when name == 'rmsprop'))" in by_code[(18, "AWL103")]


@pytest.mark.parametrize("source", [
    # a construction outside the branches: which one the caller gets is not known (as before)
    "def build(name, p, **kw):\n    opt = torch.optim.Adam(p, **kw)\n    if name == 'rms':\n"
    "        opt = torch.optim.RMSprop(p, **kw)\n    return opt\nx = build('sgd', p, weight_decay=1e-4)\n",
    # the name is rebound before the tests: they do not read what the caller passed
    "def build(name, p, **kw):\n    name = name.lower()\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n"
    "    return torch.optim.SGD(p, **kw)\nx = build('sgd', p, weight_decay=1e-4)\n",
    # lower-cased before the test: 'SGD' takes the SGD branch
    "def build(name, p, **kw):\n    if name.lower() == 'sgd':\n        return torch.optim.SGD(p, **kw)\n"
    "    return torch.optim.Adagrad(p, **kw)\nx = build('SGD', p, weight_decay=1e-4)\n",
    # the default name chooses SGD
    "def build(p, name='sgd', **kw):\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n"
    "    return torch.optim.SGD(p, **kw)\nx = build(p, weight_decay=1e-4)\n",
    # a holder class whose __init__ dispatches, given SGD's name
    "class Holder:\n    def __init__(self, name, p, **kw):\n        if name == 'adam':\n"
    "            self.opt = torch.optim.Adam(p, **kw)\n        else:\n            self.opt = torch.optim.SGD(p, **kw)\n"
    "x = Holder('sgd', p, weight_decay=1e-4)\n",
])
def test_dispatcher_negatives(source):
    assert found("import torch\n" + source) == []


@pytest.mark.parametrize("source,expected", [
    # the rest of an elif chain whose bodies return runs only when every test failed
    ("def build(name, p, **kw):\n    if name == 'sgd':\n        return torch.optim.SGD(p, **kw)\n"
     "    elif name == 'rmsprop':\n        return torch.optim.RMSprop(p, **kw)\n    return torch.optim.Adam(p, **kw)\n"
     "x = build('rmsprop', p, weight_decay=1e-4)\ny = build('adam', p, weight_decay=1e-4)\n",
     [(8, "AWL103"), (9, "AWL101")]),
    # None (passed or the default) equals no name: no branch is taken
    ("def build(p, name=None, **kw):\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n"
     "    elif name == 'sgd':\n        return torch.optim.SGD(p, **kw)\n    return None\n"
     "x = build(p, weight_decay=1e-4)\ny = build(p, None, weight_decay=1e-4)\nz = build(p, 'adam', weight_decay=1e-4)\n",
     [(10, "AWL101")]),
    # a nested def's parameter of the same name is not the caller's string
    ("def build(name, p, **kw):\n    def make(name):\n        if name == 'adam':\n            return torch.optim.Adam(p, **kw)\n"
     "        return torch.optim.SGD(p, **kw)\n    return make('sgd')\nx = build('adam', p, weight_decay=1e-4)\n", []),
    # lower-cased first thing in the body: compared lower-cased
    ("def build(name, p, **kw):\n    name = name.lower()\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n"
     "    return torch.optim.SGD(p, **kw)\nx = build('SGD', p, weight_decay=1e-4)\ny = build('Adam', p, weight_decay=1e-4)\n",
     [(8, "AWL101")]),
    # one construction in a branch, the rest built by name: the branch is ruled out too
    ("def build(name, p, **kw):\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n"
     "    return getattr(torch.optim, name)(p, **kw)\nx = build('SGD', p, weight_decay=1e-4)\n"
     "y = build('adam', p, weight_decay=1e-4)\n", [(7, "AWL101")]),
    # a factory whose method chooses by its own parameter: not what the class is built with
    ("class Factory:\n    def __init__(self, name, weight_decay):\n        self.name = name\n        self.weight_decay = weight_decay\n"
     "    def create(self, params, name='sgd'):\n        if name == 'adam':\n"
     "            return torch.optim.Adam(params, weight_decay=self.weight_decay)\n"
     "        return torch.optim.SGD(params, weight_decay=self.weight_decay)\nf = Factory('adam', 1e-4)\n", [(8, "AWL101")]),
])
def test_the_branch_a_dispatcher_call_takes(source, expected):
    assert found("import torch\n" + source) == expected


def test_a_dispatcher_positives_beside_the_negatives():
    folded = "def build(name, p, **kw):\n    if name.lower() == 'sgd':\n        return torch.optim.SGD(p, **kw)\n" \
             "    return torch.optim.Adagrad(p, **kw)\nx = build('Adagrad', p, weight_decay=1e-4)\n"
    assert found("import torch\n" + folded) == [(6, "AWL103")]
    defaulted = "def build(p, name='adam', **kw):\n    if name == 'adam':\n        return torch.optim.Adam(p, **kw)\n" \
                "    return torch.optim.SGD(p, **kw)\nx = build(p, weight_decay=1e-4)\n"
    assert found("import torch\n" + defaulted) == [(6, "AWL101")]
    holder = "class Holder:\n    def __init__(self, name, p, **kw):\n        if name == 'adam':\n" \
             "            self.opt = torch.optim.Adam(p, **kw)\n        else:\n            self.opt = torch.optim.SGD(p, **kw)\n" \
             "x = Holder('adam', p, weight_decay=1e-4)\n"
    assert found("import torch\n" + holder) == [(8, "AWL101")]


def test_a_dispatcher_handed_a_dict_filled_before_the_call():
    # stanza's get_optimizer: the decay goes in a dict only when it is given, then to the dispatcher
    source = DISPATCHER.split("a = dispatch")[0] + textwrap.dedent("""
        def get_optimizer(name, model, lr, weight_decay=None):
            extra_args = {}
            if weight_decay is not None:
                extra_args["weight_decay"] = weight_decay
            return dispatch(name, model.parameters(), lr=lr, **extra_args)
    """)
    got = analyze_source(textwrap.dedent(source))
    assert [(f.line, f.code) for f in got] == [(18, "AWL101"), (18, "AWL103")]
    assert "Adam(weight_decay=weight_decay (default None from parameter weight_decay of get_optimizer)) adds L2 to " \
           "the gradient (coupled) if it is non-zero" in got[0].message
    # a dict whose other keys are not known: what it may still set is said
    opened = source.replace("extra_args = {}", "extra_args = dict(**defaults)")
    assert "unless **extra_args sets decoupled_weight_decay=True" in messages(opened)[0]
    assert found(source.replace('extra_args["weight_decay"] = weight_decay', 'extra_args["momentum"] = 0.9')) == []


def _in_project(tmp_path, modules, checked: str):
    """The findings of the module ``checked`` of a package ``proj`` of ``modules`` (name → source),
    with the project followed as workers receive it."""
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "proj"
    package.mkdir()
    for name, source in {"__init__": "", **modules}.items():
        (package / f"{name}.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    return analyze_source(modules[checked], path=str(package / f"{checked}.py"), project=index)


def test_a_dispatcher_in_another_module(tmp_path):
    source = ("from proj import utils\nclass Trainer:\n    def __init__(self, args, model):\n"
              "        self.opt = utils.dispatch('adam', model.parameters(), weight_decay=args['wd'])\n"
              "        self.other = utils.dispatch('sgd', model.parameters(), weight_decay=args['wd'])\n"
              "        self.third = utils.dispatch('rmsprop', model.parameters(), weight_decay=args['wd'])\n"
              "        self.chosen = utils.dispatch(args['optim'], model.parameters(), weight_decay=args['wd'])\n")
    got = _in_project(tmp_path, {"utils": textwrap.dedent(DISPATCHER.split("a = dispatch")[0]), "trainer": source}, "trainer")
    assert [(f.line, f.code) for f in got] == [(4, "AWL101"), (6, "AWL103"), (7, "AWL101"), (7, "AWL103")]
    assert "utils.py:6 → torch.optim.Adam)" in got[0].message and got[0].fix is None
    assert "utils.py:8 → torch.optim.RMSprop (chosen when name == 'rmsprop'))" in got[3].message


# a helper that builds ``getattr(torch.optim, name)`` of the name its caller gives (pyiqa's, BasicSR's)
BY_NAME = """
import torch

def get_optimizer(optim_type, params, lr, **kwargs):
    optim_class = getattr(torch.optim, optim_type)
    return optim_class(params, lr, **kwargs)

def make(params, name="Adam", **kw):
    return getattr(torch.optim, name)(params, **kw)
"""


def test_a_class_built_by_the_name_a_caller_gives_is_the_class_that_name_names():
    source = BY_NAME + textwrap.dedent("""
        a = get_optimizer("Adam", params, 1e-3, weight_decay=1e-4)
        b = make(params, weight_decay=1e-4)
        c = make(params, "RMSprop", weight_decay=1e-4)
        d = get_optimizer(args.optim, params, 1e-3, weight_decay=1e-4)
    """)
    got = analyze_source(source)
    assert [(f.line, f.code) for f in got] == [(11, "AWL101"), (12, "AWL101"), (13, "AWL103")]
    assert got[0].message.endswith("(via line 5 → torch.optim.Adam)")  # where the getattr is
    # the class is the caller's choice: no fix here, and the advice says whose
    assert got[0].fix is None and "optim_type chooses the class at run time (getattr at line 5)" in got[0].fix_blocked


@pytest.mark.parametrize("call", [
    'get_optimizer("AdamW", params, 1e-3, weight_decay=1e-2)',  # decoupled
    'get_optimizer("SGD", params, 1e-3, weight_decay=1e-4)',  # not adaptive
    'get_optimizer("Adam", params, 1e-3)',  # no decay passed
    'get_optimizer(name, params, 1e-3, weight_decay=1e-4)',  # a name not known
    'make(params, name="AdamW", weight_decay=1e-4)',  # the default replaced
    'make(params, "Adam", weight_decay=0.0)',
])
def test_a_class_built_by_name_negatives(call):
    assert found(BY_NAME + call + "\n") == []


@pytest.mark.parametrize("helper", [
    # the parameter rebound before the look-up: not the caller's string
    "def build(name, params, **kw):\n    name = 'SGD'\n    return getattr(torch.optim, name)(params, **kw)\n",
    # a getattr of the module's own making
    "def build(name, params, **kw):\n    getattr = lambda m, n: torch.optim.SGD\n    return getattr(torch.optim, name)(params, **kw)\n",
    # not an optimizer module
    "def build(name, params, **kw):\n    return getattr(torch.nn, name)(params, **kw)\n",
    # a class chosen in two ways: which one the caller gets is not known
    "def build(name, params, **kw):\n    cls = getattr(torch.optim, name)\n    if kw:\n        cls = torch.optim.SGD\n"
    "    return cls(params, **kw)\n",
])
def test_a_class_built_by_name_is_the_callers_only_where_the_string_is(helper):
    assert found("import torch\n" + helper + "x = build('Adam', params, weight_decay=1e-4)\n") == []


METHODS = """
import torch

class Base:
    def get_optimizer(self, optim_type, params, lr, **kwargs):
        return getattr(torch.optim, optim_type)(params, lr, **kwargs)

    def build_adam(self, params, lr, **kwargs):
        return torch.optim.Adam(params, lr, **kwargs)

    @staticmethod
    def static_adam(params, **kwargs):
        return torch.optim.Adam(params, **kwargs)

class Model(Base):
    def setup(self, net, opt):
        self.a = self.get_optimizer("Adam", net.parameters(), 1e-3, weight_decay=1e-4)
        self.b = self.build_adam(net.parameters(), 1e-3, weight_decay=1e-4)
        self.c = self.static_adam(net.parameters(), weight_decay=1e-4)
        self.d = self.get_optimizer("AdamW", net.parameters(), 1e-3, weight_decay=1e-4)
        self.e = self.build_adam(net.parameters(), 1e-3)
        self.f = self.get_optimizer(opt["type"], net.parameters(), 1e-3, weight_decay=1e-4)
        self.g = other.build_adam(net.parameters(), 1e-3, weight_decay=1e-4)
"""


def test_a_method_self_calls_is_a_wrapper_like_a_function():
    got = analyze_source(textwrap.dedent(METHODS))
    assert [(f.line, f.code) for f in got] == [(17, "AWL101"), (18, "AWL101"), (19, "AWL101")]
    assert got[1].message.endswith("(via line 9 → torch.optim.Adam)")


def test_a_method_a_subclass_overrides_is_not_guessed():
    # ``self`` may be a Custom: which build_adam runs is not known
    source = METHODS + "class Custom(Model):\n    def build_adam(self, params, lr, **kwargs):\n" \
                       "        return torch.optim.AdamW(params, lr, **kwargs)\n"
    assert (18, "AWL101") not in found(source)


@pytest.mark.parametrize("source", [
    # a diamond: D's MRO is D, B, C, A, so C's AdamW runs, not A's Adam met first depth first
    "class A:\n    def build(self, params, **kw):\n        return torch.optim.Adam(params, **kw)\nclass B(A):\n    pass\n"
    "class C(A):\n    def build(self, params, **kw):\n        return torch.optim.AdamW(params, **kw)\n"
    "class D(B, C):\n    def setup(self, net):\n        return self.build(net.parameters(), weight_decay=1e-4)\n",
    # ``self`` rebound, or a nested def's own parameter: not the instance the method runs on
    "class A:\n    def build(self, params, **kw):\n        return torch.optim.Adam(params, **kw)\n"
    "    def setup(self, net, other):\n        self = other\n        return self.build(net.parameters(), weight_decay=1e-4)\n"
    "    def nested(self, net):\n        def inner(self):\n            return self.build(net.parameters(), weight_decay=1e-4)\n"
    "        return inner\n",
    # a positional-only ``self``: the 0.0 is the decay, 1e-3 the learning rate
    "class A:\n    def build(self, /, lr, weight_decay, params=None):\n"
    "        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)\n"
    "    def setup(self, net, weight_decay=0.0):\n        return self.build(1e-3, 0.0, net.parameters())\n",
])
def test_a_method_whose_run_is_not_known_or_not_the_instances_is_not_followed(source):
    calls = [n + 2 for n, line in enumerate(source.splitlines()) if "self.build(" in line]
    assert calls and [line for line, _ in found("import torch\n" + source) if line in calls] == []


def test_a_positional_only_self_is_the_instance():
    source = "import torch\nclass A:\n    def build(self, /, lr, weight_decay, params=None):\n" \
             "        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)\n" \
             "    def setup(self, net, weight_decay=0.0):\n        return self.build(1e-3, 1e-4, net.parameters())\n"
    got = analyze_source(source)
    assert [(f.line, f.code) for f in got] == [(4, "AWL101"), (6, "AWL101")]
    assert "Adam(weight_decay=1e-4)" in got[1].message


def _methods_project(tmp_path, local: str):
    """A base class of another module whose ``get_optimizer`` builds AdamW, and ``local``."""
    remote = "import torch\nclass RemoteBase:\n    def get_optimizer(self, params, **kw):\n        return torch.optim.AdamW(params, **kw)\n"
    source = "import torch\nfrom .remote import RemoteBase\n" + textwrap.dedent(local)
    return _in_project(tmp_path, {"remote": remote, "model": source}, "model")


@pytest.mark.parametrize("local", [
    # the base of another module comes first in the MRO
    """
    class Mixin:
        def get_optimizer(self, params, **kw):
            return torch.optim.Adam(params, **kw)
    class Model(RemoteBase, Mixin):
        def setup(self, net):
            return self.get_optimizer(net.parameters(), weight_decay=1e-4)
    """,
    # only a subclass here overrides it: a Model runs the base's
    """
    class Model(RemoteBase):
        def setup(self, net):
            return self.get_optimizer(net.parameters(), weight_decay=1e-4)
    class Sub(Model):
        def get_optimizer(self, params, **kw):
            return torch.optim.Adam(params, **kw)
    """,
])
def test_a_method_another_modules_base_may_define_first_is_not_guessed(tmp_path, local):
    assert _methods_project(tmp_path, local) == []


def test_a_method_of_a_base_class_in_another_module(tmp_path):
    # BasicSR's layout: BaseModel.get_optimizer in base_model.py, a model of another module calls it
    source = ("from .base_model import Base\nfrom .helpers import get_optimizer\n\nclass Net(Base):\n"
              "    def setup(self, net, train_opt):\n"
              "        self.a = self.get_optimizer('Adam', net.parameters(), 1e-3, weight_decay=5e-4)\n"
              "        self.b = self.get_optimizer('SGD', net.parameters(), 1e-3, weight_decay=5e-4)\n"
              "        self.c = get_optimizer('Adagrad', net.parameters(), 1e-3, weight_decay=5e-4)\n")
    got = _in_project(tmp_path, {"base_model": textwrap.dedent(METHODS.split("class Model")[0]),
                                 "helpers": textwrap.dedent(BY_NAME.split("def make")[0]),  # names no optimizer
                                 "model": source}, "model")
    assert [(f.line, f.code) for f in got] == [(6, "AWL101"), (8, "AWL103")]
    assert "base_model.py:6 → torch.optim.Adam)" in got[0].message
    assert "helpers.py:5 → torch.optim.Adagrad)" in got[1].message


def test_a_holder_class_in_another_module_reached_by_a_direct_call_and_by_hydra(tmp_path):
    import pickle

    from adamw_lint import configs
    from adamw_lint.project_index import ProjectIndex
    from adamw_lint.selection import Selection

    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "optim.py").write_text(textwrap.dedent(LOCAL.split("a = make")[0]))
    source = "from proj.optim import Holder, SafeHolder\nd = Holder(params, weight_decay=1e-4)\ne = SafeHolder(params, weight_decay=1e-4)\n"
    (package / "train.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "train.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(2, "AWL101")]
    assert "optim.py:12 → torch.optim.Adam" in got[0].message
    config = tmp_path / "conf.yaml"
    text = "optimizer:\n  _target_: proj.optim.Holder\n  weight_decay: 0.0001\nsafe:\n  _target_: proj.optim.SafeHolder\n  weight_decay: 0.0001\n"
    config.write_text(text)
    hydra = configs.check(str(config), text, Selection(), "rename", index)
    assert [(f.line, f.code) for f in hydra] == [(2, "AWL101")]


# Unknown is not unrelated: a model the analysis cannot follow ---------------------------------
def test_a_model_that_cannot_be_followed_is_tied_to_the_regularizers_of_its_own_function():
    source = REG + textwrap.dedent("""
        def train(model):
            head = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))
            model.compile(optimizer=tf.keras.optimizers.Adam())
    """)
    assert found(source) == [(6, "AWL201")]
    assert "model cannot be followed" in messages(source)[0]
    assert found(source.replace("optimizers.Adam()", "optimizers.SGD()")) == []


def test_regularizers_elsewhere_or_claimed_by_a_followed_model_are_not_tied():
    elsewhere = REG + textwrap.dedent("""
        def build():
            return layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))

        def train(model):
            model.compile(optimizer=tf.keras.optimizers.Adam())
    """)
    assert found(elsewhere) == []
    claimed = REG + textwrap.dedent("""
        from mylib import load
        other = tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])
        other.compile(optimizer=tf.keras.optimizers.SGD(0.1))
        model = load("weights.h5")
        model.compile(optimizer=tf.keras.optimizers.Adam())
    """)
    assert found(claimed) == []
    unclaimed = claimed.replace("other.compile(optimizer=tf.keras.optimizers.SGD(0.1))", "")
    assert found(unclaimed) == [(8, "AWL201")]


def test_a_model_stored_by_another_method_of_the_class_is_followed_there():
    source = REG + textwrap.dedent("""
        from mylib import build_model

        class Trainer:
            def build(self):
                self.model = build_model(layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4)))

            def fit(self):
                self.model.compile(optimizer="adam")
    """)
    assert found(source) == [(11, "AWL201")]
    assert found(source.replace("regularizers.l2(1e-4)", "None")) == []


def test_a_builder_in_another_module_whose_l2_default_is_left_as_is(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(textwrap.dedent("""
        import tensorflow as tf
        from tensorflow.keras import layers, regularizers

        def build_model(l2_reg=1e-5):
            return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2_reg))])

        def build_plain(l2_reg=0.0):
            return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2_reg))])
    """))
    source = textwrap.dedent("""
        import tensorflow as tf
        from proj.models import build_model, build_plain

        model = build_model()
        model.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
        plain = build_plain()
        plain.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
        zero = build_model(l2_reg=0.0)
        zero.compile(optimizer=tf.keras.optimizers.Adam(), loss="mse")
        sgd = build_model()
        sgd.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    """)
    (package / "train.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "train.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(6, "AWL201")]
    assert "models.py:6)" in got[0].message and got[0].related == ()
    assert analyze_source(source) == []  # alone (flake8), the builder cannot be followed: nothing tied to it


FACTORY = """
import torch

class AdamFactory:
    def __init__(self, lr=1e-3, weight_decay=0.0):
        self.lr, self.weight_decay = lr, weight_decay

    def create(self, params):
        return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
"""


def test_a_factory_class_is_reported_at_the_call_that_passes_the_decay():
    source = FACTORY + "f = AdamFactory(weight_decay=1e-4)\ng = AdamFactory(lr=1e-2)\nh = AdamFactory(weight_decay=0.0)\n"
    assert found(source) == [(9, "AWL101"), (10, "AWL101")]  # the construction (if non-zero), and f
    assert "via line 9 → torch.optim.Adam" in messages(source)[1]
    assert found(source.replace("torch.optim.Adam(", "torch.optim.AdamW(")) == []


DATACLASS_FACTORY = """
import dataclasses
from typing import ClassVar

import torch

@dataclasses.dataclass{options}
class AdamFactory{bases}:
    name: ClassVar[str] = "adam"
    lr: float = 1e-3
    weight_decay: float = dataclasses.field(default=0.0)

    def create(self, params):
        return torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
"""


def test_a_dataclass_factory_is_reported_at_the_call_that_passes_the_decay():
    """``@dataclass`` writes the ``__init__``: its fields, in order (not a ``ClassVar``), each
    stored on ``self``; by keyword only where their positions are not known here."""
    calls = "f = AdamFactory(weight_decay=1e-4)\ng = AdamFactory(1e-2, 1e-4)\nh = AdamFactory(lr=1e-2)\n"
    plain = DATACLASS_FACTORY.format(options="", bases="") + calls
    assert found(plain) == [(14, "AWL101"), (15, "AWL101"), (16, "AWL101")]  # the construction (if non-zero), f, g
    assert "via line 14 → torch.optim.Adam" in messages(plain)[1]
    for options, bases in (("(kw_only=True)", ""), ("", "(Base)")):  # positions unknown: g is not read
        source = DATACLASS_FACTORY.format(options=options, bases=bases) + calls
        assert found(source) == [(14, "AWL101"), (15, "AWL101")], (options, bases)
    moved = plain.replace("dataclasses.field(default=0.0)", "dataclasses.field(default=0.0, kw_only=True)")
    assert found(moved) == [(14, "AWL101"), (15, "AWL101")]  # a kw_only field goes last: g's 1e-4 is not it
    kept = plain.replace("dataclasses.field(default=0.0)", "dataclasses.field(default=0.0, init=True)")
    assert found(kept) == found(plain)
    reset = plain.replace("    def create(", "    def __post_init__(self):\n        self.weight_decay = 0.0\n\n    def create(")
    assert found(reset) == [(17, "AWL101")]  # only the construction: __post_init__ decides what it stores
    for assigned in ("self.weight_decay, self.lr = 0.0, 1e-3", "object.__setattr__(self, 'weight_decay', 0.0)"):
        assert found(reset.replace("self.weight_decay = 0.0", assigned)) == [(17, "AWL101")], assigned
    assert found(plain.replace("@dataclasses.dataclass", "")) == [(14, "AWL101")]  # no dataclass: no such __init__
    assert found(plain.replace("torch.optim.Adam(", "torch.optim.AdamW(")) == []


def test_a_factory_in_another_module_is_reported_at_its_callers(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "optim.py").write_text(textwrap.dedent(FACTORY) + textwrap.dedent("""
        class Lit:
            def __init__(self, weight_decay=0.0):
                self.save_hyperparameters()

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), weight_decay=self.hparams.weight_decay)
    """))
    source = ("from proj.optim import AdamFactory, Lit\nf = AdamFactory(weight_decay=1e-4)\n"
              "g = AdamFactory(lr=0.1)\nlit = Lit(weight_decay=1e-4)\n")
    (package / "train.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "train.py"), project=index)
    # Lit's decay goes through self.hparams, which is not followed: its construction is reported
    # in its own module (if non-zero), not guessed at the call
    assert [(f.line, f.code) for f in got] == [(2, "AWL101")]


def test_model_losses_of_a_model_that_cannot_be_followed_in_a_custom_loop():
    source = REG + textwrap.dedent("""
        def train(model, x, y):
            head = layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))
            opt = tf.keras.optimizers.Adam()
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x)) + tf.add_n(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
    """)
    assert found(source) == [(6, "AWL202")]
    assert found(source.replace("kernel_regularizer=regularizers.l2(1e-4)", "units=3")) == []
    assert found(source.replace("optimizers.Adam()", "optimizers.SGD(0.1)")) == []


# a parameter's default names the class, or holds the options ------------------------------------
def test_an_optimizer_class_taken_from_a_parameter_default():
    source = textwrap.dedent("""
        import torch

        class CTRTrainer:
            def __init__(self, model, optimizer_fn=torch.optim.Adam, optimizer_params=None):
                if optimizer_params is None:
                    optimizer_params = {"lr": 1e-3, "weight_decay": 1e-5}
                self.optimizer = optimizer_fn(model.parameters(), **optimizer_params)

        def f(model, optimizer_fn=torch.optim.Adam):
            return optimizer_fn(model.parameters(), lr=1e-3, weight_decay=1e-5)
    """)
    got = analyze_source(source)
    assert [(f.line, f.code) for f in got] == [(8, "AWL101"), (11, "AWL101")]
    assert "optimizer_fn may be torch.optim.Adam, named at line 5" in got[0].message
    assert "unless **optimizer_params sets decoupled_weight_decay=True" in got[0].message
    assert got[0].fix is None  # the class is chosen in the signature: changed there
    assert found(source.replace("torch.optim.Adam", "torch.optim.AdamW")) == []
    assert found(source.replace('"weight_decay": 1e-5', '"weight_decay": 0.0').replace(
        "lr=1e-3, weight_decay=1e-5)", "lr=1e-3)")) == []


def test_a_parameter_rebound_before_the_use_is_not_its_default():
    source = "import torch\ndef f(p, cls=torch.optim.Adam):\n    cls = torch.optim.SGD\n    return cls(p, weight_decay=1e-4)\n"
    assert found(source) == []


def test_a_keras_optimizer_chosen_by_a_name_whose_default_is_adaptive():
    source = REG + textwrap.dedent("""
        def build():
            return tf.keras.Sequential([layers.Dense(1, kernel_regularizer=regularizers.l2(1e-4))])

        def train(name="Adam"):
            m = build()
            m.compile(optimizer=getattr(tf.keras.optimizers, name)(1e-3), loss="mse")
    """)
    assert found(source) == [(9, "AWL201")]
    assert "may be tensorflow.keras.optimizers.Adam" in messages(source)[0]
    assert found(source.replace('name="Adam"', 'name="SGD"')) == []


def test_an_openmmlab_wrapper_that_reuses_the_optimizer_dict_is_one_finding():
    source = ("optimizer = dict(type='Adam', lr=1e-3, weight_decay=1e-5)\n"
              "optim_wrapper = dict(optimizer=optimizer, clip_grad=None)\n")
    assert found(source) == [(1, "AWL101")]
    inline = "optim_wrapper = dict(optimizer=dict(type='RMSprop', lr=1e-3, weight_decay=1e-5))\n"
    assert found(inline) == [(1, "AWL103")]


# TF1 losses built up in place, L2 as the regularizer function, hand-added collection terms -----
def test_a_loss_built_with_augmented_assignment():
    source = textwrap.dedent("""
        import tensorflow as tf
        loss = tf.reduce_mean(xent)
        for v in tf.trainable_variables():
            loss += 1e-4 * tf.nn.l2_loss(v)
        train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    """)
    assert found(source) == [(6, "AWL202")]
    assert found(source.replace("tf.nn.l2_loss(v)", "tf.reduce_sum(v)")) == []
    assert found(source.replace("AdamOptimizer(1e-3)", "MomentumOptimizer(0.1, 0.9)")) == []


def test_the_l2_function_itself_as_a_regularizer_joins_the_collection():
    source = textwrap.dedent("""
        import tensorflow as tf
        x = tf.compat.v1.layers.dense(inputs, 10, kernel_regularizer=tf.nn.l2_loss)
        loss = xent + tf.compat.v1.losses.get_regularization_loss()
        op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)
    """)
    assert found(source) == [(5, "AWL202")]
    assert found(source.replace("kernel_regularizer=tf.nn.l2_loss", "activity_regularizer=tf.nn.l2_loss")) == []


def test_l2_terms_added_to_the_regularization_collection_by_hand():
    source = textwrap.dedent("""
        import tensorflow as tf
        tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 1e-5 * tf.nn.l2_loss(emb))
        loss = xent + tf.losses.get_regularization_loss()
        op = tf.train.AdagradOptimizer(0.1).minimize(loss)
    """)
    assert found(source) == [(5, "AWL202")]
    added = source.replace("tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, 1e-5 * tf.nn.l2_loss(emb))",
                           "tf.losses.add_loss(1e-5 * tf.nn.l2_loss(emb), loss_collection=tf.GraphKeys.REGULARIZATION_LOSSES)")
    assert found(added) == [(5, "AWL202")]
    assert found(source.replace("tf.GraphKeys.REGULARIZATION_LOSSES", '"my_metrics"')) == []


def test_a_module_that_compiles_by_a_string_name_is_checked_when_the_builder_is_elsewhere(tmp_path):
    from helpers import make_repo, run_cli

    builder = ("import tensorflow as tf\nfrom tensorflow.keras import layers, regularizers\n\n"
               "def build_model(l2_reg=1e-5):\n"
               "    return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2_reg))])\n")
    train = "import tensorflow as tf\nfrom proj.models import build_model\nmodel = build_model()\nmodel.compile(optimizer='{}', loss='mse')\n"
    repository = make_repo(tmp_path, {"proj/__init__.py": "", "proj/models.py": builder,
                                      "proj/train.py": train.format("adam"), "proj/plain.py": train.format("sgd")})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.returncode == 1, result.stderr
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["proj/train.py:4:1:", "AWL201"]]
    assert "(proj/models.py:5)" in result.stdout


def test_a_script_that_compiles_by_a_string_name_without_importing_keras(tmp_path):
    """``model.compile("adam")`` in a script that imports only the builder: Keras's compile when
    the model's walk meets L2 regularizers, and nothing when it meets none (``re.compile``, a
    builder without L2, a torch model) or the optimizer is not adaptive."""
    from helpers import make_repo, run_cli

    builder = ("from tensorflow.keras import Sequential, layers, regularizers\n\n"
               "def build_model(l2_reg=1e-5):\n"
               "    return Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(l2_reg))])\n\n"
               "def plain_model():\n    return Sequential([layers.Dense(10)])\n\n"
               "def head():\n    return layers.Dense(1, kernel_regularizer=regularizers.l2(1e-4))\n")
    train = "import numpy as np\nfrom models import {}\nmodel = {}()\nmodel.compile({}, loss='mse')\n"
    repository = make_repo(tmp_path, {
        "models.py": builder,
        "train.py": train.format("build_model", "build_model", "'adam'"),
        "train_kw.py": train.format("build_model", "build_model", "optimizer=\"rmsprop\""),
        "sgd.py": train.format("build_model", "build_model", "'sgd'"),
        "plain.py": train.format("plain_model", "plain_model", "'adam'"),
        "regex.py": "import re\nfrom models import build_model\nmodel = build_model()\npattern = re.compile('adam')\n",
        "torch_step.py": "import torch\nfrom net import Net\nmodel = torch.compile(Net())\nname = 'adam'\n",
        "net.py": "import torch\nclass Net(torch.nn.Module):\n    pass\n",
        "plain_import.py": "import models\nm = models.build_model()\nm.compile('adam', loss='mse')\n",
        "in_function.py": "def main():\n    from models import build_model\n    m = build_model()\n    m.compile('adam', loss='mse')\n",
        # compiled in a function written above the add() that gives the model its L2
        "ordered.py": "from models import plain_model, head\ndef train(m):\n    m.compile('adam', loss='mse')\n"
                      "model = plain_model()\nmodel.add(head())\ntrain(model)\n",
    })
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.returncode == 1, result.stderr
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [
        ["in_function.py:4:5:", "AWL201"], ["ordered.py:3:5:", "AWL201"], ["plain_import.py:3:1:", "AWL201"],
        ["train.py:4:1:", "AWL201"], ["train_kw.py:4:1:", "AWL201"]]
    assert "compile(optimizer='adam') trains L2 weight regularizers (models.py:4)" in result.stdout
    alone = run_cli("check", "-q", "--no-cache", "train.py", cwd=repository)  # as pre-commit runs it
    assert alone.stdout.splitlines() == result.stdout.splitlines()[3:4], alone.stderr


def test_a_compile_by_name_in_a_project_that_imports_no_keras_is_not_walked(tmp_path, monkeypatch):
    """deepctr-torch's tests call its Keras-like ``model.compile("adam")`` on torch models: without
    a Keras import in the module, a model is walked only in a project that imports Keras somewhere
    (each walk over the torch package took 90 ms)."""
    from adamw_lint.checkers.keras_tf import KerasTfChecker
    from adamw_lint.project_index import ProjectIndex

    torch_project, keras_project = tmp_path / "torch_project", tmp_path / "keras_project"
    for project in (torch_project, keras_project):
        project.mkdir()
        (project / "torch_models.py").write_text("import torch  # not keras\nclass MMOE(torch.nn.Module):\n    pass\n")
    (keras_project / "keras_models.py").write_text(
        "def build():\n    from tensorflow.keras import Sequential, layers, regularizers\n"
        "    return Sequential([layers.Dense(1, kernel_regularizer=regularizers.l2(1e-4))])\n")
    walked = []
    original = KerasTfChecker._model_penalties
    monkeypatch.setattr(KerasTfChecker, "_model_penalties", lambda self, *a: walked.append(a) or original(self, *a))
    source = "import {}\nmodel = {}()\nmodel.compile('adam', 'mse')\n"

    def found(project, module, built):
        path = str(project / "test_x.py")
        return [(f.line, f.code) for f in analyze_source(source.format(module, built), path=path,
                                                          project=ProjectIndex([str(project)]))]
    assert found(torch_project, "torch_models", "torch_models.MMOE") == [] and walked == []
    assert found(keras_project, "torch_models", "torch_models.MMOE") == [] and walked  # walked: no L2
    assert found(keras_project, "keras_models", "keras_models.build") == [(3, "AWL201")]


def test_a_model_stored_by_a_method_that_names_nothing_and_layers_from_another_module(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "layers.py").write_text(
        "from tensorflow.keras.layers import Conv2D\nfrom tensorflow.keras.regularizers import L2\n"
        "def conv(x, f):\n    return Conv2D(f, 3, kernel_regularizer=L2(0.005))(x)\n")
    source = textwrap.dedent("""
        from tensorflow.keras import Input, Model
        from tensorflow.keras.optimizers import Adam
        from .layers import conv
        class YOLO:
            def make_model(self):
                i = Input((32, 32, 3))
                self._model = Model(i, conv(i, 8))
            def compile(self, optimizer=None):
                if optimizer is None:
                    optimizer = Adam(1e-3)
                self._model.compile(optimizer=optimizer, loss="mse")
    """)
    (package / "yolo.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "yolo.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(11, "AWL201")]
    assert "pkg/layers.py:4" in got[0].message or "layers.py:4" in got[0].message
    plain = source.replace("conv(i, 8)", "i")
    assert analyze_source(plain, path=str(package / "yolo.py"), project=index) == []


def test_a_loss_passed_to_a_helper_that_minimizes_it():
    method = textwrap.dedent("""
        import tensorflow as tf
        class TFModel:
            def get_train_op(self, loss, learning_rate=1e-3):
                return tf.train.AdamOptimizer(learning_rate).minimize(loss)
        class Policy(TFModel):
            def _build(self, x):
                h = tf.layers.dense(x, 4, kernel_regularizer=tf.keras.regularizers.l2(1e-3))
                self._loss = tf.reduce_mean(h)
                self._loss += tf.losses.get_regularization_loss()
                self._train_op = self.get_train_op(self._loss)
    """)
    assert found(method) == [(5, "AWL202")]
    assert found(method.replace("        self._loss += tf.losses.get_regularization_loss()\n", "")) == []
    function = textwrap.dedent("""
        import tensorflow as tf
        def train_op(loss):
            return tf.train.AdamOptimizer(1e-3).minimize(loss)
        def other(loss):
            return tf.train.AdamOptimizer(1e-3).minimize(loss)
        total = xent + 1e-4 * tf.nn.l2_loss(w)
        op = train_op(total)
        op2 = other(xent)
    """)
    assert found(function) == [(4, "AWL202")]  # other() is given a loss without L2


def test_a_loss_handed_to_a_training_helper_inherited_from_another_module(tmp_path):
    from helpers import make_repo, run_cli

    base = ("import tensorflow as tf\nclass TFModel:\n"
            "    def get_train_op(self, loss, learning_rate=1e-3, optimizer=None):\n"
            "        if optimizer is None:\n            optimizer = tf.train.{}\n"
            "        return optimizer(learning_rate).minimize(loss)\n")
    net = ("import tensorflow as tf\nfrom .base import TFModel\nclass Policy(TFModel):\n    def _build(self, x):\n"
           "        h = tf.layers.dense(x, 4, kernel_regularizer=tf.nn.l2_loss)\n        self._loss = tf.reduce_mean(h)\n"
           "        self._loss += 1e-3 * tf.losses.get_regularization_loss()\n"
           "        self._train_op = self.get_train_op(self._loss)\n")
    repository = make_repo(tmp_path / "adaptive", {"pkg/__init__.py": "", "pkg/base.py": base.format("AdamOptimizer"),
                                                   "pkg/net.py": net})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["pkg/net.py:8:26:", "AWL202"]], result.stderr
    assert "built at pkg/base.py:6, called as self.get_train_op" in result.stdout
    momentum = make_repo(tmp_path / "momentum", {"pkg/__init__.py": "", "pkg/net.py": net,
                                                 "pkg/base.py": base.format("GradientDescentOptimizer")})
    assert run_cli("check", "-q", "--no-cache", ".", cwd=momentum).stdout == ""
    plain = make_repo(tmp_path / "plain", {"pkg/__init__.py": "", "pkg/base.py": base.format("AdamOptimizer"),
                                           "pkg/net.py": net.replace("        self._loss += 1e-3 * tf.losses.get_regularization_loss()\n", "")})
    assert run_cli("check", "-q", "--no-cache", ".", cwd=plain).stdout == ""
    static = base.format("AdamOptimizer").replace("    def get_train_op(self, loss,", "    @staticmethod\n    def get_train_op(loss,")
    static_repository = make_repo(tmp_path / "static", {"pkg/__init__.py": "", "pkg/base.py": static, "pkg/net.py": net})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=static_repository)
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["pkg/net.py:8:26:", "AWL202"]], result.stderr


def test_a_loss_handed_to_a_training_function_of_another_module(tmp_path):
    """``learner.optimizer(name, loss, lr)``: a module function that minimizes its parameter with
    an adaptive optimizer in one of its branches trains the L2 of the loss it is handed."""
    from helpers import make_repo, run_cli

    learner = ("import tensorflow as tf\n\ndef optimizer(learner, loss, learning_rate):\n"
               "    if learner == 'adam':\n        return tf.train.AdamOptimizer(learning_rate).minimize(loss)\n"
               "    return tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)\n")
    model = ("import tensorflow as tf\nfrom pkg.util import learner\n\nclass DAE:\n    def build(self, w, base):\n"
             "        self.loss = base + 1e-4 * tf.nn.l2_loss(w)\n"
             "        self.train_op = learner.optimizer(self.kind, self.loss, 1e-3)\n")
    files = {"pkg/__init__.py": "", "pkg/util/__init__.py": "", "pkg/util/learner.py": learner, "pkg/dae.py": model}
    result = run_cli("check", "-q", "--no-cache", ".", cwd=make_repo(tmp_path / "adaptive", files))
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["pkg/dae.py:7:25:", "AWL202"]], result.stderr
    assert "built at pkg/util/learner.py:5, called as learner.optimizer" in result.stdout
    for number, (kind, found) in enumerate((("'Adam'", False), ("'adam'", True), ("learner='sgd'", False))):  # its branch
        lowered = learner.replace("if learner == 'adam'", "if learner.lower() == 'adam'") if kind != "'Adam'" else learner
        chosen = {"pkg/util/learner.py": lowered, "pkg/dae.py": model.replace("self.kind", kind)}
        result = run_cli("check", "-q", "--no-cache", ".", cwd=make_repo(tmp_path / f"chosen{number}", {**files, **chosen}))
        assert ("AWL202" in result.stdout) is found, (kind, result.stdout, result.stderr)
    others = {
        "momentum": {"pkg/util/learner.py": learner.replace("AdamOptimizer", "MomentumOptimizer")},
        "no_l2": {"pkg/dae.py": model.replace(" + 1e-4 * tf.nn.l2_loss(w)", "")},
        "other_parameter": {"pkg/util/learner.py": learner.replace("minimize(loss)", "minimize(aux)").replace(
            "learning_rate):", "learning_rate, aux=None):")},
    }
    for name, changed in others.items():
        quiet = run_cli("check", "-q", "--no-cache", ".", cwd=make_repo(tmp_path / name, {**files, **changed}))
        assert quiet.stdout == "" and quiet.returncode == 0, (name, quiet.stdout, quiet.stderr)


def test_a_base_class_training_helper_is_read_once_per_run(tmp_path, monkeypatch):
    """Every subclass of one base (in every file of a run) asks what its methods train: the base
    class is read once, and each file still notes the base's module for the cache."""
    from adamw_lint.checkers import keras_tf
    from adamw_lint.recorded import RecordingIndex

    base = ("import tensorflow as tf\nclass TFModel:\n    def get_train_op(self, loss):\n"
            "        return tf.train.AdamOptimizer(1e-3).minimize(loss)\n")
    net = ("import tensorflow as tf\nfrom pkg.base import TFModel\nclass {}(TFModel):\n    def _build(self, x):\n"
           "        self._loss = tf.reduce_mean(x) + 1e-3 * tf.nn.l2_loss(x)\n"
           "        self._train_op = self.get_train_op(self._loss)\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "base.py").write_text(base)
    names = ["a.py", "b.py", "c.py"]
    for name in names:
        (tmp_path / "pkg" / name).write_text(net.format(name[0].upper()))
    read = []
    original = keras_tf._trains_parameters
    monkeypatch.setattr(keras_tf, "_trains_parameters", lambda module, cls: read.append(cls.name) or original(module, cls))
    monkeypatch.chdir(tmp_path)
    index = RecordingIndex([str(tmp_path)])
    for name in names:
        index.located = {}
        source = (tmp_path / "pkg" / name).read_text()
        findings = analyze_source(source, path=f"pkg/{name}", project=index)
        assert [(f.line, f.code) for f in findings] == [(6, "AWL202")]
        assert "pkg.base" in index.located
    assert read == ["TFModel"]



def test_a_model_losses_term_in_another_module_is_named_as_written_there(tmp_path):
    from helpers import make_repo, run_cli

    losses = ("import tensorflow as tf\nfrom tensorflow import keras\n\n"
              "model = keras.Sequential([keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(1e-4))])\n\n\n"
              "def total(y, t):\n    return tf.reduce_mean(tf.square(y - t)) + tf.add_n(model.losses)\n")
    train = ("import tensorflow as tf\nfrom pkg.losses import total, model\nopt = tf.keras.optimizers.Adam(1e-3)\n"
             "with tf.GradientTape() as tape:\n    loss = total(y, t)\n"
             "grads = tape.gradient(loss, model.trainable_variables)\n"
             "opt.apply_gradients(zip(grads, model.trainable_variables))\n"
             "# the line the other module's term is on: read from this file, it was this comment's text\n")
    repository = make_repo(tmp_path / "r", {"pkg/__init__.py": "", "pkg/losses.py": losses, "pkg/train.py": train})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.stdout.startswith("pkg/train.py:3:7: AWL202"), result.stderr
    assert "(model.losses at pkg/losses.py:8)" in result.stdout


LOSS_HELPER = "import tensorflow as tf\n\n\ndef total(model, y, t, *, extra=None):\n    return tf.reduce_mean(tf.square(y - t)) + tf.add_n({}.losses)\n"
TRAIN_WITH_HELPER = """import tensorflow as tf
from tensorflow import keras
from pkg.losses import total
plain = keras.Sequential([keras.layers.Dense(4)])
regularized = keras.Sequential([keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(1e-4))])
opt = tf.keras.optimizers.{optimizer}(1e-3)
with tf.GradientTape() as tape:
    loss = total({call})
grads = tape.gradient(loss, regularized.trainable_variables)
opt.apply_gradients(zip(grads, regularized.trainable_variables))
"""


@pytest.mark.parametrize("call,helper,optimizer,reported", [
    ("regularized, y, t", "model", "Adam", True),
    ("y=y, t=t, model=regularized", "model", "Adam", True),  # by keyword
    ("regularized, y, t", "model", "SGD", False),  # not adaptive
    ("plain, y, t", "model", "Adam", False),  # the model handed over has no L2
    ("plain, y, t, extra=regularized", "extra", "Adam", True),  # a keyword-only parameter
    ("regularized, y, t, extra=plain", "extra", "Adam", False),
])
def test_model_losses_of_a_model_handed_to_a_loss_helper_in_another_module(tmp_path, call, helper, optimizer, reported):
    from helpers import make_repo, run_cli

    repository = make_repo(tmp_path / "r", {"pkg/__init__.py": "", "pkg/losses.py": LOSS_HELPER.format(helper),
                                            "pkg/train.py": TRAIN_WITH_HELPER.format(optimizer=optimizer, call=call)})
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.returncode == (1 if reported else 0), result.stdout + result.stderr
    if reported:
        assert result.stdout.startswith("pkg/train.py:6:7: AWL202")
        assert f"({helper}.losses at pkg/losses.py:5)" in result.stdout

# an optimizer chosen by name and built inside a model_fn of another module (tf.estimator) -------
ESTIMATOR_FN = """
import tensorflow as tf
from tensorflow.python.estimator.canned.optimizers import get_optimizer_instance


def model_fn(features, mode, logits, labels, linear_optimizer, dnn_optimizer):
    linear_optimizer = get_optimizer_instance(linear_optimizer, 0.005)
    dnn_optimizer = get_optimizer_instance(dnn_optimizer, 0.01)

    def train_op_fn(loss):
        return tf.group(dnn_optimizer.minimize(loss), linear_optimizer.minimize(loss))

    loss = tf.compat.v1.losses.sigmoid_cross_entropy(labels, logits)
    loss = loss + tf.compat.v1.losses.get_regularization_loss()
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op_fn(loss))
"""
ESTIMATOR_FEATURES = """
import tensorflow as tf


def linear_logit(features, columns, l2_reg=0):
    logits = tf.compat.v1.feature_column.linear_model(features, columns)
    if l2_reg > 0:
        for var in tf.compat.v1.trainable_variables("linear"):
            tf.compat.v1.losses.add_loss(l2_reg * tf.nn.l2_loss(var), tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
    return logits


class Dense(tf.keras.layers.Layer):
    def __init__(self, units, l2_reg=0.0):
        super().__init__()
        self.units = units
        self.l2_reg = l2_reg

    def build(self, shape):
        self.kernel = self.add_weight(shape=(shape[-1], self.units), regularizer=tf.keras.regularizers.l2(self.l2_reg))
"""
ESTIMATORS = """
import tensorflow as tf

from .features import Dense, linear_logit
from .utils import model_fn


def WideEstimator(columns, l2_reg_linear=1e-5, dnn_optimizer='Adagrad'):
    def _model_fn(features, labels, mode, config):
        logits = linear_logit(features, columns, l2_reg=l2_reg_linear)
        return model_fn(features, mode, logits, labels, 'SGD', dnn_optimizer)

    return tf.estimator.Estimator(_model_fn)


def DeepEstimator(columns, l2_reg_dnn=1e-4, dnn_optimizer='RMSProp'):
    def _model_fn(features, labels, mode, config):
        logits = Dense(1, l2_reg=l2_reg_dnn)(features)
        return model_fn(features, mode, logits, labels, 'SGD', dnn_optimizer)

    return tf.estimator.Estimator(_model_fn)


def PlainEstimator(columns, l2_reg_dnn=0, dnn_optimizer='Adam'):
    def _model_fn(features, labels, mode, config):
        logits = linear_logit(features, columns, l2_reg=0) + Dense(1, l2_reg=l2_reg_dnn)(features)
        return model_fn(features, mode, logits, labels, 'SGD', dnn_optimizer)

    return tf.estimator.Estimator(_model_fn)


def SgdEstimator(columns, l2_reg_linear=1e-5, dnn_optimizer='SGD'):
    def _model_fn(features, labels, mode, config):
        logits = linear_logit(features, columns, l2_reg=l2_reg_linear)
        return model_fn(features, mode, logits, labels, 'SGD', dnn_optimizer)

    return tf.estimator.Estimator(_model_fn)
"""


def _estimator_project(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "proj"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "utils.py").write_text(ESTIMATOR_FN)
    (package / "features.py").write_text(ESTIMATOR_FEATURES)
    (package / "models.py").write_text(ESTIMATORS)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    return analyze_source(ESTIMATORS, path=str(package / "models.py"), project=index)


def test_an_adaptive_name_handed_to_a_model_fn_of_another_module_is_tied_to_the_l2_its_caller_builds(tmp_path):
    got = _estimator_project(tmp_path)
    # Wide: a regularization-loss term a feature helper adds; Deep: a layer's l2(self.l2_reg);
    # Plain (every L2 left at 0) and Sgd (SGD by name) are not reported
    assert [(f.line, f.code) for f in got] == [(11, "AWL202"), (19, "AWL201")]
    wide, deep = got
    assert wide.message.startswith("AWL202 get_optimizer_instance('Adagrad') (in model_fn, via ")
    assert "utils.py:8)" in wide.message and "features.py:9" in wide.message
    assert "get_optimizer_instance('RMSProp')" in deep.message and "features.py:20" in deep.message
    assert "the loss it minimizes there is not followed; those penalties are built in the same function" in deep.message


def test_the_name_alone_or_a_getter_given_a_literal_in_one_module():
    source = """
        import tensorflow as tf
        from tensorflow.python.estimator.canned.optimizers import get_optimizer_instance
        opt = get_optimizer_instance('Adam', 0.01)
        loss = tf.compat.v1.losses.mean_squared_error(y, p) + 1e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.compat.v1.trainable_variables()])
        train_op = opt.minimize(loss)
        sgd = get_optimizer_instance('SGD', 0.01)
        sgd_op = sgd.minimize(loss)
    """
    assert found(source) == [(4, "AWL202")]
    assert found(source.replace("'Adam'", "'adam'")) == []  # names are exact: 'adam' raises there


def test_a_model_class_of_another_module_built_from_a_layer_registry_in_a_third(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "proj"
    (package / "layers").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "layers" / "__init__.py").write_text(textwrap.dedent("""
        from .conv import ConvLayer, PlainLayer

        _LAYERS = {"convolutional": ConvLayer, "plain": PlainLayer}

        def layer_from(meta):
            return _LAYERS[meta.type](meta)
    """))
    (package / "layers" / "conv.py").write_text(textwrap.dedent("""
        import tensorflow as tf
        from tensorflow.keras.regularizers import L2

        class ConvLayer(tf.keras.Sequential):
            def __init__(self, meta):
                super().__init__()
                self.add(tf.keras.layers.Conv2D(meta.filters, 3, kernel_regularizer=L2(l2=0.005)))

        class PlainLayer(tf.keras.Sequential):
            def __init__(self, meta):
                super().__init__()
                self.add(tf.keras.layers.Conv2D(meta.filters, 3))
    """))
    (package / "model.py").write_text(textwrap.dedent("""
        from tensorflow.keras import Model
        from .layers import layer_from

        class Net(Model):
            def __init__(self, metas):
                super().__init__()
                self.blocks = [layer_from(meta) for meta in metas]
    """))
    source = textwrap.dedent("""
        from tensorflow.keras.optimizers import Adam, SGD
        from .model import Net

        class Detector:
            def make_model(self, metas):
                self._model = Net(metas)

            def compile(self, optimizer=None):
                if optimizer is None:
                    optimizer = Adam(1e-3)
                return self._model.compile(optimizer=optimizer, loss="mse")

            def compile_sgd(self):
                return self._model.compile(optimizer=SGD(0.1), loss="mse")
    """)
    (package / "detector.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "detector.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(11, "AWL201")]
    assert "(chosen when optimizer is None)" in got[0].message and "conv.py:8)" in got[0].message
    # the same model whose registry holds no L2 layer: proven free of L2, not reported
    (package / "layers" / "__init__.py").write_text((package / "layers" / "__init__.py").read_text()
                                                    .replace('"convolutional": ConvLayer', '"convolutional": PlainLayer'))
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    assert analyze_source(source, path=str(package / "detector.py"), project=index) == []


def test_a_builder_called_through_its_module_and_a_model_object_imported_from_another_module(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(textwrap.dedent("""
        from tensorflow import keras

        model = keras.Sequential([keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(0.01))])
        plain = keras.Sequential([keras.layers.Dense(3)])

        def build():
            return keras.Sequential([keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(0.01))])
    """))
    source = textwrap.dedent("""
        from tensorflow import keras
        import pkg.nets as nets
        from pkg.nets import model, plain

        def by_module():
            m = nets.build()
            m.compile(optimizer="adam", loss="mse")

        def by_object():
            model.compile(optimizer="adam", loss="mse")
            plain.compile(optimizer="adam", loss="mse")
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    """)
    (package / "train.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "train.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(8, "AWL201"), (11, "AWL201")]
    assert "nets.py:8)" in got[0].message and "nets.py:4)" in got[1].message


def test_a_comprehension_reads_the_binding_that_reaches_it_not_the_last_one():
    source = """
        import tensorflow as tf
        cf_op = tf.compat.v1.train.AdamOptimizer(0.01)
        other_op = tf.compat.v1.train.AdamOptimizer(0.01)
        cf_loss = tf.reduce_mean(err) + 0.1 * tf.nn.l2_loss(U)
        gvs = cf_op.compute_gradients(cf_loss)
        capped = [(tf.clip_by_value(g, -5.0, 5.0), v) for g, v in gvs]
        cf_update = cf_op.apply_gradients(capped)
        gvs = other_op.compute_gradients(tf.reduce_mean(err2) + 0.1 * tf.nn.l2_loss(W))
        capped = [(tf.clip_by_value(g, -5.0, 5.0), v) for g, v in gvs]
        other_update = other_op.apply_gradients(capped)
    """
    first, second = analyze_source(textwrap.dedent(source))
    assert (first.line, second.line) == (3, 4)
    assert "(l2_loss at line 5)" in first.message and "(l2_loss at line 9)" in second.message


def test_an_optimizer_handed_to_a_trainer_with_the_model_trains_that_model():
    source = """
        import tensorflow.compat.v1 as tf
        import tensorflow_gan as tfgan

        def generator(noise, weight_decay=2.5e-5):
            return tf.layers.dense(noise, 10, kernel_regularizer=tf.keras.regularizers.l2(l=weight_decay))

        def plain_generator(noise):
            return tf.layers.dense(noise, 10)

        def train(images, noise):
            gan_model = tfgan.gan_model(generator_fn=generator, real_data=images, generator_inputs=noise)
            gan_loss = tfgan.gan_loss(gan_model)
            return tfgan.gan_train_ops(gan_model, gan_loss, generator_optimizer=tf.train.AdamOptimizer(1e-3, 0.5))

        def train_plain(images, noise):
            gan_model = tfgan.gan_model(generator_fn=plain_generator, real_data=images, generator_inputs=noise)
            return tfgan.gan_train_ops(gan_model, tfgan.gan_loss(gan_model), generator_optimizer=tf.train.AdamOptimizer(1e-3))
    """
    got = analyze_source(textwrap.dedent(source))
    assert [(f.line, f.code) for f in got] == [(14, "AWL201")]  # tf.compat.v1's tf.keras is Keras
    assert found(source.replace("tf.train.AdamOptimizer(1e-3, 0.5)", "tf.train.GradientDescentOptimizer(1e-3)")) == []


def test_optimizers_handed_to_one_call_pair_with_the_arguments_of_their_prefix():
    source = """
        import tensorflow as tf
        from tf_agents.agents.sac import sac_agent

        class CriticNet(tf.keras.Model):
            def __init__(self, l2_weight=0.0):
                super().__init__()
                self.dense = tf.keras.layers.Dense(1, kernel_regularizer=tf.keras.regularizers.l2(l2_weight))

        agent = sac_agent.SacAgent(
            spec,
            critic_network=CriticNet(l2_weight=1e-3),
            actor_network=actor_net,
            actor_optimizer=tf.compat.v1.train.AdamOptimizer(0.001),
            critic_optimizer=tf.compat.v1.train.AdamOptimizer(0.001),
            alpha_optimizer=tf.compat.v1.train.AdamOptimizer(0.001),
        )
    """
    assert found(source) == [(15, "AWL201")]  # the critic's; the actor's network has none, alpha pairs with nothing
    assert found(source.replace("CriticNet(l2_weight=1e-3)", "CriticNet()")) == []  # left at its default of 0


def test_an_agent_built_with_the_optimizer_and_handed_on_is_not_an_optimizer():
    # the agent pairs Adam with its q-network; the learner it is handed to trains that, not the
    # dataset model beside it (before: AWL201 named the dataset model's regularizer too)
    source = """
        import tensorflow as tf
        from tf_agents.agents.dqn import dqn_agent
        from tf_agents.train import learner

        def q_network(l2=0.0):
            return tf.keras.Sequential([tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.l2(l2))])

        def embedder():
            return tf.keras.Sequential([tf.keras.layers.Dense(8, kernel_regularizer="l2")])

        def train(spec, root_dir):
            dataset_fn = lambda: embedder()(spec)
            agent = dqn_agent.DqnAgent(spec, q_network=q_network(), optimizer=tf.keras.optimizers.Adam(1e-3))
            return learner.Learner(root_dir, agent, dataset_fn)
    """
    assert found(source) == []
    assert found(source.replace("q_network()", "q_network(1e-4)")) == [(14, "AWL201")]
    # built with no model beside it (a constant, a loss, a flag): an optimizer wrapper, whose
    # models are what it is handed with
    for beside in ("tf.constant(2.0)", "tf.keras.losses.MeanSquaredError()", "dynamic=True"):
        wrapped = source.replace("dqn_agent.DqnAgent(spec, q_network=q_network(), optimizer=tf.keras.optimizers.Adam(1e-3))",
                                 f"Wrapper(tf.keras.optimizers.Adam(1e-3), {beside})")
        assert found(wrapped) == [(14, "AWL201")], beside
    # a trainer handed on under an optimizer keyword is an optimizer there
    assert found(source.replace("Learner(root_dir, agent,", "Learner(root_dir, optimizer=agent, model=")) == [(14, "AWL201")]


def test_a_network_class_re_exported_by_a_package_and_built_through_an_attribute(tmp_path):
    import pickle

    from adamw_lint.project_index import ProjectIndex

    package = tmp_path / "lib"
    (package / "networks").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "networks" / "__init__.py").write_text("from .ae import AENetwork, PlainNetwork\n")
    (package / "networks" / "ae.py").write_text(textwrap.dedent("""
        import tensorflow as tf

        class AENetwork:
            def build_network(self, shape):
                encoder = tf.keras.Sequential([tf.keras.layers.Dense(8)])
                decoder = tf.keras.Sequential([tf.keras.layers.Dense(8, kernel_regularizer="l2")])
                return encoder, decoder

        class PlainNetwork:
            def build_network(self, shape):
                return tf.keras.Sequential([tf.keras.layers.Dense(8)]), tf.keras.Sequential([tf.keras.layers.Dense(8)])
    """))
    source = textwrap.dedent("""
        import tensorflow as tf
        from lib.networks import AENetwork

        class Clusterer:
            def __init__(self, optimizer=None):
                self.optimizer = optimizer
                self._network = AENetwork()

            def build_model(self, shape):
                encoder, decoder = self._network.build_network(shape)
                inputs = tf.keras.Input(shape)
                model = tf.keras.models.Model(inputs=inputs, outputs=decoder(encoder(inputs)))
                self.optimizer_ = tf.keras.optimizers.Adam() if self.optimizer is None else self.optimizer
                model.compile(optimizer=self.optimizer_, loss="mse")
                return model
    """)
    (package / "clusterer.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(package / "clusterer.py"), project=index)
    assert [(f.line, f.code) for f in got] == [(14, "AWL201")]
    assert "ae.py:7)" in got[0].message
    plain = source.replace("AENetwork", "PlainNetwork")
    (package / "clusterer.py").write_text(plain)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    assert analyze_source(plain, path=str(package / "clusterer.py"), project=index) == []


def test_an_optimizer_taken_from_a_parameter_default():
    source = REG + """
def build():
    return tf.keras.Sequential([layers.Dense(10, kernel_regularizer=regularizers.l2(1e-4))])

def train(model, optimizer="adam"):
    model.compile(optimizer=optimizer, loss="mse")

def train_sgd(model, optimizer="sgd"):
    model.compile(optimizer=optimizer, loss="mse")

def train_obj(model, optimizer=tf.keras.optimizers.RMSprop(1e-3)):
    model.compile(optimizer=optimizer, loss="mse")

train(build())
train_sgd(build())
train_obj(build())
"""
    assert found(source) == [(8, "AWL201"), (13, "AWL201")]
    assert "compile(optimizer=optimizer) (may be 'adam')" in messages(source)[0]
    assert found(source.replace("regularizers.l2(1e-4)", "None")) == []


FALL_THROUGH = ("    if learner == 'sgd':\n        return tf.train.GradientDescentOptimizer(lr).minimize(loss)\n"
                "    return tf.train.AdamOptimizer(lr).minimize(loss)\n")


@pytest.mark.parametrize("signature, body, call, charged", [
    ("learner, loss, lr", FALL_THROUGH, "optimizer('sgd', loss, 1e-3)", False),  # what follows the if's return
    ("learner, loss, lr", FALL_THROUGH, "optimizer('adam', loss, 1e-3)", True),
    ("learner, loss, lr", FALL_THROUGH, "optimizer(kind, loss, 1e-3)", True),  # not known: not ruled out
    ("loss, lr, learner='sgd'", FALL_THROUGH, "optimizer(loss, 1e-3)", False),  # the default
    ("loss, lr, *, learner", FALL_THROUGH, "optimizer(loss, 1e-3, learner='sgd')", False),  # keyword-only
    ("learner, loss, lr", FALL_THROUGH.replace("== 'sgd'", "!= 'adam'"), "optimizer('sgd', loss, 1e-3)", False),
    ("learner, loss, lr", FALL_THROUGH.replace("== 'sgd'", "!= 'adam'"), "optimizer('adam', loss, 1e-3)", True),
    ("learner, loss, lr", "    if learner == 'sgd':\n        op = tf.train.GradientDescentOptimizer(lr).minimize(loss)\n"
     "    else:\n        op = tf.train.AdamOptimizer(lr).minimize(loss)\n    return op\n", "optimizer('sgd', loss, 1e-3)", False),
    ("learner, loss, lr", "    learner = learner.lower()\n" + FALL_THROUGH.replace("'sgd'", "'adam'").replace(
        "GradientDescentOptimizer", "X").replace("AdamOptimizer", "GradientDescentOptimizer").replace("X", "AdamOptimizer"),
     "optimizer('Adam', loss, 1e-3)", True),  # rebound: what it holds there is not what was passed
    ("loss, lr", "    with tf.control_dependencies([tf.train.AdamOptimizer(lr).minimize(loss)]):\n        return tf.no_op()\n",
     "optimizer(loss, 1e-3)", True),
    ("loss, lr", "    def inner():\n        return tf.train.AdamOptimizer(lr).minimize(loss)\n    return inner()\n",
     "optimizer(loss, 1e-3)", True),
])
def test_the_branch_a_training_function_of_another_module_takes(tmp_path, signature, body, call, charged):
    """Which branch of a helper of another module minimizes the loss it is handed: the call's own
    string, or the default it leaves, rules out the others."""
    import pickle

    from adamw_lint.project_index import ProjectIndex

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "learner.py").write_text(f"import tensorflow as tf\n\ndef optimizer({signature}):\n{body}")
    source = (f"import tensorflow as tf\nfrom pkg.learner import optimizer\nloss = xent + 1e-4 * tf.nn.l2_loss(w)\n"
              f"train_op = {call}\n")
    (tmp_path / "pkg" / "train.py").write_text(source)
    index = pickle.loads(pickle.dumps(ProjectIndex([str(tmp_path)])))
    got = analyze_source(source, path=str(tmp_path / "pkg" / "train.py"), project=index)
    assert [(f.line, f.code) for f in got] == ([(4, "AWL202")] if charged else []), [f.message for f in got]


# a dict handed to a parameter that a wrapper spreads into the optimizer ----------------------
SPREAD = """
import torch

def fit(model, opt_params):
    {inside}
    return torch.optim.{cls}(model.parameters(), **opt_params)

class Trainer:
    def __init__(self, opt_params):
        self.opt_params = opt_params

    def fit(self, model):
        return torch.optim.{cls}(model.parameters(), **self.opt_params)

{calls}
"""
CALLS = 'fit(net, {"lr": 3e-4, "weight_decay": 1e-4})\nkw = dict(lr=3e-4, weight_decay=1e-4)\nTrainer(kw).fit(net)\n'


def test_a_dict_the_caller_passes_for_a_spread_parameter_is_what_the_optimizer_gets():
    """``fit``'s own parameter; not what a factory keeps on ``self`` (any method of its family may
    change the dict: ``self.opt_params["weight_decay"] = 0.0``)."""
    source = SPREAD.format(inside="pass", cls="Adam", calls=CALLS)
    assert found(source) == [(15, "AWL101")]
    assert all("torch.optim.Adam(weight_decay=1e-4)" in m for m in messages(source))


@pytest.mark.parametrize("inside,cls,calls", [
    ("pass", "AdamW", CALLS),  # decoupled
    ("pass", "Adam", 'fit(net, {"lr": 3e-4})\nTrainer(dict(lr=3e-4)).fit(net)\n'),  # no decay
    ("pass", "Adam", "fit(net, cfg.optim)\nTrainer(load()).fit(net)\n"),  # what the dict holds is not known
    ('opt_params["weight_decay"] = 0.0', "Adam", 'fit(net, {"lr": 3e-4, "weight_decay": 1e-4})\n'),  # set inside
    ('opt_params = {**opt_params, "weight_decay": 0.0}', "Adam", 'fit(net, {"weight_decay": 1e-4})\n'),  # rebound
    ("opt_params.pop('weight_decay', None)", "Adam", 'fit(net, {"weight_decay": 1e-4})\n'),  # taken out
])
def test_a_spread_parameter_without_the_callers_coupled_decay_is_not_reported(inside, cls, calls):
    assert found(SPREAD.format(inside=inside, cls=cls, calls=calls)) == []


def test_a_call_that_may_take_two_coupled_branches_of_one_code_names_both():
    """stanza's dispatcher: Adagrad and Adadelta (both AWL103) under one finding that names them all."""
    source = DISPATCHER.split("a = dispatch")[0].replace(
        "    elif name == 'sgd':", "    elif name == 'adadelta':\n        return torch.optim.Adadelta(parameters, **extra)\n"
                                  "    elif name == 'sgd':") + "f = dispatch(args.name, params, weight_decay=1e-4)\n"
    findings = analyze_source(textwrap.dedent(source))
    assert [(f.line, f.code) for f in findings] == [(15, "AWL101"), (15, "AWL103")]
    assert findings[1].message.endswith("(via line 8 → torch.optim.RMSprop (chosen when name == 'rmsprop')); the same call "
                                        "may also build torch.optim.Adadelta (line 10, chosen when name == 'adadelta'), "
                                        "coupled too")
    taken = source.replace("f = dispatch(args.name,", "f = dispatch('rmsprop',")
    assert "may also build" not in analyze_source(textwrap.dedent(taken))[0].message  # the string rules Adadelta out

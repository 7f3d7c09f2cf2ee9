"""Issue 19: Keras/TF component configs — a JSON/YAML mapping that names an adaptive optimizer
beside a non-zero number under a key the project's code uses as an L2 coefficient (DeepPavlov's
component configs), run as a user runs the CLI in a git repository; with the negatives beside
them."""
import json
import textwrap

from helpers import git_repository, run_cli

MODEL = """
import tensorflow as tf
from tensorflow.keras.layers import Conv1D, Dense
from tensorflow.keras.regularizers import l2


class Classifier:
    def __init__(self, optimizer="Adam", **kwargs):
        self.opt = dict(kwargs, optimizer=optimizer)

    def cnn_model(self, filters, coef_reg_cnn=0.0, coef_reg_den=0.0):
        x = Conv1D(filters, 3, kernel_regularizer=l2(coef_reg_cnn))
        return Dense(1, kernel_regularizer=l2(coef_reg_den))(x)

    def compile(self, model, optimizer_name):
        model.compile(optimizer=getattr(tf.keras.optimizers, optimizer_name)(), loss="mse")


class Policy:
    def __init__(self, optimizer, l2_reg_coef=0.0):
        self.l2_reg_coef = l2_reg_coef

    def loss(self, main):
        return main + self.l2_reg_coef * tf.compat.v1.losses.get_regularization_loss()
"""


def component(**keys):
    return {"chainer": {"pipe": [{"class_name": "classifier", "in": ["x"], **keys}]}}


CONFIGS = {
    "coupled.json": component(optimizer="Adam", learning_rate=0.01, coef_reg_cnn=1e-4, coef_reg_den=1e-4),
    "tf1.json": component(optimizer="tensorflow.train:AdamOptimizer", l2_reg_coef=3e-4, dense_size=64),
    "zero.json": component(optimizer="Adam", learning_rate=0.01, coef_reg_cnn=0.0, coef_reg_den=0),
    "sgd.json": component(optimizer="SGD", learning_rate=0.01, coef_reg_cnn=1e-4),
    # Keras AdamW decays decoupled, and the l2() regularizers beside it are still coupled L2 (as in code)
    "adamw.json": component(optimizer="AdamW", learning_rate=0.01, coef_reg_cnn=1e-4),
    "other_key.json": component(optimizer="Adam", learning_rate=0.01, weight_decay=1e-4),  # no code reads it as L2
    "momentum.json": component(optimizer="tensorflow.train:MomentumOptimizer", l2_reg_coef=3e-4),
}


def _repository(tmp_path, model=MODEL):
    files = {f"configs/{name}": json.dumps(data, indent=2) + "\n" for name, data in CONFIGS.items()}
    files["configs/coupled.yaml"] = "chainer:\n  pipe:\n    - class_name: classifier\n      optimizer: Adam\n      coef_reg_den: 0.001\n"
    return git_repository(tmp_path, {"proj/model.py": textwrap.dedent(model), **files})


def test_an_adaptive_optimizer_beside_an_l2_coefficient_of_the_components_code_is_reported(tmp_path):
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path))
    assert result.returncode == 1, result.stderr
    found = sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines())
    assert found == [["configs/adamw.json:9:22:", "AWL201"], ["configs/coupled.json:9:22:", "AWL201"],
                     ["configs/coupled.yaml:4:18:", "AWL201"], ["configs/tf1.json:9:22:", "AWL202"]]
    assert '"coef_reg_cnn": 0.0001 is an L2 regularizer coefficient at proj/model.py:12' in result.stdout
    assert '"l2_reg_coef": 0.0003 is an L2 loss coefficient at proj/model.py:24' in result.stdout


def test_without_code_that_uses_the_key_as_l2_nothing_is_read_as_a_component(tmp_path):
    plain = "import tensorflow as tf\nmodel = tf.keras.Sequential()\n"
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path, model=plain))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_a_bare_keras_name_needs_code_that_builds_keras_optimizers_by_name(tmp_path):
    # the TF1 class path names its class itself; a bare "Adam" is a Keras name only for code that builds one so
    model = MODEL.replace("getattr(tf.keras.optimizers, optimizer_name)()", "tf.keras.optimizers.SGD(0.1)")
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path, model=model))
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["configs/tf1.json:9:22:", "AWL202"]]


def test_without_the_project_a_config_is_not_read_as_a_component():
    from adamw_lint import configs

    text = json.dumps(CONFIGS["coupled.json"], indent=2)
    assert configs.analyze("coupled.json", text, "rename") == []


def test_a_loss_api_named_by_a_string_in_pieces_is_still_read(tmp_path):
    """The module is read for ``c * <L2 loss>`` though its text never spells the API's name:
    ``getattr`` of a string in pieces resolves to it all the same."""
    model = MODEL.replace("tf.compat.v1.losses.get_regularization_loss()",
                          'getattr(tf.compat.v1.losses, "get_regularization" "_loss")()')
    assert "get_regularization_loss" not in model and "l2_loss" not in model
    result = run_cli("check", "-q", "configs/tf1.json", cwd=_repository(tmp_path, model=model))
    assert result.returncode == 1, result.stderr
    assert '"l2_reg_coef": 0.0003 is an L2 loss coefficient at proj/model.py:24' in result.stdout


def test_a_bare_keras_name_in_a_project_that_does_not_build_by_name_reads_no_coefficient(tmp_path, monkeypatch):
    """Whether a bare "Adam" names a Keras optimizer is settled first (only modules whose text holds
    ``getattr`` and names keras or tensorflow are parsed for it); then no module is read for L2 coefficients:
    that was most of a run over a large PyTorch project with many configs (pykeen: 0.48 → 0.33 s)."""
    from adamw_lint import component_config, configs
    from adamw_lint.project_index import ProjectIndex

    model = MODEL.replace("getattr(tf.keras.optimizers, optimizer_name)()", "tf.keras.optimizers.SGD(0.1)")
    read, scanned = [], []
    monkeypatch.setattr(ProjectIndex, "parsed", lambda self, path, original=ProjectIndex.parsed:
                        read.append(path) or original(self, path))
    monkeypatch.setattr(component_config, "_coefficients", lambda module, original=component_config._coefficients:
                        scanned.append(module.path) or original(module))
    for extra, parsed in (("", []), ("\nlayer = getattr(tf.keras.layers, 'Dense')\n", ["proj/model.py"])):
        root = _repository(tmp_path / str(len(extra)), model=model + extra)
        read.clear(), scanned.clear()
        project = ProjectIndex([str(root)])
        text = json.dumps(CONFIGS["coupled.json"], indent=2)
        assert configs.analyze(str(root / "configs/coupled.json"), text, "rename", project) == []
        # read only where getattr could build an optimizer by name; no coefficient looked for
        assert read == [str(root / p) for p in parsed] and scanned == [], read
        tf1 = json.dumps(CONFIGS["tf1.json"], indent=2)  # a class path names its class: coefficients are read
        [(finding, _)] = configs.analyze(str(root / "configs/tf1.json"), tf1, "rename", project)
        assert finding.code == "AWL202" and scanned == [str(root / "proj/model.py")]


def test_every_config_that_read_the_coefficients_is_rechecked_when_the_code_changes(tmp_path):
    """The coefficients are read once per run, for the first config that asks; every config that
    uses them depends on the modules read (``ProjectIndex.shared`` notes them for each), so an
    edit of the code reaches all of them through the cache."""
    root = _repository(tmp_path)
    first = run_cli("check", "-q", "configs/coupled.json", "configs/coupled.yaml", cwd=root)
    assert sorted(line.split(" ", 2)[1] for line in first.stdout.splitlines()) == ["AWL201", "AWL201"], first.stderr
    model = root / "proj/model.py"
    model.write_text(model.read_text().replace("kernel_regularizer=l2(coef_reg", "bias=(coef_reg"))
    second = run_cli("check", "-q", "configs/coupled.json", "configs/coupled.yaml", cwd=root)
    assert second.returncode == 0 and second.stdout == "", second.stdout + second.stderr


def test_a_project_that_builds_by_name_however_it_spells_getattr_is_found(tmp_path):
    """The by-name question reads every module whose text holds ``getattr`` and names keras or
    tensorflow: the module's name may come in pieces, and a space may stand before the bracket."""
    for spelled in ('getattr(getattr(tf.keras, "optim" "izers"), optimizer_name)()',
                    "getattr (tf.keras.optimizers, optimizer_name)()"):
        model = MODEL.replace("getattr(tf.keras.optimizers, optimizer_name)()", spelled)
        root = _repository(tmp_path / str(len(spelled)), model=model)
        result = run_cli("check", "-q", "configs/coupled.json", cwd=root)
        assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == \
            [["configs/coupled.json:9:22:", "AWL201"]], (spelled, result.stdout + result.stderr)


def test_a_module_that_starts_building_by_name_reaches_the_cached_config(tmp_path):
    """No module was read for coefficients (the project did not build by name), but the modules
    that would be are noted: the edit that makes the code build by name reaches the config."""
    model = MODEL.replace("getattr(tf.keras.optimizers, optimizer_name)()", "tf.keras.optimizers.SGD(0.1)")
    root = _repository(tmp_path, model=model)
    first = run_cli("check", "-q", "configs/coupled.json", cwd=root)
    assert first.returncode == 0 and first.stdout == "", first.stdout + first.stderr
    (root / "proj/model.py").write_text(textwrap.dedent(MODEL))
    second = run_cli("check", "-q", "configs/coupled.json", cwd=root)
    assert [line.split(" ", 2)[:2] for line in second.stdout.splitlines()] == [["configs/coupled.json:9:22:", "AWL201"]]


def test_a_module_added_later_reaches_the_cached_config(tmp_path):
    """The coefficients come from a scan of every module: one that appears after the config was
    cached (or goes away) is read on the next run."""
    root = _repository(tmp_path)
    model = root / "proj/model.py"
    model.rename(root / "model.py.txt")
    (root / "proj/util.py").write_text("import tensorflow as tf\n")
    first = run_cli("check", "-q", "configs/coupled.json", cwd=root)
    assert first.returncode == 0 and first.stdout == "", first.stdout + first.stderr
    (root / "model.py.txt").rename(model)
    second = run_cli("check", "-q", "configs/coupled.json", cwd=root)
    assert [line.split(" ", 2)[:2] for line in second.stdout.splitlines()] == [["configs/coupled.json:9:22:", "AWL201"]]
    model.unlink()
    third = run_cli("check", "-q", "configs/coupled.json", cwd=root)
    assert third.returncode == 0 and third.stdout == "", third.stdout + third.stderr

"""A script's absolute imports find the modules beside it first, as Python puts a script's folder
first on ``sys.path``: ``examples/demo/train.py`` with ``from model import build_model`` reads
``examples/demo/model.py`` when the repository is checked from its root. Run as a user runs the
CLI in a git repository, with the negatives beside it."""
import os

from helpers import make_repo, run_cli

BUILDER = """
from tensorflow.keras import Sequential, layers, regularizers
from blocks import dense


def build_model(l2_reg={}):
    return Sequential([layers.Dense(64, kernel_regularizer=regularizers.l2(l2_reg)), dense()])
"""
BLOCKS = """
from tensorflow.keras import layers, regularizers


def dense():
    return layers.Dense(10, kernel_regularizer=regularizers.l2({}))
"""
TRAIN = """
import tensorflow as tf
{}
import model as models

net = build_model()
net.compile(tf.keras.optimizers.Adam(1e-3), "mse")
other = models.build_model()
other.compile(tf.keras.optimizers.Adam(1e-3), "mse")
"""


def _check(repository, *paths):
    result = run_cli("check", "-q", *paths, cwd=repository)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    return [line.split(" trains ")[0] + " " + line.split("regularizers (")[1].split(")")[0]
            for line in result.stdout.splitlines()]


def test_a_script_in_a_subfolder_reads_the_builder_and_its_blocks_beside_it(tmp_path):
    repository = make_repo(tmp_path, {
        "examples/demo/train.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py": BUILDER.format("1e-4"),
        "examples/demo/blocks.py": BLOCKS.format("1e-5"),
        # a module of the same name at the top: the script finds its neighbour first
        "model.py": BUILDER.format("0.0"), "blocks.py": BLOCKS.format("0.0"),
        "top.py": TRAIN.format("from model import build_model"),
    })
    expected = [f"examples/demo/train.py:{line}:{column}: AWL201 tensorflow.keras.optimizers.Adam "
                "examples/demo/blocks.py:6; examples/demo/model.py:7" for line, column in ((7, 13), (9, 15))]
    assert _check(repository, "--no-cache", ".") == expected  # top.py builds without L2
    assert _check(repository, "--no-cache", "examples/demo/train.py") == expected  # as pre-commit runs it


def test_a_module_of_a_package_finds_its_imports_beside_its_top_package(tmp_path):
    """In a package (``__init__.py``), ``from model import …`` is not its neighbour but a module
    beside the top package, in the folder that must be on ``sys.path`` for the package to be
    imported (``research/`` for ``from pkg.model import …`` in ``research/pkg/deep/x.py``, as in
    tensorflow/models); at a base, as before."""
    repository = make_repo(tmp_path, {
        "research/pkg/__init__.py": "", "research/pkg/deep/__init__.py": "",
        "research/pkg/train.py": TRAIN.format("from model import build_model"),
        "research/pkg/deep/x.py": TRAIN.format("from pkg.model import build_model").replace("import model as", "import pkg.model as"),
        "research/pkg/model.py": BUILDER.format("1e-4"), "research/pkg/blocks.py": BLOCKS.format("1e-5"),
        "research/model.py": BUILDER.format("1e-3"), "research/blocks.py": BLOCKS.format("0.0"),
        "top/__init__.py": "", "top/train.py": TRAIN.format("from model import build_model"),
        "model.py": BUILDER.format("0.0"), "blocks.py": BLOCKS.format("0.0"),
    })
    assert _check(repository, "--no-cache", ".") == [
        "research/pkg/deep/x.py:7:13: AWL201 tensorflow.keras.optimizers.Adam research/pkg/model.py:7",
        "research/pkg/deep/x.py:9:15: AWL201 tensorflow.keras.optimizers.Adam research/pkg/model.py:7",
        "research/pkg/train.py:7:13: AWL201 tensorflow.keras.optimizers.Adam research/model.py:7",
        "research/pkg/train.py:9:15: AWL201 tensorflow.keras.optimizers.Adam research/model.py:7",
    ]


def test_the_cache_notices_a_neighbour_or_an_init_added_beside_a_script(tmp_path):
    repository = make_repo(tmp_path, {
        "examples/demo/train.py": TRAIN.format("from model import build_model"),
        "model.py": BUILDER.format("0.0"), "blocks.py": BLOCKS.format("0.0"),
    })
    assert _check(repository, ".") == []
    (repository / "examples" / "demo" / "model.py").write_text(BUILDER.format("1e-4"))
    (repository / "examples" / "demo" / "blocks.py").write_text(BLOCKS.format("0.0"))
    assert [f.split(" ", 1)[0] for f in _check(repository, ".")] == ["examples/demo/train.py:7:13:",
                                                                     "examples/demo/train.py:9:15:"]
    (repository / "examples" / "demo" / "__init__.py").write_text("")
    assert _check(repository, ".") == []
    os.remove(repository / "examples" / "demo" / "__init__.py")
    (repository / "examples" / "demo" / "blocks.py").write_text(BLOCKS.format("1e-5"))
    assert _check(repository, ".")[0].endswith("examples/demo/blocks.py:6; examples/demo/model.py:7")


def test_the_cache_notices_a_neighbour_of_a_module_another_script_read_first(tmp_path):
    """Two scripts read one neighbour (parsed once per process): both note what its imports
    found beside it, so a module added there reaches both on the next run."""
    repository = make_repo(tmp_path, {
        "examples/demo/a.py": TRAIN.format("from model import build_model"),
        "examples/demo/b.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py": BUILDER.format("0.0"), "blocks.py": BLOCKS.format("0.0"),
    })
    assert _check(repository, "-j", "1", ".") == []
    (repository / "examples" / "demo" / "blocks.py").write_text(BLOCKS.format("1e-5"))
    found = _check(repository, "-j", "1", ".")
    assert [f.split(" ", 1)[0] for f in found] == ["examples/demo/a.py:7:13:", "examples/demo/a.py:9:15:",
                                                   "examples/demo/b.py:7:13:", "examples/demo/b.py:9:15:"]
    assert all(f.endswith(" examples/demo/blocks.py:6") for f in found)


def test_a_runs_second_pass_reads_a_scripts_imports_as_the_resolver_does(tmp_path):
    """The second pass admits a file by the project modules it imports: found beside the script
    as the resolver finds them (``scope.found_first``)."""
    from adamw_lint.project_index import ProjectIndex
    from adamw_lint.runner import _imported_modules

    make_repo(tmp_path, {"examples/demo/model.py": "", "examples/demo/blocks/__init__.py": "", "model.py": ""})
    index = ProjectIndex([str(tmp_path)])
    raw = b"from model import build\nimport blocks.dense, torch\nfrom .x import y\nfrom torch import nn\n"
    script = str(tmp_path / "examples" / "demo" / "train.py")
    assert list(_imported_modules(raw, "examples.demo", index.beside(script))) == [
        "examples.demo.model", "examples.demo.model.build", "examples.demo.blocks.dense", "torch",
        "examples.demo.x", "examples.demo.x.y", "torch", "torch.nn"]
    assert index.beside(str(tmp_path / "train.py")) is None  # at a base: found there already


def test_folders_that_are_no_module_names_are_followed_from_above(tmp_path):
    """``check .`` above ``examples/my-demo/train.py`` or ``deepctr-master/deepctr/…``: no import
    can spell those folders, but what is beside a script and a package's relative and absolute
    imports of itself are found from them, as ``check FILE`` finds them. A script of another
    folder does not find them (``other-tool/train.py``'s ``from model import …``)."""
    package = TRAIN.format("from pkg.model import build_model").replace("import model as", "import pkg.model as")
    repository = make_repo(tmp_path, {
        "examples/my-demo/train.py": TRAIN.format("from model import build_model"),
        "examples/my-demo/model.py": BUILDER.format("1e-4"), "examples/my-demo/blocks.py": BLOCKS.format("0.0"),
        "tools-x/pkg/__init__.py": "", "tools-x/pkg/model.py": BUILDER.format("0.0"),
        "tools-x/pkg/blocks.py": BLOCKS.format("0.0"), "tools-x/blocks.py": BLOCKS.format("1e-5"),
        "tools-x/pkg/train.py": package,
        "tools-x/pkg/relative.py": TRAIN.format("from .model import build_model").replace("import model as", "from . import model as"),
        "other-tool/train.py": TRAIN.format("from model import build_model"),
        "v1.0/train.py": TRAIN.format("from model import build_model"), "v1.0/model.py": BUILDER.format("1e-4"),
    })
    expected = [
        "examples/my-demo/train.py:7:13: AWL201 tensorflow.keras.optimizers.Adam examples/my-demo/model.py:7",
        "examples/my-demo/train.py:9:15: AWL201 tensorflow.keras.optimizers.Adam examples/my-demo/model.py:7",
        "tools-x/pkg/relative.py:7:13: AWL201 tensorflow.keras.optimizers.Adam tools-x/blocks.py:6",
        "tools-x/pkg/relative.py:9:15: AWL201 tensorflow.keras.optimizers.Adam tools-x/blocks.py:6",
        "tools-x/pkg/train.py:7:13: AWL201 tensorflow.keras.optimizers.Adam tools-x/blocks.py:6",
        "tools-x/pkg/train.py:9:15: AWL201 tensorflow.keras.optimizers.Adam tools-x/blocks.py:6",
    ]  # v1.0/: a folder whose name holds a dot is not followed from above (its own check is)
    assert _check(repository, "--no-cache", ".") == expected
    for script in ("examples/my-demo/train.py", "tools-x/pkg/relative.py", "tools-x/pkg/train.py"):
        assert _check(repository, "--no-cache", script) == [e for e in expected if e.startswith(script)]
    assert _check(repository, "--no-cache", "v1.0/train.py")[0].endswith(" v1.0/model.py:7")


def test_a_folder_is_a_package_by_its_own_init_alone(tmp_path):
    """A module named like the script's folder (``examples/demo.py``) or a package of that name
    under another base (``src/examples/``) does not make ``examples/demo/`` a package: its
    scripts still find their neighbours, not ``examples/model.py``."""
    repository = make_repo(tmp_path, {
        "examples/demo/train.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py": BUILDER.format("0.0"), "examples/demo/blocks.py": BLOCKS.format("0.0"),
        "examples/demo.py": "", "src/examples/__init__.py": "", "src/examples/demo/__init__.py": "",
        "examples/model.py": BUILDER.format("1e-4"), "examples/blocks.py": BLOCKS.format("1e-5"),
    })
    assert _check(repository, "--no-cache", ".") == []
    assert _check(repository, "--no-cache", "examples") == []
    assert _check(repository, "--no-cache", "examples/demo/train.py") == []


def test_a_framework_named_folder_or_module_beside_a_script_is_not_the_framework(tmp_path):
    """Per-framework example folders (``examples/torch/``, ``examples/keras.py``): ``import torch``
    is still torch, as ``check FILE`` reads it."""
    torch_script = "import torch\nopt = torch.optim.Adam(params, weight_decay=1e-4)\n"
    keras_script = TRAIN.format("from model import build_model")  # beside tensorflow.py
    repository = make_repo(tmp_path, {
        "examples/train.py": torch_script, "examples/torch/__init__.py": "", "examples/tensorflow.py": "",
        "examples/keras.py": "", "examples/keras_train.py": keras_script,
        "examples/model.py": BUILDER.format("1e-4"), "examples/blocks.py": BLOCKS.format("0.0"),
    })
    result = run_cli("check", "-q", "--no-cache", ".", cwd=repository)
    assert result.stderr == "" and [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [
        ["examples/keras_train.py:7:13:", "AWL201"], ["examples/keras_train.py:9:15:", "AWL201"],
        ["examples/train.py:2:7:", "AWL101"]]
    alone = run_cli("check", "-q", "--no-cache", "examples/train.py", "examples/keras_train.py", cwd=repository)
    assert sorted(alone.stdout.splitlines()) == sorted(result.stdout.splitlines())


def test_a_script_whose_name_is_no_module_name_finds_its_neighbours(tmp_path):
    repository = make_repo(tmp_path, {
        "examples/demo/train-big.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py": BUILDER.format("0.0"), "examples/demo/blocks.py": BLOCKS.format("0.0"),
        "model.py": BUILDER.format("1e-4"), "blocks.py": BLOCKS.format("1e-5"),
    })
    assert _check(repository, "--no-cache", ".") == _check(repository, "--no-cache", "examples/demo/train-big.py") == []


def test_a_folder_named_like_a_module_is_not_one(tmp_path):
    """``examples/demo/model.py/`` is a folder, which Python does not import as ``model``."""
    repository = make_repo(tmp_path, {
        "examples/demo/train.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py/__init__.py": "", "model.py": BUILDER.format("1e-4"), "blocks.py": BLOCKS.format("0.0"),
    })
    assert [f.split(" ", 1)[0] for f in _check(repository, "--no-cache", ".")] == \
        [f.split(" ", 1)[0] for f in _check(repository, "--no-cache", "examples/demo/train.py")] == \
        ["examples/demo/train.py:7:13:", "examples/demo/train.py:9:15:"]


def test_a_pre_commit_run_naming_several_files_reads_each_as_check_dot_does(tmp_path):
    """pre-commit names the changed files: ``examples/demo/train.py`` beside ``train.py`` at the
    top made ``examples/demo`` a base for both, and ``train.py``'s ``from model import …`` (no
    such module at the top: it fails at run time) read the example's builder."""
    repository = make_repo(tmp_path, {
        "examples/demo/train.py": TRAIN.format("from model import build_model"),
        "examples/demo/model.py": BUILDER.format("1e-4"), "examples/demo/blocks.py": BLOCKS.format("0.0"),
        "train.py": TRAIN.format("from model import build_model"),
    })
    everything = _check(repository, "--no-cache", ".")
    assert [f.split(" ", 1)[0] for f in everything] == ["examples/demo/train.py:7:13:", "examples/demo/train.py:9:15:"]
    for named in (("examples/demo/train.py", "train.py"), ("train.py", "examples/demo/train.py")):
        assert sorted(_check(repository, "--no-cache", *named)) == everything


def test_a_file_named_alone_in_a_repository_that_is_a_package_or_under_a_hidden_folder(tmp_path):
    """A repository that is a package is named from its parent, by ``check .`` and for a file
    named alone; a file below a hidden folder (``.github/scripts/``) named alone keeps its own
    folder as a base, as no module name can hold the dot."""
    repository = tmp_path / "mypkg"
    make_repo(repository, {
        "__init__.py": "", "model.py": BUILDER.format("1e-4"), "blocks.py": BLOCKS.format("0.0"),
        "sub/__init__.py": "", "sub/t2.py": TRAIN.format("from mypkg.model import build_model").replace(
            "import model as models", "import mypkg.model as models"),
        ".github/scripts/model.py": BUILDER.format("1e-4"), ".github/scripts/blocks.py": BLOCKS.format("0.0"),
        ".github/scripts/z.py": TRAIN.format("from model import build_model"),
    })
    everything = _check(repository, "--no-cache", ".")
    assert [f.split(" ", 1)[0] for f in everything] == [".github/scripts/z.py:7:13:", ".github/scripts/z.py:9:15:",
                                                        "sub/t2.py:7:13:", "sub/t2.py:9:15:"]
    assert _check(repository, "--no-cache", "sub/t2.py") == everything[2:]
    # named alone, the script reads its neighbour; check . cannot name the folder, and reads the top's
    assert [f.rsplit(" ", 1)[1] for f in _check(repository, "--no-cache", ".github/scripts/z.py")] == [
        ".github/scripts/model.py:7", ".github/scripts/model.py:7"]

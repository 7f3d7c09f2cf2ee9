"""Issue 19: a config value that chooses the optimizer class by name, built by the project's code
(``getattr(torch.optim, cfg.X)``, a registry dict indexed by a config key), run as a user runs the
CLI in a git repository."""
import os
import subprocess
import sys
import textwrap

import pytest

from helpers import git_repository, run_cli

CODE = """
import torch

def build(cfg, model):
    return getattr(torch.optim, cfg.SOLVER.OPTIMIZER)(model.parameters(), lr=cfg.SOLVER.LR,
                                                      weight_decay=cfg.SOLVER.WEIGHT_DECAY)

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}

def build2(cfg, params):
    return OPTIMIZERS[cfg.optim.name.lower()](params, **cfg.optim.args)
"""

CONFIGS = {
    "a.yaml": "SOLVER:\n  OPTIMIZER: Adam\n  LR: 0.001\n  WEIGHT_DECAY: 0.0001\n",  # coupled
    "b.yaml": "SOLVER:\n  OPTIMIZER: SGD\n  WEIGHT_DECAY: 0.0001\n",  # not adaptive
    "c.yaml": "optim:\n  name: Adam\n  args:\n    lr: 0.001\n    weight_decay: 0.0005\n",  # coupled, via a table
    "d.yaml": "optim:\n  name: AdamW\n  args:\n    weight_decay: 0.05\n",  # decoupled
    "e.yaml": "SOLVER:\n  OPTIMIZER: Adam\n  WEIGHT_DECAY: 0.0\n",  # no decay
    "f.yaml": "model:\n  optimizer: Adam\n  weight_decay: 0.0001\n",  # keys no code reads
    "g.yaml": "optim:\n  name: RMSprop\n  args:\n    weight_decay: 0.0005\n",  # not in the code's table
    "h.yml": "SOLVER:\n  OPTIMIZER: Adagrad\n  WEIGHT_DECAY: 1.0e-4\n",  # no decoupled form
}


def _repository(tmp_path, code=CODE):
    files = {f"configs/{name}": text for name, text in CONFIGS.items()}
    return git_repository(tmp_path, {"proj/train.py": textwrap.dedent(code), **files})


def test_the_config_line_that_names_an_adaptive_class_with_a_decay_is_reported(tmp_path):
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines())
    assert lines == [["configs/a.yaml:2:14:", "AWL101"], ["configs/c.yaml:2:9:", "AWL101"],
                     ["configs/h.yml:2:14:", "AWL103"]]
    assert "via proj/train.py:5 → getattr(torch.optim, cfg.SOLVER.OPTIMIZER)" in result.stdout
    assert "via proj/train.py:11 → OPTIMIZERS[cfg.optim.name.lower()]" in result.stdout


def test_without_code_that_builds_by_name_no_yaml_is_read_as_choosing_a_class(tmp_path):
    repository = _repository(tmp_path, code="import torch\nopt = torch.optim.SGD(params, lr=0.1)\n")
    result = run_cli("check", "-q", ".", cwd=repository)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_a_config_named_alone_still_finds_the_code_in_its_repository(tmp_path):
    repository = _repository(tmp_path)
    result = run_cli("check", "-q", "configs/a.yaml", "configs/b.yaml", cwd=repository)
    assert result.returncode == 1 and result.stdout.count("AWL101") == 1, result.stdout + result.stderr


def test_the_fix_is_left_to_the_user_and_says_where_the_class_is_chosen(tmp_path):
    repository = _repository(tmp_path)
    result = run_cli("fix", "--diff", "configs/a.yaml", cwd=repository)
    assert result.stdout == ""  # no diff
    assert "chosen by name in proj/train.py:5" in result.stdout + result.stderr


def test_a_python_config_module_names_the_class_the_same_way(tmp_path):
    repository = _repository(tmp_path)
    (repository / "proj" / "defaults.py").write_text(
        '_C.SOLVER.OPTIMIZER = "Adam"\n_C.SOLVER.LR = 0.001\n_C.SOLVER.WEIGHT_DECAY = 1e-4\n')
    (repository / "proj" / "defaults_sgd.py").write_text('_C.SOLVER.OPTIMIZER = "SGD"\n_C.SOLVER.WEIGHT_DECAY = 1e-4\n')
    (repository / "proj" / "defaults_zero.py").write_text('_C.SOLVER.OPTIMIZER = "Adam"\n_C.SOLVER.WEIGHT_DECAY = 0\n')
    (repository / "proj" / "unrelated.py").write_text('OPTIMIZER = "Adam"\nWEIGHT_DECAY = 1e-4\n')  # no code reads it
    result = run_cli("check", "-q", "proj", cwd=repository)
    assert result.returncode == 1, result.stderr
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["proj/defaults.py:1:23:", "AWL101"]]
    assert "via proj/train.py:5 → getattr(torch.optim, cfg.SOLVER.OPTIMIZER)" in result.stdout
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "AWL", "proj/defaults.py"], cwd=repository,
                            capture_output=True, text=True)
    assert flake8.stdout == ""  # one file at a time: the code that builds it is not seen


ALIASED = """
from torch import optim as solvers

def build(cfg, model):
    return getattr(solvers, cfg.SOLVER.OPTIMIZER)(model.parameters(), lr=cfg.SOLVER.LR,
                                                  weight_decay=cfg.SOLVER.WEIGHT_DECAY)
"""


def test_a_builder_that_names_no_optimizer_class_is_read_when_it_names_an_optimizer_module(tmp_path):
    """A module is read for ``getattr(<optimizer module>, name)`` when its text has the module's
    last name as a word (here ``optim``, imported under an alias), though it names no class."""
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path, code=ALIASED))
    assert result.returncode == 1, result.stderr
    lines = sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines())
    assert lines == [["configs/a.yaml:2:14:", "AWL101"], ["configs/h.yml:2:14:", "AWL103"]]
    assert "via proj/train.py:5 → getattr(solvers, cfg.SOLVER.OPTIMIZER)" in result.stdout


def test_getattr_of_a_module_that_holds_no_optimizer_chooses_nothing(tmp_path):
    code = ALIASED.replace("from torch import optim as solvers", "from proj import solvers")
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path, code=code))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_an_optimizer_module_named_by_a_string_in_pieces_is_still_read(tmp_path):
    """``getattr(torch, "op" "tim")`` names torch.optim though the module's text never spells it."""
    code = ALIASED.replace("from torch import optim as solvers", 'import torch\nsolvers = getattr(torch, "op" "tim")')
    assert "optim" not in code.replace("OPTIMIZER", "")
    result = run_cli("check", "-q", ".", cwd=_repository(tmp_path, code=code))
    assert result.returncode == 1, result.stderr
    lines = sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines())
    assert lines == [["configs/a.yaml:2:14:", "AWL101"], ["configs/h.yml:2:14:", "AWL103"]]


def test_only_the_modules_that_spell_a_configs_key_are_parsed_for_it(tmp_path):
    """A construction's key is written in its own module, so a module that names optimizers but
    never the config's key (a constants module, a registry) is not parsed to look for one."""
    from adamw_lint import config_choice
    from adamw_lint.project_index import ProjectIndex

    repository = _repository(tmp_path)
    (repository / "proj" / "tags.py").write_text(
        'import torch\nDEFAULT = torch.optim.Adam\nADAM = "adam"\nRMSPROP = "rmsprop"\n')
    (repository / "proj" / "zoo.py").write_text("import torch\nKINDS = {'adam': torch.optim.Adam}\n")
    project = ProjectIndex([str(repository)])
    parsed = []
    read = project.parsed
    project.parsed = lambda path: parsed.append(os.path.basename(path)) or read(path)

    assert config_choice.project_selectors(project, {"ADAM", "LAZY_ADAM", "RMSPROP"}) == []
    assert parsed == ["tags.py"]  # the only module with one of the words, and it builds nothing
    found = config_choice.project_selectors(project, {"OPTIMIZER"})
    assert [(s.line, s.key) for s in found] == [(5, ("SOLVER", "OPTIMIZER"))]
    assert parsed == ["tags.py", "train.py"]
    found = config_choice.project_selectors(project, {"name", "OPTIMIZER"})  # train.py: parsed once
    assert [(s.line, s.key) for s in found] == [(5, ("SOLVER", "OPTIMIZER")), (11, ("optim", "name"))]
    assert parsed == ["tags.py", "train.py"]
    assert config_choice.project_selectors(project, {"é"}) == []  # no ASCII word to look for: every module parsed
    assert sorted(parsed) == ["tags.py", "train.py", "zoo.py"]


def test_a_key_that_is_not_one_word_is_looked_for_by_its_words(tmp_path):
    code = ('import torch\n\ndef build(cfg, params):\n'
            '    return getattr(torch.optim, cfg["optim-name"])(params, weight_decay=cfg["optim-decay"])\n')
    repository = git_repository(tmp_path, {"train.py": code, "a.yaml": "optim-name: Adam\noptim-decay: 0.01\n",
                                           "b.yaml": "optim-kind: Adam\noptim-decay: 0.01\n"})
    result = run_cli("check", "-q", ".", cwd=repository)
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["a.yaml:1:13:", "AWL101"]], \
        result.stdout + result.stderr


def test_a_cached_config_is_checked_again_when_a_module_it_did_not_parse_gains_its_key(tmp_path):
    """The module was not parsed for the config (it did not spell the key), but the config's
    result depends on its text: the cache must not keep the old answer once it does."""
    repository = git_repository(tmp_path, {
        "zoo.py": "import torch\nKINDS = {'adam': torch.optim.Adam}\n",
        "a.yaml": "optim:\n  name: adam\n  weight_decay: 0.01\n"})
    first = run_cli("check", "-q", "-j", "1", ".", cwd=repository)
    assert first.returncode == 0 and first.stdout == "", first.stdout + first.stderr
    (repository / "zoo.py").write_text(
        "import torch\nKINDS = {'adam': torch.optim.Adam}\n\ndef build(cfg, params):\n"
        "    return KINDS[cfg.optim.name](params, weight_decay=cfg.optim.weight_decay)\n")
    again = run_cli("check", "-q", "-j", "1", ".", cwd=repository)
    assert sorted(line.split(" ", 2)[:2] for line in again.stdout.splitlines()) == [
        ["a.yaml:2:9:", "AWL101"], ["zoo.py:5:12:", "AWL101"]], again.stdout + again.stderr


def test_a_key_is_looked_for_as_python_reads_the_module(tmp_path):
    """Python reads names NFKC-normalized (``cfg.optim.ｎame`` reads ``name``) and a module in the
    encoding it declares (UTF-7 spells ``"name"`` ``"n+AGE-me"``): the words looked for are those."""
    from adamw_lint import config_choice
    from adamw_lint.project_index import ProjectIndex

    build = "def build(cfg, params):\n    return getattr(torch.optim, {})(params, weight_decay=cfg.decay)\n"
    (tmp_path / "wide.py").write_text("import torch\n\n" + build.format("cfg.optim.ｎame"), encoding="utf-8")
    (tmp_path / "seven.py").write_bytes(b"# coding: utf-7\nimport torch\n\n"
                                        + build.format('cfg["n+AGE-me"]').encode("ascii"))
    found = config_choice.project_selectors(ProjectIndex([str(tmp_path)]), {"name"})
    assert sorted((os.path.basename(s.path), s.key) for s in found) == [("seven.py", ("name",)),
                                                                         ("wide.py", ("optim", "name"))]


# ESPnet's shape (espnet2/tasks/abs_task.py): a registry dict extended in ``try`` blocks, rebound
# with its keys lower-cased, looked up into a name that is then called with the config's mapping
ESPNET = """
import argparse
import torch

optim_classes = dict(
    adam=torch.optim.Adam,
    adamw=torch.optim.AdamW,
    adagrad=torch.optim.Adagrad,
    sgd=torch.optim.SGD,
)
try:
    import torch_optimizer

    optim_classes.update(radam=torch_optimizer.RAdam)
except ImportError:
    pass
optim_classes = {k.lower(): v for k, v in optim_classes.items()}


class AbsTask:
    @classmethod
    def build_optimizers(cls, args: argparse.Namespace, model):
        optim_class = optim_classes.get(args.optim)
        if optim_class is None:
            raise ValueError(f"must be one of {list(optim_classes)}: {args.optim}")
        return [optim_class(model.parameters(), **args.optim_conf)]

    @classmethod
    def print_config(cls, name):
        def get_class_type(name, classes):  # only reads the registry it is handed
            found = classes.get(name)
            if found is None:
                raise ValueError(f"must be one of {list(classes)}: {name}")
            return found

        return get_class_type(name, optim_classes)
"""

# a GAN task of the same toolkit: the registry imported, a second optimizer from optim2/optim2_conf
GAN = """
from tasks.abs_task import AbsTask, optim_classes


class GANTask(AbsTask):
    @classmethod
    def build_optimizers(cls, args, model):
        optim_g_class = optim_classes.get(args.optim)
        optim_g = optim_g_class(model.generator.parameters(), **args.optim_conf)
        optim_d_class = optim_classes.get(args.optim2)  # Adam by default
        optim_d = optim_d_class(model.discriminator.parameters(), **args.optim2_conf)
        return [optim_g, optim_d]
"""

ESPNET_CONFIGS = {
    "conf/asr.yaml": "encoder: conformer\noptim: adam\noptim_conf:\n    lr: 0.002\n    weight_decay: 0.000001\n",
    "conf/adagrad.yaml": "optim: adagrad\noptim_conf:\n    weight_decay: 0.0001\n",
    "conf/adamw.yaml": "optim: adamw\noptim_conf:\n    lr: 0.002\n    weight_decay: 0.01\n",
    "conf/no_decay.yaml": "optim: adam\noptim_conf:\n    lr: 0.002\n    weight_decay: 0.0\n",
    "conf/upper.yaml": "optim: Adam\noptim_conf:\n    weight_decay: 0.01\n",  # not a key of the lower-cased table
    "conf/radam.yaml": "optim: radam\noptim_conf:\n    weight_decay: 0.01\n",  # set in a try block: not known
    "conf/gan.yaml": ("optim: adam\noptim_conf:\n    lr: 2.0e-4\n    weight_decay: 0.0\n"
                      "optim2: adam\noptim2_conf:\n    lr: 2.0e-4\n    weight_decay: 0.01\n"),
}


def _espnet(tmp_path, code=ESPNET, gan=GAN):
    return git_repository(tmp_path, {"tasks/__init__.py": "", "tasks/abs_task.py": textwrap.dedent(code),
                                     "tasks/gan.py": textwrap.dedent(gan), **ESPNET_CONFIGS})


def test_a_class_looked_up_into_a_name_then_called_is_chosen_by_the_config(tmp_path):
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines())
    assert lines == [["conf/adagrad.yaml:1:8:", "AWL103"], ["conf/asr.yaml:2:8:", "AWL101"],
                     ["conf/gan.yaml:5:9:", "AWL101"]], result.stdout
    assert "weight_decay=1e-06" in result.stdout
    assert "via tasks/abs_task.py:26 → optim_classes.get(args.optim)" in result.stdout
    assert "via tasks/gan.py:11 → optim_classes.get(args.optim2)" in result.stdout


def test_a_registry_key_set_again_may_hold_another_class_and_is_not_read(tmp_path):
    """``optim_classes.update(adam=apex.optimizers.FusedAdam)`` (decoupled by default) or an item
    stored again: "adam" may name either class. A dict changed in ways not followed (an update
    from another mapping) is not read at all."""
    code = ESPNET.replace("optim_classes.update(radam=torch_optimizer.RAdam)",
                          "optim_classes.update(adam=torch_optimizer.AdamP)")
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path, code=code, gan="x = 1\n"))
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["conf/adagrad.yaml:1:8:", "AWL103"]]
    code = ESPNET.replace("optim_classes.update(radam=torch_optimizer.RAdam)",
                          "optim_classes.update(torch_optimizer.REGISTRY)")
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path / "b", code=code, gan="x = 1\n"))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_a_name_another_binding_may_reach_is_not_the_configs_choice(tmp_path):
    """``if args.decoupled: optim_class = torch.optim.AdamW``: which class the call builds is
    not the config's name alone; nor is it through a fold that is not a plain copy."""
    code = ESPNET.replace("        if optim_class is None:\n",
                          "        if args.decoupled:\n            optim_class = torch.optim.AdamW\n"
                          "        if optim_class is None:\n")
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path, code=code, gan="x = 1\n"))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    code = ESPNET.replace("for k, v in optim_classes.items()}", "for k, v in optim_classes.items() if k != 'sgd'}")
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path / "b", code=code, gan="x = 1\n"))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_a_key_read_into_a_name_rebound_before_the_look_up_is_followed_through_the_binding_that_reaches(tmp_path):
    code = ("import torch\n\nOPTIMIZERS = {'adam': torch.optim.Adam, 'sgd': torch.optim.SGD}\n\n\n"
            "def build(cfg, params):\n    name = cfg.optimizer.name\n    name = name.lower()\n"
            "    return OPTIMIZERS[name](params, weight_decay=cfg.optimizer.weight_decay)\n")
    config = "optimizer:\n  name: Adam\n  weight_decay: 0.0001\n"
    assert _lines(_with_config(tmp_path, code, config, "a.yaml")) == [["a.yaml:2:9:", "AWL101"]]
    # either of two bindings may reach the look-up: the key is not known
    code = code.replace("    name = name.lower()\n", "    if cfg.legacy:\n        name = cfg.legacy_name\n")
    assert _lines(_with_config(tmp_path / "b", code, config, "a.yaml")) == []


def _with_config(tmp_path, code, config, path="."):
    """``check`` of ``path`` in a repository of ``train.py`` and ``a.yaml``."""
    return run_cli("check", "-q", path, cwd=git_repository(tmp_path, {"train.py": code, "a.yaml": config}))


def _lines(result):
    assert result.returncode in (0, 1), result.stderr
    return [line.split(" ", 2)[:2] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("change", [
    "def register():\n    optim_classes['adam'] = torch.optim.AdamW\n",  # in a function
    "if FUSED:\n    optim_classes.update({'adam': torch.optim.AdamW})\n",
    "alias = optim_classes\nalias['adam'] = torch.optim.AdamW\n",  # through an alias
    "def patch(table):\n    table['adam'] = torch.optim.AdamW\n\npatch(optim_classes)\n",  # a helper that writes
    "optim_classes.clear()\n",
    "import sys\nsys.modules[__name__].optim_classes |= {'adam': torch.optim.AdamW}\n",  # the module's attribute
])
def test_a_registry_the_module_may_change_anywhere_is_not_read(tmp_path, change):
    code = ESPNET + "\n" + change
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path, code=code, gan="x = 1\n"))
    assert "conf/asr.yaml" not in result.stdout, result.stdout + result.stderr


def test_an_imported_registry_changed_by_the_module_that_imports_it_is_not_read_there(tmp_path):
    """The GAN task's module changes the registry it imports: its own construction is not read (the
    defining module's construction still is: a third module's changes to it are not looked for)."""
    gan = GAN.replace("class GANTask", "import tasks.abs_task as base\nbase.optim_classes['adam'] = base.AdamW\n\n\nclass GANTask")
    result = run_cli("check", "-q", ".", cwd=_espnet(tmp_path, gan=gan))
    assert "conf/gan.yaml" not in result.stdout and "conf/asr.yaml" in result.stdout, result.stdout


def test_a_registry_bound_in_branches_is_read_only_as_the_one_binding_that_reaches(tmp_path):
    """``if LEGACY: T = {…AdamW…} else: T = {k.lower(): v for k, v in BASE.items()}``: either may be read."""
    code = ("import torch\n\nBASE = {'Adam': torch.optim.Adam}\nif LEGACY:\n    OPTIMIZERS = {'adam': torch.optim.AdamW}\n"
            "else:\n    OPTIMIZERS = {k.lower(): v for k, v in BASE.items()}\n\n\n"
            "def build(cfg, params):\n    cls = OPTIMIZERS.get(cfg.optim)\n    return cls(params, **cfg.optim_conf)\n")
    assert _lines(_with_config(tmp_path, code, "optim: adam\noptim_conf:\n  weight_decay: 0.0001\n")) == []



def test_the_registry_is_walked_for_changes_once_for_all_the_calls_that_look_it_up(tmp_path, monkeypatch):
    """2,000 ``OPTS[cfg.optimN](p, **cfg.kw)`` in one module walked it 2,000 times (199 s)."""
    from adamw_lint import config_choice
    from adamw_lint.project_index import ProjectIndex

    builds = "".join(f"def build{i}(cfg, p):\n    return OPTS[cfg.optim{i % 7}](p, **cfg.kw)\n\n" for i in range(200))
    (tmp_path / "train.py").write_text("import torch\nOPTS = {'adam': torch.optim.Adam, 'sgd': torch.optim.SGD}\n\n" + builds)
    walks = []
    changes = config_choice._changes
    monkeypatch.setattr(config_choice, "_changes", lambda *args: walks.append(1) or changes(*args))
    found = config_choice.project_selectors(ProjectIndex([str(tmp_path)]), {f"optim{i}" for i in range(7)})
    assert len(found) == 200 and len(walks) == 1


# FunASR's shape: the registry in one module, the look-up in a script that names no optimizer itself
FUNASR = {
    "funasr/__init__.py": "",
    "funasr/optimizers/__init__.py": ("import torch\n\noptim_classes = dict(\n    adam=torch.optim.Adam,\n"
                                      "    adamw=torch.optim.AdamW,\n    sgd=torch.optim.SGD,\n)\n"),
    "funasr/schedulers/__init__.py": "from funasr.schedulers.warmup import WarmupLR\n\nscheduler_classes = dict(warmuplr=WarmupLR)\n",
    "funasr/bin/train.py": (
        "from funasr.optimizers import optim_classes\nfrom funasr.schedulers import scheduler_classes\n\n\n"
        "def main(model, **kwargs):\n    optim = kwargs.get('optim', 'adam')\n    assert optim in optim_classes\n"
        "    optim_class = optim_classes.get(optim)\n    optim = optim_class(model.parameters(), **kwargs.get('optim_conf'))\n"
        "    scheduler = scheduler_classes.get(kwargs.get('scheduler'))(optim, **kwargs.get('scheduler_conf'))\n"
        "    return optim, scheduler\n"),
    "conf/adam.yaml": "optim: adam\noptim_conf:\n    lr: 0.0005\n    weight_decay: 0.0001\n",
    "conf/adamw.yaml": "optim: adamw\noptim_conf:\n    lr: 0.0005\n    weight_decay: 0.01\n",
    "conf/no_decay.yaml": "optim: adam\noptim_conf:\n    lr: 0.0005\n",
}


def test_a_registry_another_module_defines_is_looked_up_by_a_module_that_names_no_optimizer(tmp_path):
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path, FUNASR))
    assert _lines(result) == [["conf/adam.yaml:1:8:", "AWL101"]], result.stdout
    assert "weight_decay=0.0001" in result.stdout
    assert "via funasr/bin/train.py:9 → optim_classes.get(optim)" in result.stdout


def test_only_a_module_that_spells_the_name_of_a_table_naming_an_optimizer_is_read_for_its_look_ups(tmp_path):
    from adamw_lint import config_choice
    from adamw_lint.project_index import ProjectIndex

    files = {**FUNASR, "funasr/bin/schedule.py": "from funasr.schedulers import scheduler_classes\n"
                                                 "def build(cfg):\n    return scheduler_classes[cfg.optim]()\n",
             "funasr/bin/listing.py": "from funasr.optimizers import optim_classes\n"
                                                "def show(args):\n    print(optim_classes[args.optim])\n",
             # spells the table's name and the key, imports neither: not read
             "funasr/bin/mention.py": "def show(args):\n    return 'optim_classes', args.optim\n"}
    project = ProjectIndex([str(git_repository(tmp_path, files))])
    parsed = []
    read = project.parsed
    project.parsed = lambda path: parsed.append(os.path.relpath(path, str(tmp_path))) or read(path)
    found = config_choice.project_selectors(project, {"optim"})
    assert [(os.path.basename(s.path), s.line, s.key) for s in found] == [("train.py", 9, ("optim",))]
    # listing.py is read (it spells the table and the key) and builds nothing; scheduler_classes
    # names no optimizer: schedule.py is not read, though it spells "optim"
    assert sorted(parsed) == ["funasr/bin/listing.py", "funasr/bin/train.py", "funasr/optimizers/__init__.py"]


@pytest.mark.parametrize("table, expected", [
    (b"optim_classes = dict(\n    adam=torch.optim.Adam,\n)\n", [b"optim_classes"]),
    (b"OPTIMIZERS: Dict[str, type] = {\n'adam': Adam,\n}\n", [b"OPTIMIZERS"]),  # annotated, entries at the margin
    (b"KINDS = {'adam': 'torch.optim.SGD'}\nX = torch.optim.Adam\n", []),  # the optimizer is named after the dict
    (b"def f():\n    T = {'adam': torch.optim.Adam}\n", []),  # not at module level: no other module imports it
    (b"T = {\n    'a': 1,\n}\nprint(torch.optim.Adam)\n", []),
    (b"config = {\n    'optimizer': 'Adam',\n    \"kind\": \"RMSprop\",\n}\n", []),  # names in strings: no class
])
def test_a_table_is_a_module_level_dict_written_out_whose_entries_name_an_optimizer(table, expected):
    from adamw_lint.config_choice import _tables

    assert list(_tables(table)) == expected


@pytest.mark.parametrize("path, reported", [
    ("conf/optim/adam.yaml", True),  # a Hydra config group: mounted at cfg.optim
    ("configs/optim.yaml", True),  # loaded and set as cfg.optim
    ("pose_cfg.yaml", False),  # another tool's config with the same leaf keys at its top
    ("conf/model/adam.yaml", False),  # another group: cfg.model.name
])
def test_a_config_without_the_codes_outer_keys_is_read_only_where_its_place_supplies_them(tmp_path, path, reported):
    """``build2`` reads ``cfg.optim.name`` and spreads ``cfg.optim.args``: a file that holds
    ``name``/``args`` at its top is that part of the config only where it is mounted at ``optim``."""
    files = {"proj/train.py": textwrap.dedent(CODE), path: "name: Adam\nargs:\n  weight_decay: 0.0005\n"}
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path, files))
    assert _lines(result) == ([[f"{path}:1:7:", "AWL101"]] if reported else []), result.stdout


@pytest.mark.parametrize("path, header, reported", [
    ("conf/optim/adam.yaml", "# @package _global_\n", False),  # Hydra mounts it at the root
    ("conf/solver/adam.yaml", "# @package optim\n", True),  # mounted where its header says
    ("conf/optim/adam.yaml", "# @package _group_\n", True),  # its group's folder, as by default
])
def test_a_hydra_package_header_says_where_a_config_is_mounted(tmp_path, path, header, reported):
    files = {"proj/train.py": textwrap.dedent(CODE), path: header + "name: Adam\nargs:\n  weight_decay: 0.0005\n"}
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path, files))
    assert _lines(result) == ([[f"{path}:2:7:", "AWL101"]] if reported else []), result.stdout
    assert not reported or "which builds the class optim.name names" in result.stdout


def test_the_folders_above_the_project_do_not_mount_a_config(tmp_path):
    """A checkout that happens to sit in a folder named ``optim``: its root config is not the ``optim`` group."""
    files = {"proj/train.py": textwrap.dedent(CODE), "pose_cfg.yaml": "name: Adam\nargs:\n  weight_decay: 0.0005\n"}
    assert _lines(run_cli("check", "-q", ".", cwd=git_repository(tmp_path / "optim", files))) == []


@pytest.mark.parametrize("config, path", [
    ("MODEL:\n  SOLVER:\n    OPTIMIZER: Adam\n    WEIGHT_DECAY: 0.0001\n", "configs/nested.yaml"),  # more outer keys
    ("_C.MODEL.SOLVER.OPTIMIZER = 'Adam'\n_C.MODEL.SOLVER.WEIGHT_DECAY = 0.0001\n", "configs/defaults.py"),
])
def test_a_config_with_more_outer_keys_than_the_code_reads_is_matched(tmp_path, config, path):
    """The code is handed a sub-tree (``build(cfg.MODEL)`` reads ``cfg.SOLVER.OPTIMIZER``)."""
    files = {"proj/train.py": textwrap.dedent(CODE), path: config}
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path, files))
    assert [line[1] for line in _lines(result)] == ["AWL101"] and result.stdout.startswith(path), result.stdout


# a trainer class: the config is kept on ``self`` (``self.cfg``), or one value of it is
TRAINER = """
import torch

class Trainer:
    def __init__(self, cfg, name, model):
        self.cfg = cfg
        self.opt_name = cfg.optim.name
        self.wd = cfg.optim.weight_decay
        self.given = name
        self.model = model

    def build(self):
        return getattr(torch.optim, self.cfg.optim.name)(self.model.parameters(), weight_decay=self.cfg.optim.weight_decay)

    def build_stored(self):
        return getattr(torch.optim, self.opt_name)(self.model.parameters(), weight_decay=self.wd)

    def build_given(self):
        return getattr(torch.optim, self.given)(self.model.parameters(), weight_decay=1e-4)
"""


@pytest.mark.parametrize("method", ["build", "build_stored"])
def test_a_config_a_trainer_keeps_on_self_is_read_by_its_keys_below_the_attribute(tmp_path, method):
    code = TRAINER.split("    def build")[0] + "    def " + next(
        part for part in TRAINER.split("    def ")[1:] if part.startswith(method + "(self)"))
    repository = git_repository(tmp_path, {"proj/train.py": textwrap.dedent(code),
                                           "configs/a.yaml": "optim:\n  name: Adam\n  weight_decay: 0.0001\n",
                                           "configs/b.yaml": "optim:\n  name: AdamW\n  weight_decay: 0.05\n",
                                           "configs/c.yaml": "optim:\n  name: Adam\n  weight_decay: 0.0\n"})
    result = run_cli("check", "-q", ".", cwd=repository)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["configs/a.yaml:2:9:", "AWL101"]]
    assert "which builds the class optim.name names" in result.stdout


def test_an_attribute_that_holds_no_config_value_is_not_a_configs_key(tmp_path):
    # ``self.given`` is what a caller passed; ``self.cfg`` is not a key of the config it holds
    code = TRAINER.split("    def build(self)")[0] + "    def " + TRAINER.split("    def ")[-1]
    repository = git_repository(tmp_path, {"proj/train.py": textwrap.dedent(code),
                                           "configs/a.yaml": "given: Adam\n", "configs/b.yaml": "cfg:\n  optim: Adam\n"})
    result = run_cli("check", "-q", ".", cwd=repository)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


# TransReID's and fast-reid's make_optimizer: the class by name, the decay in param groups built up
REID = """
import torch

def make_optimizer(cfg, model):
    params = []
    for key, value in model.named_parameters():
        lr = cfg.SOLVER.BASE_LR
        weight_decay = cfg.SOLVER.WEIGHT_DECAY
        if "bias" in key:
            weight_decay = cfg.SOLVER.WEIGHT_DECAY_BIAS
        params += [{"params": [value], "lr": lr, "weight_decay": weight_decay}]
    return getattr(torch.optim, cfg.SOLVER.OPTIMIZER_NAME)(params)
"""


@pytest.mark.parametrize("decays,reported", [
    ("WEIGHT_DECAY: 0.0005\n  WEIGHT_DECAY_BIAS: 0.0005\n", "weight_decay=0.0005"),
    ("WEIGHT_DECAY: 0.0\n  WEIGHT_DECAY_BIAS: 0.001\n", "weight_decay=0.001"),  # the bias groups' decay
    ("WEIGHT_DECAY: 0.0\n  WEIGHT_DECAY_BIAS: 0.0\n", None),
])
def test_a_config_names_the_class_and_the_decay_its_param_groups_get(tmp_path, decays, reported):
    config = "SOLVER:\n  OPTIMIZER_NAME: Adam\n  BASE_LR: 0.00035\n  " + decays
    repository = git_repository(tmp_path, {"proj/solver.py": textwrap.dedent(REID), "configs/softmax.yml": config})
    result = run_cli("check", "-q", ".", cwd=repository)
    if reported is None:
        assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    else:
        assert result.returncode == 1, result.stderr
        assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [["configs/softmax.yml:2:19:", "AWL101"]]
        assert f"torch.optim.Adam({reported})" in result.stdout


BRANCHED = """
import torch

def build(cfg, params):
    if cfg.SOLVER.OPTIMIZER_NAME{fold} == "{sgd}":
        return getattr(torch.optim, cfg.SOLVER.OPTIMIZER_NAME)(params, momentum=0.9, weight_decay=cfg.SOLVER.WEIGHT_DECAY)
    {other}
"""


@pytest.mark.parametrize("fold,sgd", [("", "SGD"), (".lower()", "sgd")])
def test_a_construction_under_a_test_of_the_key_builds_only_the_names_it_lets_through(tmp_path, fold, sgd):
    config = {"configs/a.yml": "SOLVER:\n  OPTIMIZER_NAME: Adam\n  WEIGHT_DECAY: 0.0005\n"}
    only_sgd = BRANCHED.format(fold=fold, sgd=sgd, other="return None")
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path / "a", {"proj/solver.py": only_sgd, **config}))
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    both = BRANCHED.format(fold=fold, sgd=sgd, other="return getattr(torch.optim, cfg.SOLVER.OPTIMIZER_NAME)"
                                                       "(params, weight_decay=cfg.SOLVER.WEIGHT_DECAY)")
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path / "b", {"proj/solver.py": both, **config}))
    assert result.returncode == 1 and "via proj/solver.py:7 → getattr(torch.optim" in result.stdout, result.stdout


@pytest.mark.parametrize("store,config,reported", [
    # the trainer keeps a part of the config: its keys are under that part's
    ("self.cfg = cfg.train", "train:\n  optim: Adam\n  wd: 0.0001\nfinetune:\n  optim: SGD\n", True),
    ("self.cfg = cfg.train", "train:\n  optim: SGD\n  wd: 0.0001\nfinetune:\n  optim: Adam\n  wd: 0.0001\n", False),
    # a dict written in the code is no config file's
    ('self.cfg = {"optim": "SGD", "wd": 5e-4}', "optim: Adam\nwd: 0.0001\n", False),
])
def test_what_a_trainer_keeps_on_self_decides_which_keys_it_reads(tmp_path, store, config, reported):
    code = ("import torch\n\nclass Trainer:\n    def __init__(self, cfg, model):\n        STORE\n        self.model = model\n\n"
            "    def build(self):\n        return getattr(torch.optim, self.cfg.optim)(self.model.parameters(), weight_decay=self.cfg.wd)\n"
            ).replace("STORE", store)
    result = run_cli("check", "-q", ".", cwd=git_repository(tmp_path, {"proj/train.py": code, "configs/a.yaml": config}))
    assert (result.returncode, bool(result.stdout)) == ((1, True) if reported else (0, False)), result.stdout + result.stderr


def test_only_the_keys_of_values_that_may_name_a_class_are_looked_for_in_the_code(tmp_path, monkeypatch):
    """A dataset config's thousand labels are not keys a construction reads: one label that
    contains an optimizer's name ("shampoo") had every module that spells a number parsed."""
    from adamw_lint import config_choice, configs
    from adamw_lint.project_index import ProjectIndex

    repository = _repository(tmp_path)
    # a module of the project that names an optimizer spells the labels too, not beside the class
    (repository / "proj" / "labels.py").write_text('import torch\nNAMES = ["tench", "goldfish"]\nDEFAULT = torch.optim.Adam\n')
    text = ("names:\n  0: tench\n  1: shampoo\n  2: goldfish\n"
            "SOLVER:\n  OPTIMIZER: Adam\n  LR: 0.001\n  WEIGHT_DECAY: 0.0001\n  SCHEDULE: cosine\n")
    asked = []
    looked_up = config_choice.project_selectors
    monkeypatch.setattr(config_choice, "project_selectors", lambda project, keys: asked.append(set(keys)) or looked_up(project, keys))
    path = str(repository / "configs" / "i.yaml")
    found = config_choice.findings(path, configs._yaml_documents(path, text)[0], ProjectIndex([str(repository)]), "rename")
    assert asked == [{"1", "OPTIMIZER"}]
    assert [(f.code, f.span[:2]) for f in found] == [("AWL101", (6, 13))]
    assert config_choice.findings(path, configs._yaml_documents(path, "names:\n  0: tench\n")[0],
                                  ProjectIndex([str(repository)]), "rename") == [] and len(asked) == 1


def test_a_registry_key_that_names_no_optimizer_is_still_read_beside_a_value_that_does(tmp_path):
    """Only the keys of values that may name a class are looked for, and a registry's own key
    (``"fast"``, ``"adam.l2"``) may: the modules that build by name spell it (a fresh review's)."""
    code = ('import torch\n\nOPTIMIZERS = {"fast": torch.optim.Adam, "Adam.L2": torch.optim.Adam}\n\n'
            'def build(cfg, params):\n    return OPTIMIZERS[cfg.optim.name](params, **cfg.optim.args)\n')
    repository = git_repository(tmp_path, {
        "proj/train.py": code,
        "b.yaml": "optim:\n  name: fast\n  args:\n    weight_decay: 0.0005\nfallback: adamw\n",
        "c.yaml": "optim:\n  name: Adam.L2\n  args:\n    weight_decay: 0.0005\nfallback: adamw\n",
        "d.yaml": "optim:\n  name: slow\n  args:\n    weight_decay: 0.0005\nfallback: adamw\n"})
    result = run_cli("check", "-q", ".", cwd=repository)
    assert sorted(line.split(" ", 2)[:2] for line in result.stdout.splitlines()) == [
        ["b.yaml:2:9:", "AWL101"], ["c.yaml:2:9:", "AWL101"]], result.stdout + result.stderr

"""Framework conventions that build an optimizer from data (issue 14): OpenMMLab Python configs,
detectron2 LazyConfig, torchtune YAML. Each with the negatives around it."""
import textwrap

import pytest

from adamw_lint import configs
from adamw_lint.selection import Selection
from helpers import codes, findings, fixed




# --- OpenMMLab ------------------------------------------------------------------------------------

MMCV = """
    _base_ = ['../_base_/models/retinanet.py', '../_base_/default_runtime.py']
    model = dict(type='RetinaNet', backbone=dict(type='ResNet', depth=50))
    optimizer = dict(type={kind}, lr=0.0003{wd}, paramwise_cfg=dict(bias_decay_mult=0.0))
    optimizer_config = dict(grad_clip=None)
"""

MMENGINE = """
    optim_wrapper = dict(
        type='AmpOptimWrapper',
        optimizer=dict(type={kind}, lr=0.01{wd}),
        paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={{'backbone': dict(lr_mult=0.1)}}),
    )
"""


@pytest.mark.parametrize("template,line", [(MMCV, 4), (MMENGINE, 4)])
@pytest.mark.parametrize("kind,code", [("'Adam'", "AWL101"), ('"RMSprop"', "AWL103"), ("'NAdam'", "AWL102"),
                                       ("'Adagrad'", "AWL103")])
def test_openmmlab_config_with_a_coupled_adaptive_type(template, line, kind, code):
    found = findings(template.format(kind=kind, wd=", weight_decay=1e-4"))
    assert [(f.line, f.code) for f in found] == [(line, code)]
    assert f"type={kind} builds torch.optim." in found[0].message


@pytest.mark.parametrize("template", [MMCV, MMENGINE])
@pytest.mark.parametrize("kind,wd", [
    ("'AdamW'", ", weight_decay=0.05"),  # decoupled
    ("'SGD'", ", weight_decay=1e-4"),  # not adaptive
    ("'Adam'", ""),  # no decay
    ("'Adam'", ", weight_decay=0.0"),
    ("'Adam'", ", weight_decay=1e-4, decoupled_weight_decay=True"),
    ("'adam'", ", weight_decay=1e-4"),  # not a registered name (the registry is case-sensitive)
    ("'Lamb'", ", weight_decay=1e-4"),  # a framework's own optimizer (decoupled)
    ("'DAdaptAdam'", ", weight_decay=1e-4"),
    ("kind", ", weight_decay=1e-4"),  # not a literal
])
def test_openmmlab_negatives(template, kind, wd):
    assert codes(template.format(kind=kind, wd=wd)) == []


@pytest.mark.parametrize("source", [
    # a dict with a "type" key that is not the config's optimizer
    "model = dict(type='Adam', weight_decay=1e-4)\n",
    "scheduler = {'type': 'Adam', 'weight_decay': 1e-4}\n",
    # not a module-level assignment
    "def build():\n    optimizer = dict(type='Adam', lr=1e-3, weight_decay=1e-4)\n    return optimizer\n",
    # optim_wrapper's own type is the wrapper, not the optimizer
    "optim_wrapper = dict(type='Adam', weight_decay=1e-4)\n",
    # an optimizer dict without a type (inherited from _base_)
    "_base_ = './base.py'\noptimizer = dict(lr=1e-3, weight_decay=1e-4)\n",
])
def test_dicts_with_a_type_key_that_are_not_an_openmmlab_optimizer(source):
    assert codes(source) == []


def test_openmmlab_fix_changes_the_type_string_only():
    assert fixed(MMCV.format(kind="'Adam'", wd=", weight_decay=1e-4")) == textwrap.dedent(
        MMCV.format(kind="'AdamW'", wd=", weight_decay=1e-4"))
    assert fixed(MMENGINE.format(kind='"Adam"', wd=", weight_decay=1e-4")) == textwrap.dedent(
        MMENGINE.format(kind='"AdamW"', wd=", weight_decay=1e-4"))
    # no decoupled class to rename to: reported, not fixed
    assert "RMSprop" in fixed(MMCV.format(kind="'RMSprop'", wd=", weight_decay=1e-4"))


def test_openmmlab_pure_python_config_with_a_class_as_type():
    source = """
        from torch.optim import Adam
        optim_wrapper = dict(optimizer=dict(type=Adam, lr=1e-3, weight_decay=1e-4))
    """
    assert codes(source) == [(3, "AWL101")]
    assert "type=AdamW" in fixed(source)


# --- detectron2 LazyConfig ---------------------------------------------------------------------------

LAZY = """
    import torch
    from detectron2.config import LazyCall as L
    from detectron2.solver import get_default_optimizer_params
    optimizer = L(torch.optim.{cls})(
        params=L(get_default_optimizer_params)(weight_decay_norm=0.0), lr=1e-4{wd},
    )
"""


def test_detectron2_lazy_call_of_a_coupled_optimizer():
    source = LAZY.format(cls="Adam", wd=", weight_decay=1e-4")
    found = findings(source)
    assert [(f.line, f.code) for f in found] == [(5, "AWL101")]
    assert "L(torch.optim.Adam) builds torch.optim.Adam" in found[0].message
    assert "L(torch.optim.AdamW)(" in fixed(source)


@pytest.mark.parametrize("cls,wd", [("SGD", ", momentum=0.9, weight_decay=1e-4"), ("AdamW", ", weight_decay=0.1"),
                                    ("Adam", ""), ("Adam", ", weight_decay=0.0")])
def test_detectron2_negatives(cls, wd):
    assert codes(LAZY.format(cls=cls, wd=wd)) == []


def test_a_function_called_l_that_is_not_lazy_call():
    assert codes("import torch\ndef L(x):\n    return x\nopt = L(torch.optim.Adam)(p, weight_decay=1e-4)\n") == []


# --- torchtune ------------------------------------------------------------------------------------------

def test_torchtune_component_is_followed_like_hydra_target():
    text = "optimizer:\n  _component_: torch.optim.Adam\n  lr: 2e-5\n  weight_decay: 0.01\n"
    found = configs.check("recipe.yaml", text, Selection(), "rename")
    assert [(f.line, f.code) for f in found] == [(2, "AWL101")]
    new, done, left = configs.fix("recipe.yaml", text, Selection(), "rename")
    assert new == text.replace("torch.optim.Adam", "torch.optim.AdamW") and len(done) == 1 and not left


@pytest.mark.parametrize("text", [
    "optimizer:\n  _component_: torch.optim.AdamW\n  weight_decay: 0.01\n",
    "optimizer:\n  _component_: torch.optim.Adam\n  lr: 2e-5\n",
    "optimizer:\n  _component_: bitsandbytes.optim.PagedAdam8bit\n  weight_decay: 0.01\n",
    "loss:\n  _component_: torchtune.modules.loss.CEWithChunkedOutputLoss\n  weight_decay: 0.01\n",
])
def test_torchtune_negatives(text):
    assert configs.check("recipe.yaml", text, Selection(), "rename") == []

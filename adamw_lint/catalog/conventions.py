"""Framework conventions that build an optimizer from data (semantics §1 rows 1-8, 44; §5.8).

* OpenMMLab (mmengine, mmcv and the libraries on them): a Python config's module-level
  ``optimizer = dict(type='Adam', lr=…, weight_decay=…)`` (mmcv 1.x) or
  ``optim_wrapper = dict(optimizer=dict(type='Adam', …), paramwise_cfg=…)`` (mmengine). The
  registry holds every ``torch.optim`` optimizer under its class name (``register_torch_optimizers``),
  so a ``type`` string that is a torch class name builds that class with the remaining keys as
  keyword arguments; the frameworks' own registered optimizers (Lamb, Adan, Lion, DAdapt…, all
  decoupled or not Adam+L2) are not torch names and are never reported. ``paramwise_cfg`` only
  multiplies the decay per parameter; the config keys the builder itself consumes are not
  arguments.
* detectron2 LazyConfig: ``L(torch.optim.Adam)(params=…, weight_decay=…)`` builds the class
  with the outer call's arguments.
* Hydra ``_target_``, torchtune ``_component_``, LightningCLI ``class_path`` (configs.py).
* AllenNLP JSON/Jsonnet configs (configs.py): ``"trainer": {"optimizer": {"type": "adam", …}}``.
  The ``type`` names a class registered in ``allennlp/training/optimizers.py`` (allenai/allennlp
  @06ef0c7c, also @d3882797); each registered class subclasses the torch class below and passes
  its keyword arguments through unchanged, so the torch class's semantics decide (§1 rows 1-11,
  40). ``parameter_groups`` become torch param groups (``make_parameter_groups``): each group's
  options override the optimizer's, and the parameters no regex matches form a last group with no
  options of its own. Names not in the table (``dense_sparse_adam``: no weight decay; ``regex``: a
  composite of other optimizers; a project's own registrations) are never reported.
"""

from __future__ import annotations

from typing import Mapping, Tuple

from .pytorch import OPTIMIZERS

# Module-level names an OpenMMLab config assigns its optimizer to, and the key of the optimizer
# inside ``optim_wrapper``.
MM_CONFIG_NAMES: Tuple[str, ...] = ("optimizer", "optim_wrapper")
MM_WRAPPER_KEY = "optimizer"
# Keys the builders consume (mmcv 1.x reads paramwise_cfg/constructor from the optimizer dict).
MM_BUILDER_KEYS: Tuple[str, ...] = ("type", "paramwise_cfg", "constructor")
# type string → the class the registry builds: torch.optim classes under their own names.
MM_TYPES: Mapping[str, str] = {
    name.rsplit(".", 1)[1]: name
    for row in OPTIMIZERS for name in row.names if name.count(".") == 2 and name.startswith("torch.optim.")
}

LAZY_CALLS: Tuple[str, ...] = ("detectron2.config.LazyCall", "detectron2.config.lazy.LazyCall")

# AllenNLP's Optimizer registry (allennlp/training/optimizers.py, @Optimizer.register(name)): the
# torch class each registered name subclasses. The registered signatures keep torch's defaults,
# except huggingface_adamw (lr 1e-5, eps 1e-8), and "adam" → "adamw" changes only the weight decay
# default (0.0 → 0.01), which a fix must not let reach a group that relied on it.
ALLENNLP_TYPES: Mapping[str, str] = {
    "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW",
    "huggingface_adamw": "transformers.AdamW",
    "sparse_adam": "torch.optim.SparseAdam",
    "adamax": "torch.optim.Adamax",
    "adagrad": "torch.optim.Adagrad",
    "adadelta": "torch.optim.Adadelta",
    "rmsprop": "torch.optim.RMSprop",
    "sgd": "torch.optim.SGD",
    "averaged_sgd": "torch.optim.ASGD",
}
# Top-level keys of an AllenNLP experiment config (``allennlp train``'s ``TrainModel.from_params``):
# a file is read as one only with ``trainer.optimizer.type`` and at least one of these.
ALLENNLP_TOP_KEYS: Tuple[str, ...] = ("dataset_reader", "model", "data_loader")
ALLENNLP_GROUPS_KEY = "parameter_groups"

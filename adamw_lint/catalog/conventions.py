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

"""PyTorch and PyTorch-based libraries (semantics §1, §2, §5)."""

from __future__ import annotations

from typing import Tuple

from .schema import (
    COUPLED, DECOUPLED, NO_DECAY, NOT_ADAPTIVE, Choice, Example, OptimizerApi, OptimizerFactory,
    OptimizerWrapper, SquaredNormPattern,
)


def _torch_names(cls: str, module: str, multi_tensor: bool = True) -> Tuple[str, ...]:
    names = [f"torch.optim.{cls}", f"torch.optim.{module}.{cls}"]
    if multi_tensor:
        names.append(f"torch.optim._multi_tensor.{cls}")
    return tuple(names)


_ADAM_SIG = (
    "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, "
    "foreach=None, maximize=False, capturable=False, differentiable=False, fused=None, "
    "decoupled_weight_decay=False"
)
_ADAMW_SIG = (
    "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, "
    "maximize=False, foreach=None, capturable=False, differentiable=False, fused=None"
)
_APEX_FUSED_ADAM_SIG = (
    "params, lr=1e-3, bias_correction=True, betas=(0.9, 0.999), eps=1e-8, adam_w_mode=True, "
    "weight_decay=0.0, amsgrad=False, set_grad_none=True, capturable=False, master_weights=False"
)

OPTIMIZERS: Tuple[OptimizerApi, ...] = (
    OptimizerApi(
        names=_torch_names("Adam", "adam"),
        signature_text=_ADAM_SIG,
        decay=COUPLED,
        source="§1 row 1, §2.1, §2.2",
        code="AWL101",
        switch="decoupled_weight_decay",
        group_switch="decoupled_weight_decay",
        since="torch 2.7",
        fix="rename",
        rename={
            "torch.optim.Adam": "torch.optim.AdamW",
            "torch.optim.adam.Adam": "torch.optim.AdamW",
            "torch.optim._multi_tensor.Adam": "torch.optim._multi_tensor.AdamW",
        },
        rename_subclass_since="torch 2.7",  # class AdamW(Adam) since 2.7.0 (§2.1, pytorch#143710)
        advice="use torch.optim.AdamW",
        valid=(
            "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n",
            "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=0.0)\n",
            "import torch\nopt = torch.optim.Adam(model.parameters(), 1e-3, (0.9, 0.999), 1e-8, 0)\n",
            "import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-2,"
            " decoupled_weight_decay=True)\n",
            "import torch\nopt = torch.optim.Adam(\n    [{'params': a, 'weight_decay': 1e-2,"
            " 'decoupled_weight_decay': True}, {'params': b}],\n)\n",
            "class Adam:\n    pass\nopt = Adam(params, weight_decay=1e-4)\n",
            "import torch.optim as optim\ndef build(optim, params):\n"
            "    return optim.Adam(params, weight_decay=1e-4)\n",
            "import torch\nkw = get_kwargs()\nopt = torch.optim.Adam(params, **kw)\n",
            "import torch\ns = 'torch.optim.Adam(params, weight_decay=1e-4)'\n",
        ),
        invalid=(
            Example(
                "import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n",
                "import torch\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)\n",
            ),
            Example(
                "import torch.optim as optim\nopt = optim.Adam(params, 1e-3, (0.9, 0.999), 1e-8, 5e-4)\n",
                "import torch.optim as optim\nopt = optim.AdamW(params, 1e-3, (0.9, 0.999), 1e-8, 5e-4)\n",
            ),
            Example(
                "from torch.optim import Adam\n\ndef make(params, args):\n"
                "    return Adam(params, weight_decay=args.weight_decay)\n",
                "from torch.optim import AdamW\n\ndef make(params, args):\n"
                "    return AdamW(params, weight_decay=args.weight_decay)\n",
            ),
            Example(
                "import torch\nopt = torch.optim.Adam(\n    [\n"
                "        {'params': decay, 'weight_decay': 1e-4},\n"
                "        {'params': no_decay},\n    ],\n    lr=3e-4,\n)\n",
                "import torch\nopt = torch.optim.AdamW(\n    [\n"
                "        {'params': decay, 'weight_decay': 1e-4},\n"
                "        {'params': no_decay},\n    ],\n    lr=3e-4,\n    weight_decay=0,\n)\n",
            ),
            Example(
                "import functools\nimport torch\n"
                "make_opt = functools.partial(torch.optim.Adam, lr=1e-3, weight_decay=1e-4)\n",
                "import functools\nimport torch\n"
                "make_opt = functools.partial(torch.optim.AdamW, lr=1e-3, weight_decay=1e-4)\n",
            ),
            Example(
                "import torch\nopt = torch.optim.adam.Adam(params, weight_decay=1e-4,"
                " decoupled_weight_decay=False)\n",
                "import torch\nopt = torch.optim.AdamW(params, weight_decay=1e-4)\n",
            ),
            Example(
                "from torch.distributed.optim import ZeroRedundancyOptimizer\n"
                "from torch.optim import Adam\n"
                "opt = ZeroRedundancyOptimizer(params, optimizer_class=Adam, weight_decay=1e-4)\n",
                "from torch.distributed.optim import ZeroRedundancyOptimizer\n"
                "from torch.optim import AdamW\n"
                "opt = ZeroRedundancyOptimizer(params, optimizer_class=AdamW, weight_decay=1e-4)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=_torch_names("AdamW", "adamw"),
        signature_text=_ADAMW_SIG,
        decay=DECOUPLED,
        source="§1 row 2, §2.5, trap 6",
        code="AWL101",
        group_switch="decoupled_weight_decay",
        fix="switch",
        advice="remove 'decoupled_weight_decay': False from the param group",
        valid=(
            "import torch\nopt = torch.optim.AdamW(model.parameters(), weight_decay=0.05)\n",
            "import torch\nopt = torch.optim.AdamW([{'params': a, 'decoupled_weight_decay': True}])\n",
        ),
        invalid=(
            Example(
                "import torch\nopt = torch.optim.AdamW([{'params': a, 'decoupled_weight_decay': False}])\n",
                "import torch\nopt = torch.optim.AdamW([{'params': a}])\n",
            ),
        ),
    ),
    OptimizerApi(
        names=_torch_names("NAdam", "nadam"),
        signature_text=(
            "params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3, "
            "decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, "
            "differentiable=False"
        ),
        decay=COUPLED,
        source="§1 row 3, trap 4",
        code="AWL102",
        switch="decoupled_weight_decay",
        group_switch="decoupled_weight_decay",
        since="torch 2.1",
        fix="switch",
        advice="pass decoupled_weight_decay=True (torch >= 2.1)",
        valid=(
            "import torch\nopt = torch.optim.NAdam(p, 2e-3, (0.9, 0.999), 1e-8, 1e-2, 4e-3, True)\n",
            "import torch\nopt = torch.optim.NAdam(p, weight_decay=1e-2, decoupled_weight_decay=True)\n",
            "import torch\nopt = torch.optim.NAdam(p, momentum_decay=4e-3)\n",
        ),
        invalid=(
            Example(
                "import torch\nopt = torch.optim.NAdam(p, lr=2e-3, weight_decay=1e-4)\n",
                "import torch\nopt = torch.optim.NAdam(p, lr=2e-3, weight_decay=1e-4, decoupled_weight_decay=True)\n",
            ),
            Example(
                "import torch\nopt = torch.optim.NAdam(p, 2e-3, (0.9, 0.999), 1e-8, 1e-2, 4e-3, False)\n",
                "import torch\nopt = torch.optim.NAdam(p, 2e-3, (0.9, 0.999), 1e-8, 1e-2, 4e-3, True)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=_torch_names("RAdam", "radam"),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, "
            "decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, "
            "differentiable=False"
        ),
        decay=COUPLED,
        source="§1 row 4, trap 4",
        code="AWL102",
        switch="decoupled_weight_decay",
        group_switch="decoupled_weight_decay",
        since="torch 2.2",
        fix="switch",
        advice="pass decoupled_weight_decay=True (torch >= 2.2)",
        valid=("from torch.optim import RAdam\nopt = RAdam(p, 1e-3, (0.9, 0.999), 1e-8, 1e-2, True)\n",),
        invalid=(
            Example(
                "from torch.optim import RAdam\nopt = RAdam(p, weight_decay=1e-4, decoupled_weight_decay=False)\n",
                "from torch.optim import RAdam\nopt = RAdam(p, weight_decay=1e-4, decoupled_weight_decay=True)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=_torch_names("Adamax", "adamax"),
        signature_text=(
            "params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *, "
            "maximize=False, differentiable=False, capturable=False"
        ),
        decay=COUPLED,
        source="§1 row 5",
        code="AWL103",
        advice="use torch.optim.AdamW, or decay the weights yourself (p.mul_(1 - lr * wd))",
        valid=("import torch\nopt = torch.optim.Adamax(p, lr=2e-3)\n",),
        invalid=(Example("import torch\nopt = torch.optim.Adamax(p, weight_decay=1e-4)\n"),),
    ),
    OptimizerApi(
        names=_torch_names("Adagrad", "adagrad", multi_tensor=False),
        signature_text=(
            "params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, "
            "foreach=None, *, maximize=False, differentiable=False, fused=None"
        ),
        decay=COUPLED,
        source="§1 row 6, trap 10",
        code="AWL103",
        advice="use torch.optim.AdamW",
        valid=(
            # index 2 is lr_decay, not weight decay (trap 10)
            "import torch\nopt = torch.optim.Adagrad(p, 0.01, 1e-4)\n",
        ),
        invalid=(Example("import torch\nopt = torch.optim.Adagrad(p, 0.01, 0, 1e-4)\n"),),
    ),
    OptimizerApi(
        names=_torch_names("RMSprop", "rmsprop"),
        signature_text=(
            "params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, "
            "capturable=False, foreach=None, maximize=False, differentiable=False"
        ),
        decay=COUPLED,
        source="§1 row 7",
        code="AWL103",
        advice="use torch.optim.AdamW (or timm 'rmsproptfw')",
        valid=("import torch\nopt = torch.optim.RMSprop(p, lr=1e-2, momentum=0.9)\n",),
        invalid=(Example("import torch\nopt = torch.optim.RMSprop(p, lr=1e-2, weight_decay=1e-5)\n"),),
    ),
    OptimizerApi(
        names=_torch_names("Adadelta", "adadelta"),
        signature_text=(
            "params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False, "
            "maximize=False, differentiable=False"
        ),
        decay=COUPLED,
        source="§1 row 8",
        code="AWL103",
        advice="use torch.optim.AdamW",
        valid=("import torch\nopt = torch.optim.Adadelta(p)\n",),
        invalid=(Example("import torch\nopt = torch.optim.Adadelta(p, 1.0, 0.9, 1e-6, 1e-4)\n"),),
    ),
    OptimizerApi(
        names=_torch_names("SGD", "sgd"),
        signature_text=(
            "params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, "
            "maximize=False, foreach=None, differentiable=False, fused=None"
        ),
        decay=NOT_ADAPTIVE,
        source="§1 row 9, §2.3, trap 19",
        valid=("import torch\nopt = torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4)\n",),
    ),
    OptimizerApi(
        names=_torch_names("ASGD", "asgd"),
        signature_text=(
            "params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, "
            "maximize=False, differentiable=False, capturable=False"
        ),
        decay=NOT_ADAPTIVE,
        source="§1 row 10, trap 10",
        valid=("import torch\nopt = torch.optim.ASGD(p, 0.01, 1e-4, weight_decay=1e-4)\n",),
    ),
    OptimizerApi(
        names=("torch.optim.SparseAdam", "torch.optim.sparse_adam.SparseAdam"),
        signature_text="params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False",
        decay=NO_DECAY,
        source="§1 row 11",
        weight_decay=None,
        valid=("import torch\nopt = torch.optim.SparseAdam(p, lr=1e-3)\n",),
    ),
    OptimizerApi(
        names=("torch.optim.Muon", "torch.optim._muon.Muon"),
        signature_text=(
            "params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, "
            "ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None"
        ),
        decay=DECOUPLED,
        source="§1 row 12, trap 5",
        valid=("import torch\nopt = torch.optim.Muon(p, 0.02, 0.1)\n",),
    ),
    OptimizerApi(
        names=("torch.optim.Adafactor", "torch.optim._adafactor.Adafactor"),
        signature_text=(
            "params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *, "
            "foreach=None, maximize=False"
        ),
        decay=DECOUPLED,
        source="§1 row 13, trap 5",
        valid=("import torch\nopt = torch.optim.Adafactor(p, weight_decay=1e-2)\n",),
    ),
    OptimizerApi(
        names=(
            "apex.optimizers.FusedAdam",
            "apex.optimizers.fused_adam.FusedAdam",
            "deepspeed.ops.adam.FusedAdam",
            "deepspeed.ops.adam.fused_adam.FusedAdam",
        ),
        signature_text=_APEX_FUSED_ADAM_SIG,
        decay=DECOUPLED,
        source="§1 rows 33-34, §5.1, §5.2, trap 3",
        code="AWL101",
        switch="adam_w_mode",
        fix="switch",
        advice="pass adam_w_mode=True (the default)",
        valid=(
            "from apex.optimizers import FusedAdam\nopt = FusedAdam(p, lr=1e-3, weight_decay=0.01)\n",
            "from deepspeed.ops.adam import FusedAdam\nopt = FusedAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, True, 0.01)\n",
        ),
        invalid=(
            Example(
                "from apex.optimizers import FusedAdam\nopt = FusedAdam(p, lr=1e-3, adam_w_mode=False, weight_decay=0.01)\n",
                "from apex.optimizers import FusedAdam\nopt = FusedAdam(p, lr=1e-3, adam_w_mode=True, weight_decay=0.01)\n",
            ),
            Example(
                "import deepspeed\nopt = deepspeed.ops.adam.FusedAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, False, 0.01)\n",
                "import deepspeed\nopt = deepspeed.ops.adam.FusedAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, True, 0.01)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=("deepspeed.ops.adam.DeepSpeedCPUAdam", "deepspeed.ops.adam.cpu_adam.DeepSpeedCPUAdam"),
        signature_text=(
            "model_params, lr=1e-3, bias_correction=True, betas=(0.9, 0.999), eps=1e-8, "
            "weight_decay=0, amsgrad=False, adamw_mode=True, fp32_optimizer_states=True"
        ),
        decay=DECOUPLED,
        source="§1 row 35, §5.2, trap 10",
        code="AWL101",
        switch="adamw_mode",
        fix="switch",
        advice="pass adamw_mode=True (the default)",
        valid=("from deepspeed.ops.adam import DeepSpeedCPUAdam\nopt = DeepSpeedCPUAdam(p, weight_decay=0.01)\n",),
        invalid=(
            Example(
                "from deepspeed.ops.adam import DeepSpeedCPUAdam\n"
                "opt = DeepSpeedCPUAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, 0.01, False, False)\n",
                "from deepspeed.ops.adam import DeepSpeedCPUAdam\n"
                "opt = DeepSpeedCPUAdam(p, 1e-3, True, (0.9, 0.999), 1e-8, 0.01, False, True)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=("apex.optimizers.FusedAdagrad", "apex.optimizers.fused_adagrad.FusedAdagrad"),
        signature_text="params, lr=1e-2, eps=1e-10, weight_decay=0.0, set_grad_none=True, adagrad_w_mode=False",
        decay=COUPLED,
        source="§1 row 34a, §5.1",
        code="AWL102",
        switch="adagrad_w_mode",
        fix="switch",
        advice="pass adagrad_w_mode=True",
        valid=("from apex.optimizers import FusedAdagrad\nopt = FusedAdagrad(p, weight_decay=1e-4, adagrad_w_mode=True)\n",),
        invalid=(
            Example(
                "from apex.optimizers import FusedAdagrad\nopt = FusedAdagrad(p, weight_decay=1e-4)\n",
                "from apex.optimizers import FusedAdagrad\nopt = FusedAdagrad(p, weight_decay=1e-4, adagrad_w_mode=True)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=tuple(
            f"bitsandbytes.optim.{cls}"
            for cls in ("Adam", "Adam8bit", "Adam32bit", "PagedAdam", "PagedAdam8bit", "PagedAdam32bit")
        ),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, "
            "optim_bits=32, args=None, min_8bit_size=4096, is_paged=False"
        ),
        decay=DECOUPLED,
        source="§1 row 37, §5.3, trap 2",
        valid=(
            "import bitsandbytes as bnb\nopt = bnb.optim.Adam8bit(p, lr=1e-3, weight_decay=1e-2)\n",
            "from bitsandbytes.optim import PagedAdam\nopt = PagedAdam(p, weight_decay=1e-2)\n",
        ),
    ),
    OptimizerApi(
        names=tuple(f"bitsandbytes.optim.{cls}" for cls in ("RMSprop", "RMSprop8bit", "RMSprop32bit")),
        signature_text=(
            "params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, "
            "optim_bits=32, args=None, min_8bit_size=4096"
        ),
        decay=COUPLED,
        source="§1 row 38, §5.3",
        code="AWL103",
        advice="use bnb.optim.AdamW8bit or torch.optim.AdamW",
        invalid=(Example("import bitsandbytes as bnb\nopt = bnb.optim.RMSprop8bit(p, 1e-2, 0.99, 1e-8, 1e-4)\n"),),
    ),
    OptimizerApi(
        names=tuple(f"bitsandbytes.optim.{cls}" for cls in ("Adagrad", "Adagrad8bit", "Adagrad32bit")),
        signature_text=(
            "params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, "
            "optim_bits=32, args=None, min_8bit_size=4096"
        ),
        decay=COUPLED,
        source="§1 row 38, §5.3",
        code="AWL103",
        advice="use bnb.optim.AdamW8bit or torch.optim.AdamW",
        invalid=(Example("from bitsandbytes.optim import Adagrad\nopt = Adagrad(p, weight_decay=1e-4)\n"),),
    ),
    OptimizerApi(
        names=("torch_optimizer.AdaBelief", "torch_optimizer.adabelief.AdaBelief"),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-3, weight_decay=0, amsgrad=False, "
            "weight_decouple=False, fixed_decay=False, rectify=False"
        ),
        decay=COUPLED,
        source="§1 row 43, §5.7",
        code="AWL102",
        switch="weight_decouple",
        fix="switch",
        advice="pass weight_decouple=True",
        valid=("import torch_optimizer as topt\nopt = topt.AdaBelief(p, weight_decay=1e-2, weight_decouple=True)\n",),
        invalid=(
            Example(
                "import torch_optimizer as topt\nopt = topt.AdaBelief(p, lr=1e-3, weight_decay=1e-4)\n",
                "import torch_optimizer as topt\nopt = topt.AdaBelief(p, lr=1e-3, weight_decay=1e-4, weight_decouple=True)\n",
            ),
        ),
    ),
    OptimizerApi(
        names=("torch_optimizer.QHAdam", "torch_optimizer.qhadam.QHAdam"),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), nus=(1.0, 1.0), weight_decay=0.0, "
            "decouple_weight_decay=False, eps=1e-8"
        ),
        decay=COUPLED,
        source="§1 row 43, §5.7",
        code="AWL102",
        switch="decouple_weight_decay",
        fix="switch",
        advice="pass decouple_weight_decay=True",
        invalid=(
            Example(
                "from torch_optimizer import QHAdam\nopt = QHAdam(p, 1e-3, (0.9, 0.999), (1.0, 1.0), 1e-4)\n",
                "from torch_optimizer import QHAdam\nopt = QHAdam(p, 1e-3, (0.9, 0.999), (1.0, 1.0), 1e-4, decouple_weight_decay=True)\n",
            ),
        ),
    ),
    *(
        OptimizerApi(
            names=(f"torch_optimizer.{cls}", f"torch_optimizer.{cls.lower()}.{cls}"),
            signature_text=sig,
            decay=COUPLED,
            source="§1 row 43, §5.7",
            code="AWL103",
            advice="use torch.optim.AdamW",
            invalid=invalid,
        )
        for cls, sig, invalid in (
            (
                "Yogi",
                "params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6, weight_decay=0",
                (Example("import torch_optimizer as optim\nopt = optim.Yogi(p, weight_decay=1e-4)\n"),),
            ),
            (
                "AdaBound",
                "params, lr=1e-3, betas=(0.9, 0.999), final_lr=0.1, gamma=1e-3, eps=1e-8, "
                "weight_decay=0, amsbound=False",
                (Example("from torch_optimizer import AdaBound\nopt = AdaBound(p, 1e-3, (0.9, 0.999), 0.1, 1e-3, 1e-8, 5e-4)\n"),),
            ),
            (
                "DiffGrad",
                "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0",
                (Example("import torch_optimizer\nopt = torch_optimizer.DiffGrad(p, weight_decay=1e-4)\n"),),
            ),
            (
                "SWATS",
                "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-3, weight_decay=0, amsgrad=False, nesterov=False",
                (Example("from torch_optimizer import SWATS\nopt = SWATS(p, 1e-3, (0.9, 0.999), 1e-3, 1e-4)\n"),),
            ),
            (
                "Apollo",
                "params, lr=1e-2, beta=0.9, eps=1e-4, warmup=0, init_lr=0.01, weight_decay=0",
                (Example("import torch_optimizer\nopt = torch_optimizer.Apollo(p, lr=1e-2, weight_decay=2.5e-4)\n"),),
            ),
            (
                "Shampoo",
                "params, lr=1e-1, momentum=0.0, weight_decay=0.0, epsilon=1e-4, update_freq=1",
                (Example("import torch_optimizer as optim\nopt = optim.Shampoo(p, 1e-1, 0.0, 1e-4)\n"),),
            ),
        )
    ),
    OptimizerApi(
        names=("transformers.AdamW", "transformers.optimization.AdamW"),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0, correct_bias=True, "
            "no_deprecation_warning=False"
        ),
        decay=DECOUPLED,
        source="§1 row 40, §5.5, trap 16",
        code="AWL104",
        fix="rename",
        rename={
            "transformers.AdamW": "torch.optim.AdamW",
            "transformers.optimization.AdamW": "torch.optim.AdamW",
        },
        droppable=("no_deprecation_warning",),
        always="was removed in transformers 4.50; use torch.optim.AdamW",
        advice="use torch.optim.AdamW",
        valid=("import torch\nopt = torch.optim.AdamW(p, lr=5e-5, eps=1e-6, weight_decay=0.0)\n",),
        invalid=(
            Example(
                "import torch\nfrom transformers import AdamW\nopt = AdamW(model.parameters(), lr=5e-5)\n",
                "import torch\nopt = torch.optim.AdamW(model.parameters(), lr=5e-5, eps=1e-6, weight_decay=0.0)\n",
            ),
            Example(
                "from transformers import AdamW, get_linear_schedule_with_warmup\n"
                "opt = AdamW(params, lr=5e-5, weight_decay=0.01, correct_bias=True, no_deprecation_warning=True)\n",
                "from transformers import get_linear_schedule_with_warmup\nimport torch\n\n"
                "opt = torch.optim.AdamW(params, lr=5e-5, weight_decay=0.01, eps=1e-6)\n",
            ),
            Example("import transformers\nopt = transformers.AdamW(params, lr=5e-5, correct_bias=False)\n"),
        ),
    ),
    OptimizerApi(
        names=("pyro.optim.clipped_adam.ClippedAdam",),
        signature_text=(
            "params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, clip_norm=10.0, lrd=1.0, "
            "centered_variance=False"
        ),
        decay=COUPLED,
        source="additions §A1",
        code="AWL103",
        advice=("use pyro.optim.AdamW with the dict's lr, betas, eps and weight_decay (it takes no clip_norm, lrd or "
                "centered_variance), and clip_args={'clip_value': clip_norm} (10.0 by default) for the clamping"),
        valid=("from pyro.optim import ClippedAdam\nopt = ClippedAdam({'lr': 1e-3, 'clip_norm': 5.0})\n",),
        invalid=(Example("import pyro\nopt = pyro.optim.ClippedAdam({'lr': 1e-3, 'weight_decay': 1e-4})\n"),),
    ),
)

_TIMM_COUPLED = {
    "adam": Choice("AWL101", "adamw"),
    "fusedadam": Choice("AWL101", "fusedadamw"),
    "nadam": Choice("AWL102", "nadamw"),
    "radam": Choice("AWL102", "radamw"),
    "rmsproptf": Choice("AWL102", "rmsproptfw"),
    "madgrad": Choice("AWL102", "madgradw"),
    "adopt": Choice("AWL102", "adoptw"),
    "kron": Choice("AWL102", "kronw"),
    **{
        name: Choice("AWL103", advice="use opt='adamw'")
        for name in ("adamax", "adagrad", "adadelta", "rmsprop", "crmsproptf", "nadamlegacy", "cadopt")
    },
}

# trl 1.16.0: each ``<stem>_config.py`` defines a subclass of TrainingArguments (``_BaseConfig``)
_TRL_CONFIGS = (("sft", "SFTConfig"), ("dpo", "DPOConfig"), ("grpo", "GRPOConfig"), ("kto", "KTOConfig"),
                ("reward", "RewardConfig"), ("rloo", "RLOOConfig"), ("distillation", "DistillationConfig"))
_HF_COUPLED = {
    name: Choice("AWL103", advice='use optim="adamw_torch"')
    for name in ("adagrad", "rmsprop", "rmsprop_bnb", "rmsprop_bnb_8bit", "rmsprop_bnb_32bit")
}

# ultralytics 8.4.190: the models whose ``train`` runs ``BaseTrainer.build_optimizer`` (additions §A3)
_ULTRALYTICS_MODELS = tuple(
    f"{module}.{cls}().train"
    for cls, home in (("YOLO", "yolo"), ("YOLOWorld", "yolo"), ("YOLOE", "yolo"), ("RTDETR", "rtdetr"))
    for module in ("ultralytics", "ultralytics.models", f"ultralytics.models.{home}", f"ultralytics.models.{home}.model")
)
_ULTRALYTICS_COUPLED = {
    "adam": Choice("AWL101", "AdamW"),
    # torch's NAdam and RAdam have a decoupled switch, which ultralytics never sets
    **{name: Choice("AWL103", advice="use optimizer='AdamW'") for name in ("adamax", "nadam", "radam", "rmsprop")},
}

FACTORIES: Tuple[OptimizerFactory, ...] = (
    OptimizerFactory(
        names=(
            "timm.optim.create_optimizer_v2",
            "timm.optim.optim_factory.create_optimizer_v2",
            "timm.optim._optim_factory.create_optimizer_v2",
        ),
        signature_text=(
            "model_or_params, opt='sgd', lr=None, weight_decay=0.0, momentum=0.9, foreach=None, "
            "filter_bias_and_bn=True, layer_decay=None, param_group_fn=None, **kwargs"
        ),
        choice="opt",
        choices=_TIMM_COUPLED,
        prefixes=("lookahead",),
        source="§1 row 39, §5.4, trap 8",
        valid=(
            "from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'adamw', 1e-3, 0.05)\n",
            "from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, opt='adam', lr=1e-3)\n",
            "from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'bnbadam8bit', weight_decay=0.05)\n",
        ),
        invalid=(
            Example(
                "from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'adam', 1e-3, 0.05)\n",
                "from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'adamw', 1e-3, 0.05)\n",
                code="AWL101",
            ),
            Example(
                "import timm.optim\nopt = timm.optim.create_optimizer_v2(model, opt=\"lookahead_radam\", weight_decay=wd)\n",
                "import timm.optim\nopt = timm.optim.create_optimizer_v2(model, opt=\"lookahead_radamw\", weight_decay=wd)\n",
                code="AWL102",
            ),
            Example("from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'rmsprop', weight_decay=1e-5)\n", code="AWL103"),
        ),
    ),
    OptimizerFactory(
        names=(
            "transformers.TrainingArguments",
            "transformers.training_args.TrainingArguments",
            "transformers.Seq2SeqTrainingArguments",
            "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
            # trl's trainer configs are TrainingArguments with the same optim and weight_decay
            *(f"{module}.{name}" for stem, name in _TRL_CONFIGS
              for module in ("trl", "trl.trainer", f"trl.trainer.{stem}_config")),
        ),
        signature_text="output_dir=None, *, optim='adamw_torch', weight_decay=0.0, **kwargs",
        choice="optim",
        choices=_HF_COUPLED,
        source="§1 row 41, §5.5, trap 8, additions §A2",
        valid=(
            "from transformers import TrainingArguments\nargs = TrainingArguments('out', optim='adagrad')\n",
            "from transformers import TrainingArguments\nargs = TrainingArguments('out', weight_decay=0.01)\n",
        ),
        invalid=(
            Example(
                "from transformers import TrainingArguments\n"
                "args = TrainingArguments('out', optim='rmsprop_bnb_8bit', weight_decay=0.01)\n"
            ),
            Example("from trl import SFTConfig\nargs = SFTConfig('out', optim='adagrad', weight_decay=0.01)\n"),
        ),
    ),
    OptimizerFactory(
        names=_ULTRALYTICS_MODELS,
        # ``train(trainer=None, **kwargs)``; the keywords are the training configuration's
        # (ultralytics/cfg/default.yaml): a ``cfg`` file's entries, then the call's, override its defaults
        signature_text="trainer=None, *, optimizer='auto', weight_decay=0.0005, cfg=None, resume=False, **kwargs",
        choice="optimizer",
        choices=_ULTRALYTICS_COUPLED,
        opaque_when=("trainer", "resume"),
        defaults_from="cfg",
        instance_state=("overrides",),
        source="additions §A3",
        valid=(
            "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='AdamW')\n",
            "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='Adam', weight_decay=0.0)\n",
            "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='SGD')\n",
            "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='Adam', resume=True)\n",
        ),
        invalid=(
            Example(
                "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='Adam')\n",
                "from ultralytics import YOLO\nmodel = YOLO('yolo11n.pt')\nmodel.train(data='coco8.yaml', optimizer='AdamW')\n",
                code="AWL101",
            ),
            Example("from ultralytics import RTDETR\nRTDETR('rtdetr-l.pt').train(data='coco8.yaml', optimizer='RMSprop')\n", code="AWL103"),
        ),
    ),
)

# pyro's optimizers take the optimizer's keyword arguments as one dict: ``pyro.optim.Adam(optim_args)``
# is generated for every torch.optim class (pyro.optim.pytorch_optimizers), ClippedAdam is pyro's own
_PYRO_BUILDS = {  # the class → the wrapper's names and signature
    **{f"torch.optim.{cls}": ((f"pyro.optim.{cls}", f"pyro.optim.pytorch_optimizers.{cls}"), "optim_args, clip_args=None")
       for prefix, _, cls in (row.names[0].rpartition(".") for row in OPTIMIZERS) if prefix == "torch.optim"},
    "pyro.optim.clipped_adam.ClippedAdam": (("pyro.optim.ClippedAdam", "pyro.optim.optim.ClippedAdam"), "optim_args"),
}

WRAPPERS: Tuple[OptimizerWrapper, ...] = (
    *(
        OptimizerWrapper(names=names, signature_text=signature, wraps=built, kwargs="optim_args", source="additions §A1")
        for built, (names, signature) in _PYRO_BUILDS.items()
    ),
    OptimizerWrapper(
        names=("pyro.optim.PyroOptim", "pyro.optim.optim.PyroOptim"),
        signature_text="optim_constructor, optim_args, clip_args=None",
        optimizer="optim_constructor",
        kwargs="optim_args",
        source="additions §A1",
    ),
    OptimizerWrapper(
        names=tuple(f"skorch.{path}" for path in (
            "NeuralNet", "net.NeuralNet", "NeuralNetClassifier", "classifier.NeuralNetClassifier",
            "NeuralNetBinaryClassifier", "classifier.NeuralNetBinaryClassifier",
            "NeuralNetRegressor", "regressor.NeuralNetRegressor")),
        signature_text="module, criterion=None, optimizer=torch.optim.SGD, lr=0.01, **kwargs",
        optimizer="optimizer",
        prefix="optimizer__",
        source="additions §A4",
    ),
    OptimizerWrapper(
        names=("functools.partial",),
        signature_text="func, /, *args, **keywords",
        optimizer="func",
        positional_from=1,
        source="trap 12",
    ),
    OptimizerWrapper(
        names=(
            "torch.distributed.optim.ZeroRedundancyOptimizer",
            "torch.distributed.optim.zero_redundancy_optimizer.ZeroRedundancyOptimizer",
        ),
        signature_text=(
            "params, optimizer_class, process_group=None, parameters_as_bucket_view=False, "
            "overlap_with_ddp=False, **defaults"
        ),
        optimizer="optimizer_class",
        params="params",
        switch_ignored_when="overlap_with_ddp",  # ZeRO swaps in its own functional optimizer
        source="§1 row 14, §2.7, trap 17",
    ),
    OptimizerWrapper(
        names=("torch.distributed.optim.DistributedOptimizer", "torch.distributed.optim.optimizer.DistributedOptimizer"),
        signature_text="optimizer_class, params_rref, *args, **kwargs",
        optimizer="optimizer_class",
        positional_from=1,
        source="§1 row 15, §2.7",
    ),
    OptimizerWrapper(
        names=(
            "torch.distributed.optim._apply_optimizer_in_backward",
            "torch.distributed.optim.apply_optimizer_in_backward._apply_optimizer_in_backward",
        ),
        signature_text="optimizer_class, params, optimizer_kwargs, register_hook=True",
        optimizer="optimizer_class",
        params="params",
        kwargs="optimizer_kwargs",
        source="§1 row 15, §2.7",
    ),
)


# --- PyTorch loss-side L2 (AWL105, heuristic, off by default) ------------------------------------

SQUARED_NORMS = SquaredNormPattern(
    iterators=("parameters", "named_parameters"),
    norms=("torch.norm", "torch.linalg.norm"),
    sums=("torch.sum",),
    squares=("torch.square",),
    powers=("torch.pow",),
    source="§6 trap 9",
    valid=(
        "import torch\nl2 = sum(p.pow(2).sum() for p in model.parameters())\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n",
        "import torch\nn = sum(p.numel() for p in model.parameters())\nopt = torch.optim.Adam(model.parameters())\n",
    ),
    invalid=(
        Example("import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                "loss = loss + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())\n"),
        Example("import torch\nopt = torch.optim.AdamW(model.parameters())\n"
                "reg = sum(torch.norm(p) ** 2 for name, p in model.named_parameters())\n"),
        Example("import torch as th\nopt = th.optim.Adam(model.parameters())\n"
                "l2 = sum(th.sum(th.square(w)) for w in model.parameters()) / 2\n"),
    ),
)

"""The optimizer catalog: the one source of truth for every rule, fix, doc page and runtime check.

Each row is data taken from ``shared/optimizer-semantics.md`` (section numbers are cited in
``source``). Signatures are written exactly as the library declares them, so positional indices,
defaults and keyword-only arguments are derived, never restated. Every row carries the examples
that the test suite runs and the docs quote: ``valid`` must produce no finding, each ``invalid``
must produce the row's code, and its ``fixed`` text (or ``None``: no automatic fix) is what
``adamw-lint fix`` must write.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator, Mapping, Optional, Tuple

COUPLED = "coupled"  # λθ is added to the gradient before an adaptive preconditioner
DECOUPLED = "decoupled"  # θ is shrunk directly, outside the moment estimates
NOT_ADAPTIVE = "coupled-not-adaptive"  # coupled, but without a preconditioner it is weight decay
NO_DECAY = "none"  # the optimizer has no weight-decay argument


@dataclass(frozen=True)
class Rule:
    """One diagnostic code, documented in ruff's sections."""

    code: str
    name: str
    summary: str
    what: str
    why: str
    fix_safety: str
    enabled_by_default: bool = True


_UPDATES = """\
```text
Adam + L2 (coupled)                        AdamW (decoupled)
g ← ∇f(θ) + λ·θ                            g ← ∇f(θ)
m ← β1·m + (1−β1)·g                        m ← β1·m + (1−β1)·g
v ← β2·v + (1−β2)·g²                       v ← β2·v + (1−β2)·g²
θ ← θ − η·m̂ / (√v̂ + ε)                     θ ← θ·(1 − η·λ) − η·m̂ / (√v̂ + ε)
```"""

_WHY_COUPLED = f"""\
For plain SGD, adding λ/2·‖θ‖² to the loss (L2) and shrinking the weights every step (weight
decay) are the same thing. For adaptive optimizers they are not. With coupled L2 the term λ·θ is
added to the gradient *before* it is divided by √v̂ + ε, so weights whose gradients are large
(large v̂) are regularized less than the others, and the decay term also leaks into the moment
estimates. Decoupled weight decay shrinks every weight by the same factor 1 − η·λ
(Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019):

{_UPDATES}

Most code that passes `weight_decay=` to Adam meant AdamW."""

_RETUNE = (
    "The fix changes training numerics: the same λ is a different, usually much weaker, "
    "regularization once it is decoupled (coupled decay is divided by √v̂ + ε; typical AdamW "
    "values are 1e-2 to 1e-1). Re-tune `weight_decay` after applying it. `adamw-lint fix` "
    "is the explicit opt-in; `check` never edits anything."
)

RULES: Tuple[Rule, ...] = (
    Rule(
        code="AWL101",
        name="adam-coupled-weight-decay",
        summary="Adam with coupled L2 weight decay; use AdamW",
        what=(
            "Finds Adam optimizers whose `weight_decay` is added to the gradient (coupled L2): "
            "`torch.optim.Adam` without `decoupled_weight_decay=True`, apex/DeepSpeed `FusedAdam` "
            "with `adam_w_mode=False`, `DeepSpeedCPUAdam` with `adamw_mode=False`, timm "
            "`opt=\"adam\"`/`\"fusedadam\"`, and a param group that turns AdamW's decoupling off."
        ),
        why=_WHY_COUPLED,
        fix_safety=(
            _RETUNE
            + " For `torch.optim.Adam` the default fix renames the class to `AdamW` (every torch "
            "since 1.2) and keeps `weight_decay` explicit, because AdamW's default is 1e-2 and "
            "Adam's is 0; `--style flag` passes `decoupled_weight_decay=True` instead (torch >= 2.7 "
            "only: older versions raise TypeError)."
        ),
    ),
    Rule(
        code="AWL102",
        name="adaptive-coupled-weight-decay-switch",
        summary="adaptive optimizer with coupled L2 that has a decoupled switch; turn it on",
        what=(
            "Finds adaptive optimizers other than Adam that add `weight_decay` to the gradient "
            "although they offer a decoupled mode: torch `NAdam` and `RAdam` "
            "(`decoupled_weight_decay`), apex `FusedAdagrad` (`adagrad_w_mode`), torch_optimizer "
            "`AdaBelief` (`weight_decouple`) and `QHAdam` (`decouple_weight_decay`), and timm "
            "`opt=\"nadam\"`/`\"radam\"`/…"
        ),
        why=_WHY_COUPLED,
        fix_safety=(
            _RETUNE
            + " torch `NAdam` needs torch >= 2.1 and `RAdam` torch >= 2.2 for the switch."
        ),
    ),
    Rule(
        code="AWL103",
        name="adaptive-coupled-weight-decay-no-switch",
        summary="adaptive optimizer with coupled L2 and no decoupled form",
        what=(
            "Finds adaptive optimizers that can only apply coupled L2 (`Adamax`, `Adagrad`, "
            "`RMSprop`, `Adadelta`, bitsandbytes `RMSprop*`/`Adagrad*`, torch_optimizer `Yogi`, "
            "`AdaBound`, …, timm `opt=\"rmsprop\"`, Hugging Face `optim=\"adagrad\"`/`\"rmsprop*\"`) "
            "with a weight decay that is, or may be, non-zero."
        ),
        why=_WHY_COUPLED,
        fix_safety=(
            "There is no automatic fix: the optimizer has no decoupled mode, so moving to one "
            "(usually AdamW) is a change of optimizer that needs a new tuning run."
        ),
    ),
    Rule(
        code="AWL104",
        name="transformers-adamw",
        summary="transformers.AdamW was removed in transformers 4.50; use torch.optim.AdamW",
        what="Finds calls of `transformers.AdamW` (`transformers.optimization.AdamW`).",
        why=(
            "`transformers.AdamW` was deprecated and then removed in transformers 4.50.0, so the "
            "import fails on current versions. It was already decoupled (it decays after the Adam "
            "step); `torch.optim.AdamW` is the maintained implementation. Its defaults differ: "
            "transformers used `eps=1e-6` and `weight_decay=0.0`, torch uses `eps=1e-8` and "
            "`weight_decay=1e-2`."
        ),
        fix_safety=(
            "The fix keeps the numerics as close as the two implementations allow: it writes "
            "`eps=1e-6` and `weight_decay=0.0` explicitly when the call relied on transformers' "
            "defaults, and drops `correct_bias=True` and `no_deprecation_warning`. The two apply "
            "the decay at slightly different points of the step (before vs after the Adam "
            "update), a second-order difference. `correct_bias=False` has no automatic fix."
        ),
    ),
    Rule(
        code="AWL105",
        name="torch-loss-side-l2",
        summary="L2 penalty over model.parameters() added to the loss of an adaptive optimizer",
        what=(
            "Finds `λ * sum(p.pow(2).sum() for p in model.parameters())` and its common spellings "
            "(`torch.norm(p) ** 2`, `p.norm(2).pow(2)`, `(p ** 2).sum()`) in a module that builds an "
            "adaptive torch optimizer. Heuristic, so off by default (`--extend-select AWL105`)."
        ),
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "A penalty added to the loss is coupled L2 whatever the optimizer's arguments say."),
        fix_safety="No automatic fix. λ·Σθ² has gradient 2λ·θ: drop it and use `AdamW(weight_decay=2λ)`, then re-tune.",
        enabled_by_default=False,
    ),
    Rule(
        code="AWL201",
        name="keras-l2-regularizer-adaptive",
        summary="Keras L2 weight regularizers trained with an adaptive optimizer (coupled L2)",
        what=(
            "Finds L2 weight regularizers (`kernel_regularizer=regularizers.l2(c)`, `L2`, `L1L2(l2=…)`, "
            "`\"l2\"`, `tf.contrib.layers.l2_regularizer`, …) in a module that builds an adaptive Keras "
            "optimizer (an object, or a string in `compile(optimizer=\"adam\")`). It is reported at the "
            "optimizer and names the regularizer lines. `activity_regularizer` regularizes outputs and "
            "is not reported. Keras optimizers' own `weight_decay=` is already decoupled and is never reported."
        ),
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "In Keras the coupled L2 lives in the regularizers, which add c·Σw² to the loss: its "
                                 "gradient 2c·w goes through the adaptive denominator."),
        fix_safety=(
            "No automatic fix (the regularizers and the optimizer are usually far apart). Drop the "
            "regularizers and use `keras.optimizers.AdamW(weight_decay=2·c)`; L2(c) has gradient 2c·w. "
            "Keras's decay is multiplied by the learning rate. Re-tune."
        ),
    ),
    Rule(
        code="AWL202",
        name="tf-loss-side-l2-adaptive",
        summary="L2 terms in a TensorFlow loss minimized by an adaptive optimizer (coupled L2)",
        what=(
            "Finds loss-side L2 (`tf.nn.l2_loss(…)`, `tf.losses.get_regularization_loss()`, "
            "`tf.compat.v1.losses.get_regularization_losses()`, `sum(model.losses)`) in a module that uses "
            "an adaptive TensorFlow optimizer (`tf.train.AdamOptimizer`, `RMSPropOptimizer`, "
            "`AdagradOptimizer`, or an adaptive Keras optimizer). Reported at the optimizer."
        ),
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "TF1 optimizers have no weight decay of their own, so TF code writes L2 into the loss."),
        fix_safety=(
            "No automatic fix. `wd * tf.nn.l2_loss(w)` has gradient wd·w: use "
            "`keras.optimizers.AdamW(weight_decay=wd)`, or in TF1 `tf.contrib.opt.AdamWOptimizer`, whose "
            "decay is *not* multiplied by the learning rate (weight_decay = wd·learning_rate). Re-tune."
        ),
    ),
    Rule(
        code="AWL203",
        name="keras-decay-argument",
        summary="decay= on a Keras optimizer is learning-rate decay (or ignored), never weight decay",
        what="Finds `decay=` passed to a Keras optimizer.",
        why=(
            "`decay=` is learning-rate time decay, lr/(1 + decay·t), in legacy Keras optimizers "
            "(`tf.keras.optimizers.legacy.*`, TF <= 2.10). Keras 3 silently ignores it with a warning, and "
            "tf-keras's newer optimizers raise. It never was weight decay. For learning-rate decay use a "
            "`keras.optimizers.schedules.LearningRateSchedule`; for weight decay use `weight_decay=` "
            "(Keras >= 2.11, decoupled)."
        ),
        fix_safety="No automatic fix: which of the two was meant is the author's call.",
    ),
    Rule(
        code="AWL204",
        name="tf-decoupled-decay-not-lr-scaled",
        summary="decoupled weight decay that is not multiplied by the learning rate (TF Addons, tf.contrib)",
        what=(
            "Finds `tfa.optimizers.AdamW`, `tfa.optimizers.extend_with_decoupled_weight_decay` and "
            "`tf.contrib.opt.AdamWOptimizer`. Off by default (`--extend-select AWL204`)."
        ),
        why=(
            "These are decoupled, but shrink the weights by `weight_decay` itself each step, not by "
            "`learning_rate·weight_decay` as Keras, torch and optax do. TF Addons is end-of-life (TF <= 2.15). "
            "Moving to `keras.optimizers.AdamW` needs `weight_decay / learning_rate` to keep the same decay."
        ),
        fix_safety="No automatic fix: the translation depends on the learning-rate schedule.",
        enabled_by_default=False,
    ),
    Rule(
        code="AWL301",
        name="optax-decay-before-preconditioner",
        summary="optax.add_decayed_weights before an adaptive transform is coupled L2; use optax.adamw",
        what=(
            "Finds `optax.chain(optax.add_decayed_weights(wd), <adaptive>)` where the adaptive part is "
            "`optax.adam`, `scale_by_adam`, `rmsprop`, `scale_by_rms`, `adagrad`, …"
        ),
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "In optax the order of a chain decides: decay *before* the preconditioner is "
                                 "Adam+L2; only decay after the preconditioner and before the learning-rate scaling "
                                 "is AdamW (`optax.adamw`)."),
        fix_safety=_RETUNE.replace("`adamw-lint fix`", "The fix (only for exactly decay + `optax.adam`) writes "
                                   "`optax.adamw(…, weight_decay=wd)`; `adamw-lint fix`"),
    ),
    Rule(
        code="AWL302",
        name="optax-decay-after-update",
        summary="optax.add_decayed_weights after the learning-rate scaling makes weights grow",
        what="Finds `optax.chain(optax.adam(lr), optax.add_decayed_weights(wd))` and other chains that add "
             "the decay after the update was scaled by −learning_rate.",
        why=(
            "optax applies updates as θ + u. After `scale_by_learning_rate` (inside `optax.adam`) the update "
            "is already −lr·…; adding wd·θ to it makes θ grow by the factor (1 + wd) every step. It is a sign "
            "bug, not weight decay, and it is not multiplied by the learning rate."
        ),
        fix_safety="The fix (only for exactly `optax.adam` + decay) writes `optax.adamw(…, weight_decay=wd)`, "
                   "which changes training numerics: re-tune `weight_decay`.",
    ),
    Rule(
        code="AWL303",
        name="optax-adadelta-weight-decay",
        summary="optax.adadelta(weight_decay=…) is coupled L2",
        what="Finds `optax.adadelta` with a weight decay that is, or may be, non-zero.",
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "`optax.adadelta` puts `add_decayed_weights` *before* `scale_by_adadelta`."),
        fix_safety="No automatic fix. Use `optax.chain(optax.scale_by_adadelta(), optax.add_decayed_weights(wd), "
                   "optax.scale_by_learning_rate(lr))`, and re-tune.",
    ),
)

RULES_BY_CODE: Mapping[str, Rule] = {rule.code: rule for rule in RULES}


@dataclass(frozen=True)
class Signature:
    """A Python signature parsed from its source text (``"params, lr=1e-3, *, fused=None"``)."""

    positional: Tuple[str, ...]
    keyword_only: Tuple[str, ...]
    defaults: Mapping[str, str]  # parameter name → default, as source text
    var_positional: bool
    var_keyword: bool

    @classmethod
    def parse(cls, text: str) -> "Signature":
        source = f"def f({text}): pass"
        args = ast.parse(source).body[0].args  # type: ignore[attr-defined]

        def text_of(node: ast.expr) -> str:  # the default as written: "1e-6", not "1e-06"
            return ast.get_source_segment(source, node) or ast.unparse(node)

        positional = [a.arg for a in args.posonlyargs + args.args]
        defaults = {
            name: text_of(node)
            for name, node in zip(positional[len(positional) - len(args.defaults):], args.defaults)
        }
        for a, node in zip(args.kwonlyargs, args.kw_defaults):
            if node is not None:
                defaults[a.arg] = text_of(node)
        return cls(
            positional=tuple(positional),
            keyword_only=tuple(a.arg for a in args.kwonlyargs),
            defaults=defaults,
            var_positional=args.vararg is not None,
            var_keyword=args.kwarg is not None,
        )

    def index(self, name: str) -> Optional[int]:
        """Positional index of ``name``; None when it is keyword-only or absent."""
        return self.positional.index(name) if name in self.positional else None

    def __contains__(self, name: str) -> bool:
        return name in self.positional or name in self.keyword_only


@dataclass(frozen=True)
class Example:
    """An invalid example and what ``adamw-lint fix`` must turn it into (None: no fix)."""

    source: str
    fixed: Optional[str] = None


@dataclass(frozen=True)
class OptimizerApi:
    """An optimizer class (or class-like callable) and how it applies weight decay."""

    names: Tuple[str, ...]  # qualified names; the first is the one messages use
    signature_text: str
    decay: str  # COUPLED / DECOUPLED / NOT_ADAPTIVE / NO_DECAY when nothing selects otherwise
    source: str  # where in optimizer-semantics.md the facts come from
    code: Optional[str] = None  # rule reported when the configuration is coupled
    weight_decay: Optional[str] = "weight_decay"
    switch: Optional[str] = None  # constructor argument that selects decoupled decay
    group_switch: Optional[str] = None  # param-group key that overrides the switch
    since: Optional[str] = None  # first release with the switch
    fix: Optional[str] = None  # "rename" or "switch"
    rename: Mapping[str, str] = field(default_factory=dict)  # qualified name → decoupled class
    droppable: Tuple[str, ...] = ()  # arguments a rename may drop whatever their value
    advice: str = ""  # what to write instead, for messages
    always: Optional[str] = None  # every call is reported, with this message after the name
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()

    @cached_property
    def signature(self) -> Signature:
        return Signature.parse(self.signature_text)

    @property
    def switch_default(self) -> bool:
        """Whether decay is decoupled when the switch is not passed."""
        if self.switch is None:
            return self.decay == DECOUPLED
        return self.signature.defaults[self.switch] == "True"


@dataclass(frozen=True)
class Choice:
    """One optimizer name accepted by a factory's string argument."""

    code: str
    replacement: Optional[str] = None  # decoupled name, when one exists
    advice: str = ""


@dataclass(frozen=True)
class OptimizerFactory:
    """A function that builds an optimizer from a name string (timm, Hugging Face)."""

    names: Tuple[str, ...]
    signature_text: str
    choice: str  # the argument that names the optimizer
    choices: Mapping[str, Choice]  # the coupled, adaptive names; every other name is fine
    source: str
    weight_decay: str = "weight_decay"
    prefixes: Tuple[str, ...] = ()  # wrappers written before the name ("lookahead_adam")
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()

    @cached_property
    def signature(self) -> Signature:
        return Signature.parse(self.signature_text)


@dataclass(frozen=True)
class OptimizerWrapper:
    """A callable that receives an optimizer class and forwards arguments to it."""

    names: Tuple[str, ...]
    signature_text: str
    optimizer: str  # the argument holding the optimizer class
    source: str
    params: Optional[str] = None  # wrapper argument forwarded as the optimizer's ``params``
    positional_from: Optional[int] = None  # wrapper *args forwarded from this index on
    kwargs: Optional[str] = None  # a dict argument forwarded as keywords

    @cached_property
    def signature(self) -> Signature:
        return Signature.parse(self.signature_text)


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

_HF_COUPLED = {
    name: Choice("AWL103", advice='use optim="adamw_torch"')
    for name in ("adagrad", "rmsprop", "rmsprop_bnb", "rmsprop_bnb_8bit", "rmsprop_bnb_32bit")
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
            ),
            Example(
                "import timm.optim\nopt = timm.optim.create_optimizer_v2(model, opt=\"lookahead_radam\", weight_decay=wd)\n",
                "import timm.optim\nopt = timm.optim.create_optimizer_v2(model, opt=\"lookahead_radamw\", weight_decay=wd)\n",
            ),
            Example("from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, 'rmsprop', weight_decay=1e-5)\n"),
        ),
    ),
    OptimizerFactory(
        names=(
            "transformers.TrainingArguments",
            "transformers.training_args.TrainingArguments",
            "transformers.Seq2SeqTrainingArguments",
            "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
        ),
        signature_text="output_dir=None, *, optim='adamw_torch', weight_decay=0.0, **kwargs",
        choice="optim",
        choices=_HF_COUPLED,
        source="§1 row 41, §5.5, trap 8",
        valid=(
            "from transformers import TrainingArguments\nargs = TrainingArguments('out', optim='adagrad')\n",
            "from transformers import TrainingArguments\nargs = TrainingArguments('out', weight_decay=0.01)\n",
        ),
        invalid=(
            Example(
                "from transformers import TrainingArguments\n"
                "args = TrainingArguments('out', optim='rmsprop_bnb_8bit', weight_decay=0.01)\n"
            ),
        ),
    ),
)

WRAPPERS: Tuple[OptimizerWrapper, ...] = (
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


# --- TensorFlow / Keras (semantics §3, traps 1, 9, 11) -----------------------------------------

_KERAS_ROOTS = ("keras", "tensorflow.keras", "tf_keras", "tensorflow.python.keras")


def _keras(*paths: str) -> Tuple[str, ...]:
    return tuple(f"{root}.{path}" for root in _KERAS_ROOTS for path in paths)


def _keras_optimizers(*classes: str) -> Tuple[str, ...]:
    return _keras(*(f"{sub}.{cls}" for sub in ("optimizers", "optimizers.legacy", "optimizers.experimental")
                    for cls in classes))


@dataclass(frozen=True)
class TrainingOptimizer:
    """TensorFlow/Keras optimizers. Their own ``weight_decay=`` is decoupled and never reported;
    adaptive ones make any L2 penalty in the model or loss coupled (AWL201/AWL202), and a
    ``decay=`` keyword on a Keras one is learning-rate decay (AWL203)."""

    names: Tuple[str, ...]
    adaptive: bool
    keras: bool
    source: str
    codes: Tuple[str, ...] = ("AWL203",)
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


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


@dataclass(frozen=True)
class L2Penalty:
    """A coupled L2 penalty written into the model (a regularizer) or into the loss."""

    names: Tuple[str, ...]
    kind: str  # "regularizer" (AWL201) or "loss" (AWL202)
    signature_text: str
    coefficient: Optional[str]  # the parameter holding c
    gradient_factor: float  # the penalty's gradient is gradient_factor · c · w
    source: str
    legacy_coefficient: Optional[str] = None  # an older keyword for c (Keras 2's ``l2(l=0.01)``)
    of_weights: bool = False  # the first argument must be a weight, not an error term (l2_loss(y - t))
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()

    @property
    def codes(self) -> Tuple[str, ...]:
        return ("AWL201",) if self.kind == "regularizer" else ("AWL202",)

    @cached_property
    def signature(self) -> Signature:
        return Signature.parse(self.signature_text)


# Keyword arguments that take a *weight* regularizer (activity_regularizer regularizes outputs).
REGULARIZER_KEYWORDS: Tuple[str, ...] = (
    "kernel_regularizer", "bias_regularizer", "depthwise_regularizer", "pointwise_regularizer",
    "recurrent_regularizer", "embeddings_regularizer", "beta_regularizer", "gamma_regularizer",
    "W_regularizer", "b_regularizer",
)
REGULARIZER_STRINGS: Mapping[str, float] = {"l2": 0.01, "l1_l2": 0.01}  # Keras's defaults for the names
# Strings that name an adaptive optimizer in ``model.compile(optimizer=...)``.
KERAS_OPTIMIZER_STRINGS: Tuple[str, ...] = (
    "adam", "adamw", "adamax", "nadam", "rmsprop", "adagrad", "adadelta", "ftrl", "lion", "lamb", "adafactor",
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
            "from tensorflow.keras import layers, regularizers\n"
            "dense = layers.Dense(64, activity_regularizer=regularizers.l2(1e-5))\n"
            "model.compile(optimizer='adam', loss='mse')\n",
            "from keras import layers, regularizers\n"
            "dense = layers.Dense(64, kernel_regularizer=regularizers.l2(0.0))\n"
            "model.compile(optimizer='adam', loss='mse')\n",
        ),
        invalid=(
            Example(
                "import tensorflow as tf\nfrom tensorflow.keras import layers, regularizers\n"
                "dense = layers.Dense(64, kernel_regularizer=regularizers.l2(1e-4))\n"
                "model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss='mse')\n"
            ),
            Example(
                "import keras\nconv = keras.layers.Conv2D(32, 3, kernel_regularizer='l2')\n"
                "model.compile(optimizer='rmsprop', loss='mse')\n"
            ),
            Example(
                "from keras.optimizers import Adam\nfrom keras.regularizers import l2\n"
                "dense = Dense(10, W_regularizer=l2(l=5e-4))\nopt = Adam(lr=1e-3)\n"
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
        valid=("from keras import layers, regularizers\n"
               "d = layers.Dense(8, kernel_regularizer=regularizers.L1L2(l1=1e-4))\n"
               "model.compile(optimizer='adam')\n",),
        invalid=(
            Example("from keras import layers, optimizers, regularizers\n"
                    "d = layers.Dense(8, kernel_regularizer=regularizers.L1L2(l2=1e-4))\n"
                    "opt = optimizers.Nadam()\n"),
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
               "opt = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)\n",
               "import tensorflow as tf\nmse = tf.nn.l2_loss(prediction - target) / batch\n"
               "opt = tf.compat.v1.train.AdamOptimizer(1e-3)\n"),
        invalid=(
            Example(
                "import tensorflow as tf\n"
                "loss = xent + 5e-4 * tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])\n"
                "train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)\n"
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
        source="§1 row 27, §3.3",
        invalid=(
            Example(
                "import tensorflow as tf\nloss = xent + tf.compat.v1.losses.get_regularization_loss()\n"
                "opt = tf.compat.v1.train.RMSPropOptimizer(1e-3)\n"
            ),
            Example(
                "import tensorflow as tf\n\ndef step(model, x, y):\n"
                "    loss = loss_fn(y, model(x)) + sum(model.losses)\n    return loss\n\n"
                "optimizer = tf.keras.optimizers.Adam()\n"
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


# --- optax (semantics §4, trap 7) ---------------------------------------------------------------

def _optax(*functions: str) -> Tuple[str, ...]:
    return tuple(f"optax.{f}" for f in functions)


@dataclass(frozen=True)
class OptaxChain:
    """Where ``add_decayed_weights`` sits in an ``optax.chain`` decides what it is."""

    names: Tuple[str, ...]
    decay: Tuple[str, ...]  # add_decayed_weights
    adaptive: Tuple[str, ...]  # preconditioners, alone or inside an alias
    scaled: Tuple[str, ...]  # transforms whose output is already multiplied by −lr
    fixable: Tuple[str, ...]  # the alias that decay + it becomes ``replacement`` (with the same args)
    replacement: str
    source: str
    codes: Tuple[str, ...] = ("AWL301", "AWL302")
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


_OPTAX_ADAPTIVE_ALIASES = ("adam", "adamw", "adamax", "adamaxw", "amsgrad", "adabelief", "adagrad", "adadelta",
                           "nadam", "nadamw", "radam", "rmsprop", "yogi")

OPTAX_CHAINS: Tuple[OptaxChain, ...] = (
    OptaxChain(
        names=_optax("chain", "_src.combine.chain"),
        decay=_optax("add_decayed_weights", "transforms.add_decayed_weights", "_src.transform.add_decayed_weights"),
        adaptive=_optax(*_OPTAX_ADAPTIVE_ALIASES, "scale_by_adam", "scale_by_adamax", "scale_by_amsgrad",
                        "scale_by_belief", "scale_by_adadelta", "scale_by_radam", "scale_by_rms", "scale_by_rss",
                        "scale_by_yogi"),
        scaled=_optax(*_OPTAX_ADAPTIVE_ALIASES, "sgd", "scale_by_learning_rate", "scale"),
        fixable=_optax("adam"),
        replacement="optax.adamw",
        source="§1 rows 28-30, §4, trap 7",
        valid=(
            "import optax\ntx = optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(1e-4),"
            " optax.scale_by_learning_rate(1e-3))\n",
            "import optax\ntx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-3, weight_decay=1e-4))\n",
            "import optax\ntx = optax.chain(optax.add_decayed_weights(0.0), optax.adam(1e-3))\n",
        ),
        invalid=(
            Example(
                "import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4), optax.adam(1e-3, b2=0.98))\n",
                "import optax\ntx = optax.adamw(1e-3, b2=0.98, weight_decay=1e-4)\n",
            ),
            Example(
                "import optax as ox\ntx = ox.chain(ox.clip(1.0), ox.add_decayed_weights(wd, mask), ox.scale_by_adam(),"
                " ox.scale(-lr))\n"
            ),
            Example(
                "from optax import adam, add_decayed_weights, chain\ntx = chain(adam(3e-4), add_decayed_weights(1e-2))\n",
                "from optax import adamw\ntx = adamw(3e-4, weight_decay=1e-2)\n",
            ),
        ),
    ),
)

OPTAX_OPTIMIZERS: Tuple[OptimizerApi, ...] = (
    OptimizerApi(
        names=_optax("adadelta", "_src.alias.adadelta"),
        signature_text="learning_rate=None, rho=0.9, eps=1e-6, weight_decay=0.0, weight_decay_mask=None",
        decay=COUPLED,
        source="§1 row 31, §4, trap 7",
        code="AWL303",
        advice="use optax.chain(optax.scale_by_adadelta(), optax.add_decayed_weights(wd), "
               "optax.scale_by_learning_rate(lr))",
        valid=("import optax\ntx = optax.adadelta(1.0)\n", "import optax\ntx = optax.adamw(1e-3, weight_decay=0.05)\n"),
        invalid=(Example("import optax\ntx = optax.adadelta(1.0, 0.9, 1e-6, 1e-4)\n"),),
    ),
)


# --- PyTorch loss-side L2 (AWL105, heuristic, off by default) ------------------------------------

@dataclass(frozen=True)
class SquaredNormPattern:
    """Spellings of Σθ² over ``model.parameters()`` added to a loss (method names on the tensor)."""

    iterators: Tuple[str, ...]  # methods whose results are the parameters
    source: str
    codes: Tuple[str, ...] = ("AWL105",)
    valid: Tuple[str, ...] = ()
    invalid: Tuple[Example, ...] = ()


SQUARED_NORMS = SquaredNormPattern(
    iterators=("parameters", "named_parameters"),
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
    ),
)


def _index(rows) -> dict:
    table = {}
    for row in rows:
        for name in row.names:
            assert name not in table, f"{name} is in the catalog twice"
            table[name] = row
    return table


OPTIMIZERS_BY_NAME: Mapping[str, OptimizerApi] = _index((*OPTIMIZERS, *DECOUPLED_NOT_LR_SCALED, *OPTAX_OPTIMIZERS))
FACTORIES_BY_NAME: Mapping[str, OptimizerFactory] = _index(FACTORIES)
WRAPPERS_BY_NAME: Mapping[str, OptimizerWrapper] = _index(WRAPPERS)
TRAINING_OPTIMIZERS_BY_NAME: Mapping[str, TrainingOptimizer] = _index(TRAINING_OPTIMIZERS)
L2_PENALTIES_BY_NAME: Mapping[str, L2Penalty] = _index(L2_PENALTIES)
OPTAX_CHAINS_BY_NAME: Mapping[str, OptaxChain] = _index(OPTAX_CHAINS)


def all_rows() -> Iterator[object]:
    yield from OPTIMIZERS
    yield from DECOUPLED_NOT_LR_SCALED
    yield from OPTAX_OPTIMIZERS
    yield from FACTORIES
    yield from WRAPPERS
    yield from TRAINING_OPTIMIZERS
    yield from L2_PENALTIES
    yield from OPTAX_CHAINS
    yield SQUARED_NORMS


def codes_of(row: object) -> Tuple[str, ...]:
    """The codes a row's invalid examples may produce."""
    if isinstance(row, OptimizerApi):
        return (row.code,) if row.code else ()
    if isinstance(row, OptimizerFactory):
        return tuple(sorted({choice.code for choice in row.choices.values()}))
    return tuple(getattr(row, "codes", ()))


def trigger_words() -> Tuple[str, ...]:
    """Words one of which a file must contain to hold a finding (the pre-filter).

    A call can only resolve to a catalog optimizer if the optimizer's own name appears in the
    file (as an attribute, an import or an alias target), so files without any of these words
    are never parsed. Words that contain another word are dropped: "Adam" covers "NAdam".
    """
    words = {name.rsplit(".", 1)[1] for row in (*OPTIMIZERS, *FACTORIES) for name in row.names
             if codes_of(row)}
    # TensorFlow, Keras and optax findings need the package imported, by its own name
    words |= {name.split(".", 1)[0] for row in (*TRAINING_OPTIMIZERS, *L2_PENALTIES, *OPTAX_CHAINS,
                                                *DECOUPLED_NOT_LR_SCALED, *OPTAX_OPTIMIZERS) for name in row.names}
    # (AWL105 needs an adaptive torch optimizer in the module, whose name is already a word here)
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))

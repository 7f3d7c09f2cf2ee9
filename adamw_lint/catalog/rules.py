"""The rules: codes, names and the documentation each one carries (ruff's sections)."""

from __future__ import annotations

from typing import Mapping, Tuple

from .schema import SAFE, Rule

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
    "values are 1e-2 to 1e-1). Re-tune `weight_decay` after applying it, or write the value the "
    "runtime calibration measured (`adamw-lint fix --weight-decay-from adamw-calibration.json`). "
    "The fix is *unsafe*: `check --fix` applies it only with `--unsafe-fixes`; `adamw-lint fix` "
    "(the one-off codemod) applies it. A fix that needs a newer torch than the project allows "
    "(`target-torch`, else the lowest torch its metadata accepts) is not offered. Inside a "
    "library's public API that promises the optimizer (an importable class, factory or function "
    "whose name, registration or return annotation names it), or where the fix would rename the "
    "base of a public class, the fix is *display-only*: advice to offer the decoupled variant "
    "beside it, never a rewrite of what every importer gets."
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
            "`opt=\"adam\"`/`\"fusedadam\"`, ultralytics `model.train(optimizer=\"Adam\")` (whose weight_decay "
            "has a non-zero default), and a param group that turns AdamW's decoupling off."
        ),
        why=_WHY_COUPLED,
        fix_safety=(
            _RETUNE
            + " For `torch.optim.Adam` the default fix renames the class to `AdamW` (every torch "
            "since 1.2) and keeps `weight_decay` explicit, because AdamW's default is 1e-2 and "
            "Adam's is 0; `--style flag` passes `decoupled_weight_decay=True` instead (torch >= 2.7 "
            "only: older versions raise TypeError), and falls back to the rename where the project "
            "allows an older torch."
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
            "`opt=\"nadam\"`/`\"radam\"`/…; and an optimizer class of the project whose own `step()` "
            "adds the decay to the gradient unless a flag it takes from its constructor is true."
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
        use_instead=(
            "import torch\n\n# AdamW decays every weight by the same factor; start from a larger weight_decay\n"
            "opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)\n"
        ),
        summary="adaptive optimizer with coupled L2 and no decoupled form",
        what=(
            "Finds adaptive optimizers that can only apply coupled L2 (`Adamax`, `Adagrad`, "
            "`RMSprop`, `Adadelta`, bitsandbytes `RMSprop*`/`Adagrad*`, torch_optimizer `Yogi`, "
            "`AdaBound`, …, timm `opt=\"rmsprop\"`, Hugging Face `optim=\"adagrad\"`/`\"rmsprop*\"`, "
            "ultralytics `optimizer=\"NAdam\"`/`\"RMSprop\"`/…) "
            "with a weight decay that is, or may be, non-zero. Also an optimizer class the project writes "
            "itself (a subclass of `torch.optim.Optimizer`, or of torch's optimizers, with its own `step()`) "
            "whose step adds `weight_decay·p` to the gradient before the gradient is squared, element by "
            "element, into a moment whose root divides the update: a vendored `RMSpropTF`, `Yogi` or `MADGRAD`. "
            "A step that shrinks `p` itself, adds the decay after dividing by the denominator (NovoGrad, LAMB), "
            "sums the square into a norm (LARS), pulls toward a reference, or samples noise (SGLD and SGHMC, "
            "whose L2 is a prior's gradient) is not read as coupled; nor one whose decay runs under a test of "
            "anything else than the decay, the weight itself or a constructor flag."
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
            "update), a second-order difference. `correct_bias=False` has no automatic fix. The fix is "
            "*safe*: `check --fix` applies it."
        ),
        fix_applicability=SAFE,
    ),
    Rule(
        code="AWL105",
        name="torch-loss-side-l2",
        use_instead=(
            "import torch\n\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=2 * lam)\n"
            "loss = criterion(model(x), y)  # no penalty term\n"
        ),
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
        use_instead=(
            "import keras\nfrom keras import layers\n\ndense = layers.Dense(64)  # no kernel_regularizer\n"
            "model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=2e-4), loss='mse')\n"
        ),
        summary="Keras L2 weight regularizers trained with an adaptive optimizer (coupled L2)",
        what=(
            "Finds L2 weight regularizers (`kernel_regularizer=regularizers.l2(c)`, `L2`, `L1L2(l2=…)`, "
            "`\"l2\"`, `tf.contrib.layers.l2_regularizer`, …) on the layers of a model that an adaptive Keras "
            "optimizer trains. The model is followed from `model.compile(optimizer=…)` back to its layers by "
            "variable, in source order (a notebook's cells in order): a `Sequential([...])` list, `model.add(...)`, "
            "the functional graph from `Input` to `Model(inputs, outputs)`, the layers a subclassed model or a "
            "builder function creates, in this module or any module of the project (`adamw-lint check`; flake8 "
            "reads one file). A model whose construction cannot be followed (a parameter, a model loaded from "
            "disk) is tied to the L2 regularizers written in the same function, class or top-level code that "
            "no followed model uses; a regularizer proven to be on another model is not reported. An optimizer "
            "handed to a trainer call trains the models handed with it; an optimizer's name handed to a "
            "`model_fn` (`get_optimizer_instance`) is reported at the argument, and a config that names an "
            "adaptive optimizer beside a key the code uses as an L2 coefficient at the config line. Reported "
            "once at the optimizer (or at `compile(optimizer=\"adam\")`), naming the regularizers' lines. "
            "`activity_regularizer` regularizes outputs and is not reported. Keras optimizers' own "
            "`weight_decay=` is already decoupled and is never reported."
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
        use_instead=(
            "import keras\n\nloss = xent  # no l2_loss term\n"
            "optimizer = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=5e-4)\n"
        ),
        summary="L2 terms in a TensorFlow loss minimized by an adaptive optimizer (coupled L2)",
        what=(
            "Finds L2 terms in the loss an adaptive TensorFlow or Keras optimizer minimizes. The loss is "
            "followed by variable from `opt.minimize(loss)` or `opt.apply_gradients(...)` (through "
            "`tape.gradient(loss, …)`) back to `tf.nn.l2_loss(w)` of weights, `model.losses` / "
            "`sum(model.losses)` of a model that has L2 regularizers, `get_regularization_loss()` in a graph "
            "that has them, and an `add_loss` of an L2 term on a compiled model. An L2 term in another "
            "optimizer's loss, `model.losses` of a model without L2 regularizers, `l2_loss(y - t)` (a "
            "regression loss), and `l2_loss(w)` where `minimize(loss, var_list=[b])` names only other variables "
            "(each a name bound once to `tf.Variable(...)` or `tf.get_variable(...)` of another name) are not "
            "reported. Reported once at the optimizer, naming each term's line."
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
        use_instead=(
            "import keras\n\nschedule = keras.optimizers.schedules.InverseTimeDecay(1e-3, decay_steps=1, decay_rate=1e-4)\n"
            "opt = keras.optimizers.Adam(learning_rate=schedule)  # learning-rate decay\n"
            "opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-2)  # weight decay\n"
        ),
        summary="decay= on a Keras optimizer is learning-rate decay (or ignored), never weight decay",
        what="Finds `decay=` passed to a Keras optimizer.",
        why=(
            "`decay=` is learning-rate time decay, lr/(1 + decay·t), in legacy Keras optimizers "
            "(`tf.keras.optimizers.legacy.*`, TF <= 2.10). Keras 3 silently ignores it with a warning, and "
            "tf-keras's newer optimizers raise. It never was weight decay. For learning-rate decay use a "
            "`keras.optimizers.schedules.LearningRateSchedule`; for weight decay use `weight_decay=` "
            "(Keras >= 2.11, decoupled). Not reported in a project whose requirements keep TensorFlow and "
            "Keras at 2.10 or older (`tensorflow~=2.8.0`, `tensorflow<2.11`, `keras==2.3.1`): there "
            "`decay=` is the learning-rate decay those versions document (but for their "
            "`optimizers.experimental` classes, which ignore it)."
        ),
        fix_safety="No automatic fix: which of the two was meant is the author's call.",
    ),
    Rule(
        code="AWL204",
        name="tf-decoupled-decay-not-lr-scaled",
        use_instead=(
            "import keras\n\n# tfa.optimizers.AdamW(weight_decay=1e-4, learning_rate=1e-3) decays by 1e-4 per step\n"
            "opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4 / 1e-3)\n"
        ),
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
             "the decay after the update was scaled by −learning_rate. A scaling that keeps the sign "
             "(`scale_by_learning_rate(lr, flip_sign=False)`, `scale(lr)`) is not reported: the caller then "
             "subtracts the update, decay included, which is decoupled decay on purpose.",
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
        use_instead=(
            "import optax\n\ntx = optax.chain(optax.scale_by_adadelta(), optax.add_decayed_weights(1e-4),"
            " optax.scale_by_learning_rate(1.0))\n"
        ),
        summary="optax.adadelta(weight_decay=…) is coupled L2",
        what="Finds `optax.adadelta` with a weight decay that is, or may be, non-zero.",
        why=_WHY_COUPLED.replace("Most code that passes `weight_decay=` to Adam meant AdamW.",
                                 "`optax.adadelta` puts `add_decayed_weights` *before* `scale_by_adadelta`."),
        fix_safety="No automatic fix. Use `optax.chain(optax.scale_by_adadelta(), optax.add_decayed_weights(wd), "
                   "optax.scale_by_learning_rate(lr))`, and re-tune.",
    ),
)

RULES_BY_CODE: Mapping[str, Rule] = {rule.code: rule for rule in RULES}

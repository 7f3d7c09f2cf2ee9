"""JAX / optax (semantics §4, trap 7)."""

from __future__ import annotations

from typing import Tuple

from .schema import COUPLED, Example, OptaxChain, OptimizerApi


def _optax(*functions: str) -> Tuple[str, ...]:
    return tuple(f"optax.{f}" for f in functions)


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
        replaces=_optax("adam", "adamw", "scale_by_adam"),
        source="§1 rows 28-30, §4, trap 7",
        # optax 0.2.8: masked(inner, mask) runs inner on the masked leaves (optax/_src/wrappers.py);
        # inject_hyperparams(inner_factory)(*args, **kwargs) calls inner_factory with them (_src/schedule.py)
        masks=_optax("masked", "transforms.masked", "_src.wrappers.masked"),
        injectors=_optax("inject_hyperparams", "schedules.inject_hyperparams", "_src.schedule.inject_hyperparams"),
        valid=(
            "import optax\ntx = optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(1e-4),"
            " optax.scale_by_learning_rate(1e-3))\n",
            "import optax\ntx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(1e-3, weight_decay=1e-4))\n",
            "import optax\ntx = optax.chain(optax.add_decayed_weights(0.0), optax.adam(1e-3))\n",
            "import optax\nparts = [optax.scale_by_adam(), optax.masked(optax.add_decayed_weights(1e-4), m)]\n"
            "tx = optax.chain(*parts, optax.inject_hyperparams(optax.scale_by_learning_rate)(1e-3))\n",
        ),
        invalid=(
            Example(
                "import optax\ntx = optax.chain(optax.add_decayed_weights(1e-4), optax.adam(1e-3, b2=0.98))\n",
                "import optax\ntx = optax.adamw(1e-3, b2=0.98, weight_decay=1e-4)\n",
                code="AWL301",
            ),
            Example(
                "import optax as ox\ntx = ox.chain(ox.clip(1.0), ox.add_decayed_weights(wd, mask), ox.scale_by_adam(),"
                " ox.scale(-lr))\n"
            , code="AWL301"),
            Example(
                "from optax import adam, add_decayed_weights, chain\ntx = chain(adam(3e-4), add_decayed_weights(1e-2))\n",
                "from optax import adamw\ntx = adamw(3e-4, weight_decay=1e-2)\n",
                code="AWL302",
            ),
            # the decay masked to the kernels, a transform bound to a name, a list spread into the chain
            Example("import optax\ndecay = optax.masked(optax.add_decayed_weights(1e-4), is_kernel)\n"
                    "tx = optax.chain(*[decay, optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)])\n", code="AWL301"),
            # RMSprop's preconditioner with the decay after the scaling: moved, not replaced by adamw
            Example("import optax\ntx = optax.chain(optax.scale_by_rms(decay=0.9), optax.scale(-1e-3),"
                    " optax.add_decayed_weights(1e-4))\n", code="AWL302"),
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

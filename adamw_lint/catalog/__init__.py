"""The optimizer catalog: the one source of truth for every rule, fix, doc page and runtime check.

Each row is data taken from ``docs/semantics.md`` (section numbers are cited in
``source``). Signatures are written exactly as the library declares them, so positional indices,
defaults and keyword-only arguments are derived, never restated. Every row carries the examples
that the test suite runs and the docs quote: ``valid`` must produce no finding, each ``invalid``
must produce the row's code, and its ``fixed`` text (or ``None``: no automatic fix) is what
``adamw-lint fix`` must write.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Tuple

from .rules import RULES, RULES_BY_CODE
from .schema import (
    COUPLED, DECOUPLED, NO_DECAY, NOT_ADAPTIVE, Choice, Example, L2Penalty, OptaxChain, OptimizerApi,
    OptimizerFactory, OptimizerWrapper, Rule, Signature, SquaredNormPattern, TrainingOptimizer,
)

__all__ = [
    "COUPLED", "DECOUPLED", "NO_DECAY", "NOT_ADAPTIVE", "Choice", "Example", "L2Penalty", "OptaxChain",
    "OptimizerApi", "OptimizerFactory", "OptimizerWrapper", "Rule", "Signature", "SquaredNormPattern",
    "TrainingOptimizer", "RULES", "RULES_BY_CODE", "OPTIMIZERS", "FACTORIES", "WRAPPERS", "SQUARED_NORMS",
    "TRAINING_OPTIMIZERS", "L2_PENALTIES", "DECOUPLED_NOT_LR_SCALED", "REGULARIZER_KEYWORDS",
    "REGULARIZER_STRINGS", "KERAS_OPTIMIZER_GETTERS", "KERAS_OPTIMIZER_STRINGS", "OPTIMIZER_NAME_TABLES", "FOLLOWED_WORDS", "OPTAX_CHAINS", "OPTAX_OPTIMIZERS",
    "OPTIMIZERS_BY_NAME", "FACTORIES_BY_NAME", "WRAPPERS_BY_NAME", "TRAINING_OPTIMIZERS_BY_NAME",
    "L2_PENALTIES_BY_NAME", "OPTAX_CHAINS_BY_NAME", "TRAINING_ROOTS", "STAR_IMPORTED", "DECAY_PARAMETERS",
    "OPTIMIZER_MODULES", "all_rows",
    "codes_of", "instance_method", "instance_method_name", "instance_triggers", "shown_name", "trigger_words",
]


def __getattr__(name: str) -> Any:
    """The API rows load on first use (PEP 562): `adamw-lint rules`, `--version` and the rules'
    codes need only ``RULES``, and the rows are most of what importing the catalog costs."""
    if name in _ROW_NAMES:
        return _rows()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ROW_NAMES = frozenset((
    "OPTAX_CHAINS", "OPTAX_OPTIMIZERS", "FACTORIES", "OPTIMIZERS", "SQUARED_NORMS", "WRAPPERS",
    "DECOUPLED_NOT_LR_SCALED", "FOLLOWED_WORDS", "KERAS_OPTIMIZER_GETTERS", "KERAS_OPTIMIZER_STRINGS",
    "OPTIMIZER_NAME_TABLES", "L2_PENALTIES",
    "REGULARIZER_KEYWORDS", "REGULARIZER_STRINGS", "TRAINING_OPTIMIZERS", "OPTIMIZERS_BY_NAME", "FACTORIES_BY_NAME",
    "WRAPPERS_BY_NAME", "TRAINING_OPTIMIZERS_BY_NAME", "L2_PENALTIES_BY_NAME", "OPTAX_CHAINS_BY_NAME",
    "TRAINING_ROOTS", "STAR_IMPORTED", "DECAY_PARAMETERS", "OPTIMIZER_MODULES",
))


def _rows() -> Dict[str, Any]:
    """The row tables, loaded once (and made module attributes, so later lookups are plain)."""
    if "OPTIMIZERS" in globals():
        return globals()
    from . import jax_optax, pytorch, tensorflow_keras

    rows: Dict[str, Any] = {}
    for module in (jax_optax, pytorch, tensorflow_keras):
        rows.update({name: getattr(module, name) for name in _ROW_NAMES if hasattr(module, name)})
    rows["OPTIMIZERS_BY_NAME"] = _index((*rows["OPTIMIZERS"], *rows["DECOUPLED_NOT_LR_SCALED"], *rows["OPTAX_OPTIMIZERS"]))
    rows["FACTORIES_BY_NAME"] = _index(rows["FACTORIES"])
    rows["WRAPPERS_BY_NAME"] = _index(rows["WRAPPERS"])
    rows["TRAINING_OPTIMIZERS_BY_NAME"] = _index(rows["TRAINING_OPTIMIZERS"])
    rows["L2_PENALTIES_BY_NAME"] = _index(rows["L2_PENALTIES"])
    rows["OPTAX_CHAINS_BY_NAME"] = _index(rows["OPTAX_CHAINS"])
    # the top-level names of the Keras/TF training APIs (``keras``, ``tensorflow``, ``tf_keras``)
    rows["TRAINING_ROOTS"] = frozenset(name.split(".", 1)[0] for row in rows["TRAINING_OPTIMIZERS"] for name in row.names)
    # what ``from <module> import *`` is resolved for (``Resolver``): the optimizers and factories
    # (a method of an instance, ``pkg.YOLO().train``: its class)
    rows["STAR_IMPORTED"] = frozenset(rows["OPTIMIZERS_BY_NAME"]) | frozenset(
        (instance_method(name) or (name, ""))[0] for name in rows["FACTORIES_BY_NAME"])
    # the optimizers' own names for their decay (a wrapper that passes one on under another name writes it)
    rows["DECAY_PARAMETERS"] = frozenset(row.weight_decay for row in rows["OPTIMIZERS_BY_NAME"].values() if row.weight_decay)
    # the modules whose classes ``getattr(module, name)`` can build: every parent of an optimizer's name
    rows["OPTIMIZER_MODULES"] = frozenset(name.rsplit(".", 1)[0] for name in rows["OPTIMIZERS_BY_NAME"])
    globals().update(rows)
    return rows


def _index(rows) -> dict:
    table = {}
    for row in rows:
        for name in row.names:
            assert name not in table, f"{name} is in the catalog twice"
            table[name] = row
    return table


def all_rows() -> Iterator[object]:
    rows = _rows()
    for name in ("OPTIMIZERS", "DECOUPLED_NOT_LR_SCALED", "OPTAX_OPTIMIZERS", "FACTORIES", "WRAPPERS",
                 "TRAINING_OPTIMIZERS", "L2_PENALTIES", "OPTAX_CHAINS"):
        yield from rows[name]
    yield rows["SQUARED_NORMS"]


# A catalog name for a method called on an instance the module builds: ``pkg.Class().method``
_INSTANCE = "()."


def instance_method(name: str) -> Optional[Tuple[str, str]]:
    """``(class, method)`` of a catalog name ``pkg.Class().method``; None for another name."""
    cls, found, method = name.partition(_INSTANCE)
    return (cls, method) if found else None


def instance_method_name(cls: str, method: str) -> str:
    """The catalog name of ``method`` called on an instance of ``cls``."""
    return f"{cls}{_INSTANCE}{method}"


def shown_name(name: str) -> str:
    """A catalog name as messages and docs show it: ``pkg.YOLO(…).train`` for ``pkg.YOLO().train``."""
    return name.replace(_INSTANCE, "(…).")


def codes_of(row: object) -> Tuple[str, ...]:
    """The codes a row's invalid examples may produce."""
    if isinstance(row, OptimizerApi):
        return (row.code,) if row.code else ()
    if isinstance(row, OptimizerFactory):
        return tuple(sorted({choice.code for choice in row.choices.values()}))
    return tuple(getattr(row, "codes", ()))


def trigger_words() -> Tuple[str, ...]:
    """Words one of which a file must contain to hold a finding (the pre-filter).

    Every finding is reported at an optimizer's construction (or a factory, a wrapper of one, or
    ``compile(optimizer="adam")``), and a call can only resolve to a catalog optimizer if the
    optimizer's own name appears in the file (as an attribute, an import or an alias target). So
    the words are the optimizers' own names, and the names a getter builds one from; optax chains
    need ``optax`` itself. Regularizers and
    loss terms are not words: without an adaptive optimizer they are never reported. A word
    matches only where no lower-case letter follows it, so words another covers are dropped.
    Keras SGD (reported only for ``decay=``, AWL203) is looked for in modules that mention Keras
    (``engine.may_contain_findings``): "SGD" alone would pass every torch file that uses SGD.
    A method of an instance (``pkg.YOLO().train``) has two words instead (``instance_triggers``).
    """
    table = _rows()
    words = {name.split(".", 1)[0] for row in table["OPTAX_CHAINS"] for name in row.names}  # "optax"
    # ``in`` before ``_covers``: most pairs share no text (this runs at every start: 1.2 -> 0.4 ms)
    for row in _reportable(table):
        words |= {name.rsplit(".", 1)[1] for name in row.names
                  if not instance_method(name) and not any(w in name and _covers(w, name) for w in words)}
    adaptive = {name for row in table["TRAINING_OPTIMIZERS"] if row.adaptive for name in row.names}
    # a name a getter maps to an adaptive class (``dnn_optimizer='RMSProp'``) is the word there
    words |= {key for names in table["OPTIMIZER_NAME_TABLES"].values() for key, cls in names.items() if cls in adaptive}
    return tuple(sorted(w for w in words if not any(o in w and o != w and _covers(o, w) for o in words)))


def instance_triggers() -> Dict[str, Tuple[str, ...]]:
    """The pre-filter's words for a method of an instance (``pkg.YOLO().train``): its package,
    which the import of the class that builds the instance here names, and the class ("YOLO"
    alone passes every YOLOX and YOLO_HEAD of other libraries; "ultralytics" alone, every module
    of ultralytics' own source, whose licence header says it). Only a project module that
    star-exports the class escapes the package word."""
    found: Dict[str, set] = {}
    for row in _reportable(_rows()):
        for name in row.names:
            method = instance_method(name)
            if method is not None:
                found.setdefault(name.split(".", 1)[0], set()).add(method[0].rsplit(".", 1)[1])
    return {package: tuple(sorted(classes)) for package, classes in found.items()}


def _reportable(table: Dict[str, Any]) -> Iterator[Any]:
    """The rows whose names a finding is reported at."""
    for row in (*table["OPTIMIZERS"], *table["FACTORIES"], *table["TRAINING_OPTIMIZERS"],
                *table["DECOUPLED_NOT_LR_SCALED"], *table["OPTAX_OPTIMIZERS"]):
        if row.adaptive if isinstance(row, TrainingOptimizer) else codes_of(row):
            yield row


def _covers(word: str, other: str) -> bool:
    """Whether ``word`` is found wherever ``other`` is, as the pre-filter matches: not followed by a
    lower-case letter ("Adam" covers "NAdam" and "AdamW", not "Adamax"; "Lamb" is not in "Lambda")."""
    at = other.find(word)
    while at >= 0:
        end = at + len(word)
        if end == len(other) or not other[end].islower():
            return True
        at = other.find(word, at + 1)
    return False

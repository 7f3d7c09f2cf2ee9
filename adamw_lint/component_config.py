"""Keras/TF component configs: an adaptive optimizer named in a config mapping beside the L2
coefficient of the code that mapping configures.

Frameworks that build a component from a config mapping hand its keys to the component's code as
keyword arguments (DeepPavlov's ``{"class_name": ..., "optimizer": "Adam", "coef_reg_cnn": 1e-4}``,
``"optimizer": "tensorflow.train:AdamOptimizer"`` beside ``"l2_reg_coef": 3e-4``). In Keras/TF the
L2 is not an optimizer argument: it is a parameter of the project's code used as an L2
coefficient (``kernel_regularizer=l2(coef_reg_cnn)``, ``l2_reg_coef * tf.nn.l2_loss(w)``). A
mapping is reported when it holds both:

* a value naming an adaptive Keras/TF optimizer: a class path (``module:Class`` or
  ``module.Class``) that the catalog knows, or a Keras name (``"Adam"``) when the project's code
  builds Keras optimizers by name (``getattr(tf.keras.optimizers, name)``);
* a non-zero number under a key that the project's code uses, by that name, as an L2
  coefficient: that key is what ties the mapping to the code (a config of another kind with an
  ``optimizer`` key does not have it).

Found at the line that names the optimizer, ``via`` the code where the coefficient is used; the
fix is left to the user (the decay must move to a decoupled optimizer the code can build).
"""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple

import yaml

from . import catalog
from .config_choice import project_modules, yaml_number
from .findings import Finding
from .records import Record
from .scope import naming_pattern

if TYPE_CHECKING:
    from .project_index import ProjectIndex
    from .summaries import Module

# ``c * tf.nn.l2_loss(w)`` and ``c * tf.losses.get_regularization_loss()`` (the regularizers' sum)
_L2_LOSS = frozenset(name for row in catalog.L2_PENALTIES if row.kind == "loss" for name in row.names)
_NAMES_AN_L2_LOSS = naming_pattern(name.rsplit(".", 1)[1] for name in _L2_LOSS)
_KERAS_MODULES = frozenset(name.rsplit(".", 1)[0] for row in catalog.TRAINING_OPTIMIZERS if row.keras for name in row.names)
_MAX_NAME = 80  # longer strings are prose, not a class path


class Coefficient(Record):
    """A parameter of the project's code used as an L2 coefficient."""

    name: str
    kind: str  # "regularizer" (AWL201) or "loss" (AWL202)
    where: str  # path:line of the use


def adaptive_class(text: str, by_name: bool) -> Optional[str]:
    """The catalog's adaptive Keras/TF optimizer a config string names (``by_name``: the
    project's code also builds Keras optimizers from a bare name)."""
    if len(text) > _MAX_NAME:
        return None
    qualname = text.replace(":", ".")
    row = catalog.TRAINING_OPTIMIZERS_BY_NAME.get(qualname)
    if row is not None:
        return qualname if row.adaptive else None
    if by_name and text.lower() in catalog.KERAS_OPTIMIZER_STRINGS:
        return f"keras.optimizers.{text}"
    return None


def findings(path: str, root: yaml.Node, project: "ProjectIndex") -> List[Finding]:
    """The component mappings of one YAML/JSON document that pair an adaptive optimizer with a
    non-zero L2 coefficient of the project's code."""
    candidates = list(_candidates(root))
    if not candidates:
        return []
    by_name = project.shared(("component_config", "builds by name"), _project_builds_by_name, project)
    named = [(mapping, key, value, qualname) for mapping, key, value in candidates
             for qualname in [adaptive_class(value.value, by_name)] if qualname is not None]
    if not named:  # "Adam" in a project that does not build Keras optimizers by name: no module's
        return []  # coefficients are read (most of a component config's cost, in a large project)
    coefficients = project.shared(("component_config", "coefficients"), _project_coefficients, project)
    found = []
    for mapping, key, value, qualname in named:
        tied = [(k.value, v.value, coefficients[k.value]) for k, v in mapping.value
                if isinstance(k, yaml.ScalarNode) and k.value in coefficients and _nonzero(v)]
        if not tied:
            continue
        code = "AWL201" if any(c.kind == "regularizer" for _, _, c in tied) else "AWL202"
        terms = "; ".join(f'"{name}": {number} is an L2 {c.kind} coefficient at {c.where}' for name, number, c in tied)
        message = (f'{code} "{key.value}": "{value.value}" names an adaptive optimizer ({qualname}) for a component '
                   f"whose L2 is coupled through its adaptive denominator ({terms}); set those to 0 and give the "
                   "component a decoupled optimizer (AdamW, weight_decay=2·c for l2(c)), then re-tune")
        start, end = value.start_mark, value.end_mark
        span = (start.line + 1, start.column, end.line + 1, end.column)
        found.append(Finding(code, message, span, None, "the optimizer is built by the component's code; "
                             "choose a decoupled one there"))
    return found


def _candidates(root: yaml.Node) -> Iterator[Tuple[yaml.MappingNode, yaml.ScalarNode, yaml.ScalarNode]]:
    """Mappings with a string value that may name an adaptive optimizer and a number beside it."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        numbers = any(isinstance(v, yaml.ScalarNode) and _nonzero(v) for _, v in node.value)
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:str":
                if numbers and isinstance(key, yaml.ScalarNode) and adaptive_class(value.value, True) is not None:
                    yield node, key, value
            else:
                stack.append(value)


def _nonzero(node: yaml.Node) -> bool:
    number = yaml_number(node)
    return number is not None and number == number and number != 0.0


# --- the code side --------------------------------------------------------------------------------

# the modules read for L2 coefficients (``_coefficients``; a regularizer or loss can be named by a
# string in pieces, ``getattr(tf.keras, "regul" "arizers")``), and those that may build by name
_READ_FOR_COEFFICIENTS = (b"regulariz", b"l2_loss", b"getattr(")
_READ_FOR_EITHER = (b"regulariz", b"l2_loss", b"getattr")


def _project_coefficients(project: "ProjectIndex") -> Dict[str, Coefficient]:
    """The names the project's code uses as L2 coefficients (once per process: ``shared`` notes
    the modules read for every config that asks)."""
    coefficients: Dict[str, Coefficient] = {}
    for path, _ in project_modules(project, _READ_FOR_COEFFICIENTS):
        module = project.parsed(path)
        if module is not None:
            for found in _coefficients(module):
                coefficients.setdefault(found.name, found)
    return coefficients


def _project_builds_by_name(project: "ProjectIndex") -> bool:
    """Whether the project's code builds Keras optimizers by name (``_builds_by_name``), once per
    process. Only a module whose text holds ``getattr`` and names a root of ``_KERAS_MODULES``
    (an import of keras or tensorflow) can: the others are not parsed (``project_modules`` notes
    the whole project for the cache, so an edit that makes one build by name still reaches the
    configs this answered)."""
    for path, raw in project_modules(project, _READ_FOR_EITHER):
        if b"getattr" in raw and (b"keras" in raw or b"tensorflow" in raw):
            module = project.parsed(path)
            if module is not None and _builds_by_name(module):
                return True
    return False


def _coefficients(module: "Module") -> Iterator[Coefficient]:
    resolver = module.resolver
    shown = os.path.relpath(module.path)
    shown = module.path if shown.startswith(os.pardir) else shown
    for call, scope in resolver.calls:
        name = resolver.qualname(call.func, scope) or ""
        penalty = catalog.L2_PENALTIES_BY_NAME.get(name)
        if penalty is not None and penalty.kind == "regularizer" and penalty.coefficient:
            given = next((kw.value for kw in call.keywords if kw.arg in (penalty.coefficient, penalty.legacy_coefficient)),
                         call.args[0] if call.args else None)
            named = _parameter_name(given)
            if named is not None:
                yield Coefficient(named, "regularizer", f"{shown}:{call.lineno}")
    # c * tf.nn.l2_loss(w): only in a module whose text can name an L2 loss (``naming_pattern``);
    # walking the whole tree is most of what reading a module for them costs
    if re.search(_NAMES_AN_L2_LOSS, "\n".join(module.lines)) is None:
        return
    for node in ast.walk(resolver.module.node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for factor, other in ((node.left, node.right), (node.right, node.left)):
                named = _parameter_name(factor)
                if named is not None and any(isinstance(n, ast.Call) and resolver.qualname(n.func, resolver.module) in _L2_LOSS
                                             for n in ast.walk(other)):
                    yield Coefficient(named, "loss", f"{shown}:{node.lineno}")


def _parameter_name(expr: Optional[ast.expr]) -> Optional[str]:
    """The name a coefficient is read from: ``coef``, ``self.coef`` or ``params.get("coef")``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return expr.attr
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get" and expr.args \
            and isinstance(expr.args[0], ast.Constant) and isinstance(expr.args[0].value, str):
        return expr.args[0].value
    return None


def _builds_by_name(module: "Module") -> bool:
    """``getattr(tf.keras.optimizers, name)`` somewhere in the module."""
    resolver = module.resolver
    return any(isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) >= 2
               and resolver.qualname(call.args[0], scope) in _KERAS_MODULES for call, scope in resolver.calls)


__all__ = ("Coefficient", "adaptive_class", "findings")

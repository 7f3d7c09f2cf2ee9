"""One checker per framework; the engine routes each call to the checkers registered for it.

To add a framework: write a ``Checker`` subclass (``base.py``) whose ``routes`` come from its
catalog rows, and list it here. See CONTRIBUTING.md.
"""

from typing import Tuple, Type

from .base import Checker
from .conventions import ConventionChecker
from .keras_tf import KerasTfChecker
from .loss_l2 import LossL2Checker
from .optax import OptaxChecker
from .optimizers import OptimizerChecker

CHECKERS: Tuple[Type[Checker], ...] = (OptimizerChecker, LossL2Checker, KerasTfChecker, OptaxChecker, ConventionChecker)

__all__ = ("CHECKERS", "Checker")

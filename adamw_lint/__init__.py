"""adamw-lint: find adaptive optimizers trained with coupled L2 where weight decay was meant.

Importing this package never imports torch, TensorFlow or JAX.
"""

__version__ = "0.1.0"

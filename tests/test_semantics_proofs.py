"""Numeric proofs of the semantics the rules rely on (run where the frameworks are installed).

Keras runs on its torch backend here, so no TensorFlow is needed; optax needs JAX.
"""
import os
import subprocess
import sys

import pytest

KERAS_PROOF = r"""
import numpy as np, keras, torch
assert keras.backend.backend() == "torch"
grads = ([0.5, 0.5, -0.25], [0.1, -0.3, 0.2], [-0.2, 0.1, 0.4], [0.3, 0.3, -0.1], [0.05, -0.2, 0.1])

def keras_run(cls, **kw):
    v = keras.Variable(np.array([1.0, -2.0, 3.0], dtype="float32"))
    opt = cls(learning_rate=0.1, **kw)
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(np.array(g, dtype="float32")), v)])
    return keras.ops.convert_to_numpy(v).astype("float64")

def torch_run(cls, **kw):
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
    opt = cls([p], lr=0.1, eps=1e-7, **kw)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    return p.detach().double().numpy()

adam_wd = keras_run(keras.optimizers.Adam, weight_decay=0.5)
adamw = keras_run(keras.optimizers.AdamW, weight_decay=0.5)
assert np.array_equal(adam_wd, adamw), (adam_wd, adamw)  # trap 1: Keras Adam(weight_decay) is AdamW
assert np.allclose(adam_wd, torch_run(torch.optim.AdamW, weight_decay=0.5), atol=1e-5)
assert not np.allclose(adam_wd, torch_run(torch.optim.Adam, weight_decay=0.5), atol=1e-3)
print("ok")
"""


def test_keras_adam_weight_decay_is_decoupled():
    import importlib.util

    if importlib.util.find_spec("keras") is None:  # importing it here would pick the TensorFlow backend
        pytest.skip("keras is not installed")
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-c", KERAS_PROOF], capture_output=True, text=True,
                            env={**os.environ, "KERAS_BACKEND": "torch"})
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_optax_chain_order():
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    params = jnp.array([1.0, -2.0, 3.0])
    grads = jnp.array([0.5, 0.5, -0.25])

    def step(tx):
        updates, _ = tx.update(grads, tx.init(params), params)
        return optax.apply_updates(params, updates)

    adamw = step(optax.adamw(0.1, weight_decay=0.5))
    by_hand = step(optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(0.5), optax.scale_by_learning_rate(0.1)))
    coupled = step(optax.chain(optax.add_decayed_weights(0.5), optax.adam(0.1)))  # AWL301
    growing = step(optax.chain(optax.adam(0.1), optax.add_decayed_weights(0.5)))  # AWL302
    assert jnp.allclose(adamw, by_hand)
    assert not jnp.allclose(adamw, coupled)
    assert jnp.all(jnp.abs(growing) > jnp.abs(params))  # the weights grow: a sign bug

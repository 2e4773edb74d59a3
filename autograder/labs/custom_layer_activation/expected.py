"""What a correct layer with an activation answers, and the data the judge draws: NumPy only.

The activations are Keras's own definitions (the defaults of
``tf.keras.activations.get(name)`` on Keras 3 and on tf-keras 2), written
again here so that the judge computes every expected answer itself. The
data sets are drawn fresh for each run from the run's seed: XOR on 2-D
points, and a sample of scikit-learn's 8x8 handwritten digits, read from
the file that ships inside scikit-learn (without importing it).
"""
from __future__ import annotations

import functools
import gzip
import importlib.util
import math
from pathlib import Path

import numpy as np

from autograder.labs.custom_dense_layer.expected import dense  # noqa: F401  (inputs @ kernel + bias)

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact, and never overflows


def softmax(z, axis: int = -1):
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


_erf = np.vectorize(math.erf, otypes=[np.float64])

NAMED = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda z: np.logaddexp(0.0, z),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
    "swish": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),
    "softmax": softmax,
}

# The callables the judge may name (the probes build the same ones with TensorFlow).
CALLABLES = {
    "scaled_tanh": lambda z, a, b: a * np.tanh(b * z),
    "leaky_relu": lambda z, slope: np.where(z > 0, z, slope * z),
    "shifted_softplus": lambda z, shift: np.logaddexp(0.0, z) - shift,
}


def activation(spec):
    """The NumPy function that the judge's description of an activation stands for."""
    if spec is None:
        return NAMED["linear"]
    if isinstance(spec, str):
        return NAMED[spec]
    if "keras" in spec:
        return NAMED[spec["keras"]]
    function, params = CALLABLES[spec["callable"]], [float(p) for p in spec["params"]]
    return lambda z: function(z, *params)


def describe(spec) -> str:
    """How a message names the activation asked for."""
    if spec is None or isinstance(spec, str):
        return repr(spec)
    if "keras" in spec:
        return f"tf.keras.activations.{spec['keras']}"
    names = {"scaled_tanh": ("a", "b"), "leaky_relu": ("slope",), "shifted_softplus": ("shift",)}[spec["callable"]]
    return f"a callable, {spec['callable']}({', '.join(f'{n}={v:.4g}' for n, v in zip(names, spec['params']))})"


def dense_activation(inputs, kernel, bias, spec) -> np.ndarray:
    """``activation(inputs @ kernel + bias)`` in float64."""
    return activation(spec)(dense(inputs, kernel, bias))


DERIVATIVES = {
    "linear": lambda z: np.ones_like(z),
    "relu": lambda z: (z > 0).astype(np.float64),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
}


def squared_error_gradients(inputs, kernel, bias, targets, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The gradients of sum((act(inputs @ kernel + bias) - targets)^2) for the kernel and the bias."""
    inputs = np.asarray(inputs, np.float64)
    z = dense(inputs, kernel, bias)
    delta = 2.0 * (NAMED[name](z) - np.asarray(targets, np.float64)) * DERIVATIVES[name](z)
    return inputs.T @ delta, delta.sum(axis=0)


# --------------------------------------------------------------------------- data the judge draws


def xor_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of XOR: four clouds at the corners of a square, opposite corners sharing a label.

    The square is turned, scaled and moved by amounts drawn from ``rng``:
    no line separates the labels, wherever the square is.
    """
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    labels = np.array([1.0, 1.0, 0.0, 0.0])
    which = rng.integers(0, 4, n)
    points = corners[which] + rng.normal(0.0, 0.3, (n, 2))
    angle = rng.uniform(0.0, 2.0 * np.pi)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = points @ turn.T * rng.uniform(0.5, 2.0) + rng.uniform(-1.0, 1.0, 2)
    return points.astype(np.float32), labels[which].astype(np.float32)


class DigitsMissing(RuntimeError):
    """scikit-learn (which ships the 8x8 digits) is not installed where the judge runs."""


def digits_file() -> Path:
    """scikit-learn's bundled 8x8 digits (1797 images, 64 pixels from 0 to 16, then the label)."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it (about a second)
    if spec is None or not spec.submodule_search_locations:
        raise DigitsMissing("the classifier check needs scikit-learn, whose 8x8 digits it trains on: "
                            "pip install scikit-learn")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"


@functools.lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """(images as floats in [0, 1] of shape (1797, 8, 8), labels 0-9)."""
    with gzip.open(digits_file(), "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return (table[:, :-1] / 16.0).reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def digits_sample(rng: np.random.Generator, n_train: int, n_test: int, noise: float = 0.05):
    """A fresh sample of the digits: (x_train, y_train, x_test, y_test).

    The pixels are shuffled by one permutation drawn for the run (the same
    for every image) and get a little noise. A dense layer sees pixels
    without their places, so this is the same task for it; but no image is
    a copy of one that scikit-learn ships, so the test labels cannot be
    looked up.
    """
    images, labels = digits()
    chosen = rng.permutation(len(images))[: n_train + n_test]
    pixels = rng.permutation(64)
    x = images[chosen].reshape(-1, 64)[:, pixels] + rng.normal(0.0, noise, (len(chosen), 64))
    x = np.clip(x, 0.0, 1.0).reshape(-1, 8, 8).astype(np.float32)
    y = labels[chosen]
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]

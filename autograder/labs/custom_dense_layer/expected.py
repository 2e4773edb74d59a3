"""What a correct dense layer answers, computed by the judge with NumPy (no TensorFlow).

The checks compare the subject's answers with these, for inputs, weights
and target lines drawn fresh for each run: a subject can only give the right
numbers by computing them, which is the layer's own work.
"""
from __future__ import annotations

import math

import numpy as np


def dense(inputs: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``inputs @ kernel + bias``, in float64."""
    return np.asarray(inputs, np.float64) @ np.asarray(kernel, np.float64) + np.asarray(bias, np.float64)


def sgd_on_mse(xs, ys, kernel, bias, epochs: int, learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch gradient descent on mean squared error, as ``model.fit`` takes it with Keras's SGD.

    Keras's MSE averages over the examples and the outputs, so each step moves
    the weights by ``learning_rate * 2 / (n * units)`` times the summed
    residual gradient.
    """
    xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
    kernel, bias = np.asarray(kernel, np.float64).copy(), np.asarray(bias, np.float64).copy()
    scale = learning_rate * 2.0 / (xs.shape[0] * ys.shape[1])
    for _ in range(int(epochs)):
        residual = xs @ kernel + bias - ys
        kernel -= scale * (xs.T @ residual)
        bias -= scale * residual.sum(axis=0)
    return kernel, bias


def normal_distance(draws: np.ndarray, std: float) -> float:
    """Kolmogorov-Smirnov distance between the draws and N(0, std): 0 for a perfect match."""
    ordered = np.sort(np.asarray(draws, np.float64).ravel())
    n = ordered.size
    if n == 0:
        return 1.0
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(ordered / (std * math.sqrt(2.0))))
    above = np.arange(1, n + 1) / n - cdf
    below = cdf - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def moments(draws: np.ndarray) -> dict:
    draws = np.asarray(draws, np.float64).ravel()
    mean, std = float(draws.mean()), float(draws.std())
    kurtosis = float(np.mean((draws - mean) ** 4) / std**4) if std > 0 else 0.0
    return {"mean": mean, "std": std, "kurtosis": kurtosis, "zeros": float(np.mean(draws == 0.0)),
            "n": int(draws.size)}

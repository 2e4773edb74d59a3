"""Measure lab 2's tolerances and bounds on the lab's answer, and where the nearest mistakes land.

    python -m autograder.labs.custom_layer_activation.calibrate [--seeds 40] [--only NAME]

Runs the lab's probes in this process on the reference layer (and on a few
wrong ones) for many seeds, with the data the checks draw, and prints for
each bound the worst figure of a correct layer, the margin, and the
nearest wrong answer. Instructor-only: it imports TensorFlow and the hidden
checks' settings. Run it on both stacks (prefix TF_USE_LEGACY_KERAS=1).
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from . import hidden, probes, public  # noqa: E402
from .expected import (  # noqa: E402
    dense, dense_activation, digits_sample, squared_error_gradients, xor_points)


def reference(where: str = "after_bias"):
    """The lab's layer; ``where`` moves the activation to a wrong place (or drops it)."""
    class SimpleDense(tf.keras.layers.Layer):
        def __init__(self, units=32, activation=None):
            super().__init__()
            self.units = units
            self.activation = tf.keras.activations.get(activation)

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                          initializer=tf.random_normal_initializer(), trainable=True)
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            product = tf.matmul(inputs, self.kernel)
            if where == "before_bias":
                return self.activation(product) + self.bias
            if where == "ignored":
                return product + self.bias
            if where == "twice":
                return self.activation(self.activation(product + self.bias))
            return self.activation(product + self.bias)

    return SimpleDense


def report(name: str, bound: float, worst: float, nearest: str = "", lower: bool = False) -> None:
    """One line: the bound, the worst correct figure, the margin (distance in units of the bound)."""
    if lower:  # a minimum accuracy: the margin is how far above it the worst correct layer stays
        margin = f"{worst - bound:+.3f} above"
    else:
        margin = f"{bound / worst if worst else float('inf'):6.1f}x"
    print(f"  {name:<38} bound {bound:<9.3g} worst {worst:<10.4g} margin {margin:>12}  {nearest}")


def draw_config(rng):
    batch, features, units = (int(d) for d in rng.choice(np.arange(2, 10), 3, replace=False))
    inputs = rng.uniform(-public.INPUT_RANGE, public.INPUT_RANGE, (batch, features)).astype(np.float32)
    kernel = rng.normal(0.0, 2.0 / np.sqrt(features), (features, units)).astype(np.float32)
    bias = rng.normal(0.0, 2.0, (units,)).astype(np.float32)
    return batch, features, units, inputs, kernel, bias


def forward_share(layer, seeds) -> tuple[float, float]:
    """(worst share of the activation tolerance used by the layer, nearest distance of a wrong place)."""
    worst = 0.0
    specs = ["relu", "softmax", *hidden.OTHER_NAMES, {"keras": "relu"},
             {"callable": "scaled_tanh", "params": [2.0, 0.7]}, {"callable": "leaky_relu", "params": [0.2]},
             {"callable": "shifted_softplus", "params": [1.0]}]
    for seed in seeds:
        rng = np.random.default_rng(seed)
        batch, features, units, inputs, kernel, bias = draw_config(rng)
        for spec in specs:
            out = probes.PROBES["forward"](layer, kwargs={"units": units, "activation": spec}, input_shape=[batch, features],
                                 seed=seed, inputs=inputs, assignments={"0": kernel, "1": bias})["outputs"]
            want = dense_activation(inputs, kernel, bias, spec)
            share = np.max(np.abs(out - want) / (np.abs(want) * public.ACTIVATION_RTOL + public.ACTIVATION_ATOL))
            worst = max(worst, float(share))
    return worst, 0.0


def gradient_error(layer, seeds) -> float:
    """The worst share of the gradient tolerance a correct layer uses (square sizes, active units, as
    the check draws them)."""
    worst = 0.0
    for seed in seeds:
        rng = np.random.default_rng(seed)
        size = int(rng.integers(2, 10))
        while True:
            inputs = rng.uniform(-public.INPUT_RANGE, public.INPUT_RANGE, (size, size)).astype(np.float32)
            kernel = rng.normal(0.0, 2.0 / np.sqrt(size), (size, size)).astype(np.float32)
            bias = rng.normal(0.0, 2.0, (size,)).astype(np.float32)
            if 0.25 <= np.mean(dense(inputs, kernel, bias) > 0) <= 0.75:
                break
        targets = rng.normal(0, 1, (size, size)).astype(np.float32)
        for name in hidden.GRADIENT_NAMES:
            grads = probes.PROBES["gradients"](layer, kwargs={"units": size, "activation": name},
                                               input_shape=[size, size], seed=seed, inputs=inputs, targets=targets,
                                               assignments={"0": kernel, "1": bias})["gradients"]
            want = squared_error_gradients(inputs, kernel, bias, targets, name)
            for g, w in zip(grads, want):
                worst = max(worst, float(np.linalg.norm(g - w) / (hidden.GRADIENT_RTOL * np.linalg.norm(w)
                                                                  + hidden.GRADIENT_ATOL)))
    return worst


def xor_accuracies(layer, seed: int) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed)
    points, labels = xor_points(rng, public.XOR_TRAIN + public.XOR_TEST)
    common = dict(units=public.XOR_UNITS, xs=points[:public.XOR_TRAIN], ys=labels[:public.XOR_TRAIN],
                  points=points[public.XOR_TRAIN:], steps=public.XOR_STEPS,
                  learning_rate=public.XOR_LEARNING_RATE, seed=seed)
    test = labels[public.XOR_TRAIN:] > 0.5
    started = time.monotonic()
    relu, linear = probes.learn_two_features(layer, hidden=[{"activation": "relu"}, {"activation": None}],
                                             **common)["logits"]
    return float(np.mean((relu > 0) == test)), float(np.mean((linear > 0) == test)), time.monotonic() - started


def classifier_accuracy(layer, seed: int) -> tuple[float, float, float]:
    """(test accuracy, worst |row sum - 1|, seconds) of the notebook's classifier."""
    rng = np.random.default_rng(seed)
    x_train, y_train, x_test, y_test = digits_sample(rng, hidden.DIGITS_TRAIN, hidden.DIGITS_TEST)
    started = time.monotonic()
    facts = probes.classify_images(layer, x_train=x_train, y_train=y_train, x_test=x_test,
                                   epochs=hidden.DIGITS_EPOCHS, batch_size=hidden.DIGITS_BATCH, seed=seed)
    p = facts["probabilities"]
    return float(np.mean(p.argmax(1) == y_test)), float(np.max(np.abs(p.sum(1) - 1))), time.monotonic() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.labs.custom_layer_activation.calibrate")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--only", choices=("activation", "nonlinearity", "classifier"), default=None)
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    print(f"Keras {probes.keras_version()}, {args.seeds} seeds")
    correct = reference()

    if args.only in (None, "activation"):
        print("forward with an activation, and gradients through it (float32 against float64):")
        worst, _ = forward_share(correct, seeds)
        report("ACTIVATION (share of its tolerance)", 1.0, worst)
        rng = np.random.default_rng(0)
        nearest = []
        for where in ("before_bias", "ignored", "twice"):
            batch, features, units, inputs, kernel, bias = draw_config(rng)
            for name in ("relu", "tanh", "softmax"):
                out = probes.PROBES["forward"](reference(where), kwargs={"units": units, "activation": name},
                                     input_shape=[batch, features], seed=0, inputs=inputs,
                                     assignments={"0": kernel, "1": bias})["outputs"]
                gap = float(np.max(np.abs(out - dense_activation(inputs, kernel, bias, name))))
                if gap > 1e-4:  # relu twice is relu: not a mistake
                    nearest.append((gap, f"{where} with {name}"))
        gap, what = min(nearest)
        print(f"    nearest wrong place: {what}, off by {gap:.3g} at worst entry")
        report("GRADIENT_RTOL (share of its tolerance)", 1.0, gradient_error(correct, seeds))

    if args.only in (None, "nonlinearity"):
        print(f"nonlinearity (XOR, {public.XOR_TRAIN} training points, {public.XOR_STEPS} steps):")
        runs = [xor_accuracies(correct, seed) for seed in seeds]
        report("RELU_MIN_ACCURACY", public.RELU_MIN_ACCURACY, min(r[0] for r in runs), lower=True)
        report("LINEAR_MAX_ACCURACY", public.LINEAR_MAX_ACCURACY, max(r[1] for r in runs),
               f"({public.LINEAR_MAX_ACCURACY - max(r[1] for r in runs):+.3f} below the bound)")
        wrong = [xor_accuracies(reference(where), seed)[0] for where in ("ignored",) for seed in seeds[:10]]
        print(f"    relu accuracy with the activation ignored: at most {max(wrong):.3f}")
        print(f"    seconds per check (two trainings): mean {np.mean([r[2] for r in runs]):.2f}, "
              f"max {max(r[2] for r in runs):.2f}")

    if args.only in (None, "classifier"):
        print(f"classifier ({hidden.DIGITS_TRAIN} digits, {hidden.DIGITS_EPOCHS} epochs, {hidden.DIGITS_TEST} to test):")
        runs = [classifier_accuracy(correct, seed) for seed in seeds]
        accuracies = [r[0] for r in runs]
        report("CLASSIFIER_MIN_ACCURACY", hidden.CLASSIFIER_MIN_ACCURACY, min(accuracies), lower=True,
               nearest=f"(mean {np.mean(accuracies):.3f})")
        report("PROBABILITY_TOLERANCE", hidden.PROBABILITY_TOLERANCE, max(r[1] for r in runs))
        print(f"    seconds per check: mean {np.mean([r[2] for r in runs]):.2f}, max {max(r[2] for r in runs):.2f}")


if __name__ == "__main__":
    main()

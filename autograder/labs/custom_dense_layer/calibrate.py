"""Measure the checks' tolerances on the lab's answer, and how far the nearest mistakes land.

    python -m autograder.labs.custom_dense_layer.calibrate [--seeds 20]

Runs the lab's own probes in this process on the reference layer (and on a few wrong ones) for
many seeds, and prints, for each tolerance, the worst error of a correct layer, the margin
(tolerance / worst error) and where the nearest wrong answer lands. Instructor-only: it imports
TensorFlow and the hidden checks' settings. Run it on both stacks (TF_USE_LEGACY_KERAS=1).
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from . import hidden, probes, public  # noqa: E402
from .expected import dense, moments, normal_distance, sgd_on_mse  # noqa: E402


def reference(kernel_initializer="random_normal", kernel_regularizer=None, use_bias=True):
    class SimpleDense(tf.keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                          initializer=kernel_initializer, regularizer=kernel_regularizer,
                                          trainable=True)
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            outputs = tf.matmul(inputs, self.kernel)
            return outputs + self.bias if use_bias else outputs

    return SimpleDense


def training_errors(layer, seed: int, xs, ys) -> tuple[float, float]:
    """(worst weight error, worst prediction error) of training against the NumPy gradient descent."""
    points = np.array([[10.0], [-7.5], [13.0]], np.float32)
    facts = probes.train(layer, kwargs={"units": 1}, xs=xs, ys=ys, epochs=public.LAB_EPOCHS,
                         learning_rate=public.LAB_LEARNING_RATE, seed=seed, points=points)
    k, b = public.find_kernel_and_bias(facts["variables"])
    want_k, want_b = sgd_on_mse(xs, ys, facts["initial"][k], facts["initial"][b], public.LAB_EPOCHS,
                                public.LAB_LEARNING_RATE)
    weights = max(float(np.abs(facts["variables"][k]["values"] - want_k).max()),
                  float(np.abs(facts["variables"][b]["values"] - want_b).max()))
    predictions = float(np.abs(facts["predictions"].ravel() - dense(points, want_k, want_b).ravel()).max())
    return weights, predictions


def other_line(seed: int):
    rng = np.random.default_rng(seed)
    slope, intercept = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 4.0), rng.uniform(-3.0, 3.0)
    xs = np.sort(rng.uniform(-2.0, 5.0, size=(int(rng.integers(5, 11)), 1)), axis=0).astype(np.float32)
    return xs, (slope * xs + intercept).astype(np.float32)


def report(name: str, tolerance: float, worst: float, nearest: str = "") -> None:
    margin = tolerance / worst if worst else float("inf")
    print(f"  {name:<34} tolerance {tolerance:<9.3g} worst {worst:<10.3g} margin {margin:6.1f}x  {nearest}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.labs.custom_dense_layer.calibrate")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    print(f"Keras {probes.keras_version()}, {args.seeds} seeds")

    correct = reference()
    lab_errors = [training_errors(correct, s, public.LAB_XS, public.LAB_YS) for s in seeds]
    line_errors = [training_errors(correct, s, *other_line(s)) for s in seeds]
    weights = max(e[0] for e in lab_errors + line_errors)
    predictions = max(e[1] for e in lab_errors + line_errors)
    regularized = min(training_errors(reference(kernel_regularizer=tf.keras.regularizers.L2(0.01)), s,
                                      public.LAB_XS, public.LAB_YS)[0] for s in seeds[:5])
    print("training (the layer's weights against gradient descent in NumPy):")
    report("TRAINED_WEIGHT_TOLERANCE", public.TRAINED_WEIGHT_TOLERANCE, weights,
           f"nearest wrong: L2 0.01 off by {regularized:.3g}")
    report("TRAINED_PREDICTION_TOLERANCE", public.TRAINED_PREDICTION_TOLERANCE, predictions)
    lab_predictions = [abs(float(probes.train(correct, kwargs={"units": 1}, xs=public.LAB_XS, ys=public.LAB_YS,
                                              epochs=public.LAB_EPOCHS, learning_rate=public.LAB_LEARNING_RATE,
                                              seed=s, points=np.array([[10.0]], np.float32))["predictions"][0, 0])
                           - 19.0) for s in seeds]
    report("LAB_PREDICTION_TOLERANCE (about 19)", public.LAB_PREDICTION_TOLERANCE, max(lab_predictions),
           "nearest wrong: no bias, 17.10")

    print("initializer (two builds of 16,384 draws):")
    worst = {"mean": 0.0, "std": 0.0, "kurtosis": 0.0, "distance": 0.0}
    for seed in seeds:
        for fan_in, units in hidden.INITIALIZER_BUILDS:
            facts = probes.build(correct, kwargs={"units": units}, input_shape=[4, fan_in], seed=seed)
            draws = facts["variables"][0]["values"].ravel()
            stats = moments(draws)
            worst["mean"] = max(worst["mean"], abs(stats["mean"]))
            worst["std"] = max(worst["std"], abs(stats["std"] - hidden.STD_EXPECTED))
            worst["kurtosis"] = max(worst["kurtosis"], abs(stats["kurtosis"] - 3.0))
            worst["distance"] = max(worst["distance"], normal_distance(draws, hidden.STD_EXPECTED))
    report("MEAN_TOLERANCE", hidden.MEAN_TOLERANCE, worst["mean"])
    report("STD_TOLERANCE", hidden.STD_TOLERANCE, worst["std"], "nearest wrong: TruncatedNormal(0.05), off by 0.0059")
    report("KURTOSIS_BOUNDS (distance from 3)", hidden.KURTOSIS_BOUNDS[1] - 3.0, worst["kurtosis"],
           "nearest wrong: uniform with stddev 0.05, kurtosis 1.8")
    report("MAX_NORMAL_DISTANCE", hidden.MAX_NORMAL_DISTANCE, worst["distance"])

    print("forward pass and gradients (float32 arithmetic against float64):")
    forward, direction, sides, scaled = 0.0, 0.0, 0.0, float("inf")
    for seed in seeds:
        rng = np.random.default_rng(seed)
        batch, features, units = (int(d) for d in rng.choice(np.arange(2, 10), 3, replace=False))
        inputs = rng.uniform(-public.INPUT_RANGE, public.INPUT_RANGE, (batch, features)).astype(np.float32)
        kernel = rng.normal(0, 3, (features, units)).astype(np.float32)
        bias = rng.normal(0, 10, (units,)).astype(np.float32)
        outputs = probes.forward(correct, kwargs={"units": units}, input_shape=[batch, features], seed=seed,
                                 inputs=inputs, assignments={"0": kernel, "1": bias})["outputs"]
        expected = dense(inputs, kernel, bias)
        forward = max(forward, float(np.max(np.abs(outputs - expected) / (np.abs(expected) * public.FORWARD_RTOL
                                                                          + public.FORWARD_ATOL))))
        size = int(rng.integers(2, 10))
        weights = {0: rng.normal(0, 1, (size, size)).astype(np.float32), 1: rng.normal(0, 1, (size,)).astype(np.float32)}
        x = rng.normal(0, 2, (size, size)).astype(np.float32)
        targets = rng.normal(0, 5, (size, size)).astype(np.float32)
        common = dict(kwargs={"units": size}, input_shape=[size, size], seed=seed, inputs=x)
        grads = probes.gradients(correct, **common, targets=targets,
                                 assignments={str(i): w for i, w in weights.items()})["gradients"]
        def loss(moved):
            out = probes.forward(correct, **common, assignments={str(i): w for i, w in moved.items()})["outputs"]
            return float(np.sum((out - targets) ** 2))

        here = loss(weights)
        for index in (0, 1):
            for d in (hidden.steepest_direction(grads[index]), rng.normal(0, 1, weights[index].shape)):
                d = d.astype(np.float32)
                def loss_at(step):
                    return loss({i: (w + step * d if i == index else w) for i, w in weights.items()})
                # What the check decides on at its first step: the central difference (the lab's
                # loss has no kink, so the three quotients agree), as a share of the tolerance.
                ahead, behind, central = hidden.difference_quotients(loss_at, here, hidden.DIRECTION_STEPS[0])
                sides = max(sides, hidden.one_quadratic(ahead, behind, central))
                direction = max(direction, hidden.disagreement(float(np.sum(grads[index] * d)), central))
            # The nearest wrong gradient: 90% of the true one, along its own direction.
            d = hidden.steepest_direction(0.9 * grads[index]).astype(np.float32)
            central = hidden.difference_quotients(
                lambda step: loss({i: (w + step * d if i == index else w) for i, w in weights.items()}),
                here, hidden.DIRECTION_STEPS[0])[2]
            scaled = min(scaled, hidden.disagreement(float(np.sum(0.9 * grads[index] * d)), central))
    report("forward (share of its tolerance)", 1.0, forward)
    report("DIRECTION tolerance (share)", 1.0, direction,
           f"nearest wrong: a 0.9-scaled gradient at {scaled:.2f}; the three quotients apart by at most {sides:.3f}")

if __name__ == "__main__":
    main()

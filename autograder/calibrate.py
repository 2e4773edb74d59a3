"""``python -m autograder.calibrate [--seeds N]``: measure what the tolerances claim.

The training and initializer checks accept a band around the ideal numbers.
A band is right when the correct layer lands well inside it for every seed
and the nearest wrong answers land well outside. This trains and builds the
lab's answer, and the wrong answers closest to it, over seeds 0..N-1 on the
Keras this process has (run it again with ``TF_USE_LEGACY_KERAS=1``), and
prints, for each number a check judges:

- the band (ideal and tolerance) from ``public.py`` / ``hidden.py``;
- the correct layer's range over the seeds and its worst error;
- the margin: tolerance / worst error (how many times the worst case fits);
- the nearest wrong answer's value and how many tolerances away it sits.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _layers(tf):
    """The correct layer and the wrong answers nearest to it."""

    class Correct(tf.keras.layers.Layer):
        def __init__(self, units=32, kernel_initializer=None):
            super().__init__()
            self.units = units
            self.kernel_initializer = kernel_initializer or tf.random_normal_initializer()

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                          initializer=self.kernel_initializer, trainable=True)
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return tf.matmul(inputs, self.kernel) + self.bias

    class NoBias(Correct):
        def call(self, inputs):
            return tf.matmul(inputs, self.kernel)

    def with_kernel(initializer):
        class Layer(Correct):
            def __init__(self, units=32):
                super().__init__(units, tf.keras.initializers.get(initializer))
        return Layer

    return {
        "correct": Correct,
        "no bias in call()": NoBias,
        "glorot_uniform kernel": with_kernel("glorot_uniform"),
        "truncated_normal(0.05) kernel": with_kernel({"class_name": "TruncatedNormal", "config": {"stddev": 0.05}}),
    }


def measure(seeds: int):
    """Every judged number, per layer, per seed: {layer: {quantity: [values]}}."""
    import numpy as np

    from .checks import hidden, support
    from . import training

    layers = _layers(support.tf)
    other_ys = hidden.OTHER_SLOPE * training.LAB_XS + hidden.OTHER_INTERCEPT
    numbers: dict[str, dict[str, list[float]]] = {name: {} for name in layers}

    def keep(layer_name, quantity, value):
        numbers[layer_name].setdefault(quantity, []).append(float(value))

    for seed in range(seeds):
        for name, layer_class in layers.items():
            if name.endswith("kernel") or name == "correct":  # the distribution of a 256 x 256 build
                layer = support.built_layer(layer_class, seed, units=hidden.STATS_SIZE, input_dim=hidden.STATS_SIZE)
                draws = support.values(layer.kernel).ravel()
                mean, std = draws.mean(), draws.std()
                keep(name, "kernel mean", mean)
                keep(name, "kernel std", std)
                keep(name, "kernel kurtosis", np.mean((draws - mean) ** 4) / std**4)
            for line, ys in (("lab", training.LAB_YS), ("other", other_ys)):
                support.seed_everything(seed)
                layer = layer_class(units=1)
                run = training.train_like_fit(layer, training.LAB_XS, ys)
                keep(name, f"{line}: prediction at 10", training.predict(run.model, 10.0))
                keep(name, f"{line}: kernel", support.values(layer.kernel).ravel()[0])
                keep(name, f"{line}: bias", support.values(layer.bias).ravel()[0])
    return numbers


def bands():
    """(quantity, ideal, tolerance, which wrong answer is nearest) as the checks state them."""
    from .checks import hidden, public

    other_prediction = hidden.OTHER_SLOPE * 10 + hidden.OTHER_INTERCEPT
    std_tolerance = min(hidden.STD_EXPECTED - hidden.STD_BOUNDS[0], hidden.STD_BOUNDS[1] - hidden.STD_EXPECTED)
    kurtosis_tolerance = min(3.0 - hidden.KURTOSIS_BOUNDS[0], hidden.KURTOSIS_BOUNDS[1] - 3.0)
    return [
        ("lab: prediction at 10", 19.0, public.PREDICTION_TOLERANCE, "no bias in call()"),
        ("lab: kernel", 2.0, public.KERNEL_TOLERANCE, "no bias in call()"),
        ("lab: bias", -1.0, public.BIAS_TOLERANCE, "no bias in call()"),
        ("other: kernel", hidden.OTHER_SLOPE, hidden.OTHER_KERNEL_TOLERANCE, "no bias in call()"),
        ("other: bias", hidden.OTHER_INTERCEPT, hidden.OTHER_BIAS_TOLERANCE, "no bias in call()"),
        ("other: prediction at 10", other_prediction,
         10 * hidden.OTHER_KERNEL_TOLERANCE + hidden.OTHER_BIAS_TOLERANCE, "no bias in call()"),
        ("kernel mean", 0.0, hidden.MEAN_BOUND, None),  # no usual mistake moves the mean
        ("kernel std", hidden.STD_EXPECTED, std_tolerance, "glorot_uniform kernel"),
        ("kernel std", hidden.STD_EXPECTED, std_tolerance, "truncated_normal(0.05) kernel"),
        ("kernel kurtosis", 3.0, kurtosis_tolerance, "glorot_uniform kernel"),
        ("kernel kurtosis", 3.0, kurtosis_tolerance, "truncated_normal(0.05) kernel"),
    ]


def report(numbers, out=sys.stdout) -> bool:
    """Print the table; return whether every band holds the correct layer and excludes the wrong one."""
    rows = []
    healthy = True
    for quantity, ideal, tolerance, wrong_name in bands():
        correct = numbers["correct"][quantity]
        worst = max(abs(v - ideal) for v in correct)
        margin = tolerance / worst if worst > 0 else float("inf")
        healthy &= margin >= 2.0
        wrong_cells = ("-", "-")
        if wrong_name:
            # The wrong answer's value nearest the ideal, and its distance in tolerances.
            nearest = min(numbers[wrong_name][quantity], key=lambda v: abs(v - ideal))
            away = abs(nearest - ideal) / tolerance
            healthy &= away >= 2.0
            wrong_cells = (f"{wrong_name}: {nearest:.5g}", f"{away:.1f}")
        rows.append((quantity, f"{ideal:g} ± {tolerance:g}", f"{min(correct):.6g} .. {max(correct):.6g}",
                     f"{worst:.3g}", f"{margin:.1f}x") + wrong_cells)
    header = ("quantity", "band", "correct (min .. max)", "worst error", "margin",
              "nearest wrong answer", "wrong / tolerance")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip(), file=out)
    return healthy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="measure seeds 0..N-1 (default 20)")
    args = parser.parse_args(argv)
    from .checks.support import keras_version
    import tensorflow as tf

    started = time.monotonic()
    numbers = measure(args.seeds)
    print(f"TensorFlow {tf.__version__}, Keras {keras_version()}, seeds 0-{args.seeds - 1}, "
          f"{time.monotonic() - started:.0f} s")
    healthy = report(numbers)
    print("every band holds the correct layer with a margin of 2 or more and keeps the nearest wrong "
          "answer 2 or more tolerances out" if healthy else "WARNING: a band is too tight or too loose (see above)")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())

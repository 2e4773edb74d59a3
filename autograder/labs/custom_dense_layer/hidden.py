"""The hidden checks: run when a submission is graded, never shipped to students.

They look harder at what the public checks only sample: how the kernel is
drawn (at the lab's own fan-in of 1 and at 128), whether gradients reach the
weights exactly as they should, and whether the layer learns a line and
points it has never seen, drawn for each run (so nothing about y = 2x - 1
can be hard-coded).
"""
from __future__ import annotations

import numpy as np

from autograder.registry import CheckFailed, Registry

from . import CATEGORIES
from .expected import moments, normal_distance, squared_error_gradients
from .public import (build_facts, build_seed, close, dims, fmt, layer_kwargs, require_kernel_and_bias,
                     require_shapes, train_and_compare)

REGISTRY = Registry(CATEGORIES, visibility="hidden")

# The kernel's distribution, judged on two builds of 16,384 draws each: fan-in 1 (1 x 16384, the
# lab's own layer is 1 x 1) and fan-in 128 (128 x 128). tf.random_normal_initializer() draws
# N(0, 0.05) whatever the shape; an initializer scaled by fan-in (VarianceScaling, glorot, he)
# cannot match both. Bounds from `python -m autograder.labs.custom_dense_layer.calibrate`
# (INITIALIZER_* there): each sits 5 or more standard errors from 0.05, 0 and 3, and far from the
# usual mistakes: glorot_uniform has std 0.0625 at 128 x 128 and kurtosis 1.8, TruncatedNormal(0.05)
# std 0.044, a unit normal std 1, VarianceScaling std 1 at fan-in 1.
INITIALIZER_BUILDS = ((1, 16384), (128, 128))
STD_EXPECTED = 0.05
STD_TOLERANCE = 0.0015
MEAN_TOLERANCE = 0.002
KURTOSIS_BOUNDS = (2.8, 3.2)
MAX_NORMAL_DISTANCE = 0.025  # Kolmogorov-Smirnov against N(0, 0.05)
MAX_EXACT_ZEROS = 0.001      # a normal draw is exactly 0 with probability 0

GRADIENT_RTOL, GRADIENT_ATOL = 1e-4, 1e-3


@REGISTRY.check("kernel_initializer", "initializers", 2)
def check_kernel_initializer(ctx) -> str:
    """The kernel is drawn from a normal distribution with mean 0 and stddev 0.05, at any size."""
    summaries = []
    for fan_in, units in INITIALIZER_BUILDS:
        facts = build_facts(ctx, kwargs=layer_kwargs(ctx, units=units), input_shape=[4, fan_in])
        _, kernel, _, _ = require_kernel_and_bias(ctx, facts["variables"])
        draws = np.asarray(kernel["values"], np.float64).ravel()
        stats = moments(draws)
        where = f"for a {fan_in} x {units} kernel"
        found = f"mean {stats['mean']:.4f}, stddev {stats['std']:.4f} {where}"
        if stats["std"] == 0.0:
            value = "all zeros" if np.all(draws == 0) else f"the constant {draws[0]:.4g}"
            raise CheckFailed("a kernel drawn at random from N(0, 0.05)",
                              f"every kernel value is {value} {where}: all units would start, and stay, identical",
                              "use initializer=tf.random_normal_initializer() (or 'random_normal') for the kernel")
        if stats["zeros"] > MAX_EXACT_ZEROS:
            raise CheckFailed("a kernel drawn at random from N(0, 0.05)",
                              f"{stats['zeros']:.0%} of the values are exactly 0 {where}",
                              "draw every value with tf.random_normal_initializer(); do not mask or drop any")
        if abs(stats["mean"]) > MEAN_TOLERANCE or abs(stats["std"] - STD_EXPECTED) > STD_TOLERANCE:
            if abs(stats["std"] - 0.0625) < 0.002 and stats["kurtosis"] < 2.2:
                found += ", flat-topped: this is glorot_uniform, the default of Keras's own Dense"
            elif summaries:
                found += (f", but stddev {summaries[0]['std']:.4f} for a {INITIALIZER_BUILDS[0][0]} x "
                          f"{INITIALIZER_BUILDS[0][1]} kernel: the spread depends on the layer's size")
            raise CheckFailed(f"a kernel with mean 0 and stddev {STD_EXPECTED} at every size "
                              "(tf.random_normal_initializer()'s defaults)", found,
                              "use initializer=tf.random_normal_initializer() with its default mean and stddev")
        if not KURTOSIS_BOUNDS[0] <= stats["kurtosis"] <= KURTOSIS_BOUNDS[1] or (
                normal_distance(draws, STD_EXPECTED) > MAX_NORMAL_DISTANCE):
            raise CheckFailed("normally distributed kernel values",
                              f"{found}, kurtosis {stats['kurtosis']:.2f}: the right spread, but not the bell "
                              "curve of a normal distribution",
                              "use initializer=tf.random_normal_initializer(), not a uniform or truncated one")
        summaries.append(stats)
    return "; ".join(f"{f} x {u}: mean {s['mean']:.4f}, stddev {s['std']:.4f}"
                     for (f, u), s in zip(INITIALIZER_BUILDS, summaries))


@REGISTRY.check("gradients_reach_weights", "trainability", 1)
def check_gradients_reach_weights(ctx) -> str:
    """The gradient of a loss on the layer's output reaches the kernel and the bias, exactly."""
    batch, features, units = dims(ctx)
    facts = build_facts(ctx)
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
    require_shapes(ctx, kernel, bias, features, units)
    inputs = ctx.rng.normal(0.0, 2.0, size=(batch, features)).astype(np.float32)
    targets = ctx.rng.normal(0.0, 5.0, size=(batch, units)).astype(np.float32)
    new_kernel = ctx.rng.normal(0.0, 1.0, size=(features, units)).astype(np.float32)
    new_bias = ctx.rng.normal(0.0, 1.0, size=(units,)).astype(np.float32)
    answer = ctx.ask("gradients", kwargs=layer_kwargs(ctx, units=units), input_shape=[batch, features],
                     seed=build_seed(ctx), inputs=inputs, targets=targets,
                     assignments={str(kernel_index): new_kernel, str(bias_index): new_bias})
    gradients = answer["gradients"]
    want = dict(zip((kernel_index, bias_index), squared_error_gradients(inputs, new_kernel, new_bias, targets)))
    blocked = [facts["variables"][i]["name"] for i in (kernel_index, bias_index)
               if i >= len(gradients) or gradients[i] is None or not np.any(np.asarray(gradients[i]) != 0.0)]
    if blocked:
        raise CheckFailed("gradients that reach the kernel and the bias through call()",
                          f"no gradient for {' and '.join(blocked)}: training could never change it",
                          "do not wrap weights in tf.stop_gradient or convert them to NumPy inside call()")
    for index in (kernel_index, bias_index):
        if not close(gradients[index], want[index], GRADIENT_RTOL, GRADIENT_ATOL):
            name = facts["variables"][index]["name"]
            raise CheckFailed(f"the gradient of the squared error for the {name}, e.g. {fmt(want[index].ravel()[:3])}",
                              f"{fmt(np.asarray(gradients[index]).ravel()[:3])}",
                              "let call() compute exactly inputs @ kernel + bias, with no extra term or scaling")
    return "gradients reach kernel and bias, as inputs @ kernel + bias gives them"


@REGISTRY.check("learns_other_lines", "training", 2)
def check_learns_other_lines(ctx) -> str:
    """Trained on a line and points drawn for this run, the layer's own weights learn it."""
    slope = float(ctx.rng.choice([-1.0, 1.0]) * ctx.rng.uniform(0.5, 4.0))
    intercept = float(ctx.rng.uniform(-3.0, 3.0))
    xs = np.sort(ctx.rng.uniform(-2.0, 5.0, size=(int(ctx.rng.integers(5, 11)), 1)), axis=0).astype(np.float32)
    ys = (slope * xs + intercept).astype(np.float32)
    points = ctx.rng.uniform(-10.0, 20.0, size=(4, 1)).astype(np.float32)
    figures = train_and_compare(ctx, xs, ys, points, f"on y = {slope:.3f}x {'+-'[intercept < 0]} {abs(intercept):.3f}")
    return f"kernel {figures['w']:.4f}, bias {figures['b']:.4f}, as gradient descent gives"

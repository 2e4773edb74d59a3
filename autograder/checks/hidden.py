"""The hidden checks: run when a submission is graded, never shipped to students.

They look harder at what the public checks only sample: how the kernel is
drawn, whether gradients reach the weights, and whether the layer learns a
line it has never seen (so nothing about y = 2x - 1 can be hard-coded).
"""
from __future__ import annotations

import numpy as np

from . import CheckFailed, check, lazy_module

# TensorFlow loads on the first check that runs, not on import: the grading
# parent reads this registry without paying for TensorFlow.
support = lazy_module("autograder.checks.support")
training = lazy_module("autograder.training")

# The kernel's distribution, judged on one 256 x 256 build (65,536 draws).
# tf.random_normal_initializer() draws N(0, 0.05). Measured with
# `python -m autograder.calibrate` over seeds 0-19, the same on both stacks:
# std 0.04975-0.05031, |mean| < 0.00026, kurtosis 2.958-3.024 (margins 4.9x,
# 7.8x and 4.8x). The bounds sit about ten standard errors out, and far from
# the usual mistakes: glorot_uniform (Keras Dense's default) has std 0.0624
# and kurtosis 1.81, TruncatedNormal(0.05) std 0.0441 and kurtosis 2.37, a
# unit normal std 1.
STATS_SIZE = 256
STD_EXPECTED = 0.05
STD_BOUNDS = (0.0485, 0.0515)
MEAN_BOUND = 0.002
KURTOSIS_BOUNDS = (2.8, 3.2)

# A second line, y = -3x + 0.5, trained the same way. Measured over seeds
# 0-19 on both stacks: kernel -2.99765 to -2.99757 (within 0.0025 of -3),
# bias 0.49246-0.49271 (within 0.0076 of 0.5): margins 12x and 13x. A layer
# without a bias ends with kernel -2.855 and bias 0, 4.8 and 5 tolerances out.
OTHER_SLOPE, OTHER_INTERCEPT = -3.0, 0.5
OTHER_KERNEL_TOLERANCE = 0.03
OTHER_BIAS_TOLERANCE = 0.1


@check("kernel_initializer", "initializers", 2, visibility="hidden")
def check_kernel_initializer(layer_class, seed: int = 0) -> str:
    """The kernel is drawn from a normal distribution with mean 0 and stddev 0.05."""
    layer = support.built_layer(layer_class, seed, units=STATS_SIZE, input_dim=STATS_SIZE)
    kernel, _ = support.require_kernel_and_bias(layer)
    draws = support.values(kernel).ravel()
    mean, std = float(draws.mean()), float(draws.std())
    # A kernel of the wrong shape (weight_shapes judges that) has fewer draws:
    # widen the bounds as the standard errors grow, so it is judged as fairly.
    widen = max(1.0, float(np.sqrt(STATS_SIZE**2 / max(draws.size, 1))))
    mean_bound = MEAN_BOUND * widen
    std_bounds = (STD_EXPECTED - (STD_EXPECTED - STD_BOUNDS[0]) * widen,
                  STD_EXPECTED + (STD_BOUNDS[1] - STD_EXPECTED) * widen)
    kurtosis_bounds = (3.0 - (3.0 - KURTOSIS_BOUNDS[0]) * widen, 3.0 + (KURTOSIS_BOUNDS[1] - 3.0) * widen)
    where = f"over a {' x '.join(str(d) for d in support.shape_of(kernel))} kernel"
    found = f"mean {mean:.4f}, stddev {std:.4f}"
    if std == 0.0:
        what = "all zeros" if np.all(draws == 0) else f"the constant {draws[0]:.4g}"
        raise CheckFailed(
            expected="a kernel drawn at random from N(0, 0.05)",
            found=f"every kernel value is {what}: all units would start, and stay, identical",
            hint="use initializer=tf.random_normal_initializer() (or 'random_normal') for the kernel",
        )
    kurtosis = float(np.mean((draws - mean) ** 4) / std**4)
    if abs(mean) > mean_bound or not std_bounds[0] <= std <= std_bounds[1]:
        found += f" {where}"
        if abs(std - 0.0625) < 0.002 and kurtosis < 2.2:
            found += ", flat-topped: this is glorot_uniform, the default of Keras's own Dense"
        raise CheckFailed(
            expected=f"a kernel with mean 0 and stddev {STD_EXPECTED} (tf.random_normal_initializer()'s defaults)",
            found=found,
            hint="use initializer=tf.random_normal_initializer() with its default mean and stddev",
        )
    if not kurtosis_bounds[0] <= kurtosis <= kurtosis_bounds[1]:
        raise CheckFailed(
            expected="normally distributed kernel values (kurtosis about 3)",
            found=f"{found}, kurtosis {kurtosis:.2f}: the right spread, but not a normal distribution",
            hint="use initializer=tf.random_normal_initializer(), not a uniform or truncated one",
        )
    return f"kernel {found}, kurtosis {kurtosis:.2f}"


@check("gradients_reach_weights", "trainability", 1, visibility="hidden")
def check_gradients_reach_weights(layer_class, seed: int = 0) -> str:
    """A loss on the layer's output has a gradient for both kernel and bias."""
    # Batch, input_dim and units all equal: a shape mistake (judged by
    # weight_shapes and forward_pass) cannot break this check too.
    size = support.INPUT_DIM
    layer = support.built_layer(layer_class, seed, units=size, input_dim=size, batch=size)
    kernel, bias = support.require_kernel_and_bias(layer)
    rng = np.random.default_rng(seed)
    inputs = support.tf.constant(rng.normal(size=(size, size)), dtype=support.tf.float32)
    # Targets the output cannot already match, so that even all-zero weights
    # (a wrong initializer, judged elsewhere) get a non-zero gradient.
    targets = support.tf.constant(rng.normal(size=(size, size)) + 1.0, dtype=support.tf.float32)
    # The tape watches trainable variables by itself; a frozen one gets no gradient.
    with support.tf.GradientTape() as tape:
        outputs = support.run_student("call()", layer, inputs)
        loss = support.tf.reduce_sum(support.tf.square(outputs - targets))
    gradients = tape.gradient(loss, [kernel, bias])
    blocked = [support.short_name(v) for v, g in zip((kernel, bias), gradients)
               if g is None or not np.any(support.values(g) != 0.0)]
    if blocked:
        raise CheckFailed(
            expected="gradients that reach the kernel and the bias through call()",
            found=f"no gradient for {' and '.join(blocked)}: training could never change it",
            hint="do not wrap weights in tf.stop_gradient or convert them to numpy inside call()",
        )
    support.call_layer(layer, inputs.numpy())  # the same call outside the tape must work too
    return "gradients reach kernel and bias"


@check("learns_other_lines", "training", 2, visibility="hidden")
def check_learns_other_lines(layer_class, seed: int = 0) -> str:
    """Trained on y = -3x + 0.5 instead, the layer's own weights learn -3 and 0.5."""
    support.seed_everything(seed)
    layer = support.make_layer(layer_class, units=1)
    targets = OTHER_SLOPE * training.LAB_XS + OTHER_INTERCEPT
    run = support.run_student("training", training.train_like_fit, layer, training.LAB_XS, targets)
    prediction = support.run_student("predicting", training.predict, run.model, 10.0)
    kernel, bias = support.require_kernel_and_bias(layer)
    learned_w, learned_b = float(support.values(kernel).ravel()[0]), float(support.values(bias).ravel()[0])
    expected_prediction = OTHER_SLOPE * 10.0 + OTHER_INTERCEPT
    found = f"kernel {learned_w:.4f}, bias {learned_b:.4f}, prediction at 10 = {prediction:.3f}"
    if (abs(learned_w - OTHER_SLOPE) > OTHER_KERNEL_TOLERANCE
            or abs(learned_b - OTHER_INTERCEPT) > OTHER_BIAS_TOLERANCE
            or abs(prediction - expected_prediction) > 10 * OTHER_KERNEL_TOLERANCE + OTHER_BIAS_TOLERANCE):
        raise CheckFailed(
            expected=f"after 500 epochs on y = {OTHER_SLOPE:g}x + {OTHER_INTERCEPT:g}: kernel near "
                     f"{OTHER_SLOPE:g}, bias near {OTHER_INTERCEPT:g}",
            found=found,
            hint="nothing in the layer may be fixed to the lab's numbers: learn everything through trainable weights",
        )
    return found

"""The public checks: students run these themselves, and they count in the grade.

Each check builds a fresh layer, so one mistake costs the checks that are
about that mistake and no others. Shapes use batch 5, input_dim 3, units 4
(all different), so a transposed kernel or ``input_shape[0]`` cannot hide.
"""
from __future__ import annotations

import numpy as np

from . import CheckFailed, check, lazy_module

# TensorFlow loads on the first check that runs, not on import: the grading
# parent reads this registry without paying for TensorFlow.
support = lazy_module("autograder.checks.support")
training = lazy_module("autograder.training")

# Training tolerances. Measured with `python -m autograder.calibrate` over
# seeds 0-19 on Keras 3.15 and tf-keras 2.21 (the same numbers on both):
# prediction at 10 in 18.9812-18.9818 (error <= 0.019), kernel
# 1.99728-1.99736 (error <= 0.0028), bias -0.99181 to -0.99156 (error
# <= 0.0085). Each tolerance is 5.3-5.9 times the worst error, and far from
# the nearest wrong answer: a layer without a bias predicts 17.10 (19
# tolerances out) with kernel 1.71; untracked weights leave it near 0.5.
PREDICTION_TOLERANCE = 0.1
KERNEL_TOLERANCE = 0.015
BIAS_TOLERANCE = 0.05


@check("layer_builds", "construction", 1)
def check_layer_builds(layer_class, seed: int = 0) -> str:
    """SimpleDense(units=4) is a Keras layer that stores `units` and builds."""
    layer = support.make_layer(layer_class, support.UNITS)
    if getattr(layer, "units", None) != support.UNITS:
        raise CheckFailed(
            expected=f"SimpleDense(units={support.UNITS}).units == {support.UNITS}",
            found=f"units = {getattr(layer, 'units', 'missing')!r}",
            hint="keep `self.units = units` in __init__",
        )
    support.built_layer(layer_class, seed)
    return f"SimpleDense(units={support.UNITS}) builds for inputs of shape ({support.BATCH}, {support.INPUT_DIM})"


@check("variable_names", "names", 1)
def check_variable_names(layer_class, seed: int = 0) -> str:
    """build() creates exactly two variables, named `kernel` and `bias`."""
    layer = support.built_layer(layer_class, seed)
    names = sorted(support.short_name(v) for v in support.held_variables(layer))
    if names != ["bias", "kernel"]:
        raise CheckFailed(
            expected="two variables named 'kernel' and 'bias'",
            found=f"{names}" if names else "no variables at all",
            hint="pass name='kernel' and name='bias' when you create them in build()",
        )
    return "variables are named kernel and bias"


@check("weight_shapes", "shapes", 2)
def check_weight_shapes(layer_class, seed: int = 0) -> str:
    """The kernel is (input_dim, units) and the bias is (units,)."""
    layer = support.built_layer(layer_class, seed)
    kernel, bias = support.require_kernel_and_bias(layer)
    kernel_shape, bias_shape = support.shape_of(kernel), support.shape_of(bias)
    expected_kernel, expected_bias = (support.INPUT_DIM, support.UNITS), (support.UNITS,)
    setting = f"for inputs of shape ({support.BATCH}, {support.INPUT_DIM}) and units={support.UNITS}"
    if kernel_shape == (support.UNITS, support.INPUT_DIM):
        raise CheckFailed(
            expected=f"kernel shape {expected_kernel} {setting}",
            found=f"{kernel_shape}: the kernel is transposed",
            hint="use shape=(input_shape[-1], self.units), so that inputs @ kernel gives (batch, units)",
        )
    if kernel_shape == (support.BATCH, support.UNITS):
        raise CheckFailed(
            expected=f"kernel shape {expected_kernel} {setting}",
            found=f"{kernel_shape}: its first dimension is the batch size",
            hint="input_shape[0] is the batch size; use input_shape[-1], the number of input features",
        )
    if kernel_shape != expected_kernel:
        raise CheckFailed(
            expected=f"kernel shape {expected_kernel} {setting}",
            found=f"{kernel_shape}",
            hint="use shape=(input_shape[-1], self.units)",
        )
    if bias_shape != expected_bias:
        raise CheckFailed(
            expected=f"bias shape {expected_bias}, one value per unit, {setting}",
            found=f"{bias_shape}",
            hint="use shape=(self.units,) for the bias, not a fixed size or the input's shape",
        )
    return f"kernel {kernel_shape}, bias {bias_shape}"


@check("bias_starts_at_zero", "initializers", 1)
def check_bias_starts_at_zero(layer_class, seed: int = 0) -> str:
    """The bias starts as all zeros."""
    _, bias = support.require_kernel_and_bias(support.built_layer(layer_class, seed))
    initial = support.values(bias)
    if np.any(initial != 0.0):
        raise CheckFailed(
            expected="a freshly built bias of all zeros",
            found=f"bias = {support.fmt(initial)}",
            hint="create the bias with initializer='zeros' (or tf.zeros_initializer())",
        )
    return "bias starts at zero"


@check("weights_trainable", "trainability", 2)
def check_weights_trainable(layer_class, seed: int = 0) -> str:
    """Keras tracks the kernel and the bias, and both are trainable."""
    layer = support.built_layer(layer_class, seed)
    untracked = support.untracked_variables(layer)
    if untracked:
        names = ", ".join(f"self.{a}" for a in untracked)
        if support.is_keras3():
            raise CheckFailed(
                expected="variables that Keras tracks, so that model.fit can train them",
                found=(f"{names} created with tf.Variable: Keras 3 does not track a tf.Variable "
                       "stored on a layer, so layer.variables is empty and training changes nothing"),
                hint="create each weight with self.add_weight(name=..., shape=..., initializer=..., trainable=True)",
            )
        raise CheckFailed(
            expected="variables that Keras tracks",
            found=f"{names} are not in layer.variables",
            hint="create each weight with self.add_weight(...) in build()",
        )
    kernel, bias = support.require_kernel_and_bias(layer)
    trainable = {id(v) for v in layer.trainable_weights}
    frozen = [support.short_name(v) for v in (kernel, bias) if id(v) not in trainable]
    if frozen:
        raise CheckFailed(
            expected="kernel and bias both trainable",
            found=f"{' and '.join(frozen)} not trainable (trainable=False): training would never change it",
            hint="pass trainable=True when you create each weight",
        )
    return f"{len(support.tracked_variables(layer))} tracked, trainable variables"


@check("forward_pass", "forward", 2)
def check_forward_pass(layer_class, seed: int = 0) -> str:
    """call() returns inputs @ kernel + bias, using the layer's own weights."""
    layer = support.built_layer(layer_class, seed)
    kernel, bias = support.require_kernel_and_bias(layer)
    if support.shape_of(kernel) != (support.INPUT_DIM, support.UNITS) or support.shape_of(bias) != (support.UNITS,):
        raise CheckFailed(
            expected=f"a kernel {(support.INPUT_DIM, support.UNITS)} and bias {(support.UNITS,)} to test call() with",
            found=f"kernel {support.shape_of(kernel)}, bias {support.shape_of(bias)}",
            hint="fix the shapes first (see weight_shapes)",
        )
    rng = np.random.default_rng(1234 + seed)
    inputs = rng.normal(size=(support.BATCH, support.INPUT_DIM)).astype(np.float32)
    known_kernel = rng.normal(size=(support.INPUT_DIM, support.UNITS)).astype(np.float32)
    known_bias = rng.normal(size=(support.UNITS,)).astype(np.float32)
    kernel.assign(known_kernel)
    bias.assign(known_bias)
    outputs = support.call_layer(layer, inputs)
    expected = inputs.astype(np.float64) @ known_kernel + known_bias
    if outputs.shape != expected.shape:
        raise CheckFailed(
            expected=f"outputs of shape {expected.shape} for inputs {inputs.shape}",
            found=f"shape {outputs.shape}",
            hint="return inputs @ self.kernel + self.bias (matrix product, then add the bias)",
        )
    if np.allclose(outputs, expected, atol=1e-4):
        return "call() computes inputs @ kernel + bias"
    if np.allclose(outputs, expected - known_bias, atol=1e-4):
        raise CheckFailed(
            expected="inputs @ kernel + bias",
            found="inputs @ kernel: the bias is never added",
            hint="add self.bias to the matrix product in call()",
        )
    # Change the weights: an output that does not move ignores them.
    kernel.assign(known_kernel * 2.0 + 1.0)
    bias.assign(known_bias - 3.0)
    moved = support.call_layer(layer, inputs)
    if np.allclose(moved, outputs, atol=1e-6):
        raise CheckFailed(
            expected="an output computed from the layer's kernel and bias",
            found="the output does not change when the weights change: call() ignores them",
            hint="compute the output from self.kernel and self.bias, not from fixed numbers",
        )
    raise CheckFailed(
        expected=f"inputs @ kernel + bias, e.g. {support.fmt(expected[0])} for the first row",
        found=f"{support.fmt(outputs[0])}",
        hint="use a matrix product (inputs @ self.kernel or tf.matmul), not an element-wise one, then add self.bias",
    )


@check("training_converges", "training", 3)
def check_training_converges(layer_class, seed: int = 0) -> str:
    """Trained like the lab (SGD, MSE, 500 epochs), the layer learns y = 2x - 1."""
    support.seed_everything(seed)
    layer = support.make_layer(layer_class, units=1)
    run = support.run_student("training", training.train_like_fit, layer)
    prediction = support.run_student("predicting", training.predict, run.model, 10.0)
    kernel, bias = support.require_kernel_and_bias(layer)
    learned_w, learned_b = float(support.values(kernel).ravel()[0]), float(support.values(bias).ravel()[0])
    if not run.losses:
        raise CheckFailed(
            expected="a model with trainable weights",
            found="model.trainable_variables is empty, so training changed nothing "
                  f"(prediction at 10: {prediction:.3f})",
            hint="create the weights with self.add_weight(..., trainable=True) so Keras can train them",
        )
    summary = f"prediction at 10 = {prediction:.4f}, kernel = {learned_w:.4f}, bias = {learned_b:.4f}"
    if not np.isfinite(prediction) or abs(prediction - 19.0) > PREDICTION_TOLERANCE:
        raise CheckFailed(
            expected=f"a prediction at 10 within {PREDICTION_TOLERANCE} of 19 after 500 epochs",
            found=summary,
            hint=_training_hint(prediction, learned_b),
        )
    if abs(learned_w - 2.0) > KERNEL_TOLERANCE or abs(learned_b + 1.0) > BIAS_TOLERANCE:
        raise CheckFailed(
            expected="the layer's own kernel near 2 and bias near -1 after training",
            found=f"{summary}: the output is right but the weights did not learn it",
            hint="call() must compute the output from self.kernel and self.bias, so training changes them",
        )
    return summary


def _training_hint(prediction: float, learned_b: float) -> str:
    if abs(prediction - 17.1) < 0.5 or learned_b == 0.0:
        return "the bias never moved: make sure call() adds self.bias and the bias is trainable"
    return "check that call() returns inputs @ self.kernel + self.bias and both weights are trainable"


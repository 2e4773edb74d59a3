"""The hidden checks of lab 2: run when a submission is graded, never shipped to students.

Lab 1's hidden checks of the kernel's distribution and of the gradients
are reused as they are (the kernel made for a layer with "relu", the
gradients for a linear one). The new ones look harder at what the public
checks sample: the gradients through an activation against the judge's
own (a hand-made ReLU can give the right numbers and no gradient), every
other activation Keras names and Keras's own activation functions, two
layers with different activations side by side (an activation kept on the
class instead of the layer is shared), and where a misspelt name fails.
"""
from __future__ import annotations

import numpy as np

from autograder.labs.custom_dense_layer import hidden as dense_hidden
from autograder.labs.custom_dense_layer.public import (
    build_seed, configurations, fmt, require_kernel_and_bias, require_layer, require_shapes)
from autograder.registry import CheckFailed, Registry

from . import CATEGORIES
from .expected import dense, dense_activation, digits_sample, squared_error_gradients
from .public import (
    LINEAR, accuracy, agrees, draw_callable, draw_forward, forward_with, require_activation, require_trained_outputs)

REGISTRY = Registry(CATEGORIES, visibility="hidden")

REGISTRY.add(dense_hidden.REGISTRY["kernel_initializer"], points=1, options={"layer_kwargs": {"activation": "relu"}})
REGISTRY.add(dense_hidden.REGISTRY["gradients_reach_weights"], options=LINEAR)

# Gradients through the activation, against the judge's own in float64, for a layer whose output is
# right (one that computes something else loses its points in the forward checks; here it only has
# to have gradients at all). Square sizes; draw_forward puts a quarter to three quarters of the
# units above zero, so a ReLU layer's true gradient is never all zero. Measured by the
# calibrate module over 40 seeds on both stacks: a correct layer's float32 gradients use at most 0.1%
# of this tolerance (margin 1000x); a hand-made ReLU whose gradient passes everything through is off
# by tens of percent, one written in NumPy has none.
GRADIENT_RTOL, GRADIENT_ATOL = 1e-3, 1e-4
GRADIENT_NAMES = ("relu", "tanh")

# Every other activation a student may pass by name, and Keras's own functions passed as callables.
OTHER_NAMES = ("linear", "sigmoid", "tanh", "softplus", "softsign", "elu", "selu", "swish", "gelu")
KERAS_FUNCTIONS = ("relu", "sigmoid", "softmax")

# Misspelt names: none is a Keras activation, each is one slip away from one.
MISSPELT = ("rleu", "sigmiod", "tahn", "softmx", "sofmax", "sigmoid()", "tanh_", "relu1")

# The classifier: the notebook's model (Flatten, SimpleDense(128, "relu"), Dropout(0.2),
# SimpleDense(10, "softmax")), trained with Adam on 1000 of scikit-learn's 8x8 digits (pixels
# shuffled and noised for the run) for 8 epochs of 32-image batches, judged on 400 others. Measured
# by the calibrate module over 40 seeds: test accuracy 0.89 at worst on Keras 3 and 0.8925 on Keras 2,
# 0.916 on average (bound 0.8, 0.09 below the worst). Every row of a softmax sums to 1 within 2.2e-7
# (tolerance 1e-3); the corpus's softmax mistakes (over the batch axis, a bias added after it) miss
# it by far more (rows summing to -0.25 or 40, say).
DIGITS_TRAIN, DIGITS_TEST = 1000, 400
DIGITS_EPOCHS, DIGITS_BATCH = 8, 32
CLASSIFIER_MIN_ACCURACY = 0.8
PROBABILITY_TOLERANCE = 1e-3


@REGISTRY.check("activation_gradients", "trainability", 2)
def check_gradients_through_activation(ctx) -> str:
    """Through the activation, the kernel and the bias get gradients, and the true ones."""
    # Batch, features and units all one size (as lab 1's gradient check has them): a shape mistake,
    # which weight_shapes judges, cannot break this check too.
    size = int(ctx.rng.integers(2, 10))
    notes = []
    for name in GRADIENT_NAMES:
        kwargs = {"units": size, "activation": name}
        facts = ctx.ask("build", kwargs=kwargs, input_shape=[size, size], seed=build_seed(ctx))
        require_layer(ctx, facts)
        kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
        require_shapes(ctx, kernel, bias, size, size)
        inputs, new_kernel, new_bias = draw_forward(ctx, size, size, size)
        targets = ctx.rng.normal(0.0, 1.0, size=(size, size)).astype(np.float32)
        probe = dict(kwargs=kwargs, input_shape=[size, size], seed=build_seed(ctx), inputs=inputs,
                     assignments={str(kernel_index): new_kernel, str(bias_index): new_bias})
        gradients = ctx.ask("gradients", **probe, targets=targets)["gradients"]
        found = {"kernel": gradients[kernel_index] if kernel_index < len(gradients) else None,
                 "bias": gradients[bias_index] if bias_index < len(gradients) else None}
        how = f"{ctx.entry}(units={size}, activation={name!r})"
        outputs = ctx.ask("forward", **probe)["outputs"]
        right = agrees(outputs, dense_activation(inputs, new_kernel, new_bias, name))
        # A layer whose output is wrong may truly have a zero gradient for these inputs (a ReLU before
        # the bias, with every product below zero): from it, only a connected gradient is asked.
        missing = [w for w, g in found.items() if g is None or (right and not np.any(np.asarray(g) != 0.0))]
        if missing:
            raise CheckFailed(f"{how}: gradients of a loss on its output for the kernel and the bias",
                              f"no gradient for {' and '.join(missing)}: training could never change it",
                              "compute the activation with TensorFlow operations in call() (no NumPy, no "
                              ".numpy(), no tf.stop_gradient): tf.keras.activations.get gives one")
        if not right:
            notes.append(f"{name} (gradients present; its output is judged by the forward checks)")
            continue
        want = dict(zip(("kernel", "bias"), squared_error_gradients(inputs, new_kernel, new_bias, targets, name)))
        for weight in ("kernel", "bias"):
            g, w = np.asarray(found[weight], np.float64), want[weight]
            if g.shape != w.shape or np.linalg.norm(g - w) > GRADIENT_RTOL * np.linalg.norm(w) + GRADIENT_ATOL:
                raise CheckFailed(f"{how}, whose output is right: the {weight}'s true gradient of "
                                  f"sum((output - target)^2), e.g. {fmt(np.ravel(w)[:4])}", f"{fmt(np.ravel(g)[:4])}",
                                  "let TensorFlow differentiate the activation: apply self.activation (from "
                                  "tf.keras.activations.get) to inputs @ kernel + bias, with no custom gradient")
        notes.append(name)
    return f"gradients through {' and '.join(notes)} are the true ones"


@REGISTRY.check("other_activations", "activation", 1)
def check_every_activation(ctx) -> str:
    """Every other Keras activation name, Keras's own activation functions and other callables work."""
    specs = list(OTHER_NAMES) + [{"keras": name} for name in KERAS_FUNCTIONS]
    specs.append(draw_callable(ctx.rng))
    for spec in specs:
        require_activation(ctx, forward_with(ctx, spec, configuration=1))
    return f"{len(specs)} activations, named, as Keras functions and as callables, all applied after the bias"


@REGISTRY.check("activation_per_layer", "activation", 1)
def check_activation_per_layer(ctx) -> str:
    """Two layers made with different activations each apply their own, as each does alone."""
    # Judged against what each layer computes when it is the only one made (the forward checks judge
    # whether that is right): so only sharing is judged here, not the formula.
    batch, features, units = configurations(ctx)[0]
    first, second = "relu", str(ctx.rng.choice(("sigmoid", "tanh")))
    inputs, kernel, bias = draw_forward(ctx, features, units, batch)
    settings = {name: {"units": units, "activation": name} for name in (first, second)}
    facts = ctx.ask("build", kwargs=settings[first], input_shape=[batch, features], seed=build_seed(ctx))
    require_layer(ctx, facts)
    kernel_index, kernel_facts, bias_index, bias_facts = require_kernel_and_bias(ctx, facts["variables"])
    require_shapes(ctx, kernel_facts, bias_facts, features, units)
    weights = {str(kernel_index): kernel, str(bias_index): bias}
    alone = {name: ctx.ask("forward", kwargs=settings[name], input_shape=[batch, features], seed=build_seed(ctx),
                           inputs=inputs, assignments=weights)["outputs"] for name in (first, second)}
    together = ctx.ask("two_layers", first=settings[first], second=settings[second], input_shape=[batch, features],
                       seed=build_seed(ctx), inputs=inputs, assignments=weights)["outputs"]
    if agrees(alone[first], alone[second]):
        return f"a {first!r} and a {second!r} layer give the same outputs; nothing to tell apart here"
    for name, found in zip((first, second), together):
        if not agrees(found, alone[name]):
            other = second if name == first else first
            shared = agrees(found, alone[other])
            raise CheckFailed(f"{ctx.entry}(units={units}, activation={first!r}), then a second layer with "
                              f"{second!r}: the {name!r} layer to compute what it computes alone, e.g. "
                              f"{fmt(np.asarray(alone[name])[0])}",
                              f"{fmt(np.asarray(found)[0])}" + (f": it applies {other!r}, the other layer's "
                                                                "activation" if shared else ""),
                              "keep the activation on the layer (self.activation = ...), not on the class or in a "
                              "global variable")
    return f"a {first!r} layer and a {second!r} layer each apply their own"


@REGISTRY.check("misspelt_activation", "activation", 1)
def check_misspelt_name(ctx) -> str:
    """A misspelt activation name is an error when the layer is made, where the mistake is."""
    batch, features, units = configurations(ctx)[0]
    name = str(ctx.rng.choice(MISSPELT))
    inputs, _, _ = draw_forward(ctx, features, units, batch)
    facts = ctx.ask("where_it_fails", kwargs={"units": units, "activation": name}, input_shape=[batch, features],
                    seed=build_seed(ctx), inputs=inputs)
    how = f"{ctx.entry}(units={units}, activation={name!r})"
    if facts.get("fails_at") == "__init__":
        return f"{how} raises at once: {facts.get('error', '')[:80]}"
    where = ("nowhere: the layer was made, built and called without an error" if not facts.get("fails_at")
             else f"only in {facts['fails_at']} ({facts.get('error', '')[:120]})")
    raise CheckFailed(f"{how} to raise an error as it is made (in __init__), since {name!r} names no activation",
                      where, "resolve the activation in __init__ with tf.keras.activations.get(activation): it "
                             "raises a ValueError for an unknown name there, not later in the middle of training")


@REGISTRY.check("classifier_learns", "classifier", 3)
def check_classifier_learns(ctx) -> str:
    """The notebook's classifier, made of SimpleDense layers, learns handwritten digits."""
    x_train, y_train, x_test, y_test = digits_sample(ctx.rng, DIGITS_TRAIN, DIGITS_TEST)
    model = (f"the notebook's classifier (Flatten, {ctx.entry}(128, activation='relu'), Dropout(0.2), "
             f"{ctx.entry}(10, activation='softmax')) trained {DIGITS_EPOCHS} epochs on {DIGITS_TRAIN} 8x8 digits")
    facts = ctx.ask("classify_images", x_train=x_train, y_train=y_train, x_test=x_test, epochs=DIGITS_EPOCHS,
                    batch_size=DIGITS_BATCH, seed=ctx.seed)
    probabilities = np.asarray(facts["probabilities"], np.float64)
    if probabilities.shape != (DIGITS_TEST, 10):
        raise CheckFailed(f"{model}: 10 probabilities for each of {DIGITS_TEST} test images",
                          f"outputs of shape {probabilities.shape}",
                          "return one output per unit and example from call(): activation(inputs @ kernel + bias)")
    if not np.all(np.isfinite(probabilities)):
        raise CheckFailed(f"{model}: finite probabilities", "NaN or infinite outputs after training",
                          "apply the activation to inputs @ kernel + bias, once, after adding the bias")
    sums = probabilities.sum(axis=1)
    if np.any(probabilities < -PROBABILITY_TOLERANCE) or np.max(np.abs(sums - 1.0)) > PROBABILITY_TOLERANCE:
        raise CheckFailed(f"{model}: each image's 10 outputs to be probabilities (at least 0, summing to 1), as a "
                          "softmax gives",
                          f"rows that sum to {fmt(sums[:3])}, ... and values from {probabilities.min():.3g} to "
                          f"{probabilities.max():.3g}",
                          "apply the activation last, to inputs @ kernel + bias: with 'softmax' each example's "
                          "outputs then sum to 1")
    probabilities = require_trained_outputs(probabilities, facts.get("weights"), x_test,
                                            [(128, "relu"), (10, "softmax")], model)
    score = accuracy(probabilities.argmax(axis=1), y_test)
    if score < CLASSIFIER_MIN_ACCURACY:
        losses = facts.get("losses") or []
        trend = f" (training loss {losses[0]:.3f} at the first epoch, {losses[-1]:.3f} at the last)" if losses else ""
        raise CheckFailed(f"{model}: a test accuracy of {CLASSIFIER_MIN_ACCURACY:.0%} or more on {DIGITS_TEST} others",
                          f"{score:.1%}{trend}",
                          "check that call() applies the layer's own activation to inputs @ kernel + bias with "
                          "TensorFlow operations, so that training's gradients pass through it")
    return f"test accuracy {score:.1%} on {DIGITS_TEST} digits it never saw"

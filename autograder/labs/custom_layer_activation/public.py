"""The public checks of lab 2: students run these themselves, and they count in the grade.

Lab 1's checks of the layer's construction, names, shapes, initial bias,
trainability and linear forward pass are reused from lab 1's registry as
they are, made with ``activation=None`` (they read the constructor's extra
arguments from ``ctx.options["layer_kwargs"]``). The new checks ask the
subject for facts about the activation and for what two small models of the
student's layers learn, on inputs, weights and data drawn for this run, and
compare with what ``expected`` computes in NumPy.
"""
from __future__ import annotations

import numpy as np

from autograder.judge import StudentError
from autograder.labs.custom_dense_layer import public as dense_public
from autograder.labs.custom_dense_layer.public import (
    build_seed, close, configurations, fmt, require_kernel_and_bias, require_layer, require_shapes)
from autograder.registry import CheckFailed, Registry
from autograder.results import Message

from . import CATEGORIES
from .expected import (
    NAMED, activation, dense, dense_activation, describe, softmax, xor_points)

REGISTRY = Registry(CATEGORIES)

LINEAR = {"layer_kwargs": {"activation": None}}

# Lab 1's checks, reused (not copied) on the layer made with activation=None: the kernel and the
# bias are still what lab 1 asked for, and with no activation the layer is lab 1's dense layer.
REGISTRY.add(dense_public.REGISTRY["writes_own_layer"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["layer_builds"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["variable_names"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["weight_shapes"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["bias_starts_at_zero"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["weights_trainable"], options=LINEAR)
REGISTRY.add(dense_public.REGISTRY["forward_pass"], options=LINEAR)

# Forward pass with an activation: outputs within ACTIVATION_RTOL (relative) and ACTIVATION_ATOL of
# activation(inputs @ kernel + bias). The inputs and weights are drawn so that the pre-activations
# spread over about -6..6, where every activation here bends, with a bias of the same size, so that
# an activation applied before the bias, twice, or not at all lands far out.
# `python -m autograder.labs.custom_layer_activation.calibrate --seeds 40`, the same on Keras 3.15
# and tf-keras 2.21: a correct layer uses at most 5.1% of this tolerance (margin 19.5x) over every
# name and callable; the nearest mistake (tanh applied twice) is off by 0.24.
ACTIVATION_RTOL, ACTIVATION_ATOL = 1e-4, 1e-5
INPUT_RANGE = 2.0

# The names each run tries (the hidden checks try the rest): ReLU and softmax, which the notebook's
# classifier uses, and one of the saturating two, which shows an activation applied twice.
SATURATING = ("sigmoid", "tanh")

# Nonlinearity: XOR on 2-D points drawn for the run (the square turned, scaled and moved), 200 to
# train and 200 to test; Input(2) -> SimpleDense(16, activation) -> SimpleDense(1), full-batch Adam
# (0.05) on the cross-entropy, 200 steps. Measured by the calibrate module over 40 seeds, the same on
# both stacks: with "relu" the test accuracy is at least 0.99 (bound 0.9, 0.09 below); with None at
# most 0.725 (bound 0.85, 0.125 above). A line can get at most three clouds of four right (about
# 0.75, a little more when the fourth cloud drew few points), so the bound leaves room for that; a
# layer that ignores its activation reaches 0.595 with "relu" at best, one with a ReLU where None was
# asked learns XOR with None too.
XOR_TRAIN, XOR_TEST = 200, 200
XOR_UNITS, XOR_STEPS, XOR_LEARNING_RATE = 16, 200, 0.05
RELU_MIN_ACCURACY, LINEAR_MAX_ACCURACY = 0.9, 0.85


# --------------------------------------------------------------------------- teaching messages


def describe_student_error(error: StudentError) -> Message:
    """A teaching message for an error raised by the student's code (lab 1's, plus the activation's)."""
    text, kind = error.text, error.type_name
    if kind == "NotImplementedError" and "numpy" in text.lower():
        return Message(f"{error.stage} to run without an error", text,
                       "keep the whole computation in TensorFlow: inside model.fit a tensor has no values yet, so "
                       "NumPy (np.maximum, .numpy(), np.asarray) cannot work on it; use tf.keras.activations.get or "
                       "tf.nn functions")
    if kind == "TypeError" and "activation" in text and ("unexpected keyword" in text or "positional" in text):
        return Message(f"{error.stage} to run without an error", text,
                       "give the constructor an activation argument: `def __init__(self, units=32, activation=None)`")
    if kind == "TypeError" and "object is not callable" in text:
        return Message(f"{error.stage} to run without an error", text,
                       "in __init__, turn the argument into a function once, with tf.keras.activations.get, and "
                       "keep that function on the layer; in call(), call it")
    if ("activation" in text.lower() and any(w in text for w in ("Unknown", "Could not interpret", "KeyError"))
            or kind in ("KeyError", "AttributeError") and "activation" in error.stage):
        return Message(f"{error.stage} to run without an error", text,
                       "let tf.keras.activations.get(activation) resolve the argument: it accepts None, any Keras "
                       "activation name and any callable")
    return dense_public.describe_student_error(error)


# --------------------------------------------------------------------------- helpers


def draw_forward(ctx, features: int, units: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, kernel and bias for a forward probe with an activation, drawn so that between a quarter
    and three quarters of inputs @ kernel + bias is above zero: every activation then shows what it
    does (with a batch of two and two units, all four could be positive one draw in sixteen, and a
    ReLU would pass for linear; measured in the corpus's default_activation_relu, seed 1004)."""
    for _ in range(1000):  # a handful of draws at most, in practice
        inputs = ctx.rng.uniform(-INPUT_RANGE, INPUT_RANGE, size=(batch, features)).astype(np.float32)
        kernel = ctx.rng.normal(0.0, 2.0 / np.sqrt(features), size=(features, units)).astype(np.float32)
        bias = ctx.rng.normal(0.0, 2.0, size=(units,)).astype(np.float32)
        if 0.25 <= np.mean(dense(inputs, kernel, bias) > 0) <= 0.75:
            break
    return inputs, kernel, bias


def forward_with(ctx, spec, configuration: int = 0, kwargs: dict | None = None) -> dict:
    """The layer made with activation ``spec``, given drawn weights, on drawn inputs: what it answers."""
    batch, features, units = configurations(ctx)[configuration]
    kwargs = {"units": units, "activation": spec} if kwargs is None else kwargs
    facts = ctx.ask("build", kwargs=kwargs, input_shape=[batch, features], seed=build_seed(ctx))
    require_layer(ctx, facts)
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
    require_shapes(ctx, kernel, bias, features, units)
    inputs, new_kernel, new_bias = draw_forward(ctx, features, units, batch)
    outputs = ctx.ask("forward", kwargs=kwargs, input_shape=[batch, features], seed=build_seed(ctx), inputs=inputs,
                      assignments={str(kernel_index): new_kernel, str(bias_index): new_bias})["outputs"]
    return {"inputs": inputs, "kernel": new_kernel, "bias": new_bias, "outputs": np.asarray(outputs, np.float64),
            "expected": dense_activation(inputs, new_kernel, new_bias, spec), "spec": spec,
            "call": call_text(ctx, kwargs)}


def call_text(ctx, kwargs: dict) -> str:
    """How a message shows the layer's construction, e.g. SimpleDense(units=4, activation='relu')."""
    shown = [f"{key}={describe(value) if key == 'activation' else repr(value)}" for key, value in kwargs.items()]
    return f"{ctx.entry}({', '.join(shown)})"


def agrees(found, expected) -> bool:
    return close(found, expected, ACTIVATION_RTOL, ACTIVATION_ATOL)


# A trained model's outputs, as the subject reports them, against what the judge computes from the
# trained weights it reports (float64 here, float32 there). Measured on the reference solution over
# 6 seeds on each stack (XOR with and without ReLU, the digits classifier): at most 0.17% of this
# tolerance (margin 585x); a layer whose outputs are not activation(inputs @ kernel + bias), or an
# answer looked up without a trained model, is off by far more.
TRAINED_RTOL, TRAINED_ATOL = 1e-3, 1e-4


def trained_kernel_and_bias(weights, inputs: int, units: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """A trained layer's kernel (inputs, units) and bias (units,), told apart by their shapes."""
    arrays = [np.asarray(w, np.float64) for w in weights or []]
    kernels = ([a for a in arrays if a.shape == (inputs, units)]
               or [a.T for a in arrays if a.ndim == 2 and a.shape == (units, inputs)])
    biases = [a for a in arrays if a.shape == (units,)]
    if len(kernels) != 1 or len(biases) != 1:
        raise CheckFailed(f"{where}: after training, a kernel of shape ({inputs}, {units}) and a bias of shape "
                          f"({units},)", f"variables of shapes {[a.shape for a in arrays]}",
                          "give the layer exactly two weights, self.kernel and self.bias, made in build()")
    return kernels[0], biases[0]


def require_trained_outputs(found, weights, inputs, specs, where: str) -> np.ndarray:
    """What a model of the student's layers (``specs``: each layer's activation) gives for ``inputs`` with
    the trained weights the subject reports, computed here; raises unless the subject's outputs are that.

    So an answer is right only if weights that give it were learned: a lookup that answers the test
    points without a trained model (a nearest neighbour, say) has no such weights to show.
    """
    values = np.asarray(inputs, np.float64).reshape(len(inputs), -1)
    if len(weights or []) != len(specs):
        raise CheckFailed(f"{where}: the trained weights of its {len(specs)} layers", f"{len(weights or [])} layers",
                          "make each layer's weights with add_weight in build()")
    for layer_weights, (units, spec) in zip(weights, specs):
        kernel, bias = trained_kernel_and_bias(layer_weights, values.shape[1], units, where)
        values = dense_activation(values, kernel, bias, spec)
    found = np.asarray(found, np.float64).reshape(values.shape)
    if not close(found, values, TRAINED_RTOL, TRAINED_ATOL):
        raise CheckFailed(f"{where}: the outputs its trained weights give through activation(inputs @ kernel + bias)",
                          f"outputs that are not what its weights give (e.g. {fmt(found.ravel()[:3])} where the "
                          f"weights give {fmt(values.ravel()[:3])})",
                          "return self.activation(inputs @ self.kernel + self.bias) from call(): the activation "
                          "once, after the bias, and nothing else")
    return values


def activation_mistake(seen: dict) -> tuple[str, str]:
    """(found, hint) naming the mistake behind a wrong output with an activation."""
    spec, outputs, expected = seen["spec"], seen["outputs"], seen["expected"]
    act = activation(spec)
    inputs, kernel, bias = seen["inputs"], seen["kernel"], seen["bias"]
    z = dense(inputs, kernel, bias)
    first = f"{fmt(outputs[0])} for the first row"
    after = "add the bias first, then apply the layer's activation function to that sum"
    candidates = [
        (z, "inputs @ kernel + bias: the activation is never applied",
         "in call(), apply the activation function kept in __init__ to the matrix product plus the bias"),
        (act(dense(inputs, kernel, 0.0 * bias)) + bias, "the activation is applied before the bias is added", after),
        (act(act(z)), "the activation is applied twice", "apply self.activation once, in call() only"),
        (np.maximum(z, 0.0), "a ReLU, whatever activation was asked for",
         "apply the activation the layer was given (self.activation), not a fixed one"),
        (softmax(act(z)), "a softmax after the activation",
         "apply only the activation the layer was given; a softmax belongs to the model's last layer, as its "
         "activation"),
        (softmax(z, axis=0), "a softmax over the batch (each column sums to 1), not over each example's outputs",
         "let tf.keras.activations.get('softmax') make the softmax: it normalizes each row (the last axis)"),
        (dense(act(inputs), kernel, bias), "the activation is applied to the inputs, before the matrix product",
         after),
    ]
    for candidate, found, hint in candidates:
        if candidate.shape == outputs.shape and not agrees(candidate, expected) and agrees(outputs, candidate):
            return f"{first}: {found}", hint
    if outputs.shape != expected.shape:
        return (f"outputs of shape {outputs.shape}, not {expected.shape}",
                "return activation(inputs @ kernel + bias), one value per example and unit")
    return first, after


def require_activation(ctx, seen: dict) -> None:
    if not agrees(seen["outputs"], seen["expected"]):
        found, hint = activation_mistake(seen)
        raise CheckFailed(f"{seen['call']} to output activation(inputs @ kernel + bias), e.g. "
                          f"{fmt(seen['expected'][0])} for the first row", found, hint)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(labels)))


# --------------------------------------------------------------------------- the new checks


@REGISTRY.check("default_is_linear", "activation", 1)
def check_default_is_linear(ctx) -> str:
    """SimpleDense(units=n), made without an activation, is linear: the default activation is None."""
    batch, features, units = configurations(ctx)[1]
    seen = forward_with(ctx, None, configuration=1, kwargs={"units": units})
    if not agrees(seen["outputs"], seen["expected"]):
        found, hint = activation_mistake(seen)
        z = dense(seen["inputs"], seen["kernel"], seen["bias"])
        default = next((name for name, act in NAMED.items() if name != "linear" and agrees(seen["outputs"], act(z))),
                       None)
        if default:
            found, hint = (f"{fmt(seen['outputs'][0])} for the first row: the default activation is {default!r}",
                           "make None the default, as Keras's Dense has it: `def __init__(self, units=32, "
                           "activation=None)`")
        raise CheckFailed(f"{seen['call']}, with no activation given, to be linear (inputs @ kernel + bias)",
                          found, hint)
    return "with no activation given, the layer is linear"


@REGISTRY.check("activation_by_name", "activation", 2)
def check_activation_by_name(ctx) -> str:
    """Named activations ("relu", "softmax", "sigmoid" or "tanh") are applied to inputs @ kernel + bias."""
    names = ["relu", str(ctx.rng.choice(SATURATING)), "softmax"]
    for name in names:
        require_activation(ctx, forward_with(ctx, name))
    return f"{', '.join(repr(n) for n in names)} are each applied after the bias"


def draw_callable(rng: np.random.Generator, kinds=("scaled_tanh", "leaky_relu", "shifted_softplus")) -> dict:
    kind = str(rng.choice(kinds))
    params = {"scaled_tanh": lambda: [rng.uniform(0.5, 3.0), rng.uniform(0.3, 1.5)],
              "leaky_relu": lambda: [rng.uniform(0.05, 0.5)],
              "shifted_softplus": lambda: [rng.uniform(0.5, 2.0)]}[kind]()
    return {"callable": kind, "params": [round(float(p), 4) for p in params]}


@REGISTRY.check("activation_callable", "activation", 1)
def check_activation_callable(ctx) -> str:
    """A callable passed as the activation (a function of a tensor) is applied after the bias."""
    spec = draw_callable(ctx.rng)
    seen = forward_with(ctx, spec)
    if agrees(seen["outputs"], dense(seen["inputs"], seen["kernel"], seen["bias"])):
        raise CheckFailed(f"{seen['call']} to apply that function to inputs @ kernel + bias",
                          "inputs @ kernel + bias: the callable was not applied",
                          "tf.keras.activations.get(activation) hands a callable back as it is: keep what it "
                          "returns and apply it in call()")
    require_activation(ctx, seen)
    return f"{describe(spec)} is applied after the bias"


@REGISTRY.check("activation_resolved_once", "activation", 1)
def check_activation_resolved_once(ctx) -> str:
    """The activation is resolved once, when the layer is made, not looked up again on every call."""
    batch, features, units = configurations(ctx)[0]
    inputs, _, _ = draw_forward(ctx, features, units, batch)
    facts = ctx.ask("activation_facts", kwargs={"units": units, "activation": "relu"}, input_shape=[batch, features],
                    seed=build_seed(ctx), inputs=inputs, calls=2)
    attributes = facts.get("attributes") or {}
    lookups = int(facts.get("lookups") or 0)
    how = f"{ctx.entry}(units={units}, activation='relu')"
    if lookups:
        raise CheckFailed(f"{how} to look its activation up once, when it is made",
                          f"two calls of the layer looked an activation up {lookups} time(s) "
                          "(tf.keras.activations.get run, or an Activation layer made, inside call())",
                          "resolve it once in __init__ with tf.keras.activations.get and keep the function on the "
                          "layer; in call(), only apply that function")
    functions = [name for name, value in attributes.items() if value.get("kind") in ("callable", "layer")]
    names = [name for name, value in attributes.items() if value.get("kind") == "string" and value.get("value") == "relu"]
    if not functions:
        kept = f"only the name 'relu' (in self.{names[0]})" if names else "no function for its activation"
        raise CheckFailed(f"{how} to keep the function that 'relu' stands for", f"the layer keeps {kept}",
                          "resolve the name once in __init__ with tf.keras.activations.get, and keep the function "
                          "it returns on the layer")
    return f"resolved once (kept in self.{functions[0]}); calls look nothing up"


@REGISTRY.check("nonlinearity_pays", "nonlinearity", 3)
def check_nonlinearity_pays(ctx) -> str:
    """With "relu", a small model of SimpleDense layers learns XOR; with activation=None it cannot."""
    everything, classes = xor_points(ctx.rng, XOR_TRAIN + XOR_TEST)  # one square, split in two
    xs, ys, points, labels = everything[:XOR_TRAIN], classes[:XOR_TRAIN], everything[XOR_TRAIN:], classes[XOR_TRAIN:]
    common = dict(units=XOR_UNITS, xs=xs, ys=ys, points=points, steps=XOR_STEPS, learning_rate=XOR_LEARNING_RATE,
                  seed=ctx.seed)
    model = (f"Input(2) -> {ctx.entry}({XOR_UNITS}, activation=...) -> {ctx.entry}(1), trained {XOR_STEPS} "
             "steps on XOR (four clouds, opposite corners alike)")
    answer = ctx.ask("learn_two_features", hidden=[{"activation": "relu"}, {"activation": None}], **common)
    logits = answer["logits"]
    if len(logits) != 2 or any(np.shape(branch) != (XOR_TEST,) for branch in logits):
        raise CheckFailed(f"{model}: one score per test point from each model",
                          f"scores of shapes {[np.shape(branch) for branch in logits]}",
                          "return one output per example and unit from call()")
    facts_weights = answer.get("weights") or []
    mine = [require_trained_outputs(branch, facts_weights[i] if i < len(facts_weights) else None, points,
                                    [(XOR_UNITS, spec), (1, None)], f"{model}, with activation={spec!r}")
            for i, (branch, spec) in enumerate(zip(logits, ("relu", None)))]
    with_relu = accuracy(mine[0].ravel() > 0, labels > 0.5)
    without = accuracy(mine[1].ravel() > 0, labels > 0.5)
    figures = f"test accuracy {with_relu:.0%} with 'relu', {without:.0%} with None"
    if without > LINEAR_MAX_ACCURACY:
        raise CheckFailed(f"{model}: with activation=None at most {LINEAR_MAX_ACCURACY:.0%} (no line separates XOR)",
                          f"{figures}: with None the layer is not linear",
                          "with activation=None, call() must return inputs @ kernel + bias and nothing more "
                          "(tf.keras.activations.get(None) is the identity)")
    if with_relu < RELU_MIN_ACCURACY:
        same = ("no better than a straight line can do: the activation is not applied, or training gets no "
                "true gradient through it") if with_relu <= LINEAR_MAX_ACCURACY else ""
        raise CheckFailed(f"{model}: with 'relu' a test accuracy of {RELU_MIN_ACCURACY:.0%} or more",
                          f"{figures}{': ' + same if same else ''}",
                          "apply the activation to inputs @ kernel + bias in call(), with TensorFlow operations "
                          "(so that training's gradients pass through it)")
    return figures

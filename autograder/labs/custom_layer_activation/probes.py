"""Probes of a Keras layer with an activation: they run in the subject, beside the student's code.

Lab 1's probes (``construct``, ``build``, ``forward``, ``gradients``,
``train``) are reused, with two changes. The judge cannot send a Python
function, so where it wants the layer made with a callable activation it
names one (``{"callable": "scaled_tanh", "params": [...]}``, or
``{"keras": "tanh"}`` for Keras's own function object) and :func:`resolve`
makes it here. And a Keras ``Activation`` layer that the layer keeps as its
activation is not reported as a borrowed layer (a wrapped ``Dense`` still
is). The new probes report what the layer keeps
for its activation, how often ``call()`` looks an activation up, where an
unknown name fails, and what two small models made of the student's layers
learn: XOR on 2-D points, and the notebook's image classifier.

As in lab 1, every number comes from the judge (data, weights, seeds) and
every probe only reports facts. Nothing here is secret: students may read it.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import math
import sys
import warnings

from autograder.labs.custom_dense_layer import probes as dense
# environment() is what the subject reports (the engine reads it from this module); keras_version too.
from autograder.labs.custom_dense_layer.probes import (  # noqa: F401
    built_layer, environment, keras_version, make_layer, outputs_of, seed_everything, student)
from autograder.probing import StudentRaised, describe_error

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

PROBES: dict = {}


def probe(function):
    PROBES[function.__name__] = function
    return function


# --------------------------------------------------------------------------- activations the judge names


class JudgeActivation:
    """A callable activation the judge named, with parameters it drew for this run.

    A callable object rather than a lambda, so that messages show
    ``scaled_tanh(a=1.3, b=0.7)`` instead of a memory address. Keras's
    ``activations.get`` hands any callable back as it is.
    """

    def __init__(self, kind: str, params: list):
        if kind not in CALLABLE_KINDS:
            raise ValueError(f"unknown callable activation {kind!r}")
        self.kind, self.params = kind, [float(p) for p in params]

    def __call__(self, x):
        return CALLABLE_KINDS[self.kind](x, *self.params)

    def __repr__(self) -> str:
        names = CALLABLE_PARAMETERS[self.kind]
        return f"{self.kind}({', '.join(f'{n}={v:.4g}' for n, v in zip(names, self.params))})"


CALLABLE_KINDS = {
    "scaled_tanh": lambda x, a, b: a * tf.tanh(b * x),
    "leaky_relu": lambda x, slope: tf.where(x > 0, x, slope * x),
    "shifted_softplus": lambda x, shift: tf.math.softplus(x) - shift,
}
CALLABLE_PARAMETERS = {"scaled_tanh": ("a", "b"), "leaky_relu": ("slope",), "shifted_softplus": ("shift",)}


def resolve_activation(spec):
    """What the judge's description of an activation stands for: None, a name, or a callable."""
    if isinstance(spec, dict) and "callable" in spec:
        return JudgeActivation(str(spec["callable"]), list(spec.get("params", [])))
    if isinstance(spec, dict) and "keras" in spec:
        return getattr(tf.keras.activations, str(spec["keras"]))
    return spec


def resolve(kwargs: dict) -> dict:
    """Constructor arguments with the activation, if any, made real."""
    kwargs = dict(kwargs)
    if "activation" in kwargs:
        kwargs["activation"] = resolve_activation(kwargs["activation"])
    return kwargs


def resolving(function):
    """Lab 1's probe ``function``, taking the judge's description of an activation in ``kwargs``."""
    @functools.wraps(function)
    def wrapper(entry, *, kwargs: dict, **args):
        return function(entry, kwargs=resolve(kwargs), **args)

    return wrapper


for _name, _function in dense.PROBES.items():
    PROBES[_name] = resolving(_function)


# --------------------------------------------------------------------------- looking at what a layer keeps

@probe
def build(entry, *, kwargs: dict, input_shape: list, seed: int) -> dict:
    """Lab 1's ``build`` probe, with the activation resolved (a Keras activation layer the layer keeps
    is not a borrowed layer: lab 1's probe leaves weightless layers out)."""
    return dense.build(entry, kwargs=resolve(kwargs), input_shape=input_shape, seed=seed)


class _Plain(tf.keras.layers.Layer):
    """A layer with nothing of its own: what Keras itself puts on every built layer."""

    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        return inputs


@functools.lru_cache(maxsize=None)
def keras_attributes() -> frozenset:
    """The attributes Keras sets on any layer that is made, built and called (not the student's)."""
    layer = _Plain()
    layer(tf.zeros((2, 3)))
    return frozenset(vars(layer))


def describe_value(value) -> dict:
    """What kind of thing an attribute holds, as plain data."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "string", "value": value[:40]}
    if isinstance(value, (bool, int, float, np.number)):
        return {"kind": "number"}
    if isinstance(value, tf.Variable) or hasattr(value, "assign") and hasattr(value, "trainable"):
        return {"kind": "variable"}
    if isinstance(value, tf.keras.layers.Layer):
        return {"kind": "layer", "type": type(value).__name__}
    if callable(value):
        name = getattr(value, "__name__", type(value).__name__)
        return {"kind": "callable", "name": str(name)[:40]}
    if isinstance(value, (dict, list, tuple)):
        items = list(value.values()) if isinstance(value, dict) else list(value)
        found = next((item for item in items[:16] if callable(item)), None)
        if found is not None:  # a function kept in a dict or a list is kept all the same
            return {"kind": "callable", "name": str(getattr(found, "__name__", type(found).__name__))[:40]}
        return {"kind": "container"}
    return {"kind": "other", "type": type(value).__name__}


def kept_attributes(layer) -> dict:
    """The layer's own attributes (not Keras's), each described."""
    return {name: describe_value(value) for name, value in vars(layer).items() if name not in keras_attributes()}


def lookup_codes() -> set:
    """Code objects of the functions that look an activation up by its identifier.

    Each function is unwrapped to its own code: tf-keras wraps many public
    functions in one generic error handler, whose code is shared by all of them.
    """
    import inspect

    codes = set()
    functions = [getattr(tf.keras.activations, name, None) for name in ("get", "deserialize")]
    functions.append(getattr(tf.keras.layers.Activation, "__init__", None))
    for function in functions:
        if function is None:
            continue
        code = getattr(inspect.unwrap(function), "__code__", None)
        if code is not None:
            codes.add(code)
    return codes


@contextlib.contextmanager
def counting_lookups():
    """Count calls of the activation look-ups while the block runs (in this thread)."""
    codes, counter = lookup_codes(), {"count": 0}
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            counter["count"] += 1

    sys.setprofile(profile)
    try:
        yield counter
    finally:
        sys.setprofile(previous)


@probe
def activation_facts(entry, *, kwargs: dict, input_shape: list, seed: int, inputs, calls: int = 2) -> dict:
    """What the layer keeps after it is made and built, and how many activation look-ups its calls make."""
    layer = built_layer(entry, resolve(kwargs), input_shape, seed)
    attributes = kept_attributes(layer)
    with counting_lookups() as counter:
        for _ in range(int(calls)):
            outputs_of(layer, inputs)
    return {"attributes": attributes, "lookups": counter["count"], "calls": int(calls)}


@probe
def where_it_fails(entry, *, kwargs: dict, input_shape: list, seed: int, inputs) -> dict:
    """Make, build and call a layer (say with an unknown activation name): the first step that raises."""
    seed_everything(seed)
    stage = "__init__"
    try:
        layer = make_layer(entry, resolve(kwargs))
        stage = "build()"
        _built(layer, input_shape)
        stage = "call()"
        outputs_of(layer, inputs)
    except StudentRaised as raised:
        return {"fails_at": stage, "error": describe_error(raised.error)}
    return {"fails_at": None, "error": ""}


def _built(layer, input_shape) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        student("build()", layer.build, dense.native_shape(input_shape))
    layer.built = True


@probe
def two_layers(entry, *, first: dict, second: dict, input_shape: list, seed: int, inputs,
               assignments: dict) -> dict:
    """Make two layers one after the other, then build and call each: does each keep its own activation?

    ``assignments`` sets each layer's held variables (``{"0": kernel, "1": bias}``), so that both
    compute from the same weights.
    """
    seed_everything(seed)
    layers = [make_layer(entry, resolve(kwargs)) for kwargs in (first, second)]
    outputs = []
    for layer in layers:
        _built(layer, input_shape)
        dense.assign(layer, assignments)
        outputs.append(outputs_of(layer, inputs))
    return {"outputs": outputs}


# --------------------------------------------------------------------------- models made of the layer


def _quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return student("model.fit", model.fit, *args, **kwargs)


@probe
def learn_two_features(entry, *, hidden: list, units: int, xs, ys, points, steps: int, learning_rate: float,
                       seed: int) -> dict:
    """Train Input(2) -> SimpleDense(units, **h) -> SimpleDense(1), for each h in ``hidden``, on 2-D points
    with 0/1 labels, and report each model's logits for the judge's ``points`` (whose labels only the
    judge knows).

    Full-batch Adam on the cross-entropy of the logits, ``steps`` steps in
    one ``model.fit`` (everything fit counts is counted). The models share
    nothing but their input and train side by side in one Keras model, with
    the sum of their losses: each one's weights get the gradients of its own
    loss only, and Adam moves each weight on its own, so every model learns
    exactly what it would learn alone, for the cost of one ``fit``.
    """
    seed_everything(seed)
    xs = np.asarray(xs, np.float32)
    ys = np.asarray(ys, np.float32).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = tf.keras.Input(shape=(xs.shape[1],))
        branches, pairs = [], []
        for settings in hidden:
            first = make_layer(entry, resolve({"units": int(units), **settings}))
            second = make_layer(entry, {"units": 1, "activation": None})
            branches.append(student("building the model", lambda: second(first(inputs))))
            pairs.append((first, second))
        model = student("building the model", lambda: tf.keras.Model(inputs, branches))
        model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                      loss=[tf.keras.losses.BinaryCrossentropy(from_logits=True)] * len(branches),
                      steps_per_execution=int(steps))
    history = _quiet_fit(model, tf.data.Dataset.from_tensors((xs, tuple([ys] * len(branches)))).repeat(), epochs=1,
                         steps_per_epoch=int(steps), verbose=0)
    outputs = student("predicting", lambda: model(np.asarray(points, np.float32)))
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {"logits": [np.asarray(o, np.float64).reshape(-1) for o in outputs],
            "weights": [[trained_weights(layer) for layer in pair] for pair in pairs],
            "trainable_count": len(model.trainable_variables),
            "loss": float(history.history["loss"][-1]) if history.history.get("loss") else None}


def trained_weights(layer) -> list:
    """The values of every variable the layer holds, after training: the judge computes the model's
    outputs from them itself (so an answer is only right if weights that give it were learned)."""
    return [dense.values(v) for v, _, _ in dense.held_variables(layer)]


def classifier(entry, input_shape, units: int = 128, dropout: float = 0.2, classes: int = 10):
    """The notebook's classifier, made of the student's layer: Flatten, units with ReLU, Dropout, softmax."""
    return tf.keras.Sequential([
        tf.keras.Input(shape=tuple(input_shape)),
        tf.keras.layers.Flatten(),
        make_layer(entry, {"units": units, "activation": "relu"}),
        tf.keras.layers.Dropout(dropout),
        make_layer(entry, {"units": classes, "activation": "softmax"}),
    ])


@probe
def classify_images(entry, *, x_train, y_train, x_test, epochs: int, batch_size: int, seed: int,
                    units: int = 128, dropout: float = 0.2) -> dict:
    """Build the notebook's classifier, train it as the notebook does (Adam, sparse categorical
    cross-entropy, shuffled mini-batches) and report its class probabilities for ``x_test``."""
    seed_everything(seed)
    x_train, x_test = np.asarray(x_train, np.float32), np.asarray(x_test, np.float32)
    y_train = np.asarray(y_train, np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = student("building the classifier", classifier, entry, x_train.shape[1:], int(units), float(dropout))
        steps = math.ceil(len(x_train) / batch_size)
        # One epoch per graph execution: the same steps, without a trip through Python for each.
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=steps)
    batches = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
               .shuffle(len(x_train), seed=int(seed), reshuffle_each_iteration=True).batch(int(batch_size)).repeat())
    history = _quiet_fit(model, batches, epochs=int(epochs), steps_per_epoch=steps, verbose=0)
    probabilities = student("predicting", lambda: np.asarray(model(x_test, training=False), np.float64))
    return {"probabilities": probabilities, "losses": [float(v) for v in history.history.get("loss", [])],
            "weights": [trained_weights(layer) for layer in (model.layers[1], model.layers[3])]}

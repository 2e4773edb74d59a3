"""Probes of a Keras layer class: they run in the subject, beside the student's code.

Each probe builds a fresh layer from the student's class with arguments the
judge chose (units, input shape, seed, inputs, weights, data) and reports
facts: the layer's variables and their values, its outputs, its gradients,
what training made of it. It judges nothing; the checks in ``public.py`` and
``hidden.py`` do, in the judge. Nothing here is secret: students may read it.

Everything goes through ``tf.keras``, which is Keras 3 (``pip install
tensorflow``) or legacy Keras 2 (``tf-keras`` with ``TF_USE_LEGACY_KERAS=1``),
and builds a layer as that Keras would: ``build()`` receives a tuple on
Keras 3 and a ``TensorShape`` on Keras 2.
"""
from __future__ import annotations

import collections.abc
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from autograder.probing import student  # noqa: E402

PROBES: dict = {}
# tf.keras is loaded lazily (on Keras 2, all of tf_keras): load it here, once in the zygote, rather
# than in every subject's first cell (measured: 0.4-0.7 s of each legacy Keras 2 grade).
LAYER = tf.keras.layers.Layer
tf.keras.Sequential, tf.keras.optimizers.SGD, tf.keras.initializers.RandomNormal  # noqa: B018
# Where Keras's own classes live: a layer built on one of them is not the student's.
KERAS_MODULE_PREFIXES = ("keras.", "tf_keras.", "tensorflow.")


def probe(function):
    PROBES[function.__name__] = function
    return function


# --------------------------------------------------------------------------- the stack


def keras_version() -> str:
    """The version of the Keras that ``tf.keras`` is in this process."""
    if tf.keras.__name__.startswith("tf_keras"):  # TF_USE_LEGACY_KERAS=1 chose Keras 2
        import tf_keras

        return tf_keras.__version__
    import keras

    return keras.__version__


def environment() -> dict:
    return {"keras": keras_version(), "tensorflow": tf.__version__}


def seed_everything(seed: int) -> None:
    tf.keras.utils.set_random_seed(int(seed))


def native_shape(shape):
    """An input shape as this Keras hands it to ``build()``."""
    return tf.TensorShape(shape) if keras_version().startswith("2.") else tuple(shape)


# --------------------------------------------------------------------------- looking at a layer


def short_name(variable) -> str:
    """``kernel`` for Keras 3's "kernel" and Keras 2's "simple_dense/kernel:0"."""
    return str(variable.name).split("/")[-1].split(":")[0]


def held_variables(layer) -> list[tuple]:
    """(variable, attribute, tracked) for every variable the layer holds, tracked by Keras or not.

    Keras 3 does not track a ``tf.Variable`` stored on a layer; such
    variables are listed after the tracked ones, so the judge can name the trap.
    """
    attributes = {}
    for attribute, value in vars(layer).items():
        if isinstance(value, tf.Variable) or hasattr(value, "assign") and hasattr(value, "trainable"):
            attributes.setdefault(id(value), attribute)
    tracked = list(layer.variables)
    tracked_ids = {id(v) for v in tracked}
    held = [(v, attributes.get(id(v)), True) for v in tracked]
    for attribute, value in vars(layer).items():
        if isinstance(value, tf.Variable) and id(value) not in tracked_ids:
            held.append((value, attribute, False))
            tracked_ids.add(id(value))
    return held


def values(variable) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


def variable_facts(layer) -> list[dict]:
    return [{"name": short_name(v), "attribute": attribute, "shape": [int(d) for d in v.shape],
             "dtype": str(getattr(v.dtype, "name", v.dtype)), "trainable": bool(v.trainable), "tracked": tracked,
             "values": values(v)}
            for v, attribute, tracked in held_variables(layer)]


def keras_bases(cls) -> list[str]:
    """Keras's own classes from the layer's class down to ``Layer``: a borrowed layer (``Dense``, say),
    whether subclassed or handed back by a function or ``__new__`` in its place."""
    found = []
    for base in getattr(cls, "__mro__", ()):
        if base is tf.keras.layers.Layer:
            break
        if base.__module__.startswith(KERAS_MODULE_PREFIXES):
            found.append(f"{base.__module__}.{base.__name__}")
    return found


# Keras's layers that hold no weights and compute no dense layer: keeping one (an activation, a
# Lambda around one) is not borrowing the layer the lab asks for.
WEIGHTLESS_LAYERS = ("Activation", "ReLU", "Softmax", "LeakyReLU", "ELU", "ThresholdedReLU", "Lambda", "Dropout",
                     "Identity", "Flatten", "Reshape")


def keras_sublayers(layer) -> list[str]:
    """Keras's own layers the layer holds (a wrapped ``Dense``, say), at any depth: in attributes,
    lists, tuples, dicts and other layers, used as they are or through a subclass."""
    found, seen, pending = [], {id(layer)}, list(vars(layer).values())
    while pending and len(seen) < 100_000:
        item = pending.pop()
        if id(item) in seen or isinstance(item, (str, bytes, np.ndarray, tf.Variable, tf.Tensor)):
            continue
        seen.add(id(item))
        if isinstance(item, collections.abc.Mapping):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, collections.abc.Sequence)):
            pending.extend(item)
        elif isinstance(item, tf.keras.layers.Layer):
            borrowed = [b for b in keras_bases(type(item)) if b.rsplit(".", 1)[-1] not in WEIGHTLESS_LAYERS]
            if borrowed:
                found.append(borrowed[0])
            pending.extend(vars(item).values())
    return list(dict.fromkeys(found))


def plain(value):
    """A JSON-safe description of an attribute's value (``units``, say)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.integer):
        return int(value)
    return f"<{type(value).__name__}>"


def call_text(entry, kwargs: dict) -> str:
    return f"{getattr(entry, '__name__', 'the class')}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def make_layer(entry, kwargs: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return student(call_text(entry, kwargs), entry, **kwargs)


def layer_facts(layer, entry=None) -> dict:
    try:
        layer.name  # set by Layer.__init__: without it Keras cannot build, track or train the layer
        base_initialized = True
    except AttributeError:
        base_initialized = False
    return {"is_layer": isinstance(layer, tf.keras.layers.Layer), "base_initialized": base_initialized,
            "units": plain(getattr(layer, "units", "<missing>")), "keras_bases": keras_bases(type(layer)),
            "class": f"{type(layer).__module__}.{type(layer).__qualname__}",
            "of_the_entry": isinstance(entry, type) and isinstance(layer, entry)}


def built_layer(entry, kwargs: dict, input_shape, seed: int):
    """A fresh layer, built for inputs of ``input_shape`` as Keras would build it."""
    seed_everything(seed)
    layer = make_layer(entry, kwargs)
    if not isinstance(layer, tf.keras.layers.Layer) or not layer_facts(layer)["base_initialized"]:
        return layer  # not a layer Keras could build: the facts say why
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        student("build()", layer.build, native_shape(input_shape))
    layer.built = True  # Keras 2 marks a layer built only when build() runs through __call__
    return layer


def to_input(layer, array):
    """Judge-chosen inputs as a tensor of the layer's compute dtype (what Keras would cast them to)."""
    dtype = getattr(layer, "compute_dtype", None) or "float32"
    return tf.constant(np.asarray(array), dtype=dtype)


def assign(layer, new_values: dict) -> None:
    """Set held variable ``i`` to ``new_values[str(i)]``, in the variable's own dtype."""
    held = held_variables(layer)
    for index, value in new_values.items():
        variable = held[int(index)][0]
        variable.assign(np.asarray(value).astype(variable.dtype.name if hasattr(variable.dtype, "name")
                                                 else str(variable.dtype)))


def outputs_of(layer, inputs) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = student("call()", layer, to_input(layer, inputs))
    return student("converting call()'s result to numbers", lambda: np.asarray(outputs, dtype=np.float64))


# --------------------------------------------------------------------------- the probes


@probe
def construct(entry, *, kwargs: dict) -> dict:
    """Make a layer (no build) and describe it."""
    layer = make_layer(entry, kwargs)
    return layer_facts(layer, entry) if isinstance(layer, tf.keras.layers.Layer) else {
        "is_layer": False, "type": type(layer).__name__}


@probe
def build(entry, *, kwargs: dict, input_shape: list, seed: int) -> dict:
    """Build a layer and report its variables (with their starting values) and what it holds."""
    layer = built_layer(entry, kwargs, input_shape, seed)
    if not isinstance(layer, tf.keras.layers.Layer):
        return {"is_layer": False, "type": type(layer).__name__}
    facts = layer_facts(layer, entry)
    if not facts["base_initialized"]:
        return {**facts, "variables": [], "sublayers": []}
    return {**facts, "variables": variable_facts(layer), "sublayers": keras_sublayers(layer)}


@probe
def forward(entry, *, kwargs: dict, input_shape: list, seed: int, inputs, assignments: dict | None = None,
            assignments_each: list | None = None) -> dict:
    """Build a layer, optionally set its variables, and report its outputs for ``inputs``.

    With ``assignments_each``, the one layer is set to each in turn and the outputs of each are
    reported (``outputs_each``): a build costs ten times a call, and a check that measures how
    the loss moves needs dozens of settings.
    """
    layer = built_layer(entry, kwargs, input_shape, seed)
    if assignments_each is not None:
        each = []
        for setting in assignments_each:
            assign(layer, setting)
            each.append(outputs_of(layer, inputs))
        return {"outputs_each": each}
    if assignments:
        assign(layer, assignments)
    return {"outputs": outputs_of(layer, inputs)}


@probe
def gradients(entry, *, kwargs: dict, input_shape: list, seed: int, inputs, targets,
              assignments: dict | None = None) -> dict:
    """The gradient of sum((outputs - targets)^2) for each held variable (None where there is none).

    The tape watches what training would: the trainable variables that call() reads.
    """
    layer = built_layer(entry, kwargs, input_shape, seed)
    if assignments:
        assign(layer, assignments)
    held = [v for v, _, _ in held_variables(layer)]
    with tf.GradientTape() as tape:
        outputs = student("call()", layer, to_input(layer, inputs))
        loss = tf.reduce_sum(tf.square(tf.cast(outputs, tf.float64) - tf.constant(np.asarray(targets), tf.float64)))
    grads = tape.gradient(loss, held) if held else []
    return {"gradients": [None if g is None else np.asarray(g, dtype=np.float64) for g in grads]}


@probe
def train(entry, *, kwargs: dict, xs, ys, epochs: int, learning_rate: float, seed: int, points,
          assignments: dict | None = None) -> dict:
    """Train the layer as the lab does (one-feature model, SGD, mean squared error, full batch),
    from the starting weights the judge gives (``assignments``), if any.

    ``model.fit`` itself runs, so everything fit counts is counted (a
    regularizer, an ``add_loss``); the data set is one batch repeated, and
    the steps run in one graph (``steps_per_execution``): the same updates,
    bit for bit, as ``fit(xs, ys, epochs=epochs)`` in a fraction of its time.
    """
    seed_everything(seed)
    layer = make_layer(entry, kwargs)
    xs, ys = np.asarray(xs, dtype=np.float32), np.asarray(ys, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = student("building the lab's model", lambda: tf.keras.Sequential(
            [tf.keras.Input(shape=(xs.shape[1],)), layer]))
        if assignments:
            assign(layer, assignments)
        initial = variable_facts(layer)
        trainable = len(model.trainable_variables)
        model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=learning_rate), loss="mean_squared_error",
                      steps_per_execution=int(epochs))
        history = student("model.fit", model.fit, tf.data.Dataset.from_tensors((xs, ys)).repeat(), epochs=1,
                          steps_per_epoch=int(epochs), verbose=0)
        predictions = student("predicting", lambda: np.asarray(model(np.asarray(points, dtype=np.float32)),
                                                                dtype=np.float64))
    final = variable_facts(layer)
    return {"initial": [v["values"] for v in initial], "variables": final, "trainable_count": trainable,
            "extra_losses": len(model.losses), "predictions": predictions,
            "mean_loss": float(history.history["loss"][-1]) if history.history.get("loss") else None}

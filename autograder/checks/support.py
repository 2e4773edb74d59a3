"""What the checks share: making, building and looking inside a student's layer.

Everything here works on Keras 3 (``pip install tensorflow``) and on legacy
Keras 2 (``tf-keras`` with ``TF_USE_LEGACY_KERAS=1``): it goes through
``tf.keras``, which is whichever of the two the process was started with.
"""
from __future__ import annotations

import os
import warnings

# Quiet TensorFlow's C++ start-up lines before it is imported: nbgrader gives
# a graded cell zero for any stderr output, even a harmless log line.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from . import CheckFailed  # noqa: E402

# The shapes the structural checks build with: batch, input_dim and units all
# differ, so a transposed kernel or a kernel sized by input_shape[0] shows.
BATCH, INPUT_DIM, UNITS = 5, 3, 4


def keras_version() -> str:
    """The version of the Keras that ``tf.keras`` is in this process."""
    if tf.keras.__name__.startswith("tf_keras"):  # TF_USE_LEGACY_KERAS=1 chose Keras 2
        import tf_keras

        return tf_keras.__version__
    import keras

    return keras.__version__


def is_keras3() -> bool:
    return keras_version().startswith("3.")


def seed_everything(seed: int) -> None:
    tf.keras.utils.set_random_seed(seed)


def describe_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(error).__name__}: {first[:300]}" if first else type(error).__name__


def run_student(what: str, function, *args, **kwargs):
    """Call the student's code; turn whatever it raises into a teaching failure."""
    try:
        return function(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError:
        raise CheckFailed(
            expected=f"{what} to run",
            found="it still raises NotImplementedError (the unfinished stub)",
            hint="replace the `raise NotImplementedError()` line with your own code",
        ) from None
    except Exception as error:  # student code may raise anything
        raise CheckFailed(
            expected=f"{what} to run without an error",
            found=describe_error(error),
            hint=_hint_for(error),
        ) from None


def _hint_for(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError":
        return ("the layer needs only a (input_dim, units) kernel and a (units,) bias; "
                "look for a huge allocation or a list that never stops growing")
    if "super().__init__()" in text or "super().__init__" in text:
        return "call `super().__init__()` as the first line of `__init__`, before setting `self.units`"
    if isinstance(error, (TypeError, ValueError)) and ("shape" in text.lower() or "dimensions" in text.lower()):
        return ("check the shapes: the kernel is (input_shape[-1], self.units), the bias is "
                "(self.units,), and call() computes inputs @ kernel + bias")
    return "read the error above; run the cell that defines SimpleDense again after fixing it"


def make_layer(layer_class, units: int = UNITS):
    layer = run_student(f"SimpleDense(units={units})", layer_class, units=units)
    if not isinstance(layer, tf.keras.layers.Layer):
        raise CheckFailed(
            expected="SimpleDense to be a Keras layer",
            found=f"an object of type {type(layer).__name__} that does not inherit from Layer",
            hint="declare the class as `class SimpleDense(tf.keras.layers.Layer):`",
        )
    try:
        layer.name  # set by Layer.__init__; neither Keras says so when it never ran
    except AttributeError:
        raise CheckFailed(
            expected="SimpleDense(...) to set up its Keras base class",
            found="the layer has no name: Layer.__init__ never ran, so Keras cannot build, track or train it",
            hint="call `super().__init__()` as the first line of `__init__`, before setting `self.units`",
        ) from None
    return layer


def built_layer(layer_class, seed: int, units: int = UNITS, input_dim: int = INPUT_DIM, batch: int = BATCH):
    """A fresh layer whose build() has run for inputs of shape (batch, input_dim)."""
    seed_everything(seed)
    layer = make_layer(layer_class, units)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_student("build()", layer.build, (batch, input_dim))
    # Keras 2 marks a layer built only when build() runs through __call__;
    # without this, the first call would build (and replace) the weights again.
    layer.built = True
    return layer


def short_name(variable) -> str:
    """``kernel`` for Keras 3's "kernel" and Keras 2's "simple_dense/kernel:0"."""
    return variable.name.split("/")[-1].split(":")[0]


def tracked_variables(layer) -> list:
    """The variables Keras knows about: what model.fit trains and saves."""
    return list(layer.variables)


def untracked_variables(layer) -> dict:
    """tf.Variable attributes that Keras does not track (Keras 3 ignores them)."""
    tracked = {id(v) for v in layer.variables}
    return {
        attribute: value
        for attribute, value in vars(layer).items()
        if isinstance(value, tf.Variable) and id(value) not in tracked
    }


def held_variables(layer) -> list:
    """Every variable the layer holds, whether Keras tracks it or not."""
    return tracked_variables(layer) + list(untracked_variables(layer).values())


def kernel_and_bias(layer):
    """The layer's kernel and bias: by name, else by rank (2-D kernel, 1-D bias).

    Falling back on rank lets a layer with misnamed variables still be judged
    on its shapes, initializers and arithmetic: one mistake, one lost check.
    """
    variables = held_variables(layer)
    by_name = {short_name(v): v for v in variables}
    kernel = by_name.get("kernel")
    bias = by_name.get("bias")
    if kernel is None:
        kernel = next((v for v in variables if len(v.shape) == 2 and v is not bias), None)
    if bias is None:
        bias = next((v for v in variables if len(v.shape) == 1 and v is not kernel), None)
    return kernel, bias


def require_kernel_and_bias(layer):
    kernel, bias = kernel_and_bias(layer)
    missing = [name for name, v in (("kernel", kernel), ("bias", bias)) if v is None]
    if missing:
        found = ", ".join(f"{short_name(v)} {tuple(v.shape)}" for v in held_variables(layer)) or "no variables"
        raise CheckFailed(
            expected="a kernel and a bias variable created in build()",
            found=f"{found} (no {' and no '.join(missing)})",
            hint="create both in build() with self.add_weight(name=..., shape=..., initializer=..., trainable=True)",
        )
    return kernel, bias


def values(variable) -> np.ndarray:
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable, dtype=np.float64)


def shape_of(variable) -> tuple:
    return tuple(int(d) for d in variable.shape)


def call_layer(layer, inputs: np.ndarray) -> np.ndarray:
    """Run the student's call() on float32 inputs; return the outputs as numpy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = run_student("call()", layer, tf.constant(inputs, dtype=tf.float32))
    try:
        return np.asarray(outputs, dtype=np.float64)
    except Exception as error:
        raise CheckFailed(
            expected="call() to return a tensor",
            found=f"{type(outputs).__name__} ({describe_error(error)})",
            hint="return inputs @ self.kernel + self.bias",
        ) from None


def fmt(array) -> str:
    """Short, readable numbers for messages."""
    return np.array2string(np.asarray(array), precision=4, suppress_small=True, max_line_width=80, threshold=8)

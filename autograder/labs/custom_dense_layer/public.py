"""The public checks: students run these themselves, and they count in the grade.

Each check runs in the judge: it asks the subject to build, call or train a
fresh layer from the student's class, with shapes, inputs, weights and data
drawn for this run, and compares the answers with what ``expected`` computes.
The batch size, the number of input features and the number of units are
always three different numbers, so a transposed kernel or a kernel sized by
``input_shape[0]`` cannot hide.

A check that another lab reuses reads the constructor's extra arguments from
``ctx.options["layer_kwargs"]`` (lab 2 passes ``activation=None`` there).
"""
from __future__ import annotations

import math
import reprlib

import numpy as np

from autograder import codec
from autograder.judge import StudentError
from autograder.registry import CheckFailed, Registry
from autograder.results import Message

from . import CATEGORIES
from .expected import dense, sgd_on_mse

REGISTRY = Registry(CATEGORIES)

DEFAULT_UNITS = 32  # the constructor's default, as the lab states it

# The lab's training: y = 2x - 1 at six points, SGD with learning rate 0.01, 500 epochs.
LAB_XS = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=np.float32).reshape(-1, 1)
LAB_YS = 2.0 * LAB_XS - 1.0
LAB_EPOCHS, LAB_LEARNING_RATE = 500, 0.01

# Forward pass: outputs within FORWARD_RTOL (relative) of inputs @ kernel + bias. The inputs
# reach +-50 and the outputs hundreds, so an output clipped or squashed anywhere below that shows.
# float32 arithmetic on these sizes uses at most 1% of the tolerance (calibrate: margin 101x).
FORWARD_RTOL, FORWARD_ATOL = 1e-4, 1e-3
INPUT_RANGE = 50.0

# Training, judged against the same 500 SGD steps computed here in float64 from the layer's own
# starting weights. Measured with `python -m autograder.labs.custom_dense_layer.calibrate --seeds 20`,
# the same on Keras 3.15 and tf-keras 2.21: a correct layer's weights end at most 7.7e-7 from the
# NumPy descent (margin 129x) and its predictions at most 1.1e-5 (margin 92x), on the lab's line and
# on the drawn ones. The nearest wrong answer, an L2 regularizer of 0.01, ends 0.0101 away (100
# tolerances out); one of 0.001 is still 10 out. A layer without a bias predicts 17.10 at 10.
TRAINED_WEIGHT_TOLERANCE = 1e-4
TRAINED_PREDICTION_TOLERANCE = 1e-3
LAB_PREDICTION_TOLERANCE = 0.1  # the lab's own line: about 19 at 10 (worst correct 0.019 away, margin 5.3x)


# --------------------------------------------------------------------------- shared facts


def layer_kwargs(ctx, **fixed) -> dict:
    return {**ctx.options.get("layer_kwargs", {}), **fixed}


def _draw_configurations(rng) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two (batch, features, units) triples: within each, three different numbers; between them,
    different numbers in every place. A layer that hard-codes a size fails one of the two."""
    first = rng.choice(np.arange(2, 10), 3, replace=False)
    second = rng.choice(np.arange(2, 10), 3, replace=False)
    while np.any(first == second):
        second = rng.choice(np.arange(2, 10), 3, replace=False)
    return tuple(int(d) for d in first), tuple(int(d) for d in second)


def configurations(ctx) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    return ctx.shared("configurations", _draw_configurations)


def dims(ctx) -> tuple[int, int, int]:
    """(batch, input features, units) of this run's main build: three different numbers from 2 to 9."""
    return configurations(ctx)[0]


def build_seed(ctx) -> int:
    return ctx.shared("build_seed", lambda rng: int(rng.integers(0, 2**31 - 1)))


def build_facts(ctx, *, kwargs: dict | None = None, input_shape=None, configuration: int = 0) -> dict:
    """The layer built for this run's shapes (or those given): its variables and what it is made of."""
    batch, features, units = configurations(ctx)[configuration]
    facts = ctx.ask("build", kwargs=layer_kwargs(ctx, units=units) if kwargs is None else kwargs,
                    input_shape=list(input_shape or [batch, features]), seed=build_seed(ctx))
    require_layer(ctx, facts)
    for variable in facts.get("variables", []):
        require_testable_shape(variable)
    return facts


def require_testable_shape(variable: dict) -> None:
    """Checks draw weights of a variable's reported shape: it must be one the codec could carry, so
    that no answer, true or forged, can make the judge allocate more than a probe ever needs."""
    shape = variable["shape"]
    if not (isinstance(shape, list) and len(shape) <= 8
            and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= codec.MAX_ELEMENTS for d in shape)
            and math.prod(shape) <= codec.MAX_ELEMENTS):
        raise CheckFailed("weights small enough to test (the shapes build() is asked for)",
                          f"a variable {reprlib.repr(variable.get('name'))} of shape {reprlib.repr(shape)}",
                          "fix the shapes first (see weight_shapes)")


def require_layer(ctx, facts: dict) -> None:
    if not facts.get("is_layer"):
        raise CheckFailed(f"{ctx.entry}(...) to be a Keras layer",
                          f"an object of type {facts.get('type', '?')} that does not inherit from Layer",
                          f"declare the class as `class {ctx.entry}(tf.keras.layers.Layer):`")
    if not facts.get("base_initialized", True):
        raise CheckFailed(f"{ctx.entry}(...) to set up its Keras base class",
                          "the layer has no name: Layer.__init__ never ran, so Keras cannot build, track or "
                          "train it",
                          "call `super().__init__()` as the first line of `__init__`, before setting `self.units`")


def find_kernel_and_bias(variables: list[dict]) -> tuple[int | None, int | None]:
    """Indices of the kernel and the bias: by name, else by rank (a 2-D kernel, a 1-D bias).

    Falling back on rank lets a layer with misnamed variables still be judged
    on its shapes, starting values and arithmetic: one mistake, one lost check.
    """
    by_name = {v["name"]: i for i, v in enumerate(variables)}
    kernel, bias = by_name.get("kernel"), by_name.get("bias")
    if kernel is None:
        kernel = next((i for i, v in enumerate(variables) if len(v["shape"]) == 2 and i != bias), None)
    if bias is None:
        bias = next((i for i, v in enumerate(variables) if len(v["shape"]) == 1 and i != kernel), None)
    return kernel, bias


def listing(variables: list[dict]) -> str:
    return ", ".join(f"{v['name']} {tuple(v['shape'])}" for v in variables) or "no variables"


def require_kernel_and_bias(ctx, variables: list[dict]) -> tuple[int, dict, int, dict]:
    kernel, bias = find_kernel_and_bias(variables)
    if kernel is None or bias is None:
        missing = " and ".join(name for name, index in (("kernel", kernel), ("bias", bias)) if index is None)
        raise CheckFailed("a kernel and a bias variable created in build()",
                          f"{listing(variables)}: there is no {missing}",
                          f"create the {missing} in build() with self.add_weight(name=..., shape=..., "
                          "initializer=..., trainable=True)")
    return kernel, variables[kernel], bias, variables[bias]


def require_shapes(ctx, kernel: dict, bias: dict, features: int, units: int) -> None:
    if tuple(kernel["shape"]) != (features, units) or tuple(bias["shape"]) != (units,):
        raise CheckFailed(f"a kernel {(features, units)} and a bias {(units,)} to test with",
                          f"kernel {tuple(kernel['shape'])}, bias {tuple(bias['shape'])}",
                          "fix the shapes first (see weight_shapes)")


def close(found, expected, rtol: float = FORWARD_RTOL, atol: float = FORWARD_ATOL) -> bool:
    found, expected = np.asarray(found, np.float64), np.asarray(expected, np.float64)
    return found.shape == expected.shape and bool(np.all(np.isfinite(found))) and bool(
        np.allclose(found, expected, rtol=rtol, atol=atol))


def fmt(array) -> str:
    """Short, readable numbers for messages."""
    return np.array2string(np.asarray(array, np.float64), precision=4, suppress_small=True, max_line_width=80,
                           threshold=8)


def describe_student_error(error: StudentError) -> Message:
    """A teaching message for an error raised by the student's code."""
    text, kind = error.text, error.type_name
    if kind == "NotImplementedError":
        return Message(f"{error.stage} to run", "it still raises NotImplementedError (the unfinished stub)",
                       "replace the `raise NotImplementedError()` line with your own code")
    if kind == "SystemExit":
        return Message(f"{error.stage} to run", text,
                       "remove exit() and sys.exit() calls from the class; raise an error instead")
    if kind in ("MemoryError", "ResourceExhaustedError"):
        hint = ("the layer needs only a (features, units) kernel and a (units,) bias; look for a huge "
                "allocation or a list that never stops growing")
    elif "super().__init__" in text or "super(" in text or (kind == "AttributeError" and "attribute '_" in text):
        hint = "call `super().__init__()` as the first line of `__init__`, before setting `self.units`"
    elif "No gradients provided" in text:
        return Message(f"{error.stage} to train the layer's weights",
                       f"{text}: the output does not depend on any trainable weight",
                       "call() must compute the output from self.kernel and self.bias, so training can change them")
    elif kind in ("TypeError", "ValueError", "InvalidArgumentError") and any(
            word in text.lower() for word in ("shape", "dimension", "matrix", "incompatible")):
        hint = ("check the shapes: the kernel is (input_shape[-1], self.units), the bias is (self.units,), "
                "and call() computes inputs @ kernel + bias")
    elif kind == "RecursionError":
        hint = "look for a method that calls itself (for instance call() calling self(...))"
    else:
        hint = "read the error, fix the line it points to, and run the class's cell again"
    return Message(f"{error.stage} to run without an error", text, hint)


# --------------------------------------------------------------------------- the checks


@REGISTRY.check("writes_own_layer", "construction", 1, gate=True)
def check_writes_own_layer(ctx) -> str:
    """SimpleDense is a layer you wrote: it builds weights of its own, not Keras's Dense."""
    facts = build_facts(ctx)
    if facts["keras_bases"]:
        base = facts["keras_bases"][0].rsplit(".", 1)[-1]
        made = "it inherits from" if facts.get("of_the_entry") else f"{ctx.entry}(...) hands back"
        raise CheckFailed(f"{ctx.entry} to inherit from tf.keras.layers.Layer and compute its own output",
                          f"{made} Keras's own {base}, which does the layer's work",
                          "inherit from tf.keras.layers.Layer and write build() and call() yourself")
    if not facts.get("of_the_entry"):
        raise CheckFailed(f"{ctx.entry}(...) to make a {ctx.entry}",
                          f"it makes a {facts.get('class', 'different object')}",
                          f"define {ctx.entry} as a class that inherits from tf.keras.layers.Layer")
    if facts["sublayers"]:
        inner = facts["sublayers"][0].rsplit(".", 1)[-1]
        raise CheckFailed(f"{ctx.entry} to hold its own kernel and bias",
                          f"it wraps Keras's own {inner} layer, which does the layer's work",
                          "create the weights with self.add_weight(...) in build() and compute the output in "
                          "call(), without a Keras layer inside")
    if not facts["variables"]:
        raise CheckFailed("build() to create the layer's weights", "build() ran but created no variables",
                          "create a kernel and a bias with self.add_weight(...) in build()")
    return f"{ctx.entry} builds {len(facts['variables'])} weights of its own"


@REGISTRY.check("layer_builds", "construction", 1)
def check_layer_builds(ctx) -> str:
    """SimpleDense(units=n) is a Keras layer that keeps `units`, has 32 by default, and builds."""
    batch, features, units = dims(ctx)
    for asked in (units, configurations(ctx)[1][2]):
        facts = ctx.ask("construct", kwargs=layer_kwargs(ctx, units=asked))
        require_layer(ctx, facts)
        if facts["units"] != asked:
            raise CheckFailed(f"{ctx.entry}(units={asked}).units == {asked}", f"units = {facts['units']!r}",
                              "keep `self.units = units` in __init__")
    default = ctx.ask("construct", kwargs=layer_kwargs(ctx))
    if default.get("units") != DEFAULT_UNITS:
        raise CheckFailed(f"{ctx.entry}() to have {DEFAULT_UNITS} units when none are given, as the lab states",
                          f"units = {default.get('units')!r}",
                          f"keep the default in the constructor: `def __init__(self, units={DEFAULT_UNITS})`")
    build_facts(ctx)
    return f"{ctx.entry}(units={units}) builds for inputs of shape ({batch}, {features}); the default is 32 units"


@REGISTRY.check("variable_names", "names", 1)
def check_variable_names(ctx) -> str:
    """build() creates exactly two variables, named `kernel` and `bias`."""
    variables = build_facts(ctx)["variables"]
    names = sorted(v["name"] for v in variables)
    if names == ["bias", "kernel"]:
        return "variables are named kernel and bias"
    if len(variables) == 1:
        only = variables[0]
        missing = "bias" if len(only["shape"]) == 2 or only["name"] == "kernel" else "kernel"
        raise CheckFailed("two variables, a kernel and a bias", f"only one variable: {listing(variables)}",
                          f"create the {missing} too, with self.add_weight(name={missing!r}, ...) in build()")
    raise CheckFailed("two variables named 'kernel' and 'bias'", f"{listing(variables)}",
                      "pass name='kernel' and name='bias' to self.add_weight(...) in build(), and create no others")


@REGISTRY.check("weight_shapes", "shapes", 2)
def check_weight_shapes(ctx) -> str:
    """The kernel is (input features, units) and the bias is (units,), for any sizes."""
    notes = [_shapes_in(ctx, configuration) for configuration in (0, 1)]
    return "; ".join(notes)


def _shapes_in(ctx, configuration: int) -> str:
    batch, features, units = configurations(ctx)[configuration]
    variables = build_facts(ctx, configuration=configuration)["variables"]
    _, kernel, _, bias = require_kernel_and_bias(ctx, variables)
    kernel_shape, bias_shape = tuple(kernel["shape"]), tuple(bias["shape"])
    setting = f"for inputs of shape ({batch}, {features}) and units={units}"
    if kernel_shape == (units, features):
        raise CheckFailed(f"kernel shape {(features, units)} {setting}", f"{kernel_shape}: the kernel is transposed",
                          "use shape=(input_shape[-1], self.units), so that inputs @ kernel gives (batch, units)")
    if kernel_shape == (batch, units):
        raise CheckFailed(f"kernel shape {(features, units)} {setting}",
                          f"{kernel_shape}: its first dimension is the batch size",
                          "input_shape[0] is the batch size; use input_shape[-1], the number of input features")
    if kernel_shape != (features, units):
        raise CheckFailed(f"kernel shape {(features, units)} {setting}", f"{kernel_shape}",
                          "use shape=(input_shape[-1], self.units)")
    if bias_shape != (units,):
        raise CheckFailed(f"bias shape {(units,)}, one value per unit, {setting}", f"{bias_shape}",
                          "use shape=(self.units,) for the bias, not a fixed size or the input's shape")
    return f"kernel {kernel_shape}, bias {bias_shape}"


@REGISTRY.check("bias_starts_at_zero", "initializers", 1)
def check_bias_starts_at_zero(ctx) -> str:
    """The bias starts as all zeros."""
    _, _, _, bias = require_kernel_and_bias(ctx, build_facts(ctx)["variables"])
    start = np.asarray(bias["values"], np.float64)
    if start.size == 0 or np.any(start != 0.0):
        raise CheckFailed("a freshly built bias of all zeros", f"bias = {fmt(start)}",
                          "create the bias with initializer='zeros' (or tf.zeros_initializer())")
    return "the bias starts at zero"


@REGISTRY.check("weights_trainable", "trainability", 2)
def check_weights_trainable(ctx) -> str:
    """Keras tracks the kernel and the bias, and both are trainable."""
    variables = build_facts(ctx)["variables"]
    untracked = [v for v in variables if not v["tracked"]]
    if untracked:
        names = ", ".join(f"self.{v['attribute'] or v['name']}" for v in untracked)
        if str(ctx.environment.get("keras", "3")).startswith("3"):
            raise CheckFailed("variables that Keras tracks, so that model.fit can train them",
                              f"{names} created with tf.Variable: Keras 3 does not track a tf.Variable stored on a "
                              "layer, so layer.variables is empty and training changes nothing",
                              "create each weight with self.add_weight(name=..., shape=..., initializer=..., "
                              "trainable=True)")
        raise CheckFailed("variables that Keras tracks", f"{names} are not in layer.variables",
                          "create each weight with self.add_weight(...) in build()")
    _, kernel, _, bias = require_kernel_and_bias(ctx, variables)
    frozen = [v["name"] for v in (kernel, bias) if not v["trainable"]]
    if frozen:
        raise CheckFailed("kernel and bias both trainable",
                          f"{' and '.join(frozen)} not trainable (trainable=False): training would never change it",
                          "pass trainable=True when you create each weight")
    return f"{len(variables)} tracked, trainable variables"


@REGISTRY.check("forward_pass", "forward", 2)
def check_forward_pass(ctx) -> str:
    """call() returns inputs @ kernel + bias, using the layer's own weights, for any sizes."""
    for configuration in (0, 1):
        _forward_in(ctx, configuration)
    return "call() computes inputs @ kernel + bias"


def _forward_in(ctx, configuration: int) -> None:
    batch, features, units = configurations(ctx)[configuration]
    facts = build_facts(ctx, configuration=configuration)
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
    require_shapes(ctx, kernel, bias, features, units)
    inputs = ctx.rng.uniform(-INPUT_RANGE, INPUT_RANGE, size=(batch, features)).astype(np.float32)
    probe = dict(kwargs=layer_kwargs(ctx, units=units), input_shape=[batch, features], seed=build_seed(ctx),
                 inputs=inputs)
    # Weights the judge sets: large and varied, so that no fixed output can match them, and outputs
    # of both signs (a quarter to three quarters above zero), so that a ReLU cannot pass for linear:
    # with a batch of two and two units all four can be positive one draw in sixteen (seed 1007).
    for _ in range(1000):  # a handful of draws at most, in practice
        new_kernel = ctx.rng.normal(0.0, 3.0, size=(features, units)).astype(np.float32)
        new_bias = ctx.rng.normal(0.0, 10.0, size=(units,)).astype(np.float32)
        if 0.25 <= np.mean(dense(inputs, new_kernel, new_bias) > 0) <= 0.75:
            break
    outputs = ctx.ask("forward", **probe, assignments={str(kernel_index): new_kernel, str(bias_index): new_bias}
                      )["outputs"]
    expected = dense(inputs, new_kernel, new_bias)
    if outputs.shape != expected.shape:
        raise CheckFailed(f"outputs of shape {expected.shape} for inputs of shape {inputs.shape}",
                          f"shape {outputs.shape}",
                          "return inputs @ self.kernel + self.bias (a matrix product, then add the bias)")
    if not close(outputs, expected):
        raise CheckFailed(*_forward_mistake(ctx, inputs, outputs, expected, new_bias, probe))
    starting = ctx.ask("forward", **probe)["outputs"]
    if not close(starting, dense(inputs, kernel["values"], bias["values"])):
        raise CheckFailed("call() to compute its output from the layer's own kernel and bias",
                          "with the weights it was built with, the output is not inputs @ kernel + bias",
                          "use self.kernel and self.bias (the variables build() made) in call(), nothing else")


def _forward_mistake(ctx, inputs, outputs, expected, new_bias, probe) -> tuple[str, str, str]:
    """Name the mistake behind a wrong output: (expected, found, hint)."""
    first_row = f"e.g. {fmt(expected[0])} for the first row"
    if close(outputs, expected - new_bias):
        return ("inputs @ kernel + bias", "inputs @ kernel: the bias is never added",
                "add self.bias to the matrix product in call()")
    if close(outputs, np.maximum(expected, 0.0)):
        return (f"inputs @ kernel + bias, {first_row}", f"{fmt(outputs[0])}: negative outputs are set to 0 (a ReLU)",
                "return inputs @ self.kernel + self.bias with no activation: this layer has none")
    if close(outputs, ctx.ask("forward", **probe)["outputs"], rtol=1e-6, atol=1e-6):
        return ("an output computed from the layer's kernel and bias",
                "the output does not change when the weights change: call() ignores them",
                "compute the output from self.kernel and self.bias, not from fixed numbers")
    finite = np.isfinite(outputs)
    if finite.all() and np.abs(outputs).max() < 0.9 * np.abs(expected).max():
        # Clipped or squashed: the outputs rise with the true values, and are right where those are
        # small enough or level off at the bound (a small batch may hold no value below the clip).
        agree = np.isclose(outputs, expected, rtol=FORWARD_RTOL, atol=FORWARD_ATOL)
        ranked = outputs.ravel()[np.argsort(expected.ravel())]
        rising = bool(np.all(np.diff(ranked) >= -FORWARD_ATOL))
        top = np.abs(outputs).max()
        level = np.sum(np.isclose(np.abs(outputs), top, rtol=1e-4)) >= 2
        if rising and (agree.any() or level):
            return (f"inputs @ kernel + bias, {first_row}",
                    f"outputs that stop at {np.abs(outputs).max():.4g} (right only where the true value is "
                    "smaller): the output is clipped or squashed",
                    "return inputs @ self.kernel + self.bias, without clipping or an activation")
    return (f"inputs @ kernel + bias, {first_row}", f"{fmt(outputs[0])}",
            "use a matrix product (inputs @ self.kernel or tf.matmul), not an element-wise one, then add self.bias")


def train_and_compare(ctx, xs: np.ndarray, ys: np.ndarray, points: np.ndarray, what: str) -> dict:
    """Train a 1-unit layer on (xs, ys) as the lab does; compare with the same SGD computed here.

    Returns the figures for the success note; raises CheckFailed naming what went wrong.
    """
    # The layer starts from weights the judge draws (as the lab's initializers would), not from
    # weights the subject reports: the right answer is then 500 steps of gradient descent from
    # there, which no shortcut (such as reporting the exact solution as the start) can give.
    built = ctx.ask("build", kwargs=layer_kwargs(ctx, units=1), input_shape=[len(xs), xs.shape[1]], seed=ctx.seed)
    require_layer(ctx, built)
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, built["variables"])
    require_shapes(ctx, kernel, bias, xs.shape[1], 1)
    start_kernel = ctx.rng.normal(0.0, 0.05, size=(xs.shape[1], 1)).astype(np.float32)
    start_bias = np.zeros(1, np.float32)
    facts = ctx.ask("train", kwargs=layer_kwargs(ctx, units=1), xs=xs, ys=ys, epochs=LAB_EPOCHS,
                    learning_rate=LAB_LEARNING_RATE, seed=ctx.seed, points=points,
                    assignments={str(kernel_index): start_kernel, str(bias_index): start_bias})
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
    require_shapes(ctx, kernel, bias, xs.shape[1], 1)
    learned_kernel, learned_bias = np.asarray(kernel["values"], np.float64), np.asarray(bias["values"], np.float64)
    predictions = np.asarray(facts["predictions"], np.float64).reshape(-1)
    if predictions.size != len(points):
        raise CheckFailed(f"one prediction for each of the {len(points)} inputs", f"{predictions.size} values",
                          "return one output per input row from call()")
    want_kernel, want_bias = sgd_on_mse(xs, ys, start_kernel, start_bias, LAB_EPOCHS, LAB_LEARNING_RATE)
    want_predictions = dense(points, want_kernel, want_bias).reshape(-1)
    figures = {"w": float(learned_kernel.ravel()[0]), "b": float(learned_bias.ravel()[0]),
               "prediction": float(predictions[0]) if predictions.size else float("nan"),
               "want_w": float(want_kernel.ravel()[0]), "want_b": float(want_bias.ravel()[0]),
               "want_prediction": float(want_predictions[0])}
    found = (f"kernel {figures['w']:.4f}, bias {figures['b']:.4f}, prediction at {float(points[0, 0]):g} = "
             f"{figures['prediction']:.4f}")
    expected = (f"after {LAB_EPOCHS} epochs {what}: kernel {figures['want_w']:.4f}, bias {figures['want_b']:.4f}, "
                f"prediction {figures['want_prediction']:.4f} (gradient descent from the layer's own starting "
                "weights, computed by the grader)")
    if facts["trainable_count"] == 0:
        raise CheckFailed("a model with trainable weights",
                          f"model.trainable_variables is empty, so training changed nothing ({found})",
                          "create the weights with self.add_weight(..., trainable=True) so Keras can train them")
    weights_right = (close(learned_kernel, want_kernel, 0.0, TRAINED_WEIGHT_TOLERANCE)
                     and close(learned_bias, want_bias, 0.0, TRAINED_WEIGHT_TOLERANCE))
    predictions_right = close(predictions, want_predictions, 0.0, TRAINED_PREDICTION_TOLERANCE)
    if weights_right and predictions_right:
        return figures
    stuck = np.array_equal(learned_kernel, start_kernel) and np.array_equal(learned_bias, start_bias)
    slope, intercept = np.polyfit(np.asarray(xs, np.float64).ravel(), np.asarray(ys, np.float64).ravel(), 1)
    on_the_line = close(predictions, slope * np.asarray(points, np.float64).ravel() + intercept, 0.0, 0.2)
    if stuck and on_the_line:
        raise CheckFailed(expected, f"{found}: the output is right but the weights did not learn it",
                          "call() must compute the output from self.kernel and self.bias, so training changes them")
    if np.array_equal(learned_kernel, start_kernel) or np.array_equal(learned_bias, start_bias):
        stuck = "kernel" if np.array_equal(learned_kernel, start_kernel) else "bias"
        raise CheckFailed(expected, f"{found}: the {stuck} never changed during training",
                          f"make the {stuck} trainable (trainable=True), and let call() use it directly, "
                          "without tf.stop_gradient or a conversion to NumPy")
    if facts["extra_losses"] and not weights_right:
        raise CheckFailed(expected, f"{found}: the layer adds a loss of its own (a regularizer or add_loss), "
                                    "so training does not follow the mean squared error alone",
                          "remove the regularizer or add_loss from the layer: the lab trains on the error alone")
    if weights_right:
        raise CheckFailed(expected, f"{found}: the weights are right but the model's output is not "
                                    "inputs @ kernel + bias", "return inputs @ self.kernel + self.bias from call()")
    if predictions_right:
        raise CheckFailed(expected, f"{found}: the output is right but the weights did not learn it",
                          "call() must compute the output from self.kernel and self.bias, so training changes them")
    raise CheckFailed(expected, found,
                      "check that call() returns inputs @ self.kernel + self.bias and both weights are trainable")


@REGISTRY.check("training_converges", "training", 3)
def check_training_converges(ctx) -> str:
    """Trained like the lab (SGD, mean squared error, 500 epochs), the layer learns y = 2x - 1."""
    # 10 (the lab's question), and points far out on both sides, where an output that is clipped
    # or squashed (at 20, say) cannot follow the line.
    points = np.array([10.0, ctx.rng.uniform(-25.0, -15.0), ctx.rng.uniform(15.0, 25.0), ctx.rng.uniform(-5.0, 15.0)],
                      np.float32).reshape(-1, 1)
    figures = train_and_compare(ctx, LAB_XS, LAB_YS, points, "on y = 2x - 1")
    if abs(figures["prediction"] - 19.0) > LAB_PREDICTION_TOLERANCE:
        raise CheckFailed(f"a prediction at 10 within {LAB_PREDICTION_TOLERANCE} of 19 after {LAB_EPOCHS} epochs",
                          f"{figures['prediction']:.4f}",
                          "check that call() returns inputs @ self.kernel + self.bias and both weights are trainable")
    return (f"prediction at 10 = {figures['prediction']:.4f}, kernel = {figures['w']:.4f}, "
            f"bias = {figures['b']:.4f}, as gradient descent gives")

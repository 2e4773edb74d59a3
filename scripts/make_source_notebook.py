"""Write the instructor notebook source/custom_dense_layer/custom_dense_layer.ipynb.

The committed artifact is the .ipynb; this script is how it was made, so that
a change to its text or its cells is a reviewable diff here. Run it from the
repository root, then regenerate the student version:

    python scripts/make_source_notebook.py
    nbgrader generate_assignment custom_dense_layer --force

The grading cells must match the grader's registry (names, points, public or
hidden); tests/test_release_is_current.py checks that they do.
"""
from __future__ import annotations

import pathlib
import sys
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.checks import REGISTRY, grade_cell_id

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASSIGNMENT = "custom_dense_layer"
TARGET = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# (check name, points, visibility, what the cell's comment tells the student).
# A hidden check's comment names its topic, never the check or its code.
CHECKS = [
    ("layer_builds", 1, "public", "SimpleDense(units=4) is a Keras layer that keeps `units` and builds."),
    ("variable_names", 1, "public", "build() creates two variables, named kernel and bias."),
    ("weight_shapes", 2, "public", "the kernel is (input features, units) and the bias is (units,)."),
    ("bias_starts_at_zero", 1, "public", "a freshly built bias is all zeros."),
    ("weights_trainable", 2, "public", "Keras tracks both weights and both are trainable."),
    ("forward_pass", 2, "public", "call() returns inputs @ kernel + bias."),
    ("training_converges", 3, "public", "trained like the lab, the layer learns y = 2x - 1."),
    ("kernel_initializer", 2, "hidden", "how the kernel's starting values are drawn."),
    ("gradients_reach_weights", 1, "hidden", "whether training signals (gradients) reach both weights."),
    ("learns_other_lines", 2, "hidden", "whether the layer can learn a line other than the lab's."),
]
TOTAL_POINTS = sum(points for _, points, _, _ in CHECKS)
PUBLIC_POINTS = sum(points for _, points, visibility, _ in CHECKS if visibility == "public")


def text(source: str) -> str:
    return textwrap.dedent(source).strip("\n")


def nbgrader(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(cell_id: str, source: str, **meta):
    cell = new_markdown_cell(text(source), id=cell_id)
    if meta:
        cell.metadata.update(nbgrader(cell_id, **meta))
    return cell


def code(cell_id: str, source: str, **meta):
    cell = new_code_cell(text(source), id=cell_id)
    if meta:
        cell.metadata.update(nbgrader(cell_id, **meta))
    return cell


INTRO = f"""
# Building a Custom Dense Layer

Keras has a ready-made `Dense` layer. Writing one yourself shows what a layer
with weights really is: some **state** (the weights) and a **computation**
that uses that state. In this notebook you write `SimpleDense`, a dense layer
without an activation function, check it, and then train it to find the line
$y = 2x - 1$ from six points.

Your steps:

1. Complete `build()` and `call()` in the `SimpleDense` cell (section 2).
2. Run the self-check below it and fix whatever it reports.
3. Look inside a new layer, train it in a small model, and plot what it learned.
4. Before you submit, restart the kernel and run every cell
   (*Kernel → Restart Kernel and Run All Cells*).

The assignment is worth **{TOTAL_POINTS} points**: {PUBLIC_POINTS} come from checks
you can run yourself, the rest from hidden checks that run when your work is graded.
"""

SETUP = """
# Setup: run this cell first. It is not graded.
import logging
import os
import warnings

# Quiet the libraries *before* importing them. TensorFlow's log lines, Python
# warnings and matplotlib's messages all go to stderr, and a graded cell that
# writes anything to stderr scores zero.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
warnings.filterwarnings("ignore")
logging.getLogger("matplotlib").setLevel(logging.ERROR)

import numpy as np
import tensorflow as tf
import matplotlib.pyplot as plt

tf.get_logger().setLevel("ERROR")

from autograder import run_check, self_check

keras_version = getattr(tf.keras, "__version__", None)
if keras_version is None:  # legacy Keras 2 (tf-keras) keeps its version elsewhere
    import tf_keras
    keras_version = tf_keras.__version__
print(f"TensorFlow {tf.__version__}, Keras {keras_version}")
"""

LAYER_EXPLAINED = """
A few start-up lines from TensorFlow may appear under the setup cell. They are
harmless, and that cell is not graded.

## 1. What a layer is made of

A custom layer is a Python class that **inherits from `tf.keras.layers.Layer`**.
The base class does the bookkeeping, so your class only has to say what is
special about this layer. Because of that inheritance, Keras can:

* find the layer's weights (`layer.variables`, `layer.trainable_weights`),
  which is how `model.fit` knows what to update;
* create the weights at the right moment, once it knows the size of the input;
* use the layer inside `tf.keras.Sequential` or any other model.

Three methods divide the work:

| method | when it runs | what it does here |
|---|---|---|
| `__init__(self, units=32)` | once, when you write `SimpleDense(...)` | calls `super().__init__()` so the base class can set itself up, then stores the settings (`self.units`). No weights yet: the size of the input is still unknown. |
| `build(self, input_shape)` | once, automatically, the first time the layer receives data | creates the weights. `input_shape[-1]` is the number of features in each example. |
| `call(self, inputs)` | on every forward pass | computes the output from the inputs and the weights. |

A dense layer computes `outputs = inputs @ kernel + bias`. With inputs of
shape `(batch, features)` and a kernel of shape `(features, units)`, the
matrix product has shape `(batch, units)`; the bias, of shape `(units,)`, is
added to every row.
"""

TASK = """
## 2. Your task: complete `SimpleDense`

Replace each `raise NotImplementedError()` in the cell below.

**In `build()`** create two weights with `self.add_weight(...)` and keep them as
`self.kernel` and `self.bias`:

* `kernel`: `name="kernel"`, `shape=(input_shape[-1], self.units)`,
  `initializer=tf.random_normal_initializer()` (normal distribution, mean 0,
  standard deviation 0.05), `trainable=True`. Small random starting values
  give every unit a different starting point.
* `bias`: `name="bias"`, `shape=(self.units,)`, `initializer="zeros"`,
  `trainable=True`. Starting at zero is fine for a bias.

`trainable=True` means training may change the weight: an optimizer only
updates trainable weights.

**In `call()`** return the matrix product of the inputs and the kernel, plus
the bias. `tf.matmul` (or the `@` operator) computes a matrix product.

> **Two traps in older versions of this lab.**
>
> *Weights made with `tf.Variable`.* Older code wrote `self.w = tf.Variable(...)`
> in `build()`. Keras 2 noticed such attributes; Keras 3 (the Keras of
> `pip install tensorflow` since TensorFlow 2.16) does not. The layer then
> has no variables, `model.fit` has nothing to train, and the model still
> predicts about 0.5 at x = 10 after training, with only a warning.
> `self.add_weight(...)` registers the weight with the layer on every version.
>
> *One-dimensional data.* `model.fit` no longer turns a 1-D array of inputs
> into a column: `build()` would see an unknown number of features. Give the
> data the shape `(examples, features)`, here with `.reshape(-1, 1)`, and
> start the model with `tf.keras.Input(shape=(1,))`.
"""

SOLUTION = '''
class SimpleDense(tf.keras.layers.Layer):
    """A dense layer without an activation: outputs = inputs @ kernel + bias."""

    def __init__(self, units=32):
        """Store the number of units (outputs) of the layer."""
        super().__init__()
        self.units = units

    def build(self, input_shape):
        """Create the weights, now that the number of input features is known.

        kernel: shape (input_shape[-1], self.units), random normal start, trainable
        bias:   shape (self.units,), starts at zero, trainable
        """
        ### BEGIN SOLUTION
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=tf.random_normal_initializer(),
            trainable=True,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.units,),
            initializer="zeros",
            trainable=True,
        )
        ### END SOLUTION

    def call(self, inputs):
        """Compute the layer's output for a batch of inputs."""
        ### BEGIN SOLUTION
        return tf.matmul(inputs, self.kernel) + self.bias
        ### END SOLUTION
'''

SELF_CHECK_INTRO = """
## 3. Check your work

`self_check` runs the public checks on your class, here in your own kernel,
and explains any check that fails: what it expected, what it found, and what
to try. After changing the class, run its cell again before checking.
"""

SELF_CHECK = """
report = self_check(SimpleDense)
"""

INSPECT_INTRO = """
## 4. Look inside a new layer

A new layer has no weights: `build()` has not run yet. The first call on real
data runs it. `tf.ones((1, 1))` is a batch of one example with one feature,
whose value is 1.
"""

INSPECT = """
my_dense = SimpleDense(units=1)
print("variables before the first call:", my_dense.variables)

x = tf.ones((1, 1))
y = my_dense(x)  # the first call runs build(), then call()

print("variables after the first call:")
print(my_dense.variables)
print("output:", y.numpy())
"""

INSPECT_AFTER = """
You should see a kernel of shape `(1, 1)` holding a small random number (a
draw from a normal distribution with standard deviation 0.05) and a bias of
shape `(1,)` holding 0. The output is that kernel value, since
1 × kernel + 0 = kernel. Nothing has been learned yet.

## 5. Train it: find y = 2x − 1

Six points lie on the line $y = 2x - 1$. The model below is a single
`SimpleDense` unit, so it computes `kernel * x + bias`: exactly a line.
Training should move the kernel towards 2 and the bias towards -1.

The inputs become a column of shape `(6, 1)`: six examples with one feature
each. Training takes a few seconds with Keras 2 and up to about half a minute
with Keras 3.
"""

TRAIN = """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)  # shape (6, 1)
ys = 2 * xs - 1  # the line the model has to find

tf.keras.utils.set_random_seed(0)  # the same starting weights on every run
my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), my_layer])
model.compile(optimizer="sgd", loss="mean_squared_error")
history = model.fit(xs, ys, epochs=500, verbose=0)

losses = history.history["loss"]
print(f"loss after epoch 1: {losses[0]:.4f}, after epoch {len(losses)}: {losses[-1]:.6f}")
"""

PREDICT = """
prediction = float(model.predict(np.array([[10.0]]), verbose=0)[0, 0])
learned_kernel = float(my_layer.kernel.numpy()[0, 0])
learned_bias = float(my_layer.bias.numpy()[0])

print(f"prediction at x = 10: {prediction:.4f} (the line gives 19)")
print(f"learned kernel: {learned_kernel:.4f} (the line's slope is 2)")
print(f"learned bias:   {learned_bias:.4f} (the line's intercept is -1)")
print(my_layer.variables)
"""

PLOT_INTRO = """
The answer is close to 19 but not exactly 19: 500 small gradient steps bring
the weights near 2 and -1 without reaching them. More epochs would get closer.

## 6. Plot the training

On the left, the loss after each epoch (from the `History` that `fit`
returns), on a log scale. On the right, the six training points, the line the
layer learned and the prediction at x = 10.
"""

PLOT = """
fig, (ax_loss, ax_line) = plt.subplots(1, 2, figsize=(11, 4))

ax_loss.plot(range(1, len(losses) + 1), losses)
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("mean squared error")
ax_loss.set_title("Training loss")

grid = np.linspace(-2.0, 11.0, 50).reshape(-1, 1)
sign = "-" if learned_bias < 0 else "+"
ax_line.plot(grid, model.predict(grid, verbose=0), linewidth=4, alpha=0.5,
             label=f"learned: y = {learned_kernel:.3f}x {sign} {abs(learned_bias):.3f}")
ax_line.plot(grid, 2 * grid - 1, "--", color="black", label="true line: y = 2x - 1")
ax_line.scatter(xs, ys, zorder=3, label="training points")
ax_line.scatter([10.0], [prediction], marker="x", s=80, color="red", zorder=3, label=f"prediction at 10: {prediction:.3f}")
ax_line.set_xlabel("x")
ax_line.set_ylabel("y")
ax_line.set_title("What the layer learned")
ax_line.legend()

fig.tight_layout()
plt.show()
"""

FURTHER = """
## Going further

`SimpleDense` has no activation function, so a stack of them still computes
a straight-line (linear) function of its inputs. For a real task, such as
classifying the MNIST digits, put a non-linearity after it, for example
`tf.keras.layers.Activation("relu")` or a `Lambda` layer, or give the layer
an `activation` argument of its own: a good next exercise.

## 7. Graded checks

Each cell below is worth the points its comment states. The public cells run
the same checks as the self-check. A hidden cell shows only a comment here;
its check is added when your notebook is graded.

Do not edit or delete these cells. Before grading, nbgrader puts back the
original of any grading cell that was changed or removed, so editing them
changes nothing.
"""


def test_cell(name: str, points: int, visibility: str, comment: str):
    call = f'from autograder import run_check\nrun_check("{name}", SimpleDense);'
    if visibility == "hidden":
        source = (f"# Hidden check, {points} point{'s' if points > 1 else ''}: {comment}\n"
                  f"### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS")
    else:
        source = f"# Graded check, {points} point{'s' if points > 1 else ''}: {comment}\n{call}"
    return code(grade_cell_id(REGISTRY[name]), source, grade=True, locked=True, points=points)


def build_notebook():
    cells = [
        markdown("intro", INTRO, locked=True),
        code("setup", SETUP, locked=True),
        markdown("layer-explained", LAYER_EXPLAINED),
        markdown("task", TASK, locked=True),
        code("simple_dense", SOLUTION, solution=True),
        markdown("self-check-intro", SELF_CHECK_INTRO),
        code("self-check", SELF_CHECK),
        markdown("inspect-intro", INSPECT_INTRO),
        code("inspect", INSPECT),
        markdown("train-intro", INSPECT_AFTER),
        code("train", TRAIN),
        code("predict", PREDICT),
        markdown("plot-intro", PLOT_INTRO),
        code("plot", PLOT),
        markdown("graded-intro", FURTHER),
    ]
    cells += [test_cell(*check) for check in CHECKS]
    nb = new_notebook(cells=cells)
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def main(argv: list[str]) -> int:
    target = pathlib.Path(argv[0]) if argv else TARGET
    nb = build_notebook()
    nbformat.validate(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))
    print(f"wrote {target} ({len(nb.cells)} cells, {TOTAL_POINTS} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

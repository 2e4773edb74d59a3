"""The instructor's notebook for lab 1, as data (instructor only: it holds the solution).

``python -m autograder notebook custom_dense_layer`` writes it to
``source/custom_dense_layer/``; then ``nbgrader generate_assignment
custom_dense_layer --force`` makes the students' copy in ``release/``.
Edit this file, never the notebooks.
"""
from __future__ import annotations

from autograder.authoring import code, markdown, notebook, points, test_cells
from autograder.lab import Lab

from . import LAB

# The set-up cell of this lab and of the labs that build on it (lab 2 imports it from here): quiet
# libraries (a graded cell that writes to stderr scores zero), the imports, the lab's self-check (with
# a hint where the course's package is missing), the versions.
SETUP_CELL = """
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

try:
    from LAB_MODULE import run_check, self_check
except ImportError:  # the course's checks are not installed in this environment
    def self_check(*args, **kwargs):
        print("The self-check needs the course's autograder package, which this Python cannot import.\\n"
              "Ask your instructor how to install it (for example: pip install -r requirements-student.txt\\n"
              "in the folder of the student bundle), then restart the kernel.")

    run_check = self_check

keras_version = getattr(tf.keras, "__version__", None)
if keras_version is None:  # legacy Keras 2 (tf-keras) keeps its version elsewhere
    import tf_keras
    keras_version = tf_keras.__version__
print(f"TensorFlow {tf.__version__}, Keras {keras_version}")
"""


def setup_source(lab: Lab) -> str:
    """The source of the lab's locked set-up cell (run it first; it is not graded)."""
    return SETUP_CELL.replace("LAB_MODULE", lab.module)


SETUP = setup_source(LAB)

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

**In `build()`** create two weights with `self.add_weight(...)`:

* the kernel: `name="kernel"`, `shape=(input_shape[-1], self.units)`,
  `initializer=tf.random_normal_initializer()` (normal distribution, mean 0,
  standard deviation 0.05), `trainable=True`. Small random starting values
  give every unit a different starting point.
* the bias: `name="bias"`, `shape=(self.units,)`, `initializer="zeros"`,
  `trainable=True`. Starting at zero is fine for a bias.

Keep each one in an attribute (`self.kernel` and `self.bias` read well; the
original lab used `self.w` and `self.b`): `call()` needs them. What Keras and
the checks go by is each weight's `name`.

`trainable=True` means training may change the weight: an optimizer only
updates trainable weights.

**In `call()`** return the matrix product of the inputs and the kernel, plus
the bias. `tf.matmul` (or the `@` operator) computes a matrix product.

> **Two traps in older versions of this lab.**
>
> *Weights made with `tf.Variable`.* Older code wrote `self.w = tf.Variable(...)`
> in `build()`. Keras 2 noticed such attributes; Keras 3 (the Keras of
> `pip install tensorflow` since TensorFlow 2.16) does not. The layer then
> has no variables, `model.fit` has nothing to train, and after training the
> model still makes its first random guess (about 0.76 at x = 10 with this
> notebook's seed), with only a warning.
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

TRAIN_INTRO = """
You should see a kernel of shape `(1, 1)` holding a small random number (a
draw from a normal distribution with standard deviation 0.05) and a bias of
shape `(1,)` holding 0. The output is that kernel value, since
1 × kernel + 0 = kernel. Nothing has been learned yet.

## 5. Train it: find y = 2x − 1

Six points lie on the line $y = 2x - 1$. The model below is a single
`SimpleDense` unit, so it computes `kernel * x + bias`: exactly a line.
Training should move the kernel towards 2 and the bias towards -1.

The inputs become a column of shape `(6, 1)`: six examples with one feature
each. All six fit in one batch, so each of the 500 epochs is one step of
gradient descent.

`model.fit(xs, ys, epochs=500)` would do it, but Keras 3 rebuilds its input
pipeline at the start of every epoch, which here takes far longer than the
arithmetic (half a minute or more). So we hand `fit` the batch once, as a
dataset that repeats it (`from_tensors(...).repeat()`), and say that one step
makes an epoch (`steps_per_epoch=1`): the same 500 steps, the same weights to
the last bit, in about a second.
"""

TRAIN = """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)  # shape (6, 1)
ys = 2 * xs - 1  # the line the model has to find

tf.keras.utils.set_random_seed(0)  # the same starting weights on every run
my_layer = SimpleDense(units=1)
model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), my_layer])
model.compile(optimizer="sgd", loss="mean_squared_error")

# One batch of all six points, repeated: 500 epochs of one gradient step each.
batches = tf.data.Dataset.from_tensors((xs, ys)).repeat()
history = model.fit(batches, epochs=500, steps_per_epoch=1, verbose=0)

losses = history.history["loss"]
print(f"loss after epoch 1: {losses[0]:.4f}, after epoch {len(losses)}: {losses[-1]:.6f}")
"""

PREDICT = """
prediction = float(model.predict(np.array([[10.0]]), verbose=0)[0, 0])

# The trained weights, by their names (Keras 3 names them "kernel" and "bias",
# Keras 2 "simple_dense/kernel:0"), whatever attributes build() kept them in.
trained = {v.name.split("/")[-1].split(":")[0]: float(v.numpy().ravel()[0]) for v in my_layer.variables}
learned_kernel, learned_bias = trained["kernel"], trained["bias"]

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
ax_line.scatter([10.0], [prediction], marker="x", s=80, color="red", zorder=3,
                label=f"prediction at 10: {prediction:.3f}")
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
a straight-line (linear) function of its inputs. The next lab,
*Activation in custom layers*, gives `SimpleDense` an `activation` argument
and uses it in an image classifier, where the non-linearity makes the
difference.

## 7. Graded checks

Each cell below is worth the points its comment states. The public cells run
the same checks as the self-check. A hidden cell shows only a comment here;
its check is added when your notebook is graded.

Do not edit or delete these cells. Before grading, nbgrader puts back the
original of any grading cell that was changed or removed, so editing them
changes nothing.
"""

# What each grading cell's comment tells the student (a hidden one: its topic only).
CHECK_COMMENTS = {
    "writes_own_layer": "SimpleDense builds weights of its own (it is not Keras's Dense).",
    "layer_builds": "SimpleDense(units=...) is a Keras layer that keeps `units` (32 by default) and builds.",
    "variable_names": "build() creates two variables, named kernel and bias.",
    "weight_shapes": "the kernel is (input features, units) and the bias is (units,).",
    "bias_starts_at_zero": "a freshly built bias is all zeros.",
    "weights_trainable": "Keras tracks both weights and both are trainable.",
    "forward_pass": "call() returns inputs @ kernel + bias.",
    "training_converges": "trained like the lab, the layer learns y = 2x - 1.",
    "kernel_initializer": "how the kernel's starting values are drawn.",
    "gradients_reach_weights": "whether training signals (gradients) reach both weights.",
    "learns_other_lines": "whether the layer can learn a line other than the lab's.",
}


def intro() -> str:
    total, public = points(LAB, "all"), points(LAB, "public")
    return f"""
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

The assignment is worth **{total:g} points**: {public:g} come from checks
you can run yourself, the rest from hidden checks that run when your work is graded.
"""


def build_notebook() -> dict:
    cells = [
        markdown("intro", intro(), locked=True),
        code("setup", SETUP, locked=True),
        markdown("layer-explained", LAYER_EXPLAINED),
        markdown("task", TASK, locked=True),
        code("simple_dense", SOLUTION, solution=True),
        markdown("self-check-intro", SELF_CHECK_INTRO),
        code("self-check", SELF_CHECK),
        markdown("inspect-intro", INSPECT_INTRO),
        code("inspect", INSPECT),
        markdown("train-intro", TRAIN_INTRO),
        code("train", TRAIN),
        code("predict", PREDICT),
        markdown("plot-intro", PLOT_INTRO),
        code("plot", PLOT),
        markdown("graded-intro", FURTHER),
    ]
    return notebook(cells + test_cells(LAB, CHECK_COMMENTS))

"""The instructor's notebook for lab 2, as data (instructor only: it holds the solution).

``python -m autograder notebook custom_layer_activation`` writes it to
``source/custom_layer_activation/``; then ``nbgrader generate_assignment
custom_layer_activation --force`` makes the students' copy in ``release/``.
Edit this file, never the notebooks.
"""
from __future__ import annotations

from autograder.authoring import code, markdown, notebook, points, test_cells
from autograder.labs.custom_dense_layer.notebook import setup_source

from . import LAB

SETUP = setup_source(LAB)

WHY = """
A few start-up lines from TensorFlow may appear under the setup cell. They are
harmless, and that cell is not graded.

## 1. Why a layer needs an activation

Lab 1's `SimpleDense` computes `inputs @ kernel + bias`: a linear function of
its inputs (a straight line for one input, a flat plane for more). Stacking
such layers does not help, because a linear function of a linear function is
still linear:

$$(x K_1 + b_1)\\,K_2 + b_2 \\;=\\; x\\,(K_1 K_2) + (b_1 K_2 + b_2)$$

Ten of them in a row can only draw what one of them draws: flat boundaries
between classes. An **activation** is a simple function applied to every
output of the layer, after the bias:

```
outputs = activation(inputs @ kernel + bias)
```

Its bend is what lets the next layer build curved boundaries out of many
straight pieces. The usual ones:

| name | what it computes, for each output $z$ | where you meet it |
|---|---|---|
| `None` (or `"linear"`) | $z$, unchanged | lab 1's layer; the output of a regression |
| `"relu"` | $\\max(z, 0)$ | hidden layers: cheap, and its gradient does not fade for large $z$ |
| `"sigmoid"` | $1 / (1 + e^{-z})$, between 0 and 1 | one yes/no probability |
| `"tanh"` | between -1 and 1 | hidden layers |
| `"softmax"` | $e^{z_i} / \\sum_j e^{z_j}$ over one example's outputs | a classifier's last layer: each example's outputs become probabilities that sum to 1 |

You do not write these yourself. `tf.keras.activations.get(identifier)`
finds the function: it takes `None` (the identity), a name, or any function
of a tensor (handed back as it is), and raises a `ValueError` for a name it
does not know. Keras's own `Dense` layer uses it exactly this way.
"""

GET_DEMO = """
for identifier in [None, "relu", "tanh", tf.math.abs]:
    function = tf.keras.activations.get(identifier)
    outputs = function(tf.constant([-2.0, 0.0, 2.0])).numpy()
    shown = getattr(identifier, "__name__", identifier)
    print(f"{str(shown):>6} -> {function.__name__:<8} {outputs}")

try:
    tf.keras.activations.get("rleu")  # a typo
except ValueError as error:
    print("ValueError:", error)
"""

TASK = """
## 2. Your task: give `SimpleDense` an activation

The class below is lab 1's layer with a new argument, `activation=None`.
Replace each `raise NotImplementedError()`.

**In `__init__`**, turn the argument into a function, once, with
`tf.keras.activations.get`, and keep that function on the layer as
`self.activation`. Doing it here, when the layer is made, has two benefits:

* a typo such as `"rleu"` fails at once, on the line that makes the layer,
  instead of in the middle of `model.fit`;
* `call()` runs for every batch; it should only *apply* the activation,
  not look its name up again each time (a string cannot be called anyway).

**In `build()`**, create the weights as in lab 1 (copy your own): a `kernel`
of shape `(input_shape[-1], self.units)` drawn with
`tf.random_normal_initializer()`, and a `bias` of shape `(self.units,)`
starting at zero, both made with `self.add_weight(name=..., ...)` and
trainable.

**In `call()`**, compute lab 1's result, the matrix product of the inputs and
the kernel plus the bias, and return the activation of that whole result.

> **Traps.**
>
> *After the bias, not before.* `relu(x @ kernel) + bias` is not
> `relu(x @ kernel + bias)`. The bias decides *where* each unit bends;
> added afterwards it only lifts the curve (section 4 draws both).
>
> *Once.* Apply the activation in `call()` and nowhere else. A ReLU
> applied twice is still a ReLU, but a sigmoid applied twice is not a sigmoid.
>
> *Keep `None` the default.* `SimpleDense(units)` with no activation is
> lab 1's linear layer, as Keras's `Dense(units)` is.
>
> *TensorFlow operations only.* A ReLU written with NumPy,
> `np.maximum(x, 0)`, gives the right numbers when you call the layer by
> hand, but TensorFlow cannot follow a computation through NumPy: training
> gets no gradient, and inside `model.fit` it fails. The function
> `tf.keras.activations.get("relu")` returns has both.
>
> *Softmax belongs to the last layer.* It makes one example's outputs sum to
> 1; a layer applies it only when it was made with `activation="softmax"`.
"""

SOLUTION = '''
class SimpleDense(tf.keras.layers.Layer):
    """A dense layer with an activation: outputs = activation(inputs @ kernel + bias)."""

    def __init__(self, units=32, activation=None):
        """Store the number of units and the activation function.

        activation: None (linear), the name of a Keras activation such as "relu",
        or a function of a tensor.
        """
        super().__init__()
        self.units = units
        ### BEGIN SOLUTION
        self.activation = tf.keras.activations.get(activation)
        ### END SOLUTION

    def build(self, input_shape):
        """Create the weights, as in lab 1.

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
        """Apply the activation to inputs @ kernel + bias."""
        ### BEGIN SOLUTION
        return self.activation(tf.matmul(inputs, self.kernel) + self.bias)
        ### END SOLUTION
'''

SELF_CHECK_INTRO = """
## 3. Check your work

`self_check` runs the public checks on your class, here in your own kernel,
and explains any check that fails: what it expected, what it found, and what
to try. One of them trains small models made of your layer, so it takes a
second or two. After changing the class, run its cell again before checking.
"""

SELF_CHECK = """
report = self_check(SimpleDense)
"""

SHAPES_INTRO = """
## 4. See what your layer does

A one-unit `SimpleDense` whose kernel is 1 computes `activation(x + bias)`:
a picture of its activation. On the left, the four activations of the table
(bias 0). On the right, ReLU with three biases: applied after the bias
(solid lines), the bias slides the bend along x; applied before it (dashed,
computed by hand here for comparison), the bend stays at 0 and the curve
only moves up or down. A model learns where each of its units bends, and it
can only do that through the bias.
"""

SHAPES = """
def one_unit(activation, bias=0.0):
    \"\"\"A one-unit SimpleDense whose kernel is 1: it computes activation(x + bias).\"\"\"
    layer = SimpleDense(1, activation=activation)
    layer(np.zeros((1, 1), dtype="float32"))  # the first call builds the weights
    for weight in layer.weights:
        name = weight.name.split("/")[-1].split(":")[0]  # "kernel" on Keras 3, "simple_dense/kernel:0" on Keras 2
        weight.assign(np.full(weight.shape, 1.0 if name == "kernel" else bias))
    return layer


x = np.linspace(-4, 4, 161, dtype="float32").reshape(-1, 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for activation in [None, "relu", "sigmoid", "tanh"]:
    left.plot(x, one_unit(activation)(x), label=f"activation={activation!r}")
left.set(title="activation(x): kernel 1, bias 0", xlabel="x", ylabel="output")
left.legend()
for bias, color in zip([-1.5, 0.0, 1.5], ["tab:blue", "tab:orange", "tab:green"]):
    right.plot(x, one_unit("relu", bias)(x), color=color, label=f"relu(x {bias:+g}): after the bias")
    right.plot(x, tf.nn.relu(x) + bias, "--", color=color, alpha=0.6, label=f"relu(x) {bias:+g}: before it")
right.set(title="ReLU after the bias (solid) and before it (dashed)", xlabel="x")
right.legend(fontsize=8)
for ax in (left, right):
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
"""

XOR_INTRO = """
## 5. A problem no straight line solves

Four clouds of points sit at the corners of a square, and opposite corners
share a label (XOR's pattern: the label says whether the two coordinates
have the same sign). Whichever straight line you draw, some cloud lands on the
wrong side of it: no linear model gets much past 3 points in 4, and
gradient descent on a linear model usually ends far below that.

Two models, identical except for the hidden layer's activation:
`Input(2) -> SimpleDense(16, activation) -> SimpleDense(1)`. The last layer
gives each point a score (a *logit*): above 0 means label 1.
`BinaryCrossentropy(from_logits=True)` turns scores into probabilities inside
the loss. All 400 points form one batch, repeated as in lab 1, so that each
"epoch" below is 5 steps of gradient descent and the history keeps the loss
after every 5 steps.
"""

XOR_DATA = """
rng = np.random.default_rng(0)
corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype="float32")
corner_labels = np.array([1, 1, 0, 0], dtype="float32")
which = rng.integers(0, 4, size=400)
points = corners[which] + rng.normal(0.0, 0.3, size=(400, 2)).astype("float32")
labels = corner_labels[which].reshape(-1, 1)  # shape (400, 1), like the model's output
print(points.shape, labels.shape, "label 1:", int(labels.sum()), "of", len(labels))
"""

XOR_TRAIN = """
def xor_model(activation):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(2,)),
        SimpleDense(16, activation=activation),
        SimpleDense(1),  # no activation: a score for label 1
    ])


xor_models, xor_losses = {}, {}
for activation in ["relu", None]:
    tf.keras.utils.set_random_seed(0)  # the same starting weights for both
    model = xor_model(activation)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.05),
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True))
    batches = tf.data.Dataset.from_tensors((points, labels)).repeat()
    history = model.fit(batches, epochs=40, steps_per_epoch=5, verbose=0)
    xor_models[activation], xor_losses[activation] = model, history.history["loss"]
    accuracy = np.mean((model(points).numpy() > 0) == (labels > 0.5))
    print(f"activation={activation!r:7} accuracy {accuracy:.0%}, final loss {xor_losses[activation][-1]:.3f}")
"""

XOR_PLOT = """
grid = np.stack(np.meshgrid(np.linspace(-2.5, 2.5, 120), np.linspace(-2.5, 2.5, 120)), axis=-1)
grid = grid.reshape(-1, 2).astype("float32")
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
for activation, model in xor_models.items():
    axes[0].plot(np.arange(1, 41) * 5, xor_losses[activation], label=f"activation={activation!r}")
axes[0].set(title="Training loss", xlabel="step", ylabel="cross-entropy")
axes[0].legend()
for ax, (activation, model) in zip(axes[1:], xor_models.items()):
    scores = model(grid).numpy().reshape(120, 120)
    ax.contourf(grid[:, 0].reshape(120, 120), grid[:, 1].reshape(120, 120), scores > 0,
                levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    ax.scatter(points[:, 0], points[:, 1], c=labels[:, 0], cmap="coolwarm_r", s=8)
    ax.set(title=f"activation={activation!r}: where the model says 1 (blue)", xlabel="x1", ylabel="x2")
fig.tight_layout()
plt.show()
"""

XOR_OUTRO = """
With ReLU, the 16 hidden units bend at 16 places (each one's bias sets
where), and the last layer adds the bent pieces into a boundary that goes
around the corners. Without an activation the whole model is one straight
line, whatever the training does: the loss stalls, and the picture shows a
half-plane.

## 6. An image classifier made of your layer

The original lab ended with a model for handwritten digits (MNIST) or
clothes (Fashion-MNIST): `Flatten`, a 128-unit layer with ReLU, `Dropout(0.2)`
and a 10-unit softmax. With an activation argument, your layer can now be
both of its dense layers.

**The data.** Keras's loader downloads MNIST (or Fashion-MNIST: set
`DATASET = "fashion_mnist"`) the first time, about 11 MB, and keeps it in
`~/.keras/datasets`. Where nothing can be downloaded (a laptop offline, a
course server behind a firewall), the cell below uses scikit-learn's 8x8
handwritten digits instead: 1,797 small images that ship inside the
package, so they need no download. The grader never downloads anything: it
checks your layer on those bundled digits.
"""

LOAD = """
import socket

DATASET = "mnist"  # or "fashion_mnist"
FASHION_NAMES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]


def load_images(name=DATASET):
    \"\"\"Training and test images as floats in [0, 1], their labels, the class names and a description.\"\"\"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)  # a firewall that drops packets would otherwise stall the download for minutes
    try:
        (x_train, y_train), (x_test, y_test) = getattr(tf.keras.datasets, name).load_data()
        names = FASHION_NAMES if name == "fashion_mnist" else [str(d) for d in range(10)]
        return (x_train / 255.0, y_train, x_test / 255.0, y_test, names,
                f"{name}: {len(x_train):,} training images of 28 x 28 pixels")
    except Exception as error:  # no network here: use the digits that ship with scikit-learn
        print(f"Could not download {name} ({type(error).__name__}); using scikit-learn's 8x8 digits instead.")
    finally:
        socket.setdefaulttimeout(previous)
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.images))
    images, targets = digits.images[order] / 16.0, digits.target[order]  # their pixels run from 0 to 16
    cut = int(0.8 * len(images))
    return (images[:cut], targets[:cut], images[cut:], targets[cut:], [str(d) for d in range(10)],
            f"scikit-learn's digits: {cut:,} training images of 8 x 8 pixels")


x_train, y_train, x_test, y_test, class_names, described = load_images()
x_train, x_test = x_train.astype("float32"), x_test.astype("float32")
print(described, f"| {len(x_test):,} test images | input shape {x_train.shape[1:]}")

fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for ax, image, label in zip(axes, x_train, y_train):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(class_names[label], fontsize=9)
    ax.axis("off")
plt.show()
"""

CLASSIFIER_INTRO = """
`Flatten` turns each image into one row of pixels, the input a dense layer
expects. The softmax layer's 10 outputs are the probabilities of the 10
classes, so the loss is `sparse_categorical_crossentropy` (the labels are
class numbers, not one-hot rows). `Dropout(0.2)` switches off a random 20%
of the hidden units at each training step (never when predicting), so that
no unit can lean on one particular other.

The same model is trained twice, with `activation="relu"` and with
`activation=None` in the hidden layer. To keep each run to seconds rather
than minutes, it trains on the first 20,000 of MNIST's 60,000 training images
(raise `TRAIN_IMAGES` to use more) for 5 epochs, or on all of the small digits
for 8; an epoch is one pass over the training images, in batches of 64.
"""

CLASSIFIER = """
def build_classifier(activation="relu"):
    \"\"\"The original lab's model, made of your layer.\"\"\"
    return tf.keras.Sequential([
        tf.keras.Input(shape=x_train.shape[1:]),
        tf.keras.layers.Flatten(),
        SimpleDense(128, activation=activation),
        tf.keras.layers.Dropout(0.2),
        SimpleDense(10, activation="softmax"),
    ])


TRAIN_IMAGES = 20_000
x_fit, y_fit = x_train[:TRAIN_IMAGES], y_train[:TRAIN_IMAGES]
EPOCHS = 5 if len(x_fit) > 10_000 else 8
# Shuffled batches of 64, from a pipeline built once (Keras would rebuild one from the arrays every epoch).
train_batches = tf.data.Dataset.from_tensor_slices((x_fit, y_fit)).shuffle(len(x_fit), seed=0).batch(64)
classifiers, curves, test_accuracy = {}, {}, {}
for activation in ["relu", None]:
    tf.keras.utils.set_random_seed(0)
    classifier = build_classifier(activation)
    classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = classifier.fit(train_batches, epochs=EPOCHS, verbose=0)
    predicted = np.argmax(classifier(x_test, training=False), axis=1)
    classifiers[activation], curves[activation] = classifier, history.history
    test_accuracy[activation] = np.mean(predicted == y_test)
    print(f"hidden activation={activation!r:7} training accuracy {history.history['accuracy'][-1]:.1%}, "
          f"test accuracy {test_accuracy[activation]:.1%}")
"""

CURVES = """
fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(11, 4))
epochs = np.arange(1, EPOCHS + 1)
for activation, history in curves.items():
    ax_loss.plot(epochs, history["loss"], marker="o", label=f"activation={activation!r}")
    ax_accuracy.plot(epochs, history["accuracy"], marker="o",
                     label=f"activation={activation!r} (test: {test_accuracy[activation]:.1%})")
ax_loss.set(title="Training loss", xlabel="epoch", ylabel="cross-entropy")
ax_accuracy.set(title="Training accuracy", xlabel="epoch", ylabel="accuracy")
for ax in (ax_loss, ax_accuracy):
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
"""

MISTAKES_INTRO = """
Compare the two test accuracies printed above. Without ReLU the whole model
is a linear function of the pixels, however many units it has, and on MNIST
such a model levels off a few points below the same model with ReLU: the
gap is what the bends buy. The small 8x8 digits are an easier problem, one
that flat boundaries already solve well, so there the two sit close: offline,
the XOR pictures above are the clearer proof. Where you have a network, try
`DATASET = "fashion_mnist"` and see whether the gap grows.

Numbers hide what the mistakes look like. Below are test images that the
model with ReLU gets wrong, each with its true class, the class it chose and
how sure it was (the softmax probability of its choice).
"""

MISTAKES = """
probabilities = classifiers["relu"](x_test, training=False).numpy()
chosen = probabilities.argmax(axis=1)
wrong = np.flatnonzero(chosen != y_test)[:12]
print(f"{np.mean(chosen != y_test):.1%} of the test images are misclassified; the first {len(wrong)}:")
fig, axes = plt.subplots(1, max(len(wrong), 1), figsize=(1.3 * max(len(wrong), 1), 1.9), squeeze=False)
for ax, index in zip(axes[0], wrong):
    ax.imshow(x_test[index], cmap="gray_r")
    ax.set_title(f"{class_names[y_test[index]]} -> {class_names[chosen[index]]}\\n"
                 f"{probabilities[index, chosen[index]]:.0%} sure", fontsize=8)
for ax in axes[0]:
    ax.axis("off")
plt.show()
"""

FURTHER = """
## Going further

* Try other activations in the hidden layer: `"tanh"`, `"gelu"`, or a
  function of your own such as `lambda z: tf.nn.leaky_relu(z, 0.1)`. Any
  function of a tensor works, because `tf.keras.activations.get` hands it back.
* With `DATASET = "fashion_mnist"`, look at which clothes the model confuses.
* Give `SimpleDense` a `get_config()` that stores
  `tf.keras.activations.serialize(self.activation)`, so that a saved model
  can be loaded again.

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
    "layer_builds": "SimpleDense(units=..., activation=None) keeps `units` (32 by default) and builds.",
    "variable_names": "build() creates two variables, named kernel and bias.",
    "weight_shapes": "the kernel is (input features, units) and the bias is (units,).",
    "bias_starts_at_zero": "a freshly built bias is all zeros.",
    "weights_trainable": "Keras tracks both weights and both are trainable.",
    "forward_pass": "with activation=None, call() returns inputs @ kernel + bias.",
    "default_is_linear": "with no activation given, the layer is linear.",
    "activation_by_name": "named activations are applied to inputs @ kernel + bias.",
    "activation_callable": "a function passed as the activation is applied after the bias.",
    "activation_resolved_once": "the activation is looked up once, when the layer is made.",
    "nonlinearity_pays": "with 'relu' a small model learns XOR; with None it cannot.",
    "kernel_initializer": "how the kernel's starting values are drawn.",
    "gradients_reach_weights": "whether training signals (gradients) reach both weights.",
    "activation_gradients": "whether gradients pass through the activation correctly.",
    "other_activations": "whether other activations work as well.",
    "activation_per_layer": "whether several layers keep their own settings.",
    "misspelt_activation": "what happens with a mistaken activation name.",
    "classifier_learns": "whether the image classifier made of your layer learns.",
}


def intro() -> str:
    total, public = points(LAB, "all"), points(LAB, "public")
    return f"""
# Activation in Custom Layers

In lab 1 you wrote `SimpleDense`, a dense layer that computes
`inputs @ kernel + bias`. In this notebook you give it an `activation`
argument, as Keras's own `Dense` has, and see what the activation buys: a
small model made of your layer learns a pattern that no straight line can
separate, and an image classifier made of it recognises handwritten digits.

Your steps:

1. Complete `SimpleDense` (section 2): `__init__` resolves the activation,
   `build()` is lab 1's, `call()` applies the activation after the bias.
2. Run the self-check below it and fix whatever it reports.
3. Look at what each activation does, then train the models of sections 5
   and 6 with and without ReLU, and compare.
4. Before you submit, restart the kernel and run every cell
   (*Kernel → Restart Kernel and Run All Cells*).

The assignment is worth **{total:g} points**: {public:g} come from checks
you can run yourself, the rest from hidden checks that run when your work is graded.
"""


def build_notebook() -> dict:
    cells = [
        markdown("intro", intro(), locked=True),
        code("setup", SETUP, locked=True),
        markdown("why", WHY),
        code("get-demo", GET_DEMO),
        markdown("task", TASK, locked=True),
        code("simple_dense", SOLUTION, solution=True),
        markdown("self-check-intro", SELF_CHECK_INTRO),
        code("self-check", SELF_CHECK),
        markdown("shapes-intro", SHAPES_INTRO),
        code("shapes", SHAPES),
        markdown("xor-intro", XOR_INTRO),
        code("xor-data", XOR_DATA),
        code("xor-train", XOR_TRAIN),
        code("xor-plot", XOR_PLOT),
        markdown("xor-outro", XOR_OUTRO),
        code("load-images", LOAD),
        markdown("classifier-intro", CLASSIFIER_INTRO),
        code("classifier", CLASSIFIER),
        code("curves", CURVES),
        markdown("mistakes-intro", MISTAKES_INTRO),
        code("mistakes", MISTAKES),
        markdown("graded-intro", FURTHER),
    ]
    return notebook(cells + test_cells(LAB, CHECK_COMMENTS))

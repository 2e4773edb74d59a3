"""Lab 2, "Activation in custom layers": give lab 1's ``SimpleDense`` an ``activation`` argument.

Students keep lab 1's ``build()`` (a random-normal kernel, a zero bias) and
extend the layer: ``__init__(self, units=32, activation=None)`` resolves the
argument once with ``tf.keras.activations.get`` (``None`` is linear; a name
such as ``"relu"`` or a callable also works), and ``call()`` applies it after
adding the bias. Then they see what the non-linearity buys: a small model
learns XOR with ``"relu"`` and cannot without it, and the original lab's
image classifier (Flatten, 128 units with ReLU, Dropout 0.2, a 10-way
softmax) trains on MNIST, or offline on scikit-learn's 8x8 digits.

Lab 1's checks of names, shapes, initializers and trainability are reused
from lab 1's registries (``public.py``, ``hidden.py``), not copied.
"""
from autograder.lab import Lab

PACKAGE = __name__
DENSE = "autograder.labs.custom_dense_layer"  # lab 1, whose probes and checks this lab reuses

CATEGORIES = (
    "construction",  # the class is a Keras layer of the student's own that can be made and built (lab 1's)
    "names",         # a `kernel` and a `bias` variable (lab 1's check)
    "shapes",        # (input features, units) and (units,) (lab 1's check)
    "initializers",  # a random normal kernel, a zero bias (lab 1's checks)
    "trainability",  # tracked, trainable, and gradients reach the weights through the activation
    "forward",       # with activation=None, call() computes inputs @ kernel + bias (lab 1's check)
    "activation",    # None is linear, names and callables work, resolved once, applied after the bias
    "nonlinearity",  # with "relu" a small model learns XOR; with None it cannot
    "classifier",    # the notebook's image classifier, built from the layer, learns the digits
)

LAB = Lab(
    name="custom_layer_activation",
    module=PACKAGE,
    title="Activation in Custom Layers",
    entry="SimpleDense",
    categories=CATEGORIES,
    public_checks=(f"{PACKAGE}.public",),
    hidden_checks=(f"{PACKAGE}.hidden",),
    probes=f"{PACKAGE}.probes",
    probe_uses={
        "construct": ("__init__",),
        "build": ("__init__", "build"),
        "forward": ("__init__", "build", "call"),
        "gradients": ("__init__", "build", "call"),
        "train": ("__init__", "build", "call"),
        "activation_facts": ("__init__", "build", "call"),
        "where_it_fails": ("__init__", "build", "call"),
        "two_layers": ("__init__", "build", "call"),
        "learn_two_features": ("__init__", "build", "call"),
        "classify_images": ("__init__", "build", "call"),
    },
    # What a subject imports before the student's code runs: the notebook's own imports (scikit-learn's
    # digits are its offline images), the probes and what self_check needs. No hidden check, no solution.
    preload=("numpy", "tensorflow", "matplotlib.pyplot", "sklearn.datasets", f"{PACKAGE}.probes",
             f"{PACKAGE}.public", "autograder.selfcheck"),
    # The student bundle: this lab's public side and the parts of lab 1 it imports (never a hidden check).
    student_modules=(PACKAGE, f"{PACKAGE}.probes", f"{PACKAGE}.public", f"{PACKAGE}.expected",
                     DENSE, f"{DENSE}.probes", f"{DENSE}.public", f"{DENSE}.expected"),
    notebook=f"{PACKAGE}.notebook",
    describe_error=f"{PACKAGE}.public:describe_student_error",
    hints={
        "loop": "look for a loop in {method}() that never ends, or a very slow computation",
        "crashed": "the layer needs only a (features, units) kernel, a (units,) bias and its activation; look "
                   "for a huge allocation or a list that never stops growing",
        "memory limit": "the layer needs only a (features, units) kernel, a (units,) bias and its activation; "
                        "look for a huge allocation, a list that never stops growing, or processes started from "
                        "the notebook",
    },
    student_requirements=("scikit-learn",),
)

# What the lab's notebook imports: the checks, run in the student's own kernel.
from autograder.selfcheck import bind  # noqa: E402

self_check, run_check = bind(LAB)

"""Lab 1, "Building a Custom Dense Layer": write ``SimpleDense``, a Keras layer with a kernel and a bias.

Students complete ``build()`` (a random-normal ``kernel`` of shape
(input features, units) and a zero ``bias`` of shape (units,), both
trainable) and ``call()`` (``inputs @ kernel + bias``), then train the layer
on y = 2x - 1 for 500 epochs.
"""
from autograder.lab import Lab

PACKAGE = __name__

CATEGORIES = (
    "construction",  # the class is a Keras layer of the student's own that can be made and built
    "names",         # a `kernel` and a `bias` variable
    "shapes",        # (input features, units) and (units,)
    "initializers",  # a random normal kernel, a zero bias
    "trainability",  # tracked by Keras, trainable, gradients reach them
    "forward",       # call() computes inputs @ kernel + bias
    "training",      # trained as the lab trains it, the layer learns the line
)

LAB = Lab(
    name="custom_dense_layer",
    module=PACKAGE,
    title="Building a Custom Dense Layer",
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
    },
    preload=("numpy", "tensorflow", "matplotlib.pyplot", f"{PACKAGE}.probes", f"{PACKAGE}.public",
             "autograder.selfcheck"),
    student_modules=(PACKAGE, f"{PACKAGE}.probes", f"{PACKAGE}.public", f"{PACKAGE}.expected"),
    notebook=f"{PACKAGE}.notebook",
    describe_error=f"{PACKAGE}.public:describe_student_error",
    hints={
        "loop": "look for a loop in {method}() that never ends, or a very slow computation",
        "crashed": "the layer needs only a (features, units) kernel and a (units,) bias; look for a huge "
                   "allocation or a list that never stops growing",
        "memory limit": "the layer needs only a (features, units) kernel and a (units,) bias; look for a huge "
                        "allocation, a list that never stops growing, or processes started from the notebook",
    },
)

# What the lab's notebook imports: the checks, run in the student's own kernel.
from autograder.selfcheck import bind  # noqa: E402

self_check, run_check = bind(LAB)

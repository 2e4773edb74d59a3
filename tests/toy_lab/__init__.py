"""A toy lab with no TensorFlow: write ``add(a, b)``. It proves that the engine knows no lab.

The whole grading path (notebook, zygote, subject, judge, batch) runs on it
in the engine's tests, quickly, with nothing but NumPy.
"""
from autograder.lab import Lab

LAB = Lab(
    name="toy_lab",
    module=__name__,
    title="Adding two numbers",
    entry="add",
    categories=("works", "speed"),
    public_checks=(f"{__name__}.public",),
    hidden_checks=(f"{__name__}.hidden",),
    probes=f"{__name__}.probes",
    probe_uses={"call": ("add",), "name": ()},
    preload=("numpy",),
    student_modules=(f"{__name__}.probes", f"{__name__}.public"),
    hints={"loop": "look for a loop in add() that never ends"},
)

"""The toy lab's probes: call the student's ``add`` with the judge's numbers."""
from autograder.probing import student

PROBES = {}


def probe(function):
    PROBES[function.__name__] = function
    return function


@probe
def call(entry, *, a, b):
    return {"result": student("add()", entry, a, b)}


@probe
def name(entry):
    return {"name": getattr(entry, "__name__", type(entry).__name__)}


def environment():
    import numpy

    return {"numpy": numpy.__version__}

"""The toy lab's hidden check."""
from autograder.registry import CheckFailed, Registry

from . import LAB

REGISTRY = Registry(LAB.categories, visibility="hidden")


@REGISTRY.check("adds_fractions", "works", points=1)
def adds_fractions(ctx):
    """add works for fractions too."""
    a, b = (float(x) for x in ctx.rng.random(2))
    result = ctx.ask("call", a=a, b=b)["result"]
    if not isinstance(result, float) or abs(result - (a + b)) > 1e-12:
        raise CheckFailed(f"add({a:.3f}, {b:.3f}) == {a + b:.3f}", f"{result!r}", "do not round")
    return "fractions add up"

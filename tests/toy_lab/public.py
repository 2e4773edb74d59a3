"""The toy lab's public checks."""
from autograder.registry import CheckFailed, Registry

from . import LAB

REGISTRY = Registry(LAB.categories)


@REGISTRY.check("is_a_function", "works", points=1, gate=True)
def is_a_function(ctx):
    """add is a function called add."""
    name = ctx.ask("name")["name"]
    if name != "add":
        raise CheckFailed("a function named add", f"{name!r}", "define `def add(a, b):`")
    return "add is a function"


@REGISTRY.check("adds_numbers", "works", points=2)
def adds_numbers(ctx):
    """add(a, b) returns a + b for numbers the judge picks."""
    a, b = (float(x) for x in ctx.rng.integers(-1000, 1000, size=2))
    result = ctx.ask("call", a=a, b=b)["result"]
    if not isinstance(result, (int, float)) or abs(result - (a + b)) > 1e-9:
        raise CheckFailed(f"add({a:g}, {b:g}) == {a + b:g}", f"{result!r}", "return a + b")
    return f"add({a:g}, {b:g}) == {a + b:g}"

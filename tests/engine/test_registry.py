"""Checks are declared once, with their points, category and visibility; a lab can reuse another's."""
import pytest

from autograder.registry import Registry, grade_cell_id


def test_a_check_takes_its_summary_from_its_docstring():
    registry = Registry(("works",))

    @registry.check("adds", "works", points=2)
    def adds(ctx):
        """add(a, b) returns a + b.

        More text."""

    check = registry["adds"]
    assert (check.summary, check.max_points, check.visibility) == ("add(a, b) returns a + b.", 2.0, "public")


def test_unknown_category_and_duplicate_names_are_refused():
    registry = Registry(("works",))
    with pytest.raises(ValueError, match="unknown category"):
        registry.check("x", "speed", 1)(lambda ctx: None)
    registry.check("x", "works", 1)(lambda ctx: None)
    with pytest.raises(ValueError, match="twice"):
        registry.check("x", "works", 1)(lambda ctx: None)


def test_another_lab_reuses_a_check_with_its_own_settings():
    first, second = Registry(("works",)), Registry(("works",), visibility="hidden")
    first.check("adds", "works", 1)(lambda ctx: ctx)
    reused = second.add(first["adds"], points=3, options={"layer_kwargs": {"activation": None}})
    assert (reused.max_points, reused.visibility, reused.options) == (3.0, "hidden", {"layer_kwargs": {"activation": None}})
    assert first["adds"].max_points == 1.0  # the original is untouched


def test_hidden_checks_get_neutral_grade_ids(toy):
    checks = toy.checks("all")
    assert [grade_cell_id(c, checks) for c in checks] == ["test_is_a_function", "test_adds_numbers", "hidden_check_1"]

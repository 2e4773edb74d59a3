"""The rule by which lab 1's hidden gradient check compares a reported gradient with the loss.

Each case is a loss along one line (a function of the step) and the derivative a gradient
predicts for it: the rule must accept a true derivative, with or without a kink next to 0, and
reject a wrong one however curved the loss is (what let a 0.9-scaled gradient through before:
a one-sided quotient off by the curvature happened to land near 90% of the truth).
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.labs.custom_dense_layer.hidden import _directional_derivative, steepest_direction


def quadratic(slope: float, curvature: float):
    return lambda step: 100.0 + slope * step + 0.5 * curvature * step * step


def kinked(slope_before: float, slope_after: float, kink_at: float):
    """Piecewise linear, with a kink at ``kink_at`` (a ReLU's, just switched on or off)."""
    def loss(step):
        return 100.0 + slope_before * min(step, kink_at) + slope_after * max(step - kink_at, 0.0)
    return loss


@pytest.mark.parametrize("slope, curvature", [(7.7, 1000.0), (-14.3, 1750.0), (0.05, 25000.0), (38.9, 0.0)])
def test_a_true_derivative_is_accepted_however_curved(slope, curvature):
    loss = quadratic(slope, curvature)
    assert _directional_derivative(loss, loss(0.0), slope) is None


@pytest.mark.parametrize("slope, curvature", [(7.7, 1000.0), (-14.3, 1750.0), (38.9, 0.0)])
@pytest.mark.parametrize("scale", [0.9, 1.1, -1.0])
def test_a_scaled_derivative_is_caught_however_curved(slope, curvature, scale):
    loss = quadratic(slope, curvature)
    measured = _directional_derivative(loss, loss(0.0), scale * slope)
    assert measured == pytest.approx(slope, rel=1e-6)


@pytest.mark.parametrize("kink_at", [0.0, 5e-3, -5e-3, 1.5e-2, -1.5e-2])
def test_next_to_a_kink_either_sides_derivative_is_accepted(kink_at):
    loss = kinked(3.0, 11.0, kink_at)
    # The derivative a framework reports at 0 is the slope of the piece 0 lies on (at the kink
    # itself, either one).
    true = [3.0, 11.0] if kink_at == 0.0 else [11.0] if kink_at < 0 else [3.0]
    for slope in true:
        assert _directional_derivative(loss, loss(0.0), slope) is None
    # A wrong one is caught once a step is small enough for one side to be free of the kink; at the
    # kink itself no step is, and the rule gives the benefit of the doubt (a measure-zero event).
    caught = _directional_derivative(loss, loss(0.0), 0.5 * true[0]) is not None
    assert caught == (kink_at != 0.0)


def test_the_steepest_direction_has_the_length_of_a_random_one_and_cannot_overflow():
    gradient = np.array([[1e300, -1e300], [2e300, 0.0]])
    direction = steepest_direction(gradient)
    assert np.all(np.isfinite(direction))
    assert np.linalg.norm(direction) == pytest.approx(2.0)
    assert np.sign(direction).tolist() == np.sign(gradient).tolist()


def test_kinks_that_spoil_only_the_central_difference_are_seen():
    # A loss of many ReLU outputs can bend so that, at the largest step, the two one-sided
    # quotients agree with each other (11) and the central difference does not (12); closer in,
    # the loss is the line of slope 11. Seen once in 100 gradings of a ReLU layer, which was then
    # failed for a gradient that was true.
    bent = {0.01: 100.12, -0.01: 99.88, 0.02: 100.26, -0.02: 99.74}

    def loss(step):
        return bent.get(round(step, 12), 100.0 + 11.0 * step)

    assert _directional_derivative(loss, loss(0.0), 11.0) is None
    assert _directional_derivative(loss, loss(0.0), 9.0) is not None


def test_a_mismatch_must_hold_at_a_second_step():
    # Slope 12 at the largest step (as a fine ripple on the loss averages out there), slope 11
    # closer in: a gradient of 11 is true at the point, and one step is not enough to fail it.
    def loss(step):
        slope = 12.0 if abs(step) > 5e-3 else 11.0
        return 100.0 + slope * step

    assert _directional_derivative(loss, loss(0.0), 11.0) is None
    assert _directional_derivative(loss, loss(0.0), 9.0) is not None


def test_a_loss_too_coarse_to_move_at_small_steps_leaves_the_gradient_the_benefit_of_the_doubt():
    # A layer computing in float16 rounds small moves of its weights away: the loss moves at the
    # largest step and is flat at the smaller ones, which say nothing about the gradient.
    def loss(step):
        return 100.0 + 11.0 * round(step / 0.005) * 0.005

    assert _directional_derivative(loss, loss(0.0), 11.0) is None
    assert _directional_derivative(loss, loss(0.0), 3.0) is None


def test_a_loss_that_does_not_move_at_the_largest_step_measures_zero():
    # No smaller step will move it: a gradient of 0 is right, any other is wrong (a layer that
    # returns what it computed at its first call, say, has a loss that never moves).
    def loss(step):
        return 100.0

    assert _directional_derivative(loss, loss(0.0), 0.0) is None
    assert _directional_derivative(loss, loss(0.0), 5.0) == 0.0

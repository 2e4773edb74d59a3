"""The hidden checks: run when a submission is graded, never shipped to students.

They look harder at what the public checks only sample: how the kernel is
drawn (at the lab's own fan-in of 1 and at 128), whether gradients reach the
weights exactly as they should, and whether the layer learns a line and
points it has never seen, drawn for each run (so nothing about y = 2x - 1
can be hard-coded).
"""
from __future__ import annotations

import math

import numpy as np

from autograder.registry import CheckFailed, Registry

from . import CATEGORIES
from .expected import moments, normal_distance
from .public import build_facts, build_seed, layer_kwargs, require_kernel_and_bias, train_and_compare

REGISTRY = Registry(CATEGORIES, visibility="hidden")

# The kernel's distribution, judged on two builds of 16,384 draws each: fan-in 1 (1 x 16384, the
# lab's own layer is 1 x 1) and fan-in 128 (128 x 128). tf.random_normal_initializer() draws
# N(0, 0.05) whatever the shape; an initializer scaled by fan-in (VarianceScaling, glorot, he)
# cannot match both. Each bound sits 5 or more standard errors out for 16,384 draws (mean: se
# 0.00039, bound 5.1 se; stddev: se 0.00028, 5.4 se; kurtosis: se 0.038, 5.2 se; the KS distance's
# bound has a chance of 2.5e-9), so fresh draws on every run fail a correct kernel less than once in
# a million gradings. Measured by `python -m autograder.labs.custom_dense_layer.calibrate --seeds 40`
# over 80 builds, the same on both stacks: worst |mean| 0.00087, |stddev - 0.05| 0.00045, |kurtosis
# - 3| 0.101, KS distance 0.011. The usual mistakes land far out: glorot_uniform has stddev 0.0884
# at 128 x 128 and 0.011 at 1 x 16384 (kurtosis 1.8), TruncatedNormal(0.05) stddev 0.044, a unit
# normal 1, VarianceScaling 1 at fan-in 1.
INITIALIZER_BUILDS = ((1, 16384), (128, 128))
STD_EXPECTED = 0.05
STD_TOLERANCE = 0.0015
MEAN_TOLERANCE = 0.002
KURTOSIS_BOUNDS = (2.8, 3.2)
MAX_NORMAL_DISTANCE = 0.025  # Kolmogorov-Smirnov against N(0, 0.05)
MAX_EXACT_ZEROS = 0.001      # a normal draw is exactly 0 with probability 0

# The gradient's prediction along a direction against the loss's change over small steps each way.
# Two directions per weight: the reported gradient itself, along which the loss changes fastest,
# so a gradient off by a scale or a sign is off by that share of a large number; and a random one,
# which sees a gradient wrong in some entries only. The lab's loss is quadratic in its weights, and
# every quotient below is exact for a quadratic (curvature does not enter), so what is left is
# float32 rounding; a step of 1e-2 keeps that small, and 1e-3 and 1e-4 are for kinks (a ReLU's).
# Measured by `python -m autograder.labs.custom_dense_layer.calibrate --seeds 40`, the same on
# both stacks: a true gradient uses at most 0.011 of the tolerance below (margin 94x); the three
# quotients of a kinkless loss differ by at most 0.16 of it (so it is never taken for a kink); a
# gradient scaled by 0.9 misses by 2.55 times the tolerance along its own direction (2.63 in
# theory: 0.1 / (0.02 * 1.9)). Before the gradient's own direction was asked, a random direction
# nearly orthogonal to it let the 0.9-scaled gradient pass once in 60 gradings.
DIRECTION_STEPS = (1e-2, 1e-3, 1e-4)
DIRECTION_RTOL, DIRECTION_ATOL = 2e-2, 1e-2


# Initializers students reach for instead, by the spread they give a (fan_in x fan_out) kernel, and
# whether their draws are uniform (kurtosis 1.8) rather than bell-shaped (about 3).
KNOWN_INITIALIZERS = (
    ("glorot_uniform, the default of Keras's own Dense", lambda fi, fo: math.sqrt(2.0 / (fi + fo)), True),
    ("glorot_normal", lambda fi, fo: math.sqrt(2.0 / (fi + fo)), False),
    ("he_normal", lambda fi, fo: math.sqrt(2.0 / fi), False),
    ("he_uniform", lambda fi, fo: math.sqrt(2.0 / fi), True),
    ("lecun_normal", lambda fi, fo: math.sqrt(1.0 / fi), False),
    ("random_uniform (between -0.05 and 0.05)", lambda fi, fo: 0.05 / math.sqrt(3.0), True),
)


def recognise(builds: list[tuple[tuple, dict]]) -> str:
    """The usual initializer every build's statistics come from, if one fits all (within 5% of its spread)."""
    for name, spread, uniform in KNOWN_INITIALIZERS:
        if all(abs(stats["std"] / spread(*_fans(shape)) - 1.0) < 0.05 and (stats["kurtosis"] < 2.2) == uniform
               for shape, stats in builds):
            return name
    return ""


def _fans(shape: tuple) -> tuple[int, int]:
    return (shape[0], shape[1]) if len(shape) == 2 else (max(shape[0] if shape else 1, 1), 1)


MIN_DRAWS = 32  # fewer values than this say nothing about a distribution (a kernel of the wrong shape)


@REGISTRY.check("kernel_initializer", "initializers", 2)
def check_kernel_initializer(ctx) -> str:
    """The kernel is drawn from a normal distribution with mean 0 and stddev 0.05, at any size."""
    builds = []
    for fan_in, units in INITIALIZER_BUILDS:
        facts = build_facts(ctx, kwargs=layer_kwargs(ctx, units=units), input_shape=[4, fan_in])
        _, kernel, _, _ = require_kernel_and_bias(ctx, facts["variables"])
        draws = np.asarray(kernel["values"], np.float64).ravel()
        if draws.size >= MIN_DRAWS:
            builds.append((tuple(kernel["shape"]), draws, moments(draws), fan_in * units))
    if not builds:
        return "the kernel's shape gave too few values to judge how they are drawn (see weight_shapes)"
    described = "; ".join(f"mean {stats['mean']:.4f}, stddev {stats['std']:.4f} for a "
                          f"{' x '.join(str(d) for d in shape)} kernel" for shape, _, stats, _ in builds)
    for shape, draws, stats, _ in builds:
        where = f"for a {' x '.join(str(d) for d in shape)} kernel"
        if stats["std"] == 0.0:
            value = "all zeros" if np.all(draws == 0) else f"the constant {draws[0]:.4g}"
            raise CheckFailed("a kernel drawn at random from N(0, 0.05)",
                              f"every kernel value is {value} {where}: all units would start, and stay, identical",
                              "use initializer=tf.random_normal_initializer() (or 'random_normal') for the kernel")
        if stats["zeros"] > MAX_EXACT_ZEROS:
            raise CheckFailed("a kernel drawn at random from N(0, 0.05)",
                              f"{stats['zeros']:.0%} of the values are exactly 0 {where}",
                              "draw every value with tf.random_normal_initializer(); do not mask or drop any")
    # A kernel of the wrong shape (weight_shapes judges that) has fewer draws: widen the bounds as
    # the standard errors grow, so that it is judged on its initializer as fairly as a right one.
    widths = [max(1.0, math.sqrt(wanted / draws.size)) for _, draws, _, wanted in builds]
    if any(abs(stats["mean"]) > MEAN_TOLERANCE * widen or abs(stats["std"] - STD_EXPECTED) > STD_TOLERANCE * widen
           for (_, _, stats, _), widen in zip(builds, widths)):
        known = recognise([(shape, stats) for shape, _, stats, _ in builds])
        stds = [stats["std"] for _, _, stats, _ in builds]
        if known:
            described += f": this is {known}"
        elif len(stds) > 1 and max(stds) > 1.2 * min(stds):
            described += ": the spread depends on the layer's size"
        raise CheckFailed(f"a kernel with mean 0 and stddev {STD_EXPECTED} at every size "
                          "(tf.random_normal_initializer()'s defaults)", described,
                          "use initializer=tf.random_normal_initializer() with its default mean and stddev")
    for (shape, draws, stats, _), widen in zip(builds, widths):
        low, high = 3.0 - (3.0 - KURTOSIS_BOUNDS[0]) * widen, 3.0 + (KURTOSIS_BOUNDS[1] - 3.0) * widen
        if not low <= stats["kurtosis"] <= high or normal_distance(draws, STD_EXPECTED) > MAX_NORMAL_DISTANCE * widen:
            raise CheckFailed("normally distributed kernel values",
                              f"{described}, kurtosis {stats['kurtosis']:.2f}: the right spread, but not a normal "
                              "distribution (its bell curve has kurtosis 3)",
                              "use initializer=tf.random_normal_initializer(), not a uniform or truncated one")
    return described


@REGISTRY.check("gradients_reach_weights", "trainability", 1)
def check_gradients_reach_weights(ctx) -> str:
    """A loss on the layer's output has a gradient for the kernel and the bias, and it is the true one."""
    # Batch, features and units all equal: a shape mistake (weight_shapes and forward_pass judge
    # those) cannot break this check too. What is judged is whether the gradients the layer
    # reports agree with how its own output changes when the weights move (a directional
    # derivative), so a layer with a wrong formula is still judged only on its gradients.
    size = int(ctx.rng.integers(2, 10))
    facts = build_facts(ctx, kwargs=layer_kwargs(ctx, units=size), input_shape=[size, size])
    kernel_index, kernel, bias_index, bias = require_kernel_and_bias(ctx, facts["variables"])
    weights = {kernel_index: ctx.rng.normal(0.0, 1.0, size=kernel["shape"]).astype(np.float32),
               bias_index: ctx.rng.normal(0.0, 1.0, size=bias["shape"]).astype(np.float32)}
    inputs = ctx.rng.normal(0.0, 2.0, size=(size, size)).astype(np.float32)
    targets = ctx.rng.normal(0.0, 5.0, size=(size, size)).astype(np.float32)
    probe = dict(kwargs=layer_kwargs(ctx, units=size), input_shape=[size, size], seed=build_seed(ctx),
                 inputs=inputs)
    gradients = ctx.ask("gradients", **probe, targets=targets,
                        assignments={str(i): w for i, w in weights.items()})["gradients"]
    names = {kernel_index: "kernel", bias_index: "bias"}

    def blocked(missing: list[str]) -> CheckFailed:
        return CheckFailed("gradients that reach the kernel and the bias through call()",
                           f"no gradient for {' and '.join(missing)}: training could never change it",
                           "do not wrap weights in tf.stop_gradient or convert them to NumPy inside call()")

    missing = [names[i] for i in names if i >= len(gradients) or gradients[i] is None]
    if missing:
        raise blocked(missing)

    lines = []  # (name, along, each weight's move per unit step, what the gradient predicts, all zeros?)
    for index, name in names.items():
        reported_gradient = np.asarray(gradients[index], np.float64)
        if reported_gradient.shape != weights[index].shape or not np.all(np.isfinite(reported_gradient)):
            raise CheckFailed(f"a finite {name} gradient of shape {weights[index].shape}",
                              f"shape {reported_gradient.shape}, {int(np.sum(~np.isfinite(reported_gradient)))} "
                              "entries not finite",
                              "compute the output with TensorFlow operations on self.kernel and self.bias")
        # A gradient of zeros is true where the loss does not move (every output of a layer with a
        # ReLU below 0, say): only the random direction can tell, and then it is judged as any other.
        zero = not np.any(reported_gradient != 0.0)
        directions = [("a random direction", ctx.rng.normal(0.0, 1.0, size=weights[index].shape))]
        if not zero:
            directions.insert(0, ("the gradient's own direction", steepest_direction(reported_gradient)))
        for along, direction in directions:
            moved = {i: np.zeros_like(w) for i, w in weights.items()}
            moved[index] = direction.astype(np.float32)
            lines.append((name, along, moved, float(np.sum(reported_gradient * moved[index])), zero))

    # Every setting the measurements may need, asked of one built layer at once: the weights drawn,
    # then each line's four points at each step.
    settings = [weights] + [{i: w + offset * moved[i] for i, w in weights.items()}
                            for _, _, moved, _, _ in lines for offset in line_offsets()]
    outputs = ctx.ask("forward", **probe, assignments_each=[{str(i): w for i, w in setting.items()}
                                                            for setting in settings])["outputs_each"]
    # The loss compares outputs with the targets as the gradients probe does, broadcasting: a layer
    # with the wrong number of units (judged by weight_shapes) is still judged on its gradients.
    arrays = isinstance(outputs, list) and all(isinstance(each, np.ndarray) for each in outputs)
    shapes = {each.shape for each in outputs} if arrays else set()
    if (not arrays or len(outputs) != len(settings) or len(shapes) != 1
            or not broadcasts_to(shapes.pop(), targets.shape)):
        raise CheckFailed(f"outputs of one shape, comparable with {targets.shape}, for each of {len(settings)} "
                          "settings of the weights", "answers of other shapes",
                          "return inputs @ self.kernel + self.bias from call()")
    losses = [float(np.sum((np.asarray(each, np.float64) - targets.astype(np.float64)) ** 2)) for each in outputs]
    if not all(math.isfinite(loss) for loss in losses):
        raise CheckFailed("finite outputs when the weights move a little",
                          f"{sum(not math.isfinite(loss) for loss in losses)} of {len(losses)} settings give "
                          "infinite or NaN outputs", "return inputs @ self.kernel + self.bias from call()")
    here, per_line = losses[0], len(line_offsets())
    for number, (name, along, _, reported, zero) in enumerate(lines):
        at = {round(offset, 12): loss for offset, loss in
              zip(line_offsets(), losses[1 + number * per_line:1 + (number + 1) * per_line])}
        measured = _directional_derivative(lambda offset: at[round(offset, 12)], here, reported)
        if measured is not None and zero:
            raise blocked([name])
        if measured is not None:
            raise CheckFailed(f"a {name} gradient that matches how the loss changes when the {name} moves "
                              f"(a change of {measured:.4g} along {along})",
                              f"the gradient predicts {reported:.4g}",
                              "compute the output with TensorFlow operations on self.kernel and self.bias "
                              "(no NumPy, no stop_gradient, no custom gradient)")
    return "gradients reach the kernel and the bias, and match how the loss changes"


def disagreement(a: float, b: float) -> float:
    """How far apart two directional derivatives are, as a share of what the check allows (<= 1 agrees)."""
    return abs(a - b) / (DIRECTION_RTOL * (abs(a) + abs(b)) + DIRECTION_ATOL)


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def steepest_direction(gradient: np.ndarray) -> np.ndarray:
    """The gradient scaled to the length a random N(0, 1) direction of its size has (about sqrt(n))."""
    unit = gradient / np.max(np.abs(gradient))  # first to at most 1, so the norm cannot overflow
    return unit * (math.sqrt(gradient.size) / float(np.linalg.norm(unit)))


def line_offsets() -> tuple[float, ...]:
    """Where along a direction the loss is measured: two steps each way, at each step size."""
    return tuple(sign * multiple * step for step in DIRECTION_STEPS for sign in (1, -1) for multiple in (1, 2))


def difference_quotients(loss_at, here: float, step: float) -> tuple[float, float, float]:
    """The loss's change along the direction: from ahead, from behind, and the central difference.

    Each is exact for a quadratic on the points it uses: the one-sided ones (second order, on 0,
    step, 2 step each way) sit on one side of 0 only, so one of them is exact next to a kink.
    """
    ahead1, ahead2, behind1, behind2 = (loss_at(s) for s in (step, 2 * step, -step, -2 * step))
    ahead = (4 * ahead1 - ahead2 - 3 * here) / (2 * step)
    behind = (3 * here - 4 * behind1 + behind2) / (2 * step)
    return ahead, behind, (ahead1 - behind1) / (2 * step)


def one_quadratic(ahead: float, behind: float, central: float) -> float:
    """How far the three quotients are from agreeing, as a share of the tolerance (<= 1 agrees).

    All three are exact for one quadratic on [-2 step, 2 step], so they agree there; a kink
    inside spoils at least one of them.
    """
    return max(disagreement(ahead, behind), disagreement(ahead, central), disagreement(behind, central))


def _directional_derivative(loss_at, here: float, reported: float) -> float | None:
    """None when ``reported`` is how the loss changes along the direction; else the measured change.

    Where the three quotients agree, the loss is one quadratic across the steps (no kink), and the
    central difference is the change. Where they disagree, a kink of the layer's function (a
    ReLU's, say) lies within two steps of 0, and a true gradient is one side's derivative: it must
    match one of the one-sided quotients, or the step shrinks. A gradient is failed only when two
    steps in a row measure one change it does not match, or when the loss does not move even at
    the largest step (then the change is 0). A loss that stops moving at a smaller step (below the
    precision a float16 layer computes in) or kinks at every step leave it the benefit of the doubt.
    """
    suspected = None
    for step in DIRECTION_STEPS:
        ahead, behind, central = difference_quotients(loss_at, here, step)
        if ahead == behind == central == 0.0:
            if step != DIRECTION_STEPS[0]:
                return None  # below the precision the layer computes in: no measurement
            return None if disagreement(reported, 0.0) <= 1.0 else 0.0  # no step smaller will move it
        if one_quadratic(ahead, behind, central) <= 1.0:
            if disagreement(reported, central) <= 1.0:
                return None
            if suspected is not None and disagreement(suspected, central) <= 1.0:
                return central
            suspected = central
        elif min(disagreement(reported, q) for q in (ahead, behind)) <= 1.0:
            return None
    return None


@REGISTRY.check("learns_other_lines", "training", 2)
def check_learns_other_lines(ctx) -> str:
    """Trained on a line and points drawn for this run, the layer's own weights learn it."""
    slope = float(ctx.rng.choice([-1.0, 1.0]) * ctx.rng.uniform(0.5, 4.0))
    intercept = float(ctx.rng.uniform(-3.0, 3.0))
    xs = np.sort(ctx.rng.uniform(-2.0, 5.0, size=(int(ctx.rng.integers(5, 11)), 1)), axis=0).astype(np.float32)
    ys = (slope * xs + intercept).astype(np.float32)
    points = np.array([ctx.rng.uniform(-60.0, -40.0), ctx.rng.uniform(40.0, 60.0), *ctx.rng.uniform(-10.0, 20.0, 2)],
                      np.float32).reshape(-1, 1)
    figures = train_and_compare(ctx, xs, ys, points, f"on y = {slope:.3f}x {'+-'[intercept < 0]} {abs(intercept):.3f}")
    return f"kernel {figures['w']:.4f}, bias {figures['b']:.4f}, as gradient descent gives"

"""The judge's loop, with a subject in memory: gates, budgets, and how each probe's end is typed."""
import pytest

from autograder.judge import Clock, NotRun, Session, StudentError, run_checks
from autograder.registry import CheckFailed, Registry
from autograder.results import Status


class Scripted:
    """A subject that replies from a script: probe name -> reply (or a callable of the arguments)."""

    def __init__(self, replies):
        self.replies, self.asked = replies, []

    def ask(self, probe, args, budget_s):
        self.asked.append((probe, budget_s))
        reply = self.replies[probe]
        return reply(args) if callable(reply) else reply


def lab_with(toy, *functions):
    registry = Registry(("works",))
    for name, function, gate in functions:
        registry.check(name, "works", 1, gate=gate)(function)
    return list(registry)


def test_a_failed_gate_stops_the_other_checks_with_its_message(toy):
    def gate(ctx):
        """The entry is the student's own."""
        raise CheckFailed("your own layer", "Keras's Dense", "write it yourself")

    checks = lab_with(toy, ("other", lambda ctx: ctx.ask("call", a=1, b=2) and "fine", False), ("gate", gate, True))
    subject = Scripted({"call": {"answer": {"result": 3}}})
    results = run_checks(checks, Session(toy, subject, seed=1))
    assert [r.status for r in results] == [Status.NOT_RUN, Status.FAILED]
    assert results[0].message == results[1].message and not subject.asked


def test_each_ending_of_a_probe_becomes_a_typed_result(toy):
    subject = Scripted({"raises": {"raised": {"stage": "add()", "type": "NotImplementedError", "message": "stub"}},
                        "loops": {"timeout": {"seconds": 10.0, "methods": ["add"]}},
                        "odd": {"answer": {"result": "not a number"}}})
    checks = lab_with(toy, ("raises", lambda ctx: ctx.ask("raises"), False),
                      ("loops", lambda ctx: ctx.ask("loops"), False),
                      ("odd", lambda ctx: ctx.ask("odd")["result"] + 1, False))
    results = run_checks(checks, Session(toy, subject, seed=1))
    assert [r.status for r in results] == [Status.ERROR, Status.NOT_RUN, Status.ERROR]
    assert "unfinished stub" in results[0].message.found
    assert "add() did not finish within 10 s" == results[1].message.found
    assert "loop in add()" in results[1].message.hint


def test_a_method_that_looped_is_not_called_again_and_overtime_is_shared():
    clock = Clock(probe_s=10.0, overtime_s=4.0)
    assert clock.budget(("build",)) == 10.0
    clock.timed_out(("call",), "in cell 9")
    with pytest.raises(NotRun, match="call\\(\\) did not finish in time in cell 9"):
        clock.budget(("build", "call"))
    assert clock.budget(("build",)) == 4.0
    clock.spent(3.5)
    assert clock.budget(("build",)) == pytest.approx(0.5)
    clock.spent(1.0)
    with pytest.raises(NotRun, match="used up"):
        clock.budget(("build",))


def test_answers_are_cached_per_run_and_errors_too(toy):
    calls = []

    def reply(args):
        calls.append(args)
        return {"raised": {"stage": "add()", "type": "ValueError", "message": "ValueError: no"}}

    session = Session(toy, Scripted({"call": reply}), seed=1)
    for _ in range(2):
        with pytest.raises(StudentError):
            session.ask("call", {"a": 1, "b": 2})
    assert len(calls) == 1


def test_the_same_seed_draws_the_same_numbers_per_check(toy):
    from autograder.judge import rng_for

    assert rng_for(5, "forward").integers(1 << 30) == rng_for(5, "forward").integers(1 << 30)
    assert rng_for(5, "forward").integers(1 << 30) != rng_for(6, "forward").integers(1 << 30)


@pytest.mark.parametrize("error, shown", [
    # Keras 3 wraps an error raised in call(): the cause is the second line, in bold.
    (TypeError("Exception encountered when calling SimpleDense.call().\n\n\x1b[1m'str' object is not callable"
               "\x1b[0m\n\nArguments received by SimpleDense.call():\n  • inputs=tf.Tensor(shape=(1, 2))"),
     "TypeError: 'str' object is not callable"),
    # TensorFlow's graph errors: what went wrong is the last line.
    (ValueError("in user code:\n\n    File \"<cell>\", line 3, in call\n\n    ValueError: shapes differ"),
     "ValueError: ValueError: shapes differ"),
    (ZeroDivisionError("division by zero"), "ZeroDivisionError: division by zero"),
    (SystemExit(3), "SystemExit: sys.exit(3) was called"),
    (KeyError(), "KeyError"),
])
def test_errors_are_described_by_their_cause(error, shown):
    from autograder.probing import describe_error

    assert describe_error(error) == shown

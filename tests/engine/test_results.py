"""The typed results: a message keeps its fields, a grade round-trips, the score is always summed."""
from autograder.results import CellReport, CellStatus, CheckResult, Ending, Grade, Message, Status


def test_message_keeps_its_parts_until_shown():
    message = Message("inputs @ kernel + bias.", "inputs @ kernel", "add the bias")
    assert message.text() == "Expected inputs @ kernel + bias. Found inputs @ kernel. Try: add the bias."
    assert message.parts() == [("Expected", "inputs @ kernel + bias."), ("Found", "inputs @ kernel."),
                               ("Try", "add the bias.")]


def test_a_found_text_with_sentences_stays_whole():
    message = Message("a", "x. Try: y. Found z", "w")
    assert message.parts()[1] == ("Found", "x. Try: y. Found z.")


def test_grade_round_trips_and_sums_its_checks():
    checks = [CheckResult("a", "names", "public", 2, Status.PASSED, note="fine"),
              CheckResult("b", "shapes", "hidden", 3, Status.FAILED, message=Message("e", "f", "h"))]
    grade = Grade("nb.ipynb", "lab", checks, Ending.TIME_LIMIT, "a probe did not finish",
                  [CellReport(4, CellStatus.SYNTAX_ERROR, "SyntaxError: invalid syntax (line 1)", "x = 1 +")],
                  {"keras": "3.15.1"}, 1.5, 300.0, 7)
    assert (grade.score, grade.max_score) == (2.0, 5.0)
    assert grade.error == "time limit: a probe did not finish"
    back = Grade.from_dict(grade.to_dict())
    assert back.to_dict() == grade.to_dict()
    assert back.checks[1].message == Message("e", "f", "h")
    assert grade.cells[0].text() == 'cell 4 ("x = 1 +"): SyntaxError: invalid syntax (line 1), skipped'


def test_not_graded_fails_every_check_with_one_message():
    class Check:
        def __init__(self, name, points):
            self.name, self.category, self.visibility, self.max_points = name, "c", "public", points

    grade = Grade.not_graded("nb", "lab", [Check("a", 1), Check("b", 2)], Ending.NOT_GRADED, "no notebook",
                             Message("a notebook", "none", "submit one"))
    assert grade.score == 0 and grade.max_score == 3
    assert {c.status for c in grade.checks} == {Status.NOT_RUN}
    assert grade.error == "not graded: no notebook"

"""End to end with real nbgrader: generate, autograde the sample class, feedback, export."""

import csv

import pytest
from support import grade_rows, make_course, nbgrader, read_notebook
from tools import samples, scenarios

from convgrade.checks import runner

POINTS = runner.group_points()
AUTO_TOTAL = sum(POINTS.values())


def auto_scores(root, student):
    return {cell: auto for _, cell, auto, _ in grade_rows(root, student)}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The sample class, autograded by real nbgrader in a fresh course folder."""
    root = make_course(tmp_path_factory.mktemp("class") / "course")
    for student, name in samples.SAMPLE_CLASS.items():
        scenarios.write_submission(
            scenarios.load(scenarios.CATALOG_DIR / f"{name}.py"), root, student
        )
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    nbgrader(root, "autograde", "convolutions", "--force")
    nbgrader(root, "generate_feedback", "convolutions", "--force")
    nbgrader(root, "export", "--to", "grades.csv")
    return root


@pytest.mark.e2e
def test_complete_submission_gets_full_marks(graded_class):
    scores = auto_scores(graded_class, "complete")
    assert {k: v for k, v in scores.items() if k in POINTS} == POINTS
    assert scores["edge_explanation"] is None, "the written answer waits for a human grader"


@pytest.mark.e2e
def test_untouched_release_gets_zero(graded_class):
    assert set(auto_scores(graded_class, "untouched").values()) == {0.0}


@pytest.mark.e2e
def test_half_done_loses_exactly_the_unwritten_parts(graded_class):
    scores = auto_scores(graded_class, "half-done")
    lost = {k for k in POINTS if scores[k] < POINTS[k]}
    assert lost == {"check_to_uint8", "check_convolve_color"}


@pytest.mark.e2e
@pytest.mark.parametrize("student", ["flipped-kernel", "uint8-wraparound"])
def test_buggy_samples_lose_the_expected_cells(graded_class, student):
    scenario = scenarios.load(scenarios.CATALOG_DIR / f"{samples.SAMPLE_CLASS[student]}.py")
    scores = auto_scores(graded_class, student)
    for expectation in scenario.expect:
        if expectation.startswith("loses="):
            cell = expectation.split("=", 1)[1]
            assert scores[cell] < POINTS[cell], f"{student} should lose points on {cell}"
    assert 0 < sum(scores[k] for k in POINTS) < AUTO_TOTAL


@pytest.mark.e2e
def test_grades_csv_lists_every_student(graded_class):
    with open(graded_class / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(samples.SAMPLE_CLASS)
    assert float(rows["complete"]["score"]) == AUTO_TOTAL
    assert float(rows["untouched"]["score"]) == 0.0


@pytest.mark.e2e
def test_feedback_shows_the_students_pictures_drawn_in_the_sandbox(graded_class):
    """The sandboxed kernel draws inline figures: feedback shows the gallery and the colour
    pictures (the lesson's three illustrations are skipped while grading)."""
    notebook = read_notebook(
        graded_class / "autograded" / "complete" / "convolutions" / "convolutions.ipynb"
    )
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert images == 2


@pytest.mark.e2e
def test_feedback_names_the_mistake_and_shows_a_picture(graded_class):
    page = (
        graded_class / "feedback" / "uint8-wraparound" / "convolutions" / "convolutions.html"
    ).read_text()
    assert "Likely mistake: uint8 wrap-around" in page
    assert 'alt="expected, yours and their difference"' in page
    for secret in ("tests/hidden", "astronaut", "expect_convolution", "Traceback (most recent"):
        assert secret not in page, f"feedback reveals {secret!r}"

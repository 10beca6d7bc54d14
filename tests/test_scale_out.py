"""Scale-out and feedback made by the workers.

A small mixed class (correct, faulty, hanging, crashing) is graded, feedback included, by
local worker processes and by a Dask LocalCluster of two worker processes: the gradebook
rows must be the same, and the pages the workers made must be the pages nbgrader's own
`generate_feedback` makes from the coordinator's gradebook.
"""

import pytest
from nbgrader.api import Gradebook
from support import FAST_LIMITS, make_course, nbgrader
from tools import scenarios

from convgrade.batch.scale_out import cluster_throughput
from convgrade.batch.scheduler import grade_class
from convgrade.feedback.writer import write_feedback

ASSIGNMENT = "convolutions"
MIXED = {
    "correct": "correct/instructor_solution",
    "faulty": "faulty/flipped_kernel",
    "hanging": "hostile/infinite_loop_top_level",
    "crashing": "hostile/hard_exit",
}


def build_course(root):
    make_course(root)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + FAST_LIMITS)  # the hang costs 8 s, not minutes
    for student, name in MIXED.items():
        scenario = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenarios.write_submission(scenario, root, student)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def rows(root):
    """Every grade and comment row of every submission, without row ids."""
    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            found[submission.student.id] = (
                sorted(
                    (g.name, g.auto_score, g.manual_score, g.needs_manual_grade)
                    for nb in submission.notebooks
                    for g in nb.grades
                ),
                sorted(
                    (c.name, c.auto_comment) for nb in submission.notebooks for c in nb.comments
                ),
            )
    return found


def pages(root):
    return {
        student: (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        for student in MIXED
    }


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    root = build_course(tmp_path_factory.mktemp("local") / "course")
    report = grade_class(root, jobs=2, progress=False, feedback=True)
    assert report.failed == {} and report.no_feedback == {}
    assert sorted(report.graded) == sorted(MIXED)
    assert report.feedback_here == [], "every page should come from a worker"
    # Each grading process reports its peak memory, for `make bench` to show it stays flat.
    assert report.worker_memory and all(mib > 20 for mib in report.worker_memory.values())
    return root


@pytest.mark.e2e
def test_worker_pages_are_the_pages_generate_feedback_makes(local):
    made_by_workers = pages(local)
    assert write_feedback(local, ASSIGNMENT, list(MIXED)) == {}  # nbgrader's API, here
    assert pages(local) == made_by_workers


@pytest.mark.e2e
def test_dask_cluster_grades_the_mixed_class_like_local_processes(local, tmp_path):
    root = build_course(tmp_path / "course")
    throughput, report = cluster_throughput(root, ASSIGNMENT, workers=2)
    assert report.failed == {} and report.no_feedback == {} and report.feedback_here == []
    assert sorted(report.graded) == sorted(MIXED)
    assert rows(root) == rows(local)
    assert throughput.graded == len(MIXED) and throughput.per_minute > 0
    assert {s: bool(page) for s, page in pages(root).items()} == dict.fromkeys(MIXED, True)

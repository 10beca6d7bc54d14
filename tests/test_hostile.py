"""Hostile submissions through real `nbgrader autograde`: no trick earns a point, nothing leaks.

Two honest bystanders are graded first. Then every scenario in tests/catalog/hostile/ is
graded in one batch, and we check that the batch finished, that no hostile student gained
credit, that the bystanders' gradebook rows are untouched, that no file outside the
hostile students' own autograded folders changed, and that each problem was recorded.
"""

import hashlib
import re
import time

import pytest
from support import REPO, grade_rows, make_course, nbgrader, read_notebook

from convgrade import checks, report, scenarios

HOSTILE = scenarios.catalog("hostile")
BYSTANDERS = {
    "bystander-complete": "correct/instructor_solution",
    "bystander-flipped": "faulty/flipped_kernel",
}
POINTS = checks.group_points()
# Shorter limits than the course's, so the hangs in the catalog cost less test time.
FAST_LIMITS = """
c.Execute.timeout = 8
c.HiddenChecks.call_timeout = 3.0
c.HiddenChecks.budget = 30.0
c.HiddenChecks.load_timeout = 8.0
"""
# Files whose damage would matter beyond this test: the real course's gradebook and source.
REAL_COURSE_FILES = [
    REPO / "gradebook.db",
    REPO / "source" / "convolutions" / "convolutions.ipynb",
    REPO / "tests" / "hidden" / "data" / "cases.npz",
]


def fingerprint(paths):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def course_files(root):
    """Everything in the course except what grading the hostile students may write."""
    skip = ("autograded", "feedback")
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != "gradebook.db" and p.relative_to(root).parts[0] not in skip
    ]


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root = make_course(base / "course")
    (root / "nbgrader_config.py").write_text(
        (root / "nbgrader_config.py").read_text() + FAST_LIMITS
    )
    canary = base / "canary"
    canary.mkdir()
    (canary / "gradebook.db").write_bytes(b"not to be touched")
    (canary / "notes.ipynb").write_text("{}")
    for student, name in BYSTANDERS.items():
        scenarios.write_submission(
            scenarios.load(scenarios.CATALOG_DIR / f"{name}.py"), root, student
        )
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    nbgrader(root, "autograde", "convolutions")
    before = {student: grade_rows(root, student) for student in BYSTANDERS}
    files_before = fingerprint(course_files(root) + list(canary.iterdir()) + REAL_COURSE_FILES)
    for scenario in HOSTILE:
        scenarios.write_submission(scenario, root, scenario.name)
    started = time.monotonic()
    run = nbgrader(root, "autograde", "convolutions", check=False, timeout=1800)
    return {
        "root": root,
        "run": run,
        "seconds": time.monotonic() - started,
        "bystanders_before": before,
        "files_before": files_before,
        "files_after": fingerprint(course_files(root) + list(canary.iterdir()) + REAL_COURSE_FILES),
    }


@pytest.mark.e2e
def test_batch_finishes_normally(hostile_class):
    run = hostile_class["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "There was an error processing assignment" not in run.stderr


@pytest.mark.e2e
def test_catalog_is_big_enough():
    assert len(HOSTILE) >= 15


@pytest.mark.e2e
@pytest.mark.parametrize("scenario", HOSTILE, ids=lambda s: s.name)
def test_no_trick_earns_a_point(hostile_class, scenario):
    scores = dict(
        (cell, auto)
        for _, cell, auto, _ in grade_rows(hostile_class["root"], scenario.name)
        if cell in POINTS
    )
    assert set(scores) == set(POINTS), "every graded cell must have a row"
    if "zero" in scenario.expect:
        assert set(scores.values()) == {0.0}, scenario.description
    if scenario.expects_full_marks:
        assert scores == POINTS, scenario.description
    if scenario.misconceptions:
        notebook = read_notebook(
            hostile_class["root"]
            / "autograded"
            / scenario.name
            / "convolutions"
            / "convolutions.ipynb"
        )
        named = {
            c["misconception"]
            for cell in notebook.cells
            for c in cell.metadata.get("convgrade", {}).get("checks", [])
        }
        assert set(scenario.misconceptions) <= named


@pytest.mark.e2e
def test_bystanders_rows_are_unchanged(hostile_class):
    for student, rows in hostile_class["bystanders_before"].items():
        assert grade_rows(hostile_class["root"], student) == rows


@pytest.mark.e2e
def test_no_file_outside_the_scratch_space_changed(hostile_class):
    before, after = hostile_class["files_before"], hostile_class["files_after"]
    changed = {path for path in before if before[path] != after.get(path)}
    assert changed == set()


@pytest.mark.e2e
def test_outputs_and_feedback_stay_small(hostile_class):
    root = hostile_class["root"]
    nbgrader(root, "generate_feedback", "convolutions", "--force")
    for scenario in HOSTILE:
        for path in [
            root / "autograded" / scenario.name / "convolutions" / "convolutions.ipynb",
            root / "feedback" / scenario.name / "convolutions" / "convolutions.html",
        ]:
            assert path.stat().st_size < 12 << 20, f"{path} is too large"


@pytest.mark.e2e
def test_feedback_carries_no_script_or_secret(hostile_class):
    root = hostile_class["root"]
    nbgrader(root, "generate_feedback", "convolutions", "--force", "--student", "script_injection")
    page = (
        root / "feedback" / "script_injection" / "convolutions" / "convolutions.html"
    ).read_text()
    # Escaped source code may mention them; live tags and handlers must not exist.
    assert "<script>fetch" not in page and "<script>document" not in page
    assert not re.search(r"<[a-z]+[^<>]*\son(error|mouseover)=", page)
    notebook = root / "autograded" / "read_secrets" / "convolutions" / "convolutions.ipynb"
    text = notebook.read_text()
    assert "expect_convolution" not in text and "BEGIN SOLUTION" not in text


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name, reason",
    [
        ("not_json", "unreadable file"),
        ("empty_file", "unreadable file"),
        ("binary_garbage", "unreadable file"),
        ("json_not_notebook", "unreadable file"),
        ("deleted_test_cells", "repaired"),
        ("stripped_metadata", "repaired"),
        ("flipped_cell_types", "repaired"),
        ("test_cell_made_solution", "repaired"),
        ("edited_test_cell", "repaired"),
        ("hard_exit", "crashed"),
        ("segfault", "crashed"),
        ("loop_ignores_interrupt", "timed out"),
        ("infinite_loop_top_level", "could not be loaded"),
        ("output_flood", "output truncated"),
        ("forbidden_obfuscated", "forbidden"),
    ],
)
def test_each_problem_is_recorded_with_a_reason(hostile_class, name, reason):
    found = report.problems(hostile_class["root"] / "autograded")
    assert any(reason in line for line in found.get(name, [])), found.get(name)

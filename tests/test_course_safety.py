"""Does any instructor command destroy student data: a submission, a TA's score or comment?"""

import hashlib
import shutil

import pytest
from graded_sample import copy_graded_sample
from nbgrader.api import Gradebook
from support import HIDDEN, convgrade, nbgrader
from tools import samples, scenarios

ASSIGNMENT = notebook = "convolutions"
# What a TA entered in the formgrader, through the same Gradebook API it saves with.
TA_WORK = {
    # (student, cell): (manual score, manual comment)
    ("complete", "edge_explanation"): (1.5, "Right idea; say why the kernel sums to zero."),
    ("half-done", "edge_explanation"): (0.0, "No answer yet: see the lecture notes."),
}


def digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def ta_work(root):
    """{(student, cell): (manual score, manual comment)} as the gradebook holds them."""
    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student, cell in TA_WORK:
            grade = gradebook.find_grade(cell, notebook, ASSIGNMENT, student)
            comment = gradebook.find_comment(cell, notebook, ASSIGNMENT, student)
            found[(student, cell)] = (grade.manual_score, comment.manual_comment)
    return found


def enter_ta_work(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for (student, cell), (score, text) in TA_WORK.items():
            gradebook.find_grade(cell, notebook, ASSIGNMENT, student).manual_score = score
            gradebook.find_comment(cell, notebook, ASSIGNMENT, student).manual_comment = text
        gradebook.db.commit()


# ---- make samples ---------------------------------------------------------------------------
def sample_course(root):
    for student, name in samples.SAMPLE_CLASS.items():
        scenario = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenarios.write_submission(scenario, root, student)
    return root


def test_make_samples_refuses_when_someone_else_submitted(tmp_path, capsys):
    """A real student, a stray file and a renamed folder in submitted/: `make samples` names
    them, says how to proceed, exits non-zero, and deletes nothing, samples included."""
    root = sample_course(tmp_path)
    submitted = root / "submitted"
    (submitted / "ana-real" / ASSIGNMENT).mkdir(parents=True)
    (submitted / "ana-real" / ASSIGNMENT / "convolutions.ipynb").write_text("{}")
    (submitted / "notes.txt").write_text("grading notes")
    (submitted / "complete").rename(submitted / "complete (copy)")
    before = digest(submitted)

    assert samples.main(root) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "3 entries that are not sample students: ana-real, complete (copy), notes.txt" in error
    assert "Nothing was deleted" in error and "move those folders out of submitted/" in error
    assert digest(submitted) == before


def test_make_samples_rebuilds_only_the_sample_students(tmp_path, capsys):
    root = sample_course(tmp_path)
    edited = root / "submitted" / "complete" / ASSIGNMENT / "convolutions.ipynb"
    edited.write_text("{}")
    (root / "submitted" / "untouched" / ASSIGNMENT / "extra.txt").write_text("left over")
    assert samples.main(root) == 0
    assert "wrote submitted/ for: complete" in capsys.readouterr().out
    assert edited.read_bytes() == scenarios.build(
        scenarios.load(scenarios.CATALOG_DIR / f"{samples.SAMPLE_CLASS['complete']}.py")
    )
    assert not (root / "submitted" / "untouched" / ASSIGNMENT / "extra.txt").exists()
    assert {p.name for p in (root / "submitted").iterdir()} == set(samples.SAMPLE_CLASS)


# ---- every other command that rewrites things ----------------------------------------------
STEPS = {
    # `make` target: the command it runs
    "FORCE=1 make grade": ("convgrade", "grade", ASSIGNMENT, "-j", "2", "--force"),
    "make grade": ("convgrade", "grade", ASSIGNMENT, "-j", "2"),  # all unchanged: skipped
    "make autograde": ("nbgrader", "autograde", ASSIGNMENT, "--force"),
    "make feedback": ("nbgrader", "generate_feedback", ASSIGNMENT, "--force"),
    "make grades": ("nbgrader", "export", "--to", "grades.csv"),
    "make release": ("nbgrader", "generate_assignment", ASSIGNMENT, "--force"),
    "make report": ("convgrade", "report"),
}


@pytest.mark.e2e
def test_ta_scores_comments_and_submissions_survive_every_command(tmp_path):
    """A TA's scores and comments (set through nbgrader's Gradebook API, as the formgrader
    saves them) and every submitted file are unchanged after each command that regrades,
    regenerates or rewrites; regrading keeps the TA's score counted in the total."""
    root = copy_graded_sample(tmp_path / "course")
    shutil.copytree(HIDDEN, root / "tests" / "hidden")
    enter_ta_work(root)
    submitted = digest(root / "submitted")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        total = gradebook.find_submission(ASSIGNMENT, "complete").score

    for step, (tool, *args) in STEPS.items():
        if tool == "convgrade":
            run = convgrade(root, *args)
            assert run.returncode == 0, f"{step}:\n{run.stdout}\n{run.stderr}"
        else:
            nbgrader(root, *args)
        assert ta_work(root) == TA_WORK, f"{step} changed a TA's score or comment"
        assert digest(root / "submitted") == submitted, f"{step} changed a submission"
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            assert gradebook.find_submission(ASSIGNMENT, "complete").score == total, step

    # The feedback a student reads carries the TA's comment.
    page = root / "feedback" / "complete" / ASSIGNMENT / "convolutions.html"
    assert "say why the kernel sums to zero" in page.read_text()

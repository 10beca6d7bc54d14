"""Write feedback HTML with nbgrader's own GenerateFeedback, in this process."""

from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .grading import load_config


def write_feedback(root, assignment, students):
    """`nbgrader generate_feedback` for these students; returns {student: error} for failures."""
    root = Path(root).resolve()
    config = load_config(root)
    coursedir = CourseDirectory(config=config, root=str(root))
    api = NbGraderAPI(coursedir=coursedir, config=config)
    everyone = {p.parent.name for p in (root / "autograded").glob(f"*/{assignment}")}
    batches = [None] if set(students) >= everyone else sorted(students)
    errors = {}
    for student in batches:
        result = api.generate_feedback(assignment, student_id=student, force=True)
        if not result.get("success"):
            errors[student or "*"] = result.get("error", "unknown error")
    return errors

"""Write feedback HTML with nbgrader's own GenerateFeedback, in this process.

The pages are made by the course's ``c.GenerateFeedback.exporter_class``, which must be
convgrade.feedback.safe_html.SafeFeedbackExporter (body cleaned with nh3), as for
`nbgrader generate_feedback`; feedback is refused with any other exporter.
"""

from pathlib import Path

from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from convgrade.batch.submission_grader import load_config
from convgrade.feedback.safe_html import SafeFeedbackExporter


class UnsafeFeedbackConfig(RuntimeError):
    """The course config would write feedback pages without cleaning them."""


def write_feedback(root, assignment, students):
    """`nbgrader generate_feedback` for these students; returns {student: error} for failures."""
    root = Path(root).resolve()
    config = load_config(root)
    exporter = config.GenerateFeedback.get("exporter_class")
    if not (isinstance(exporter, type) and issubclass(exporter, SafeFeedbackExporter)):
        raise UnsafeFeedbackConfig(
            "nbgrader_config.py must set c.GenerateFeedback.exporter_class = "
            f"SafeFeedbackExporter (found {exporter!r}): feedback pages would show "
            "submissions' HTML uncleaned"
        )
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

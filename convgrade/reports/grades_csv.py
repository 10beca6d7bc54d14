"""grades.csv as `nbgrader export --to grades.csv` writes it, quoted and safe in a spreadsheet."""

import csv
import logging
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.exportapp import ExportApp
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin

from convgrade.plain_text import plain, spreadsheet_cell

# nbgrader's grades.csv columns, in its order, so that scripts reading it keep working.
COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
)


def write_csv(destination, rows):
    """Write `rows` as UTF-8 CSV: quoted where needed, every cell through spreadsheet_cell().

    Every CSV the project writes (grades.csv, the LMS exports) is written here.

    Parameters
    ----------
    destination : str or Path
    rows : iterable of sequences of str, int, float or None
    """
    with open(destination, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([spreadsheet_cell(value) for value in row])


def _text(value):
    """A gradebook value as nbgrader's CSV holds it: None empty, numbers kept as numbers."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)  # dates


class GradesCsvExport(CsvExportPlugin):
    """nbgrader's CSV export (the same columns, rows and values) written by write_csv(), so a
    comma, quote or newline in a name is quoted and a cell such as ``=HYPERLINK(...)`` is
    text. Use it as ``c.ExportApp.plugin_class`` or ``nbgrader export --exporter=...``."""

    def rows(self, gradebook):
        """The header, then one row per assignment and student, as nbgrader's export has them:
        a student without a submission scores 0."""
        students = [str(s) for s in self.student]
        assignments = [str(a) for a in self.assignment]
        yield COLUMNS
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    timestamp, raw, penalty = None, 0.0, 0.0
                else:
                    timestamp = submission.timestamp
                    raw, penalty = submission.score, submission.late_submission_penalty
                values = (
                    assignment.name,
                    assignment.duedate,
                    timestamp,
                    student.id,
                    student.last_name,
                    student.first_name,
                    student.email,
                    raw,
                    penalty,
                    max(0.0, raw - penalty),
                    assignment.max_score,
                )
                yield [_text(value) for value in values]

    def export(self, gradebook):
        destination = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", plain(destination))
        write_csv(destination, self.rows(gradebook))


def write_grades_csv(root, name="grades.csv"):
    """Run `nbgrader export --to NAME` in the course `root`, in this process: the course's
    export plugin (c.ExportApp.plugin_class; nbgrader's default CSV plugin is replaced by
    GradesCsvExport) over the whole gradebook, with the configuration nbgrader would load
    there. `convgrade grade` has nbgrader imported already; a fresh `nbgrader export` would
    spend about 3 s of CPU importing it again. Returns the path written."""
    from convgrade.batch.submission_grader import load_config

    root = Path(root).resolve()
    config = load_config(root)
    config.ExportPlugin.to = str(root / name)
    # Quiet, as `convgrade grade` kept `nbgrader export`'s "Exporting grades to ..." line.
    app = ExportApp(config=config, log_level=logging.WARNING)
    coursedir = CourseDirectory(config=config, root=str(root))
    plugin_class = GradesCsvExport if app.plugin_class is CsvExportPlugin else app.plugin_class
    plugin = plugin_class(parent=app)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        plugin.export(gradebook)
    return root / name

"""Grades an LMS imports: `nbgrader export` plugins writing Canvas and Moodle CSV files.

Use them with nbgrader's own plugin mechanism::

    nbgrader export --exporter=convgrade.reports.lms.CanvasExport --to exports/canvas.csv
    nbgrader export --exporter=convgrade.reports.lms.MoodleExport --to exports/moodle.csv

Students are matched by their id in ``submitted/`` (the gradebook's student id). A roster
CSV (``--LmsExport.roster=roster.csv``) maps each id to the LMS's identity for them: a
``student_id`` column and any of ``name``, ``canvas_id``, ``sis_user_id``, ``sis_login_id``,
``section`` (Canvas) and ``email``, ``idnumber``, ``username`` (Moodle). When a roster is
given, every graded student must be in it; otherwise nothing is written and the missing ids
are named.

Formats followed:

- Canvas, "How do I import grades in the Gradebook?" (Canvas Instructor Guide; summarised
  at https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
  the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` come
  first, then one column per assignment named as in Canvas; Canvas's own export adds a
  ``Points Possible`` row under the header, with ``(read only)`` under the columns it does
  not import.
- Moodle, "Import grades", CSV file (https://docs.moodle.org/en/Import_grades): a column
  that identifies the user (mapped from email address, ID number, username or user id),
  and one column per grade item, mapped when importing.

Both are UTF-8 with a header row; fields with commas or quotes are quoted, quotes doubled.
"""

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Enum, Unicode

from convgrade.reports.results import notebook_result

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ROSTER_KEY = "student_id"
ROSTER_COLUMNS = frozenset(
    {"name", "canvas_id", "sis_user_id", "sis_login_id", "section", "email", "idnumber", "username"}
)
MOODLE_IDENTIFIERS = {"email": "Email address", "idnumber": "ID number", "username": "Username"}
# A spreadsheet opening the file would run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportRefused(Exception):
    """The grades cannot be exported as asked; the message says why in one line."""


@dataclass
class GradeRow:
    """One student's grades for the assignments exported."""

    student: str
    identity: dict  # roster or gradebook fields: name, email, canvas_id...
    scores: dict = field(default_factory=dict)  # assignment -> points, or None (no submission)
    tasks: dict = field(default_factory=dict)  # (assignment, task title) -> points
    awaiting: float = 0.0  # points still waiting for a TA


def points(value):
    """A grade as the CSV holds it: a plain decimal number, or empty for no submission.

    Examples
    --------
    >>> points(14.2), points(24.0), points(None)
    ('14.2', '24', '')
    """
    return "" if value is None else f"{round(value, 2):g}"


def inert(text):
    """A name a spreadsheet shows as text, never runs as a formula.

    Examples
    --------
    >>> inert("=HYPERLINK(1)"), inert("Ng, Ada")
    ("'=HYPERLINK(1)", 'Ng, Ada')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def read_roster(path):
    """student id -> {column: value} from a roster CSV with a ``student_id`` column.

    Raises
    ------
    ExportRefused
        Without a student_id column, with an unknown column, or with an id twice.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if ROSTER_KEY not in columns:
            raise ExportRefused(
                f"roster {path} has no {ROSTER_KEY} column (found: {', '.join(columns) or 'none'})"
            )
        unknown = sorted(set(columns) - ROSTER_COLUMNS - {ROSTER_KEY})
        if unknown:
            raise ExportRefused(
                f"roster {path} has unknown columns {', '.join(unknown)}; "
                f"known: {', '.join(sorted(ROSTER_COLUMNS))}"
            )
        roster = {}
        for line in reader:
            entry = {k.strip(): (v or "").strip() for k, v in line.items() if k}
            student = entry.pop(ROSTER_KEY)
            if student in roster:
                raise ExportRefused(f"roster {path} lists student {student!r} twice")
            roster[student] = entry
    return roster


class LmsExport(ExportPlugin):
    """What the Canvas and Moodle exports share: who is exported, matched how, with which grades."""

    roster = Unicode(
        "",
        help="CSV mapping student ids (the folder names in submitted/) to LMS identities: a "
        "student_id column and any of name, canvas_id, sis_user_id, sis_login_id, section, "
        "email, idnumber, username. Relative to the course folder. Empty: use the gradebook.",
    ).tag(config=True)

    task_columns = Bool(
        True,
        help="Add one column per task of each assignment (points in that task), after the "
        "grade columns, for the instructor's own records.",
    ).tag(config=True)

    default_file = "grades.csv"

    def _root(self):
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(coursedir.root) if coursedir is not None else Path.cwd()

    def _assignments(self, gradebook):
        names = [a.name for a in gradebook.assignments]
        wanted = [str(a) for a in self.assignment] or names
        unknown = [a for a in wanted if a not in names]
        if unknown:
            raise ExportRefused(
                f"no assignment {', '.join(unknown)} in the gradebook "
                f"(found: {', '.join(names) or 'none'})"
            )
        return wanted

    def grade_rows(self, gradebook):
        """(assignments, {assignment: [task titles with maxima]}, GradeRows) to export."""
        root = self._root()
        assignments = self._assignments(gradebook)
        roster = read_roster(root / self.roster) if self.roster else None
        students = {s.id: s for s in gradebook.students}
        wanted = [str(s) for s in self.student] or sorted(students)
        graded = {
            s.student.id for a in assignments for s in gradebook.assignment_submissions(a)
        } & set(wanted)
        if roster is not None:
            missing = sorted(graded - set(roster))
            if missing:
                raise ExportRefused(
                    f"{len(missing)} graded student(s) not in roster {self.roster}: "
                    f"{', '.join(missing)}. Add a row for each (column {ROSTER_KEY}) and "
                    "export again; nothing was written"
                )
            # Everyone on the roster gets a row, so the LMS sees who did not submit.
            wanted = sorted(set(wanted) | (set(roster) if not self.student else set()))
        tasks, rows = {}, []
        for student in wanted:
            row = GradeRow(student, self._identity(students.get(student), student, roster))
            for assignment in assignments:
                self._add_grades(gradebook, root, assignment, row, tasks)
            rows.append(row)
        return assignments, tasks, rows

    @staticmethod
    def _identity(student, student_id, roster):
        if roster is not None:
            return dict(roster.get(student_id, {}))
        identity = {"sis_login_id": student_id, "username": student_id}
        if student is not None:
            name = ", ".join(n for n in (student.last_name, student.first_name) if n)
            identity.update(
                name=name, email=student.email or "", canvas_id=student.lms_user_id or ""
            )
        return identity

    @staticmethod
    def _add_grades(gradebook, root, assignment, row, tasks):
        try:
            submission = gradebook.find_submission(assignment, row.student)
        except MissingEntry:
            row.scores[assignment] = None
            return
        row.scores[assignment] = max(0.0, submission.score - submission.late_submission_penalty)
        maxima = tasks.setdefault(assignment, {})
        for notebook in submission.notebooks:
            result = notebook_result(gradebook, root, assignment, notebook.name, row.student)
            row.awaiting += result.awaiting
            for task in result.tasks:
                key = (assignment, task.title)
                if task.awaiting == task.max_score:  # no one has graded it: no number yet
                    row.tasks.setdefault(key, None)
                else:
                    row.tasks[key] = (row.tasks.get(key) or 0.0) + task.score
                maxima[task.title] = maxima.get(task.title, 0.0) + task.max_score

    def export(self, gradebook):
        destination = Path(self.to or self.default_file)
        try:
            assignments, tasks, rows = self.grade_rows(gradebook)
            table = self.table(gradebook, assignments, tasks, rows)
        except ExportRefused as refusal:
            self.log.error("%s", refusal)
            sys.exit(1)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with open(destination, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
        self.log.info("Wrote %d students to %s", len(rows), destination)
        waiting = [row.student for row in rows if row.awaiting]
        if waiting:
            self.log.warning(
                "%d student(s) have answers awaiting a TA; their grades may still rise: %s",
                len(waiting),
                ", ".join(waiting),
            )
        absent = [row.student for row in rows if None in row.scores.values()]
        if absent:
            self.log.warning("No submission (grade left empty): %s", ", ".join(absent))

    def _task_headers(self, assignments, tasks):
        if not self.task_columns:
            return []
        return [(a, title) for a in assignments for title in tasks.get(a, {})]

    def table(self, gradebook, assignments, tasks, rows):
        """The CSV's rows, header first (implemented by each LMS's export)."""
        raise NotImplementedError


class CanvasExport(LmsExport):
    """A Canvas gradebook import CSV: Canvas's identity columns, then one column per assignment.

    Canvas matches a row by ID, SIS User ID or SIS Login ID. Without a roster, the
    gradebook's ``lms_user_id`` fills ID and the submitted/ id fills SIS Login ID.
    """

    assignment_column = Unicode(
        "",
        help="The assignment's column header as Canvas names it (e.g. 'Convolutions (1234)'); "
        "empty: the nbgrader assignment name. Only with one assignment exported.",
    ).tag(config=True)

    default_file = "canvas_grades.csv"

    def table(self, gradebook, assignments, tasks, rows):
        if self.assignment_column and len(assignments) != 1:
            raise ExportRefused("CanvasExport.assignment_column names one assignment's column")
        names = [self.assignment_column] if self.assignment_column else assignments
        task_headers = self._task_headers(assignments, tasks)
        header = [*CANVAS_IDENTITY, *names, *(f"{a}: {t}" for a, t in task_headers)]
        maxima = [points(gradebook.find_assignment(a).max_score) for a in assignments]
        # As in Canvas's own export: the maxima, and "(read only)" under columns not imported.
        possible = ["    Points Possible", "", "", "", "", *maxima]
        possible += ["(read only)"] * len(task_headers)
        table = [header, possible]
        unmatched = []
        for row in rows:
            who = row.identity
            ids = [who.get(key, "") for key in ("canvas_id", "sis_user_id", "sis_login_id")]
            if not any(ids):
                unmatched.append(row.student)
            table.append(
                [
                    inert(who.get("name") or row.student),
                    *ids,
                    who.get("section", ""),
                    *(points(row.scores.get(a)) for a in assignments),
                    *(points(row.tasks.get(key)) for key in task_headers),
                ]
            )
        if unmatched:
            raise ExportRefused(
                f"no Canvas ID, SIS User ID or SIS Login ID for: {', '.join(unmatched)}; "
                "give them one in the roster"
            )
        return table


class MoodleExport(LmsExport):
    """A Moodle grade import CSV: a user identifier column, then one column per assignment."""

    identifier = Enum(
        list(MOODLE_IDENTIFIERS),
        default_value="username",
        help="How Moodle finds each student: email (the gradebook's or roster's e-mail), "
        "idnumber (roster) or username (roster, else the submitted/ id). Map this column to "
        "the same field in Moodle's import.",
    ).tag(config=True)

    default_file = "moodle_grades.csv"

    def table(self, gradebook, assignments, tasks, rows):
        task_headers = self._task_headers(assignments, tasks)
        header = [
            MOODLE_IDENTIFIERS[self.identifier],
            *assignments,
            *(f"{a}: {t}" for a, t in task_headers),
        ]
        table, unmatched = [header], []
        for row in rows:
            identity = row.identity.get(self.identifier, "")
            if not identity:
                unmatched.append(row.student)
            table.append(
                [
                    identity,
                    *(points(row.scores.get(a)) for a in assignments),
                    *(points(row.tasks.get(key)) for key in task_headers),
                ]
            )
        if unmatched:
            raise ExportRefused(
                f"no {self.identifier} for: {', '.join(unmatched)}; give them one in the "
                f"roster, or choose another --MoodleExport.identifier"
            )
        return table

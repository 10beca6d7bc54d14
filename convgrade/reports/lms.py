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

Both are UTF-8 with a header row; fields with commas, quotes or line breaks are quoted,
quotes doubled. Every text cell, the identity columns too, is written as
``convgrade.plain_text.spreadsheet_cell`` makes it: one that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR or LF first) starts with ``'``. Such an id no
longer matches the LMS's, so the export names the students it changed.
"""

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Enum, Unicode

from convgrade.plain_text import plain, spreadsheet_cell
from convgrade.reports.grades_csv import write_csv
from convgrade.reports.results import notebook_result

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ROSTER_KEY = "student_id"
ROSTER_COLUMNS = frozenset(
    {"name", "canvas_id", "sis_user_id", "sis_login_id", "section", "email", "idnumber", "username"}
)
MOODLE_IDENTIFIERS = {"email": "Email address", "idnumber": "ID number", "username": "Username"}
# A roster is a class list, not a data dump: larger than this is the wrong file.
ROSTER_MAX_BYTES = 16 * 1024 * 1024


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


def listed(students):
    """Student ids for one log line, each shown as plain text.

    Examples
    --------
    >>> listed(["ada", "eve\\x1b[31m"])
    'ada, eve\\\\x1b[31m'
    """
    return ", ".join(plain(student, 60) for student in students)


def points(value):
    """A grade as the CSV holds it: a plain decimal number, or empty for no submission.

    Examples
    --------
    >>> points(14.2), points(24.0), points(None)
    ('14.2', '24', '')
    """
    return "" if value is None else f"{round(value, 2):g}"


def _roster_text(path):
    """The roster's text, or ExportRefused saying in one line why it cannot be read."""
    name = plain(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(ROSTER_MAX_BYTES + 1)
    except FileNotFoundError:
        raise ExportRefused(f"roster {name}: no such file") from None
    except IsADirectoryError:
        raise ExportRefused(f"roster {name} is a folder, not a CSV file") from None
    except OSError as error:
        raise ExportRefused(f"roster {name} cannot be read: {plain(error.strerror)}") from None
    if len(data) > ROSTER_MAX_BYTES:
        raise ExportRefused(f"roster {name} is over {ROSTER_MAX_BYTES // 2**20} MiB; not a roster")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ExportRefused(
            f'roster {name} line {line} is not UTF-8 (in Excel, save it as "CSV UTF-8")'
        ) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise ExportRefused(
            f"roster {name} line {line} holds a NUL byte (a spreadsheet file, not CSV?)"
        )
    return text


def read_roster(path):
    """student id -> {column: value} from a roster CSV with a ``student_id`` column.

    Raises
    ------
    ExportRefused
        With one line saying what is wrong and where: a file that is missing, a folder, not
        UTF-8 or holds NUL bytes; no student_id column, an unknown or repeated column; a row
        with more fields than the header, an empty student_id, or an id twice.
    """
    name = plain(path)
    reader = csv.DictReader(io.StringIO(_roster_text(path), newline=""))
    try:
        columns = [c.strip() for c in reader.fieldnames or []]
        if ROSTER_KEY not in columns:
            raise ExportRefused(
                f"roster {name} has no {ROSTER_KEY} column "
                f"(found: {plain(', '.join(columns)) or 'none'})"
            )
        unknown = sorted(set(columns) - ROSTER_COLUMNS - {ROSTER_KEY})
        if unknown:
            raise ExportRefused(
                f"roster {name} has unknown columns {plain(', '.join(unknown))}; "
                f"known: {', '.join(sorted(ROSTER_COLUMNS))}"
            )
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            raise ExportRefused(f"roster {name} has the column {plain(', '.join(twice))} twice")
        roster = {}
        for line in reader:
            where = f"roster {name} line {reader.line_num}"
            if None in line:  # DictReader's key for fields past the header's
                raise ExportRefused(
                    f"{where} has {len(columns) + len(line[None])} fields, the header "
                    f"{len(columns)}; quote a value holding a comma"
                )
            entry = {k.strip(): (v or "").strip() for k, v in line.items()}
            student = entry.pop(ROSTER_KEY)
            if not student:
                raise ExportRefused(f"{where} has an empty {ROSTER_KEY}")
            if student in roster:
                raise ExportRefused(f"{where} lists student {plain(student)!r} twice")
            roster[student] = entry
    except csv.Error as error:
        raise ExportRefused(
            f"roster {name} line {reader.line_num} is not CSV: {plain(error)}"
        ) from None
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
                    f"{len(missing)} graded student(s) not in roster {plain(self.roster)}: "
                    f"{listed(missing)}. Add a row for each (column {ROSTER_KEY}) and "
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
            # Ids, names and paths in it are anyone's text: no escape sequence reaches the terminal.
            self.log.error("%s", plain(refusal, limit=None))
            sys.exit(1)
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_csv(destination, table)
        self.log.info("Wrote %d students to %s", len(rows), plain(destination))
        waiting = [row.student for row in rows if row.awaiting]
        if waiting:
            self.log.warning(
                "%d student(s) have answers awaiting a TA; their grades may still rise: %s",
                len(waiting),
                listed(waiting),
            )
        absent = [row.student for row in rows if None in row.scores.values()]
        if absent:
            self.log.warning("No submission (grade left empty): %s", listed(absent))
        changed = [row.student for row in rows if self._neutralised(row)]
        if changed:
            self.log.warning(
                "%d student(s) have an id a spreadsheet would run as a formula, written with a "
                "leading ' so that it cannot; the LMS may not match them: %s",
                len(changed),
                listed(changed),
            )

    def _neutralised(self, row):
        """Whether an id column the LMS matches this row by is changed by spreadsheet_cell()."""
        return any(
            spreadsheet_cell(row.identity.get(key, "")) != row.identity.get(key, "")
            for key in self.matched_by()
        )

    def matched_by(self):
        """The identity fields the LMS matches a row by (implemented by each LMS's export)."""
        raise NotImplementedError

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

    def matched_by(self):
        return ("canvas_id", "sis_user_id", "sis_login_id")

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
            ids = [who.get(key, "") for key in self.matched_by()]
            if not any(ids):
                unmatched.append(row.student)
            table.append(
                [
                    who.get("name") or row.student,
                    *ids,
                    who.get("section", ""),
                    *(points(row.scores.get(a)) for a in assignments),
                    *(points(row.tasks.get(key)) for key in task_headers),
                ]
            )
        if unmatched:
            raise ExportRefused(
                f"no Canvas ID, SIS User ID or SIS Login ID for: {listed(unmatched)}; "
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

    def matched_by(self):
        return (self.identifier,)

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
                f"no {self.identifier} for: {listed(unmatched)}; give them one in the "
                f"roster, or choose another --MoodleExport.identifier"
            )
        return table

"""Canvas and Moodle CSVs from the graded sample class, through `nbgrader export --exporter`.

The formats checked are the published ones (see convgrade/reports/lms.py): Canvas's grade
import starts with Student, ID, SIS User ID, SIS Login ID, Section and then one column per
assignment; Moodle's CSV grade import needs one column identifying the user (email, ID
number or username) and one column per grade item. Scores are checked against nbgrader's own
CSV export of the same gradebook.
"""

import csv
import doctest
import logging
import shutil

import pytest
from graded_sample import copy_graded_sample
from nbgrader.api import Gradebook
from support import nbgrader
from test_grades_csv import HOSTILE, only_quotes_added, runs_as_formula

from convgrade import plain_text
from convgrade.reports import lms

ASSIGNMENT = "convolutions"
CANVAS = "convgrade.reports.lms.CanvasExport"
MOODLE = "convgrade.reports.lms.MoodleExport"
TASK_TITLES = [
    "1. The sliding window",
    "2. The kernel decides what happens",
    "3. From numbers back to pixels",
    "4. The gallery: one loop, many effects",
    "5. Colour",
    "6. Why does the edge kernel find edges?",
]
# A roster with the awkward names real rosters have: commas, quotes, a leading '='.
ROSTER = [
    ("student_id", "name", "canvas_id", "sis_user_id", "section", "email"),
    ("complete", 'Ng, Ada "Al"', "101", "S-1", "Lab 1, Tuesday", "ada@example.edu"),
    ("flipped-kernel", "=HYPERLINK(evil)", "102", "S-2", "Lab 1, Tuesday", "bo@example.edu"),
    ("half-done", "Ó Briain, Cá", "103", "S-3", "Lab 2", "ca@example.edu"),
    ("uint8-wraparound", "Smith, Dee", "104", "S-4", "Lab 2", "dee@example.edu"),
    ("untouched", "Wu, Eve", "105", "S-5", "Lab 2", "eve@example.edu"),
    ("never-submitted", "Zed, Zoe", "106", "S-6", "Lab 2", "zoe@example.edu"),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = copy_graded_sample(tmp_path_factory.mktemp("lms") / "course")
    with open(root / "roster.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROSTER)
    nbgrader(root, "export", "--to", "nbgrader_grades.csv")
    return root


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def nbgrader_scores(root):
    """Each student's score as nbgrader's own CSV export gives it."""
    with open(root / "nbgrader_grades.csv", newline="") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}


def export(root, exporter, to, *options, check=True):
    return nbgrader(root, "export", f"--exporter={exporter}", "--to", to, *options, check=check)


def test_do_the_docstring_examples_run():
    for module in (lms, plain_text):  # plain_text: spreadsheet_cell, used by every CSV
        assert doctest.testmod(module).failed == 0


@pytest.mark.e2e
def test_is_the_canvas_file_what_canvas_import_expects(course):
    export(course, CANVAS, "exports/canvas.csv")
    header, possible, *rows = read_csv(course / "exports" / "canvas.csv")
    assert header[:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert header[6:] == [f"{ASSIGNMENT}: {title}" for title in TASK_TITLES]
    assert possible[0].strip() == "Points Possible" and possible[5] == "26"
    assert possible[6:] == ["(read only)"] * len(TASK_TITLES)
    scores = nbgrader_scores(course)
    assert {row[3]: float(row[5]) for row in rows} == scores  # matched by SIS Login ID
    for row in rows:
        # Task points add up to the score, except where an answer waits for a TA (empty).
        given = [float(v) for v in row[6:] if v != ""]
        assert sum(given) == pytest.approx(float(row[5])), row


@pytest.mark.e2e
def test_does_a_roster_match_canvas_ids_and_keep_awkward_names_intact(course):
    export(course, CANVAS, "exports/roster_canvas.csv", "--LmsExport.roster=roster.csv")
    text = (course / "exports" / "roster_canvas.csv").read_text(encoding="utf-8")
    assert '"Ng, Ada ""Al"""' in text  # quoted, inner quotes doubled
    _, _, *rows = read_csv(course / "exports" / "roster_canvas.csv")
    by_id = {row[1]: row for row in rows}
    assert by_id["101"][:5] == ['Ng, Ada "Al"', "101", "S-1", "", "Lab 1, Tuesday"]
    assert by_id["102"][0] == "'=HYPERLINK(evil)"  # shown as text in a spreadsheet
    assert by_id["103"][0] == "Ó Briain, Cá"
    scores = nbgrader_scores(course)
    ids = {row[0]: row[2] for row in ROSTER[1:]}
    for student, score in scores.items():
        assert float(by_id[ids[student]][5]) == score
    assert by_id["106"][5] == ""  # on the roster, never submitted: left for the LMS


@pytest.mark.e2e
def test_does_a_student_missing_from_the_roster_stop_the_export_with_one_clear_line(course):
    with open(course / "short_roster.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([row for row in ROSTER if row[0] != "half-done"])
    for exporter in (CANVAS, MOODLE):
        roster = "--LmsExport.roster=short_roster.csv"
        run = export(course, exporter, "exports/short.csv", roster, check=False)
        errors = [line for line in run.stderr.splitlines() if "ERROR" in line]
        assert run.returncode == 1
        assert errors == [
            "[ExportApp | ERROR] 1 graded student(s) not in roster short_roster.csv: half-done. "
            "Add a row for each (column student_id) and export again; nothing was written"
        ]
        assert "Traceback" not in run.stderr
        assert not (course / "exports" / "short.csv").exists()


@pytest.mark.e2e
def test_is_the_moodle_file_an_identifier_column_and_a_grade_column(course):
    export(course, MOODLE, "exports/moodle.csv", "--LmsExport.roster=roster.csv",
           "--MoodleExport.identifier=email", "--LmsExport.task_columns=False")  # fmt: skip
    header, *rows = read_csv(course / "exports" / "moodle.csv")
    assert header == ["Email address", ASSIGNMENT]
    emails = {row[0]: row[5] for row in ROSTER[1:]}
    expected = {emails[s]: f"{score:g}" for s, score in nbgrader_scores(course).items()}
    expected["zoe@example.edu"] = ""
    assert dict(rows) == expected
    # Without a roster the sample gradebook has no e-mails: refused, naming who lacks one.
    run = export(course, MOODLE, "exports/none.csv", "--MoodleExport.identifier=email", check=False)
    assert run.returncode == 1 and "no email for: complete, flipped-kernel" in run.stderr


def test_does_a_roster_without_student_ids_say_what_it_found(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("login,email\nada,ada@example.edu\n")
    with pytest.raises(lms.ExportRefused, match="no student_id column .found: login, email"):
        lms.read_roster(path)
    path.write_text("student_id,email\nada,a@x\nada,b@x\n")
    with pytest.raises(lms.ExportRefused, match="lists student 'ada' twice"):
        lms.read_roster(path)


def test_are_rows_written_as_csv_quoting_commas_and_quotes(tmp_path):
    path = tmp_path / "rows.csv"
    lms.write_csv(path, [['Ng, Ada "Al"', lms.points(14.2), lms.points(None), lms.points(-2)]])
    assert path.read_bytes() == b'"Ng, Ada ""Al""",14.2,,-2\r\n'


# In-process exports from a gradebook with students and no submissions: no notebook is read.
@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """A gradebook with the assignment and no one in it, made once: making one costs 3 s."""
    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", ASSIGNMENT) as gradebook:
        gradebook.add_assignment(ASSIGNMENT)
    return path


def gradebook_course(root, template, students):
    """A copy of `template` in `root` with `students` ({id: Student fields}); its URL."""
    root.mkdir(exist_ok=True)
    shutil.copy(template, root / "gradebook.db")
    url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(url, ASSIGNMENT) as gradebook:
        for student, fields in students.items():
            gradebook.add_student(student, **fields)
    return url


def export_here(root, url, exporter, monkeypatch, **traits):
    """Export as `nbgrader export --exporter=...` would, in this process; the rows written."""
    monkeypatch.chdir(root)
    plugin = exporter(to=str(root / "out.csv"), **traits)
    with Gradebook(url, ASSIGNMENT) as gradebook:
        plugin.export(gradebook)
    return read_csv(root / "out.csv")


def assert_kept_as_text(cell, value):
    """The cell reads back as the value, with a ' only where a formula would start."""
    assert only_quotes_added(cell, value), cell
    assert not runs_as_formula(cell), cell


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_is_every_identity_cell_from_the_gradebook_text_in_a_spreadsheet(
    empty_gradebook, tmp_path, monkeypatch, value
):
    """Student id, name, e-mail and LMS id as a gradebook can hold them, in every column."""
    fields = dict(first_name=value, last_name=value, email=value, lms_user_id=value)
    url = gradebook_course(tmp_path / "course", empty_gradebook, {value: fields})
    canvas = export_here(tmp_path / "course", url, lms.CanvasExport, monkeypatch)
    (row,) = canvas[2:]
    assert len(row) == 6
    assert_kept_as_text(row[0], f"{value}, {value}")  # Student: last, first
    for cell in (row[1], row[3]):  # ID (lms_user_id), SIS Login ID (the student id)
        assert_kept_as_text(cell, value)
    for identifier in ("email", "username"):
        moodle = export_here(
            tmp_path / "course", url, lms.MoodleExport, monkeypatch, identifier=identifier
        )
        (row,) = moodle[1:]
        assert len(row) == 2
        assert_kept_as_text(row[0], value)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_is_every_roster_cell_text_in_a_spreadsheet(empty_gradebook, tmp_path, monkeypatch, value):
    """Every roster column (names, ids, SIS ids, logins, sections, Moodle's identifiers)."""
    root = tmp_path / "course"
    url = gradebook_course(root, empty_gradebook, {"ada": {}})
    columns = sorted(lms.ROSTER_COLUMNS)
    with open(root / "roster.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["student_id", *columns], ["ada", *[value] * len(columns)]])
    expected = value.strip()  # the roster reader strips stray blanks around values
    canvas = export_here(root, url, lms.CanvasExport, monkeypatch, roster="roster.csv")
    (row,) = canvas[2:]
    assert len(row) == 6
    for cell in row[:5]:  # Student, ID, SIS User ID, SIS Login ID, Section
        assert_kept_as_text(cell, expected)
    for identifier in lms.MOODLE_IDENTIFIERS:
        moodle = export_here(
            root, url, lms.MoodleExport, monkeypatch, roster="roster.csv", identifier=identifier
        )
        (row,) = moodle[1:]
        assert_kept_as_text(row[0], expected)


def test_do_export_log_lines_show_student_ids_as_plain_text(
    empty_gradebook, tmp_path, monkeypatch, caplog
):
    """Ids with ANSI and OSC sequences, in a warning and in a refusal: no ESC or BEL reaches
    the terminal, and each id is still recognisable."""
    ids = ["eve\x1b]0;PWNED\x07\x1b[31m", "mal\rlory\u202e"]
    url = gradebook_course(tmp_path / "course", empty_gradebook, {student: {} for student in ids})
    caplog.set_level(logging.INFO)
    export_here(tmp_path / "course", url, lms.CanvasExport, monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        export_here(tmp_path / "course", url, lms.MoodleExport, monkeypatch, identifier="email")
    assert stopped.value.code == 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("No submission" in m for m in messages)
    assert any(m.startswith("no email for: ") for m in messages)
    for message in messages:
        assert not any(char in message for char in "\x1b\x07\r\u202e"), repr(message)
    assert any("eve\\x1b]0;PWNED\\x07" in m for m in messages)


GOOD_ROSTER = "student_id,name,email\nada,Ada,ada@example.edu\nbo,Bo,bo@example.edu\n"
# (case, roster content or None for no file or a folder, the one line expected)
BAD_ROSTERS = {
    "excel-cp1252": (GOOD_ROSTER.replace("Bo,", "Zoë “Z” Ñúñez,").encode("cp1252"),
                     "roster.csv line 3 is not UTF-8 (in Excel, save it as \"CSV UTF-8\")"),
    "latin-1": (GOOD_ROSTER.replace("Ada,", "Zoë,").encode("latin-1"),
                "roster.csv line 2 is not UTF-8"),
    "misspelled-path": (None, "roster.csv: no such file"),
    "a-folder": ("folder", "roster.csv is a folder, not a CSV file"),
    "extra-field": (GOOD_ROSTER.replace("Bo,", "Bo,Jr.,").encode(),
                    "roster.csv line 3 has 4 fields, the header 3"),
    "empty-id": ((GOOD_ROSTER + ",Ghost,g@x\n").encode(),
                 "roster.csv line 4 has an empty student_id"),
    "nul": (GOOD_ROSTER.replace("Bo,", "B\0o,").encode(), "roster.csv line 3 holds a NUL byte"),
}  # fmt: skip


@pytest.mark.parametrize("content, message", BAD_ROSTERS.values(), ids=BAD_ROSTERS.keys())
def test_does_a_bad_roster_stop_the_export_with_one_line_naming_the_line(
    empty_gradebook, tmp_path, monkeypatch, caplog, content, message
):
    """Exit 1, one error line that says what is wrong and where, and nothing written."""
    root = tmp_path / "course"
    url = gradebook_course(root, empty_gradebook, {"ada": {}, "bo": {}})
    if content == "folder":
        (root / "roster.csv").mkdir()
    elif content is not None:
        (root / "roster.csv").write_bytes(content)
    for exporter in (lms.CanvasExport, lms.MoodleExport):
        caplog.clear()
        with pytest.raises(SystemExit) as stopped:
            export_here(root, url, exporter, monkeypatch, roster="roster.csv")
        assert stopped.value.code == 1
        (error,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert message in error and "\n" not in error
        assert not (root / "out.csv").exists()

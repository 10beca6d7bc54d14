"""Does `convgrade` behave like an nbgrader command: positional assignment, help on every
option, one-line errors with what was found, nothing written where nothing could be done,
and a Ctrl-C that stops cleanly and says how to resume?"""

import argparse
import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest
from graded_sample import copy_graded_sample
from nbgrader.api import Gradebook
from support import BIN, HIDDEN, REPO, convgrade

from convgrade import cli


def tree_digest(root):
    """{relative path: content hash} for every file under root (what a command changed)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def course(tmp_path):
    """A copy of the graded sample class with its hidden checks and class report."""
    root = copy_graded_sample(tmp_path / "course")
    shutil.copytree(HIDDEN, root / "tests" / "hidden")
    shutil.copytree(REPO / "reports", root / "reports")
    return root


def one_line_error(run):
    """The message of a failed command: exactly one line on stderr, and no traceback."""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    return lines[0]


def subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action


def test_every_command_and_option_has_help():
    """Does every command, argument and option say what it is for?"""
    commands = subparsers(cli.build_parser())
    for listed in commands._choices_actions:
        assert listed.help, f"command {listed.dest} has no help"
    assert set(commands.choices) >= {"grade", "report", "summary", "problems", "import"}
    for name, parser in commands.choices.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)


@pytest.mark.parametrize("command", ["grade", "report", "summary", "import"])
def test_the_assignment_is_positional_and_an_option(command):
    """Is `convgrade grade convolutions` accepted, as is the older --assignment, and the
    same assignment given both ways?"""
    parser = cli.build_parser()
    before = ["some.zip"] if command == "import" else []
    positional = vars(parser.parse_args([command, *before, "convolutions"]))
    option = vars(parser.parse_args([command, *before, "--assignment", "convolutions"]))
    assert positional["assignment"] == "convolutions" == option["assignment_option"]


def test_two_different_assignments_are_refused(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.run(["grade", "one", "--assignment", "two"])
    assert stopped.value.code == 2
    assert "two assignments given: one, two" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["grade"], ["report"], ["summary"], ["problems"], ["import", "x.zip"]]
)
def test_the_wrong_folder_is_named_and_left_empty(tmp_path, command):
    """Run outside a course, does each command say so in one line, exit non-zero and leave
    no gradebook.db (or anything else) behind?"""
    run = convgrade(tmp_path, *command, timeout=120)
    assert run.returncode != 0
    message = one_line_error(run)
    assert "nbgrader_config.py" in message or "nothing was graded yet" in message
    assert list(tmp_path.iterdir()) == []


def test_a_course_without_gradebook_says_to_generate_the_assignment(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    run = convgrade(tmp_path, "grade", timeout=120)
    assert run.returncode == 2
    assert "generate_assignment" in one_line_error(run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nbgrader_config.py"]


def _move_gradebook(course, url):
    """Point the course's c.CourseDirectory.db_url at `url`."""
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")


@pytest.mark.parametrize(
    "url", ["postgresql://grader:hunter2@db.example.edu/course", "sqlite://", "mysql://x:y@h/d"]
)
@pytest.mark.parametrize("command", [["grade"], ["report"], ["summary"], ["import", "x.zip"]])
def test_a_gradebook_that_is_no_sqlite_file_is_refused_without_repeating_its_url(
    course, url, command
):
    _move_gradebook(course, url)
    before = tree_digest(course)
    run = convgrade(course, *command, timeout=120)
    assert run.returncode == 2
    message = one_line_error(run)
    assert "not a SQLite file" in message and "nbgrader autograde" in message
    assert "hunter2" not in run.stderr + run.stdout and "@" not in message
    assert tree_digest(course) == before


@pytest.mark.parametrize("command", [["grade"], ["report"], ["summary"]])
def test_a_configuration_that_does_not_load_is_named_in_one_line(course, command):
    """Finding the gradebook runs nbgrader_config.py: an error in it is one line naming the
    file and the error, not a traceback, and nothing is written."""
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.CourseDirectory.db_url = (\n")
    before = tree_digest(course)
    run = convgrade(course, *command, timeout=120)
    assert run.returncode == 2
    message = one_line_error(run)
    assert "nbgrader_config.py does not load (SyntaxError:" in message
    assert tree_digest(course) == before


@pytest.mark.e2e
def test_a_gradebook_kept_elsewhere_is_the_one_graded_and_reported(course, tmp_path):
    """c.CourseDirectory.db_url names a gradebook outside the course folder (as nbgrader
    allows): every command reads and writes that one, and none makes a gradebook.db in the
    course. A relative path is taken from the course folder, as nbgrader run there does."""
    elsewhere = tmp_path / "private" / "grades.sqlite"
    elsewhere.parent.mkdir()
    shutil.move(course / "gradebook.db", elsewhere)
    _move_gradebook(course, f"sqlite:///{os.path.relpath(elsewhere, course)}")
    students = sorted(p.name for p in (course / "submitted").iterdir())
    with Gradebook(f"sqlite:///{elsewhere}") as gradebook:
        gradebook.remove_submission("convolutions", students[0])
    graded = convgrade(course, "grade", "--force", "-j", "2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert f"graded {len(students)}, skipped 0 unchanged, failed 0" in graded.stdout
    assert not (course / "gradebook.db").exists()
    with open(course / "grades.csv", newline="") as table:
        rows = {row["student_id"]: row for row in csv.DictReader(table)}
    assert sorted(rows) == students and float(rows["complete"]["score"]) > 0
    with Gradebook(f"sqlite:///{elsewhere}") as gradebook:
        again = gradebook.find_submission("convolutions", students[0])  # recorded there again
        assert again.score == float(rows[students[0]]["score"])
    summary = convgrade(course, "summary")
    assert summary.returncode == 0, summary.stderr
    assert "complete" in summary.stdout
    report = convgrade(course, "report")
    assert report.returncode == 0, report.stderr
    assert "complete" in (course / "reports" / "convolutions.html").read_text()
    assert not (course / "gradebook.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["grade", "nope"],
        ["grade", "--assignment", "nope"],
        ["report", "--assignment", "nope"],
        ["summary", "nope"],
        ["import", "x.zip", "nope"],
    ],
)
def test_an_unknown_assignment_names_those_there_are(course, command):
    """One line naming the assignments in the gradebook and source/; no file changed (the
    report is not overwritten with an empty one)."""
    before = tree_digest(course)
    run = convgrade(course, *command, timeout=120)
    assert run.returncode == 2
    message = one_line_error(run)
    assert "'nope'" in message and "convolutions" in message
    assert tree_digest(course) == before


def test_an_unknown_student_is_refused_with_near_names(course):
    before = tree_digest(course)
    run = convgrade(course, "grade", "--student", "complet", timeout=120)
    assert run.returncode == 2
    message = one_line_error(run)
    assert "'complete'" not in message and "complet" in message
    assert "5 students" in message and "did you mean complete?" in message
    assert tree_digest(course) == before


def test_an_assignment_only_in_source_says_to_generate_it(course):
    shutil.copytree(course / "source" / "convolutions", course / "source" / "draft")
    run = convgrade(course, "grade", "draft", timeout=120)
    assert run.returncode == 2
    assert "nbgrader generate_assignment draft" in one_line_error(run)


def canvas_download(path, student_id, notebook):
    """A Canvas bulk download holding one submission."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"newstudent_{student_id}_70001_convolutions.ipynb", notebook)
    return path


@pytest.mark.e2e
def test_ctrl_c_stops_cleanly_and_a_second_run_finishes(course):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) mid-run: one line
    saying how many were graded and how to resume, exit 130, no traceback. Run again: the
    rest is graded, including a student imported since, and grades.csv and the report are
    brought up to date without `make grades` or `make report`."""
    complete = course / "submitted" / "complete" / "convolutions" / "convolutions.ipynb"
    imported = convgrade(
        course,
        "import",
        str(canvas_download(course.parent / "dl.zip", "4242", complete.read_bytes())),
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    run = subprocess.Popen(
        [sys.executable, "-m", "convgrade.cli", "grade", "convolutions", "--force", "-j", "2"],
        cwd=course,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.time()
    deadline = time.monotonic() + 300
    autograded = course / "autograded"
    while time.monotonic() < deadline and run.poll() is None:
        if any(f.stat().st_mtime >= started for f in autograded.glob("*/convolutions")):
            break
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 130, out + err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    stops = [line for line in err.splitlines() if "interrupted" in line]
    assert len(stops) == 1, err
    graded = int(stops[0].split("(graded ")[1].split()[0])
    assert stops[0].endswith(f"interrupted; run again to finish (graded {graded} so far)")
    assert 1 <= graded < 6

    report_before = (course / "reports" / "convolutions.html").stat().st_mtime
    again = convgrade(course, "grade", "-j", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"graded {6 - graded}, skipped {graded} unchanged, failed 0" in again.stdout
    assert "wrote grades.csv" in again.stdout
    assert "wrote reports/convolutions.html" in again.stdout
    with open(course / "grades.csv", newline="") as table:
        rows = {row["student_id"]: row for row in csv.DictReader(table)}
    assert "4242" in rows and float(rows["4242"]["score"]) == float(rows["complete"]["score"])
    assert (course / "reports" / "convolutions.html").stat().st_mtime > report_before
    assert "4242" in (course / "reports" / "convolutions.html").read_text()


@pytest.mark.e2e
def test_a_misnamed_notebook_is_reported_naming_what_was_found(course):
    """A notebook saved as "convolutions (1).ipynb" scores zero as missing, and the problem
    list, the student's feedback and the report say which notebook was found instead."""
    folder = course / "submitted" / "renamed" / "convolutions"
    folder.mkdir(parents=True)
    complete = course / "submitted" / "complete" / "convolutions" / "convolutions.ipynb"
    shutil.copy(complete, folder / "convolutions (1).ipynb")
    run = convgrade(course, "grade", "--student", "renamed", "-j", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    found = "convolutions.ipynb is missing; found: convolutions (1).ipynb"
    assert found in run.stdout
    feedback = course / "feedback" / "renamed" / "convolutions" / "convolutions.html"
    assert found in feedback.read_text()
    assert "found: convolutions (1).ipynb" in (course / "reports" / "convolutions.html").read_text()


@pytest.mark.parametrize("jobs", ["-1", "two", "1.5"])
def test_a_worker_count_that_is_no_count_is_a_usage_error(capsys, jobs):
    with pytest.raises(SystemExit) as stopped:
        cli.build_parser().parse_args(["grade", "--jobs", jobs])
    assert stopped.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_jobs_zero_means_every_core():
    assert cli.build_parser().parse_args(["grade", "--jobs", "0"]).jobs is None
    assert cli.build_parser().parse_args(["grade", "-j", "3"]).jobs == 3


@pytest.mark.parametrize(
    "failed, no_feedback, found, says_no_problems",
    [
        ({}, {}, {}, True),
        ({"ada": "could not record: OperationalError: database is locked"}, {}, {}, False),
        ({}, {"ada": "FeedbackFailed: template missing"}, {}, False),
        ({"ada": "worker died"}, {}, {"grace": ["output truncated"]}, False),
    ],
    ids=["all-well", "one-not-graded", "one-without-page", "failed-and-problems"],
)
def test_the_summary_never_says_no_problems_after_naming_one(
    tmp_path, monkeypatch, capsys, failed, no_feedback, found, says_no_problems
):
    from convgrade.batch import scheduler
    from convgrade.reports import gradebook_table

    result = scheduler.BatchReport(graded=["grace"], failed=failed, no_feedback=no_feedback)
    monkeypatch.setattr(scheduler, "grade_class", lambda *args, **kwargs: result)
    monkeypatch.setattr(gradebook_table, "problems", lambda *args: found)
    code = cli._grade_and_feedback(tmp_path, "convolutions", 1, False, None, None, False, False)
    out = capsys.readouterr().out
    assert ("No problems while grading." in out) == says_no_problems
    assert ("Problems while grading (1 students):" in out) == bool(found)
    assert code == (cli.PARTLY_DONE if failed or no_feedback else 0)

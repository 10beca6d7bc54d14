"""Both grading doors give the same grades: `nbgrader autograde` + `generate_feedback` and
`convgrade grade`, over the sample class and every scenario in the catalog.

The README promises that `convgrade grade` writes the rows plain nbgrader writes. Two
copies of one course (tests/support.grade_catalog, shared with tests/test_hostile.py) are
graded, one through each door, and compared student by student: gradebook rows, the
autograded notebook's graded cells, the verdicts each test cell shows, the grader's
records, the feedback page's text and the problem lists. A difference is a grader bug.
"""

import json
import operator
import re
from html.parser import HTMLParser
from typing import NamedTuple

import pytest
from support import CATALOG_KINDS, DOORS, catalog_class, grade_rows, read_notebook
from tools import scenarios

from convgrade.contract import read_records
from convgrade.reports import gradebook_table

ASSIGNMENT = "convolutions"
# Measured wall-clock times differ run to run, whatever the door: "2.31 s", "3.0 seconds".
SECONDS = re.compile(r"\b\d+(\.\d+)?\s*(s|sec|seconds)\b")
# Each door grades its own copy of the course, so absolute paths name different folders.
COPY_PATH = re.compile(r"/\S*/catalog-(nbgrader|convgrade)\d*/")
# A long path is cut short in messages (with "…", "\u2026" in JSON), so where it is cut
# depends on the length of the copy's folder name.
CUT_COPY_PATH = re.compile(r"<course>/[^\s\"'()]*?(…|\\u2026)")
# The notebook record's fields that are measured durations (see contract.NotebookRecord).
DURATIONS = {"seconds", "student_seconds"}
EXECUTE_DURATIONS = {"cell_seconds", "total_seconds"}


# Why a hostile notebook's run stopped ("the kernel died" or "time budget used up") depends
# on when a hijacked or dying kernel is noticed: timing, not the door. That it stopped does not.
STOP_REASON = re.compile(r"(notebook run stopped): [^\n\"']*")
# The wall-clock backstop is the one limit that moves with the machine's load: which cell a
# notebook had reached when it fell due, or whether it fell between two cells, is timing.
# Its records and notes (sandboxedexecute.describe_time_stop, hiddenchecks.skipped_work_note)
# are left out; stops by a cell's timeout or by CPU time are compared.
BACKSTOP_STOP = re.compile(r"\brun reached its \S+ s limit\b")


def without_backstop_stops(lines):
    return [line for line in lines if not BACKSTOP_STOP.search(line)]


class RunView(NamedTuple):
    """What a door recorded of one notebook's run: its cells stopped for time apart from
    the rest (which says whether the run stopped early), as `runs_agree` compares them."""

    rest: object
    stopped: bool
    time_stops: tuple


def runs_agree(one, other):
    """Two doors' RunViews agree when the rest is the same and so are the time stops, but
    for one thing. A run that stopped early in both doors (its kernel died or was declared
    dead, or its time ran out) got through as many cells as the machine's load allowed
    before that: a hijacked kernel that ignores its interrupts is given up on sooner on a
    busy machine. So then one door's time stops need only begin the other's."""
    if one is None or other is None or one.rest != other.rest:
        return one == other
    if one.stopped and other.stopped:
        shorter, longer = sorted((one.time_stops, other.time_stops), key=len)
        return longer[: len(shorter)] == shorter
    return one.time_stops == other.time_stops


def normalise(text):
    text = STOP_REASON.sub(r"\1", text)
    text = CUT_COPY_PATH.sub("<course>/…", COPY_PATH.sub("<course>/", text))
    return SECONDS.sub("<seconds>", text)


@pytest.fixture(scope="module")
def doors(catalog_course):
    """The graded course of each door; both runs must have finished normally."""
    return {door: catalog_course(door) for door in DOORS}


STUDENTS = sorted(catalog_class())


def autograded(root, student):
    path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return read_notebook(path) if path.exists() else None


def scored_cells(notebook):
    """Every cell nbgrader grades or locks: its id, type, nbgrader metadata and source."""
    if notebook is None:
        return None
    return [
        (cell.cell_type, dict(cell.metadata["nbgrader"]), cell.source)
        for cell in notebook.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]


def _output_text(output):
    if output.output_type == "stream":
        return f"{output.name}: {output.text}"
    if output.output_type == "error":
        # The traceback repeats file paths and line numbers of the kernel's own frames;
        # the exception's name and message are what the student is shown first.
        return f"error: {output.ename}: {output.evalue}"
    data = output.get("data", {})
    return f"{output.output_type} {sorted(data)}: {data.get('text/plain', '')}"


def verdicts(notebook):
    """Per test cell: the text its outputs show the student, and the grader's check records."""
    if notebook is None:
        return None
    checks = {}
    for grade_id, check in read_records(notebook).checks:
        checks.setdefault(grade_id, []).append(
            (check.name, check.passed, check.misconception, normalise(check.message or ""))
        )
    shown = {}
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            outputs = [normalise(_output_text(o)) for o in cell.get("outputs", [])]
            shown[meta["grade_id"]] = (outputs, checks.get(meta["grade_id"], []))
    return shown


def notebook_record(notebook):
    """The grader's record for the whole notebook, without the measured durations."""
    if notebook is None:
        return None
    record = {
        key: value
        for key, value in vars(read_records(notebook).info).items()
        if key not in DURATIONS
    }
    stopped, time_stops = False, []
    if record.get("execute") is not None:
        record["execute"] = {
            key: value
            for key, value in vars(record["execute"]).items()
            if key not in EXECUTE_DURATIONS
        }
        # Only whether the run stopped; why depends on timing (see STOP_REASON).
        record["execute"]["stopped"] = stopped = record["execute"].get("stopped") is not None
        time_stops = record["execute"].pop("time_stops", None) or []
    return RunView(
        rest=normalise(json.dumps(record, default=str, sort_keys=True, indent=1)),
        stopped=stopped,
        time_stops=tuple(normalise(stop) for stop in without_backstop_stops(time_stops)),
    )


class VisibleText(HTMLParser):
    """The text a reader of a page sees: no script, style or markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in {"script", "style"}

    def handle_endtag(self, tag):
        self._hidden -= tag in {"script", "style"} and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def feedback_text(root, student):
    path = root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    if not path.exists():
        return None
    parser = VisibleText()
    parser.feed(path.read_text(errors="replace"))
    parser.close()
    return [normalise(part) for part in grader_text(parser.parts)]


def grader_text(parts):
    """What the grader wrote on a page: the summary and score list above the first cell, and
    every score and check verdict below. What the student's own code printed is left out:
    interleaved stdout and stderr, floods and crashes print differently from run to run,
    whichever door runs them (the autograded notebooks' records are compared above)."""
    first_cell = next((i for i, part in enumerate(parts) if part.startswith("In [")), len(parts))
    verdicts = [
        part
        for part in parts[first_cell:]
        if part.startswith(("✓", "✗", "Score:")) or "hidden check" in part
    ]
    return without_backstop_stops(parts[:first_cell] + verdicts)


@pytest.mark.e2e
def test_the_catalog_class_is_the_whole_catalog():
    names = set(STUDENTS)
    for kind in CATALOG_KINDS:
        for scenario in scenarios.catalog(kind):
            assert scenario.name in names or f"{kind}-{scenario.name}" in names


@pytest.fixture(scope="module")
def compare(doors):
    """compare(read): {student: {door: read(root, student)}} where the doors differ."""

    def differences(read, agree=operator.eq):
        found = {}
        for student in STUDENTS:
            values = {door: read(root, student) for door, root in doors.items()}
            if not agree(values["nbgrader"], values["convgrade"]):
                found[student] = values
        return found

    return differences


def comment_rows(root, student):
    """What else the gradebook holds per graded cell: needs-manual-grade flags and comments."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        notebooks = submission.notebooks
        flags = sorted((n.name, g.name, g.needs_manual_grade) for n in notebooks for g in n.grades)
        comments = sorted((n.name, c.name, c.auto_comment) for n in notebooks for c in n.comments)
        return flags, comments


@pytest.mark.e2e
def test_same_gradebook_rows(compare):
    assert compare(grade_rows) == {}
    assert compare(comment_rows) == {}


@pytest.mark.e2e
def test_same_scored_cells(compare):
    assert compare(lambda root, s: scored_cells(autograded(root, s))) == {}


@pytest.mark.e2e
def test_same_verdicts_in_the_test_cells(compare):
    assert compare(lambda root, s: verdicts(autograded(root, s))) == {}


@pytest.mark.e2e
def test_same_grading_records(compare):
    assert compare(lambda root, s: notebook_record(autograded(root, s)), runs_agree) == {}


def folder_files(root, student):
    """The autograded folder: every file's path and, but for the notebooks (compared above),
    its content hash; with the submission row's timestamp and late penalty."""
    import hashlib

    from nbgrader.api import Gradebook

    folder = root / "autograded" / student / ASSIGNMENT
    files = {
        str(p.relative_to(folder)): "notebook"
        if p.suffix == ".ipynb"
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return files, str(submission.timestamp), submission.late_submission_penalty


@pytest.mark.e2e
def test_same_autograded_folders_and_submission_rows(compare):
    assert compare(folder_files) == {}


@pytest.mark.e2e
def test_same_feedback_pages(compare):
    assert compare(feedback_text) == {}


@pytest.mark.e2e
def test_same_problem_lists(doors):
    lists = {
        door: {
            student: problem_list(lines)
            for student, lines in gradebook_table.problems(root / "autograded").items()
        }
        for door, root in doors.items()
    }
    assert lists["nbgrader"].keys() == lists["convgrade"].keys()
    differing = {
        student: (view, lists["convgrade"][student])
        for student, view in lists["nbgrader"].items()
        if not runs_agree(view, lists["convgrade"][student])
    }
    assert differing == {}


# A problem list's line for a cell stopped for time (gradebook_table.problems).
TIME_STOP_LINE = re.compile(r"notebook run: cell \d+")


def problem_list(lines):
    """A student's problem list as a RunView: the cells stopped for time apart."""
    lines = [normalise(line) for line in without_backstop_stops(lines)]
    rest = tuple(line for line in lines if not TIME_STOP_LINE.match(line))
    return RunView(
        rest=rest,
        stopped="notebook run stopped" in rest,
        time_stops=tuple(line for line in lines if TIME_STOP_LINE.match(line)),
    )


@pytest.mark.e2e
def test_every_catalog_student_was_graded_and_got_feedback(doors):
    for door, root in doors.items():
        missing = [s for s in STUDENTS if autograded(root, s) is None]
        missing += [s for s in STUDENTS if feedback_text(root, s) is None]
        assert missing == [], door


# ---- nbgrader's steps that the batch path rebuilds, setting by setting -------------------
USER_CONFIG = """c = get_config()
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.bak"]
c.Autograde.exclude_overwriting = {"convolutions": ["selfcheck.py"]}
c.Autograde.create_student = False
"""
NBGRADER_LOADS = """
import json
from nbgrader.apps.autogradeapp import AutogradeApp
app = AutogradeApp()
app.initialize([])
c = app.config
print(json.dumps([c.CourseDirectory.ignore, c.Autograde.exclude_overwriting,
                  c.Autograde.create_student]))
"""


def test_configuration_comes_from_the_files_nbgrader_reads(course, tmp_path, monkeypatch):
    """A setting in the user's Jupyter config folder counts, and the course's file wins."""
    import json
    import os
    import subprocess
    import sys

    from convgrade.batch.submission_grader import load_config

    user = tmp_path / "jupyter"
    user.mkdir()
    (user / "nbgrader_config.py").write_text(USER_CONFIG)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Autograde.create_student = True\n")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(user))
    run = subprocess.run(
        [sys.executable, "-c", NBGRADER_LOADS],
        cwd=course,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    nbgrader_sees = json.loads(run.stdout.splitlines()[-1])
    c = load_config(course)
    ours = [list(c.CourseDirectory.ignore), dict(c.Autograde.exclude_overwriting)]
    assert [*ours, c.Autograde.create_student] == nbgrader_sees
    # The user's setting reached nbgrader, and the course's own file won where both set one.
    assert nbgrader_sees[1:] == [{"convolutions": ["selfcheck.py"]}, True]


def test_the_autograded_folder_is_staged_as_nbgrader_stages_it(released_course, tmp_path):
    """CourseDirectory.ignore and Autograde.exclude_overwriting, as Autograde.init_assignment:
    ignored files and notebooks outside the gradebook stay out, the source's files replace
    the student's except those the course lets students submit."""
    from dataclasses import replace

    from convgrade.batch.submission_grader import CourseBundle, Job, SubmissionGrader

    bundle = CourseBundle.from_course(released_course, ASSIGNMENT)
    grader = SubmissionGrader(replace(bundle, config_text=bundle.config_text + USER_CONFIG))
    job = Job(
        "someone",
        {
            "convolutions.ipynb": b"{}",
            "scratch.ipynb": b"{}",
            "notes.bak": b"ignored",
            "__pycache__/helper.pyc": b"ignored",
            "selfcheck.py": b"the student's own",
            "figures.py": b"the student's own",
            "data/extra.txt": b"kept",
        },
    )
    folder = tmp_path / "autograded" / "someone" / ASSIGNMENT
    grader._stage(folder, job)
    staged = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    source = released_course / "source" / ASSIGNMENT
    # Every file the instructor ships (helpers, pictures, data) plus what the student may add.
    shipped = {
        str(p.relative_to(source))
        for p in source.rglob("*")
        if p.is_file() and p.suffix != ".ipynb" and "__pycache__" not in p.parts
    }
    assert {"figures.py", "selfcheck.py"} <= shipped
    assert staged == {"convolutions.ipynb", "data/extra.txt"} | shipped
    assert (folder / "selfcheck.py").read_bytes() == b"the student's own"
    assert (folder / "figures.py").read_bytes() == (source / "figures.py").read_bytes()


def test_an_unknown_student_is_not_recorded_when_the_course_says_so(released_course, tmp_path):
    """Autograde.create_student = False: nbgrader refuses a student not in the gradebook."""
    import shutil

    from nbgrader.api import MissingEntry

    from convgrade.batch.submission_grader import GradebookWriter, GradedSubmission, Job

    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.Autograde.create_student = False\n")
    writer = GradebookWriter(root, ASSIGNMENT)
    with pytest.raises(MissingEntry):
        writer.record(Job("nobody", {}), GradedSubmission("nobody"))


def test_convert_hooks_are_refused_not_ignored():
    from traitlets.config import Config

    from convgrade.batch.submission_grader import unsupported_settings

    config = Config({"Autograde": {"post_convert_hook": lambda **_: None}})
    assert [reason.split(" is set")[0] for reason in unsupported_settings(config)] == [
        "c.Autograde.post_convert_hook"
    ]

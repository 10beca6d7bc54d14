"""Write feedback HTML with nbgrader's own GenerateFeedback, in grading workers or here.

The pages are made by the course's ``c.GenerateFeedback.exporter_class``, which must be
convgrade.feedback.safe_html.SafeFeedbackExporter (body cleaned with nh3), as for
`nbgrader generate_feedback`; feedback is refused with any other exporter.

`convgrade grade` has each worker make its student's page right after grading, in the
worker's private course copy (`FeedbackRenderer`), so pages are made in parallel. The page
shows what the gradebook holds, and only the coordinator's gradebook is the real one: the
worker sends its page with `gradebook_facts` from its copy, and the coordinator places the
page (`FeedbackPlacer`) only if its own gradebook says the same after recording. Otherwise
(say a TA graded a cell during the run) the page is made here, by `write_feedback`.
"""

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from nbconvert.writers import FilesWriter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from convgrade.batch.submission_grader import load_config, read_folder
from convgrade.feedback.safe_html import SafeFeedbackExporter


class UnsafeFeedbackConfig(RuntimeError):
    """The course config would write feedback pages without cleaning them."""


class FeedbackFailed(RuntimeError):
    """nbgrader's GenerateFeedback reported a failure for one student."""


def require_safe_exporter(config):
    """Refuse a configuration whose feedback pages would not be cleaned."""
    exporter = config.GenerateFeedback.get("exporter_class")
    if not (isinstance(exporter, type) and issubclass(exporter, SafeFeedbackExporter)):
        raise UnsafeFeedbackConfig(
            "nbgrader_config.py must set c.GenerateFeedback.exporter_class = "
            f"SafeFeedbackExporter (found {exporter!r}): feedback pages would show "
            "submissions' HTML uncleaned"
        )


def write_feedback(root, assignment, students):
    """`nbgrader generate_feedback` for these students; returns {student: error} for failures."""
    root = Path(root).resolve()
    config = load_config(root)
    require_safe_exporter(config)
    coursedir = CourseDirectory(config=config, root=str(root))
    api = NbGraderAPI(coursedir=coursedir, config=config)
    everyone = {p.parent.name for p in (root / "autograded").glob(f"*/{assignment}")}
    batches = [None] if set(students) >= everyone else sorted(students)
    errors = {}
    for student in batches:
        result = api.generate_feedback(assignment, student_id=student, force=True)
        if not result.get("success"):
            errors[student or "*"] = _cause(result)
    return errors


# The last line of a Python traceback: the exception's type and message.
EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit): .*$")


def _cause(result):
    """Why NbGraderAPI.generate_feedback failed: the exception nbgrader logged, not its own
    NbGraderException, which only says "Please see the above traceback" (red team: a file
    where feedback/ should be gave that line and nothing above it)."""
    error = str(result.get("error") or "unknown error")
    logged = [
        line.strip()
        for line in str(result.get("log") or "").splitlines()
        if EXCEPTION_LINE.match(line.strip()) and "NbGraderException" not in line
    ]
    return logged[-1] if logged else error


def gradebook_facts(db_url, assignment, student):
    """What a feedback page shows from the gradebook for one submission, as JSON text:
    each grade's scores and flags, each comment, the late penalty. Row ids are left out
    (each gradebook copy makes its own); None when there is no such submission."""
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        notebooks = {
            notebook.name: {
                "grades": sorted(
                    [g.name, g.auto_score, g.manual_score, g.extra_credit, g.max_score]
                    + [g.needs_manual_grade]
                    for g in notebook.grades
                ),
                "comments": sorted(
                    [c.name, c.auto_comment, c.manual_comment] for c in notebook.comments
                ),
            }
            for notebook in submission.notebooks
        }
        facts = {
            "notebooks": notebooks,
            "late_penalty": submission.late_submission_penalty,
            "timestamp": str(submission.timestamp),
        }
    return json.dumps(facts, sort_keys=True, default=str)


class _GenerateFeedbackOneExporter(GenerateFeedback):
    """nbgrader's GenerateFeedback, keeping one exporter however often it is started, as one
    `nbgrader generate_feedback` run keeps one for the whole class: a worker compiles the
    page templates once, not once a page (a quarter of a second each).

    `start` is nbgrader 0.9's BaseConverter.start but for building the exporter."""

    _kept_exporter = None

    def start(self):
        self.init_notebooks()
        self.writer = FilesWriter(parent=self, config=self.config)
        if self._kept_exporter is None:
            self._kept_exporter = self.exporter_class(parent=self, config=self.config)
            for preprocessor in self.preprocessors:
                self._kept_exporter.register_preprocessor(preprocessor)
            # Validated once, after the last preprocessor, as the grading exporter is
            # (submission_grader.SubmissionGrader._exporter), not after every one.
            self._kept_exporter.optimistic_validation = bool(self.preprocessors)
        self.exporter = self._kept_exporter
        folder = os.getcwd()
        os.chdir(self.coursedir.root)
        try:
            self.convert_notebooks()
        finally:
            os.chdir(folder)


class FeedbackRenderer:
    """Makes feedback pages in a worker's private course copy, with nbgrader's GenerateFeedback
    configured as NbGraderAPI.generate_feedback configures it.

    Parameters
    ----------
    root : Path
        The private course folder: its gradebook already holds the student's rows and
        its autograded/ folder the student's graded notebooks.
    config : traitlets Config
        The course's configuration, as the worker loaded it.
    """

    def __init__(self, root, config):
        require_safe_exporter(config)
        self.root = Path(root)
        self.coursedir = CourseDirectory(config=config, root=str(self.root))
        self.app = _GenerateFeedbackOneExporter(coursedir=self.coursedir, config=config)
        # As NbGraderAPI.generate_feedback: nbgrader's feedback template, pages always rewritten.
        self.app.update_config(Config({"HTMLExporter": {"template_name": "feedback"}}))
        self.app.force = True

    def render(self, assignment, student):
        """{relative path: bytes} of the student's feedback folder; the copy is removed."""
        folder = self.root / self.coursedir.feedback_directory / student
        self.coursedir.assignment_id, self.coursedir.student_id = assignment, student
        try:
            self.app.start()
        except Exception as error:  # nbgrader logs the cause and raises NbGraderException
            raise FeedbackFailed(f"{type(error).__name__}: {error}") from error
        try:
            return read_folder(folder / assignment)
        finally:
            _remove(folder)  # a worker grades hundreds: keep its private copy small


class FeedbackPlacer:
    """Puts a worker's feedback folder into the course, where and as `nbgrader
    generate_feedback` would write it (GenerateFeedback's folder and permissions)."""

    def __init__(self, root, assignment, config):
        require_safe_exporter(config)
        self.assignment = assignment
        self.coursedir = CourseDirectory(config=config, root=str(Path(root).resolve()))
        self.converter = GenerateFeedback(coursedir=self.coursedir, config=config)

    def folder(self, student):
        return Path(
            self.coursedir.format_path(self.coursedir.feedback_directory, student, self.assignment)
        )

    def place(self, student, files):
        """Replace the student's feedback folder by `files`, whole or not at all: the old
        page is moved aside in one step before anything of it is deleted, so a folder that
        cannot be replaced (another user's, made immutable) raises and stays as it was."""
        folder = self.folder(student)
        staging = folder.with_name(f".{self.assignment}.partial")
        _remove(staging)
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = self._move_aside(folder)
        staging.rename(folder)
        self.converter.set_permissions(self.assignment, student)
        with contextlib.suppress(OSError):  # the new page is in place; the next one retries
            _remove(old)

    def remove(self, student):
        """Take down a page that no longer describes the student's submission; raises
        OSError, leaving the page whole, if it cannot be moved."""
        _remove(self._move_aside(self.folder(student)))

    def _move_aside(self, folder):
        """Rename `folder` (if there) to a hidden name beside it; returns that name."""
        aside = folder.with_name(f".{self.assignment}.old")
        _remove(aside)  # left by a run that stopped after the rename
        if folder.exists() or folder.is_symlink():
            folder.rename(aside)
        return aside


def _remove(folder):
    """Remove a folder nbgrader may have made read-only; a link is removed, not followed."""
    if Path(folder).is_symlink():
        Path(folder).unlink()
    elif Path(folder).exists():
        for path in Path(folder).rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)

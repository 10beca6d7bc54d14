"""One submission through nbgrader's own preprocessors, split so one process writes the gradebook.

`nbgrader autograde` reads, sanitizes, executes, scores and records each submission in one
process, writing the gradebook as it goes. Here the same preprocessor classes, with the
same configuration, run in two places:

- an `Autograder` (any worker process, on any machine) does everything up to the scores,
  reading a snapshot of the gradebook;
- the `GradebookWriter` (the coordinator, alone) creates the submission rows, writes the
  autograded folder and runs nbgrader's SaveAutoGrades and AssignLatePenalties.

The rows and files that come out are the ones `nbgrader autograde` writes.
"""

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from convgrade.batch.startup import skip_optional_grammar

skip_optional_grammar()

import nbformat  # noqa: E402
from nbgrader import utils  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402
from traitlets.config import Config  # noqa: E402
from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from convgrade.autograde.exporter import placeholder  # noqa: E402
from convgrade.checks.runner import HIDDEN_DIR  # noqa: E402
from convgrade.contract import read_notebook_record  # noqa: E402
from convgrade.intake.vetting import RESOURCES_KEY, intake_record  # noqa: E402
from convgrade.tempdirs import PrivateFolder  # noqa: E402

WRITERS = ("SaveAutoGrades", "AssignLatePenalties")
MAX_SUBMISSION_BYTES = 64 << 20


def warm_up(config_text):
    """Import the grading stack and launch a spare sandboxed kernel, before any submission."""
    from traitlets.config import Configurable

    from convgrade.sandbox.kernel import KernelPool

    folder = Path(tempfile.mkdtemp(prefix="convgrade-config-"))
    (folder / "nbgrader_config.py").write_text(config_text)
    try:
        config = load_config(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    configured_autograde(config)  # importing nbgrader's converters is the slow part

    KernelPool.refill(parent=Configurable(config=config))


def configured_autograde(config):
    """nbgrader's Autograde converter, for its configured exporter and preprocessor lists."""
    from nbgrader.converters import Autograde

    return Autograde(config=config)


def _name(preprocessor):
    return getattr(preprocessor, "__name__", "")


def load_config(root):
    """The course's nbgrader configuration, as nbgrader itself would load it."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.merge(Config({"Exporter": {"default_preprocessors": []}}))
    return config


def digest_files(files):
    """A content hash of {relative path: bytes}."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def read_folder(folder, limit=MAX_SUBMISSION_BYTES):
    """{relative path: bytes} for every file under `folder`, refusing oversized submissions."""
    files, total = {}, 0
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            if total > limit:
                raise ValueError(f"{folder} holds more than {limit >> 20} MiB")
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


@dataclass
class CourseBundle:
    """Everything a worker needs to grade, as plain data it can receive over the network."""

    assignment: str
    config_text: str
    gradebook: bytes
    source_files: dict
    notebooks: list
    fingerprint: str = ""

    @classmethod
    def from_course(cls, root, assignment):
        root = Path(root)
        source = read_folder(root / "source" / assignment)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            notebooks = [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        bundle = cls(
            assignment,
            (root / "nbgrader_config.py").read_text(),
            (root / "gradebook.db").read_bytes(),
            {k: v for k, v in source.items() if not k.endswith(".ipynb")},
            notebooks,
        )
        # What grading depends on besides the submission: if any of it changes, regrade all.
        grader = read_folder(HIDDEN_DIR) | read_folder(Path(__file__).parents[1])
        bundle.fingerprint = digest_files(
            {
                "config": bundle.config_text.encode(),
                **{f"source/{k}": v for k, v in source.items()},
                **{f"grader/{k}": v for k, v in grader.items() if not k.endswith(".pyc")},
            }
        )
        return bundle


@dataclass
class Job:
    """One student's submitted folder, as convgrade/intake.py vetted it."""

    student: str
    files: dict
    timestamp: str | None = None
    refused: list = field(default_factory=list)  # intake.Refusal: what was left out, and why

    @property
    def digest(self):
        refused = "\n".join(map(str, self.refused)).encode()
        return digest_files(self.files | {"\0refused": refused})

    def record(self, notebook):
        """The intake record for one notebook's metadata (see intake.intake_record)."""
        return intake_record(self.refused, notebook)


@dataclass
class GradedSubmission:
    """What a worker sends back: the autograded notebooks and where the time went."""

    student: str
    notebooks: dict = field(default_factory=dict)  # name -> notebook JSON text
    files: dict = field(default_factory=dict)  # the autograded folder's other files
    timings: dict = field(default_factory=dict)
    error: str | None = None


class Autograder:
    """Grades submissions up to their scores; lives as long as its worker process.

    Parameters
    ----------
    bundle : CourseBundle
    """

    def __init__(self, bundle, process_started=None):
        started = process_started or time.monotonic()
        self.bundle = bundle
        # The course copy holds the gradebook: removed at exit, or by remove_stale if killed.
        self._folder = PrivateFolder("course")
        self.root = self._folder.path
        (self.root / "nbgrader_config.py").write_text(bundle.config_text)
        (self.root / "gradebook.db").write_bytes(bundle.gradebook)
        self.config = load_config(self.root)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        course = configured_autograde(self.config)
        self.sanitize = self._exporter(course, course.sanitize_preprocessors)
        self.autograde = self._exporter(
            course, [p for p in course.autograde_preprocessors if _name(p) not in WRITERS]
        )
        self.setup_seconds = time.monotonic() - started

    def _exporter(self, course, preprocessors):
        exporter = course.exporter_class(config=self.config)
        for preprocessor in preprocessors:
            exporter.register_preprocessor(preprocessor)
        return exporter

    def grade(self, job):
        """Autograde one student's folder; never raises (errors come back in the result)."""
        result = GradedSubmission(job.student)
        if self.setup_seconds:  # charged once, to the first submission this worker grades
            result.timings["startup"], self.setup_seconds = self.setup_seconds, 0.0
        started = time.monotonic()
        folder = self.root / "autograded" / job.student / self.bundle.assignment
        try:
            shutil.rmtree(folder.parent, ignore_errors=True)
            _write_folder(folder, job.files)
            _write_folder(folder, self.bundle.source_files)  # the instructor's files win
            result.files = read_folder(folder)
            for name in self.bundle.notebooks:
                result.notebooks[name] = self._grade_notebook(job, folder, name, result.timings)
            result.files = {k: v for k, v in result.files.items() if not k.endswith(".ipynb")}
        except Exception as error:  # one broken submission must not stop the worker
            result.error = f"{type(error).__name__}: {error}"
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
        result.timings["total"] = time.monotonic() - started
        return result

    def _grade_notebook(self, job, folder, name, timings):
        path = folder / f"{name}.ipynb"
        if not path.exists():  # made here, so RepairSubmission knows it is the grader's own
            reason = job.record(name).get("unreadable", "the notebook file is missing")
            nbformat.write(placeholder(reason), str(path))
        resources = {
            "unique_key": name,
            "output_files_dir": f"{name}_files",
            "nbgrader": {
                "student": job.student,
                "assignment": self.bundle.assignment,
                "notebook": name,
                "db_url": self.db_url,
            },
            RESOURCES_KEY: job.record(name),
        }
        started = time.monotonic()
        sanitized, _ = self.sanitize.from_filename(str(path), resources=_copy(resources))
        path.write_text(sanitized)
        timings["sanitize"] = timings.get("sanitize", 0) + time.monotonic() - started
        started = time.monotonic()
        with utils.setenv(NBGRADER_EXECUTION="autograde"):
            graded, _ = self.autograde.from_filename(str(path), resources=_copy(resources))
        info = read_notebook_record(json.loads(graded))
        measured = {
            "checks": info.seconds or 0.0,
            "checks_student": info.student_seconds or 0.0,
            "execute_student": info.execute.cell_seconds if info.execute else 0.0,
        }
        measured["execute"] = time.monotonic() - started - measured["checks"]
        for key, value in measured.items():
            timings[key] = timings.get(key, 0.0) + value
        return graded


class GradebookWriter:
    """The only writer of the gradebook and the autograded folder (see module docstring)."""

    def __init__(self, root, assignment):
        self.root = Path(root)
        self.assignment = assignment
        self.config = load_config(self.root)
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.writers = [
            p(config=self.config)
            for p in configured_autograde(self.config).autograde_preprocessors
            if _name(p) in WRITERS
        ]

    def record(self, job, graded):
        """Write one graded submission as `nbgrader autograde` would; returns seconds spent."""
        started = time.monotonic()
        with Gradebook(self.db_url) as gradebook, warnings.catch_warnings():
            # nbgrader's own session handling warns here on every new submission; harmless.
            warnings.simplefilter("ignore", SAWarning)
            gradebook.update_or_create_student(job.student)
            gradebook.find_assignment(self.assignment)
            timestamp = utils.parse_utc(job.timestamp) if job.timestamp else None
            if timestamp:
                gradebook.update_or_create_submission(
                    self.assignment, job.student, timestamp=timestamp
                )
            else:
                gradebook.update_or_create_submission(self.assignment, job.student)
        folder = self.root / "autograded" / job.student / self.assignment
        staging = folder.with_name(f".{self.assignment}.partial")
        _remove(staging)
        _write_folder(staging, graded.files)
        for name, text in graded.notebooks.items():
            # The worker's exporter validated it; validating again costs a tenth of a second.
            notebook = nbformat.v4.reads(text)
            resources = {
                "nbgrader": {
                    "student": job.student,
                    "assignment": self.assignment,
                    "notebook": name,
                    "db_url": self.db_url,
                }
            }
            for writer in self.writers:
                notebook, resources = writer(notebook, resources)
            (staging / f"{name}.ipynb").write_text(text)
        for path in staging.rglob("*"):
            if path.is_file():  # nbgrader leaves autograded files read-only
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        _remove(folder)
        staging.rename(folder)
        return time.monotonic() - started


def _copy(resources):
    return {k: dict(v) if isinstance(v, dict) else v for k, v in resources.items()}


def _write_folder(folder, files):
    for name, data in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(0o644)
        path.write_bytes(data)


def _remove(folder):
    if Path(folder).exists():
        for path in Path(folder).rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


__all__ = ["Autograder", "CourseBundle", "GradebookWriter", "GradedSubmission", "Job"]

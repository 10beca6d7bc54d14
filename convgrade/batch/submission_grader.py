"""One submission through nbgrader's own preprocessors, split so one process writes the gradebook.

`nbgrader autograde` reads, sanitizes, executes, scores and records each submission in one
process, writing the gradebook as it goes. Here the same preprocessor classes, with the
same configuration, run in two places:

- a `SubmissionGrader` (any worker process, on any machine) does everything up to the
  scores, reading a snapshot of the gradebook;
- the `GradebookWriter` (the coordinator, alone) creates the submission rows, writes the
  autograded folder and runs nbgrader's SaveAutoGrades and AssignLatePenalties.

A worker asked for feedback pages (`CourseBundle.feedback`) also records each submission in
its private gradebook copy with its own `GradebookWriter`, and makes the page there with
nbgrader's GenerateFeedback (convgrade/feedback/writer.py); the coordinator keeps the page
only if its real gradebook agrees.

The rows and files that come out are the ones `nbgrader autograde` writes
(tests/test_two_doors.py grades the whole catalog both ways and compares).

Where each of nbgrader's steps happens here (nbgrader 0.9: BaseConverter.convert_notebooks,
Autograde.init_assignment, Autograde.convert_single_notebook, Autograde._init_preprocessors):

- configuration: NbGrader.initialize loads jupyter_config and nbgrader_config from every
  Jupyter config folder, then nbgrader_config.py from the working folder and from the
  course root: `site_config_files` and `load_config`, shipped in `CourseBundle.site_config`;
- init_notebooks (which students) and init_destination (--force, CourseDirectory.
  student_id_exclude): scheduler.submissions and the scheduler's skip-unchanged state;
- pre_convert_hook / post_convert_hook: refused by `unsupported_settings` (they run
  instructor code around each submission in nbgrader's process; no place here matches);
- BaseConverter.init_assignment (the student's other files, without CourseDirectory.ignore
  and notebooks): `SubmissionGrader._stage`;
- Autograde.init_assignment: create_student, find_assignment and the submission row with
  its timestamp: `GradebookWriter.record`; the source files without ignore, notebooks and
  Autograde.exclude_overwriting: `SubmissionGrader._stage`; notebooks not in the gradebook
  are skipped: only `CourseBundle.notebooks` are graded; a missing notebook's zero rows:
  the intake's stand-in notebook is graded instead, in both doors, and scores zero;
- init_single_notebook_resources: `SubmissionGrader._grade_notebook`;
- convert_single_notebook with _init_preprocessors: sanitize_preprocessors, then
  autograde_preprocessors under NBGRADER_EXECUTION=autograde, each through the configured
  exporter: `SubmissionGrader` (all but the gradebook writers) and `GradebookWriter.record`
  (SaveAutoGrades, AssignLatePenalties, on the coordinator's gradebook);
- write_single_notebook and set_permissions: `GradebookWriter.record`, through nbgrader's
  own set_permissions (Autograde.permissions, CourseDirectory.groupshared);
- a failure removes the student's autograded folder (_handle_failure): `GradebookWriter`
  writes a staging folder and renames it, so a failed submission leaves the old one.
"""

import contextlib
import fnmatch
import hashlib
import json
import os
import resource
import shutil
import socket
import sqlite3
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
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402
from traitlets.config import Config  # noqa: E402
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader  # noqa: E402

from convgrade import course_folders  # noqa: E402
from convgrade.autograde.exporter import placeholder  # noqa: E402
from convgrade.batch.gradebook_engines import reuse_engines  # noqa: E402
from convgrade.batch.one_transaction import one_transaction  # noqa: E402
from convgrade.batch.stuck_worker import stuck_after  # noqa: E402
from convgrade.contract import read_notebook_record  # noqa: E402
from convgrade.intake.vetting import (  # noqa: E402
    RESOURCES_KEY,
    intake_record,
    missing_notebook,
)
from convgrade.reports.tasks import instructor_notebook  # noqa: E402
from convgrade.tempdirs import PrivateFolder  # noqa: E402

WRITERS = ("SaveAutoGrades", "AssignLatePenalties")
MAX_SUBMISSION_BYTES = 64 << 20


def warm_up(config_text, site_config=()):
    """Import the grading stack and launch a spare sandboxed kernel, before any submission."""
    from traitlets.config import Configurable

    from convgrade.sandbox.kernel import KernelPool

    config = config_from_files([*site_config, ("nbgrader_config.py", config_text)])
    configured_autograde(config)  # importing nbgrader's converters is the slow part

    KernelPool.refill(parent=Configurable(config=config))


def configured_autograde(config, root=None):
    """nbgrader's Autograde converter, for its configured exporter, preprocessor lists and
    settings; with the course folder `root` its CourseDirectory paths are usable too."""
    from nbgrader.converters import Autograde

    if root is None:
        return Autograde(config=config)
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config, root=str(Path(root).resolve()))
    return Autograde(coursedir=coursedir, config=config)


def unsupported_settings(config):
    """Settings `nbgrader autograde` honours that this path cannot, one reason each.

    nbgrader runs the convert hooks around each submission inside its own process, with
    the submitted paths; here a submission is graded in a worker, perhaps on another
    machine, so they would run somewhere else with other paths. Refused, not ignored."""
    converter = configured_autograde(config)
    return [
        f"c.{type(converter).__name__}.{hook} is set; grade with `nbgrader autograde`"
        for hook in ("pre_convert_hook", "post_convert_hook")
        if getattr(converter, hook) is not None
    ]


def _name(preprocessor):
    return getattr(preprocessor, "__name__", "")


def site_config_files(cwd=None):
    """[(path, text)]: the configuration files nbgrader loads besides the course's own,
    in the order it loads them (later ones win), read from this machine.

    nbgrader's app (NbGrader.load_config_file, JupyterApp.load_config_file) loads
    jupyter_config.py/.json and then nbgrader_config.py/.json from every Jupyter config
    folder, lowest priority first, then nbgrader_config.py from the working folder; the
    course root's file comes after these (NbGrader.initialize)."""
    from jupyter_core.paths import jupyter_config_dir, jupyter_config_path

    folders = jupyter_config_path()
    if jupyter_config_dir() not in folders:  # as JupyterApp.config_file_paths
        folders.insert(0, jupyter_config_dir())
    paths = [
        Path(folder) / f"{base}{suffix}"
        for base in ("jupyter_config", "nbgrader_config")
        for folder in reversed(folders)
        for suffix in (".py", ".json")
    ]
    paths.append(Path(cwd or os.getcwd()) / "nbgrader_config.py")
    return [(str(path), path.read_text()) for path in paths if path.is_file()]


def config_from_files(files):
    """One Config from [(path, text)], merged in order as traitlets merges loaded files.

    Each is loaded from a private copy under its own name: a worker has only the texts."""
    config = Config()
    with tempfile.TemporaryDirectory(prefix="convgrade-config-") as folder:
        for index, (path, text) in enumerate(files):
            copy = Path(folder) / str(index) / Path(path).name
            copy.parent.mkdir()
            copy.write_text(text)
            loader = JSONFileConfigLoader if copy.suffix == ".json" else PyFileConfigLoader
            config.merge(loader(copy.name, path=str(copy.parent)).load_config())
    # As BaseConverter._init_exporter: nbgrader's converters start from no nbconvert defaults.
    config.merge(Config({"Exporter": {"default_preprocessors": []}}))
    return config


def load_config(root, site_config=None):
    """The course's nbgrader configuration, as `nbgrader autograde` run in `root` loads it:
    this machine's Jupyter config folders, then the course's nbgrader_config.py."""
    if site_config is None:
        site_config = site_config_files(cwd=root)
    course = Path(root) / "nbgrader_config.py"
    return config_from_files([*site_config, (str(course), course.read_text())])


def _ignored(name, patterns):
    """Whether nbgrader's find_all_files leaves `name` out: any folder or the file itself
    matching one of the CourseDirectory.ignore globs."""
    return any(fnmatch.fnmatch(part, glob) for part in Path(name).parts for glob in patterns)


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
    # Configuration nbgrader loads besides the course's file ([(path, text)], site_config_files).
    site_config: list = field(default_factory=list)
    # The configured hidden checks' files (c.HiddenChecks.hidden_dir), so that every worker
    # grades with exactly the suite the fingerprint hashed, wherever its course copy is.
    hidden_checks: dict = field(default_factory=dict)
    # The instructor's notebooks ({source/ASSIGNMENT/NAME.ipynb: bytes}): feedback pages name
    # the tasks from them (convgrade/reports/tasks.py), so workers that write pages need them.
    instructor_notebooks: dict = field(default_factory=dict)
    # Whether workers also write each graded student's feedback page; not in the fingerprint
    # (pages are an output of grading, not an input).
    feedback: bool = False

    @classmethod
    def from_course(cls, root, assignment):
        root = Path(root)
        source = read_folder(root / "source" / assignment)
        site_config = site_config_files(cwd=root)
        config = load_config(root, site_config)
        gradebook_file = course_folders.gradebook_file(config, root)
        with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
            notebooks = [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        bundle = cls(
            assignment,
            (root / "nbgrader_config.py").read_text(),
            gradebook_file.read_bytes(),
            {k: v for k, v in source.items() if not k.endswith(".ipynb")},
            notebooks,
            site_config=site_config,
        )
        # The hidden checks as `nbgrader autograde` in this course would find them; `root` is
        # the course root here, as for the GradebookWriter.
        config.merge(Config({"CourseDirectory": {"root": str(root.resolve())}}))
        hidden = read_folder(course_folders.hidden_checks_dir(config))
        bundle.hidden_checks = {k: v for k, v in hidden.items() if not _is_bytecode(k)}
        for name in notebooks:  # the copy the coordinator's own feedback pages would read
            path = instructor_notebook(root, assignment, name)
            if path is not None:
                copy = Path("source") / assignment / f"{name}.ipynb"
                bundle.instructor_notebooks[str(copy)] = path.read_bytes()
        # What grading depends on besides the submission: if any of it changes, regrade all.
        grader = read_folder(course_folders.PACKAGE_DIR)
        bundle.fingerprint = digest_files(
            {
                "config": bundle.config_text.encode(),
                **{f"source/{k}": v for k, v in source.items()},
                **{f"hidden/{k}": v for k, v in bundle.hidden_checks.items()},
                **{f"grader/{k}": v for k, v in grader.items() if not _is_bytecode(k)},
            }
        )
        return bundle


def _is_bytecode(name):
    """Python's cache files: rewritten by imports, never a change in what grades."""
    return name.endswith(".pyc") or "__pycache__" in Path(name).parts


@dataclass
class Job:
    """One student's submitted folder, as convgrade/intake.py vetted it."""

    student: str
    files: dict
    timestamp: str | None = None
    refused: list = field(default_factory=list)  # intake.Refusal: what was left out, and why
    # Whether this process will likely grade another submission after this one; if not, it
    # starts no spare kernel or checks process ahead (set by the scheduler, not in the digest).
    more_follow: bool = True

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
    # With CourseBundle.feedback: the student's feedback folder ({relative path: bytes}) and
    # what it shows from the worker's gradebook copy (feedback.writer.gradebook_facts), or
    # why no page was made.
    feedback: dict | None = None
    feedback_facts: str | None = None
    feedback_error: str | None = None
    # The grading process and its peak resident memory so far (MiB), to show it stays flat.
    worker: tuple = ()


class SubmissionGrader:
    """Grades submissions up to their scores; lives as long as its worker process.

    Parameters
    ----------
    bundle : CourseBundle
    """

    def __init__(self, bundle, process_started=None):
        started = process_started or time.monotonic()
        reuse_engines()
        self.bundle = bundle
        # The course copy holds the gradebook: removed at exit, or by remove_stale if killed.
        self._folder = PrivateFolder("course")
        self.root = self._folder.path
        (self.root / "nbgrader_config.py").write_text(bundle.config_text)
        (self.root / "gradebook.db").write_bytes(bundle.gradebook)
        _PRIVATE_GRADEBOOK_FOLDERS.add(os.path.realpath(self.root))
        self.config = load_config(self.root, bundle.site_config)
        # Grade with the hidden checks the coordinator fingerprinted, not this machine's.
        _write_folder(self.root / "hidden_checks", bundle.hidden_checks)
        self.config.HiddenChecks.hidden_dir = str(self.root / "hidden_checks")
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        # Everything in this process reads the private copy, whatever db_url the course sets:
        # only the coordinator writes the real gradebook.
        self.config.CourseDirectory.db_url = self.db_url
        course = configured_autograde(self.config, self.root)
        self.ignore = [*course.coursedir.ignore, "*.ipynb"]
        self.keep_students = set(course.exclude_overwriting.get(bundle.assignment, []))
        self.sanitize = self._exporter(course, course.sanitize_preprocessors)
        self.autograde = self._exporter(
            course, [p for p in course.autograde_preprocessors if _name(p) not in WRITERS]
        )
        self._feedback = self._feedback_makers(bundle) if bundle.feedback else None
        self.stuck_after = stuck_after(self.config, len(bundle.notebooks))
        self.setup_seconds = time.monotonic() - started

    def close(self):
        """Remove the private course copy (also done at exit, or by remove_stale if killed)."""
        self._folder.close()

    def _feedback_makers(self, bundle):
        """This copy's own gradebook writer and nbgrader's feedback generator: a page is made
        here exactly as the coordinator would make it after recording the submission."""
        from convgrade.feedback.writer import FeedbackRenderer

        _write_folder(self.root, bundle.instructor_notebooks)
        writer = GradebookWriter(self.root, bundle.assignment, config=self.config)
        return writer, FeedbackRenderer(self.root, self.config)

    def _exporter(self, course, preprocessors):
        exporter = course.exporter_class(config=self.config)
        for preprocessor in preprocessors:
            exporter.register_preprocessor(preprocessor)
        # nbconvert validates the whole notebook after every preprocessor unless told to
        # validate once, after the last: what is written is still validated. (With no
        # preprocessor at all, nbconvert 7's once-after-the-last check would fail.)
        exporter.optimistic_validation = bool(preprocessors)
        return exporter

    def grade(self, job):
        """Autograde one student's folder; never raises (errors come back in the result)."""
        from convgrade.sandbox.kernel import KernelPool
        from convgrade.sandbox.student_process import WorkerPool

        KernelPool.wanted = WorkerPool.wanted = job.more_follow
        result = GradedSubmission(job.student)
        if self.setup_seconds:  # charged once, to the first submission this worker grades
            result.timings["startup"], self.setup_seconds = self.setup_seconds, 0.0
        started = time.monotonic()
        folder = self.root / "autograded" / job.student / self.bundle.assignment
        try:
            shutil.rmtree(folder.parent, ignore_errors=True)
            self._stage(folder, job)
            result.files = read_folder(folder)
            for name in self.bundle.notebooks:
                result.notebooks[name] = self._grade_notebook(job, folder, name, result.timings)
            result.files = {k: v for k, v in result.files.items() if not k.endswith(".ipynb")}
            if self._feedback:
                self._write_feedback(job, result)
        except Exception as error:  # one broken submission must not stop the worker
            result.error = f"{type(error).__name__}: {error}"
        finally:
            shutil.rmtree(folder.parent, ignore_errors=True)
        result.timings["total"] = time.monotonic() - started
        result.worker = (f"{socket.gethostname()}:{os.getpid()}", _peak_memory_mib())
        return result

    def _write_feedback(self, job, result):
        """Record the submission in this copy's gradebook and make its feedback page; a
        failure is sent back (the coordinator then makes the page itself)."""
        from convgrade.feedback.writer import gradebook_facts

        started = time.monotonic()
        writer, renderer = self._feedback
        try:
            writer.record(job, result)
            result.feedback = renderer.render(self.bundle.assignment, job.student)
            result.feedback_facts = gradebook_facts(
                self.db_url, self.bundle.assignment, job.student
            )
        except Exception as error:
            result.feedback, result.feedback_error = None, f"{type(error).__name__}: {error}"
        result.timings["feedback"] = time.monotonic() - started

    def _stage(self, folder, job):
        """The autograded folder before its notebooks are graded, as nbgrader's
        init_assignment steps leave it (see the module docstring)."""
        notebooks = {f"{name}.ipynb" for name in self.bundle.notebooks}
        _write_folder(folder, {k: v for k, v in job.files.items() if k in notebooks})
        _write_folder(folder, {k: v for k, v in job.files.items() if not _ignored(k, self.ignore)})
        # The instructor's files win, except those the course lets students submit.
        source = self.bundle.source_files
        _write_folder(
            folder,
            {
                k: v
                for k, v in source.items()
                if not _ignored(k, self.ignore) and k not in self.keep_students
            },
        )

    def _grade_notebook(self, job, folder, name, timings):
        path = folder / f"{name}.ipynb"
        if not path.exists():  # made here, so RepairSubmission knows it is the grader's own
            reason = job.record(name).get("unreadable") or missing_notebook(name, job.files)
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

    def __init__(self, root, assignment, config=None):
        reuse_engines()
        self.root = Path(root)
        self.assignment = assignment
        self.config = config if config is not None else load_config(self.root)
        self.converter = configured_autograde(self.config, self.root)
        self.coursedir = self.converter.coursedir
        self.db_url = self.coursedir.db_url
        self.writers = [
            p(config=self.config)
            for p in self.converter.autograde_preprocessors
            if _name(p) in WRITERS
        ]
        # nbgrader's own first opening: the tables exist before any record's transaction.
        Gradebook(self.db_url, self.coursedir.course_id).close()

    def record(self, job, graded):
        """Write one graded submission as `nbgrader autograde` would; returns seconds spent.
        The gradebook gets all of it or, if anything fails, none of it (one_transaction)."""
        started = time.monotonic()
        folder = Path(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, job.student, self.assignment
            )
        )
        staging = folder.with_name(f".{self.assignment}.partial")
        _remove(staging)
        try:
            self._record_in_gradebook(job, graded, staging)
        except BaseException:
            _remove(staging)
            with contextlib.suppress(OSError):  # the student's folder, if made for it alone
                staging.parent.rmdir()
            raise
        _remove(folder)
        staging.rename(folder)
        # nbgrader's own: Autograde.permissions (read-only unless CourseDirectory.groupshared).
        self.converter.set_permissions(self.assignment, job.student)
        return time.monotonic() - started

    def _record_in_gradebook(self, job, graded, staging):
        """The gradebook's rows, and the staged autograded folder they were made from."""
        _write_folder(staging, graded.files)
        with one_transaction(self.db_url), warnings.catch_warnings():
            # nbgrader's own session handling warns here on every new submission; harmless.
            warnings.simplefilter("ignore", SAWarning)
            self._record_submission(job)
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

    def _record_submission(self, job):
        """The student and the submission, as Autograde.init_assignment makes them."""
        with Gradebook(self.db_url, self.coursedir.course_id) as gradebook:
            if self.converter.create_student:  # with no fields, as Autograde.init_assignment
                gradebook.update_or_create_student(job.student)
            else:
                gradebook.find_student(job.student)  # MissingEntry: not recorded, says why
            gradebook.find_assignment(self.assignment)
            timestamp = utils.parse_utc(job.timestamp) if job.timestamp else None
            if timestamp:
                gradebook.update_or_create_submission(
                    self.assignment, job.student, timestamp=timestamp
                )
            else:
                gradebook.update_or_create_submission(self.assignment, job.student)


# Folders of the workers' private gradebook copies in this process (SubmissionGrader.root).
_PRIVATE_GRADEBOOK_FOLDERS = set()


@event.listens_for(Engine, "connect")
def _private_copies_do_not_wait_for_the_disk(dbapi_connection, _record):
    """SQLite on a worker's private gradebook copy neither waits for the disk at each commit
    nor keeps a rollback journal file: nbgrader commits after every grade it saves (about 35
    a submission), and at a few milliseconds each that was half the cost of a feedback page.
    The copy is thrown away with its worker; the course's gradebook, written by the
    coordinator alone, keeps SQLite's defaults."""
    if not _PRIVATE_GRADEBOOK_FOLDERS or not isinstance(dbapi_connection, sqlite3.Connection):
        return
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    files = [row[2] for row in rows if row[1] == "main" and row[2]]
    # SQLite names the file with links resolved; so are the folders kept above.
    if files and os.path.dirname(os.path.realpath(files[0])) in _PRIVATE_GRADEBOOK_FOLDERS:
        dbapi_connection.execute("PRAGMA synchronous=OFF")
        dbapi_connection.execute("PRAGMA journal_mode=MEMORY")


def _peak_memory_mib():
    """This process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


__all__ = ["CourseBundle", "GradebookWriter", "GradedSubmission", "Job", "SubmissionGrader"]

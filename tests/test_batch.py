"""Class-scale grading: parallel equals sequential, kills resume, unchanged work is skipped, Dask.

The reference is the catalog class as sequential `nbgrader autograde` graded it (the
session's `graded_catalog`, which tests/test_two_doors.py compares with `convgrade grade
--jobs 2` in full). Small courses of the same students, with the same limits, then check
resuming after a kill, skipping, --force and a Dask LocalCluster against its rows.
"""

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from support import FAST_LIMITS, REPO, catalog_class, make_course, nbgrader, read_notebook
from tools import scenarios

from convgrade.batch.scheduler import LAST_RUN_FILE, STATE_FILE, grade_class, longest_first

# The catalog's honest students (no hostile ones: their rows may depend on timing), a kind
# after another, so any slice of them mixes right, faulty and half-done work.
_HONEST = {
    kind: [student for student in catalog_class() if student.startswith(f"{kind}-")]
    for kind in ("correct", "faulty", "partial")
}
CLASS = [
    student
    for group in itertools.zip_longest(*_HONEST.values())
    for student in group
    if student is not None
]


def build_course(root, students):
    """A course of catalog students with the catalog's limits, so its rows can be compared
    with the catalog run's."""
    make_course(root)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + FAST_LIMITS)
    for student in students:
        scenarios.write_submission(catalog_class()[student], root, student)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    return root


def rows(root, students=None):
    """Every grade and comment row the gradebook holds, per student."""
    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions("convolutions"):
            student = submission.student.id
            if students and student not in students:
                continue
            grades = sorted(
                (g.name, g.auto_score, g.manual_score, g.needs_manual_grade)
                for nb in submission.notebooks
                for g in nb.grades
            )
            comments = sorted(
                (c.name, c.auto_comment) for nb in submission.notebooks for c in nb.comments
            )
            found[student] = (grades, comments)
    return found


def scored_cells(root, student):
    """What the feedback shows for each graded test cell, and the checks behind it."""
    notebook = read_notebook(root / "autograded" / student / "convolutions" / "convolutions.ipynb")
    return {
        cell.metadata["nbgrader"]["grade_id"]: (
            [o.get("data", {}).get("text/plain") for o in cell.outputs],
            cell.metadata.get("convgrade", {}).get("checks"),
        )
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("points") and cell.cell_type == "code"
    }


@pytest.fixture(scope="module")
def sequential(catalog_course):
    """The catalog course graded sequentially, by plain `nbgrader autograde`."""
    return catalog_course("nbgrader")


@pytest.fixture(scope="module")
def parallel(catalog_course):
    """The same class graded by `convgrade grade --jobs 2` (support.grade_through)."""
    return catalog_course("convgrade")


@pytest.mark.e2e
def test_parallel_grading_equals_sequential(sequential, parallel):
    expected = rows(sequential, CLASS)
    assert len(expected) == len(CLASS) >= 40 and rows(parallel, CLASS) == expected
    for student in CLASS:
        assert scored_cells(parallel, student) == scored_cells(sequential, student), student


@pytest.mark.e2e
def test_a_killed_run_finishes_when_started_again(sequential, tmp_path):
    students = CLASS[:10]
    root = build_course(tmp_path / "course", students)
    env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    command = [sys.executable, "-m", "convgrade.cli", "grade", "--jobs", "2", "--no-feedback"]
    run = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state = root / STATE_FILE
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        if state.exists() and len(json.loads(state.read_text())) >= 3:
            break
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done = len(json.loads(state.read_text()))
    assert 3 <= done < len(students), "the kill should land halfway"
    report = grade_class(root, jobs=2, progress=False)
    assert len(report.skipped) == done and len(report.graded) == len(students) - done
    assert rows(root) == rows(sequential, students)


DROPPED_CTRL_C = """
import sys
from convgrade.batch import scheduler

record = scheduler._record


def record_then_stop(*args, **kwargs):
    record(*args, **kwargs)
    # What the command's handler does, with the KeyboardInterrupt it raises dropped, as
    # Python drops one raised inside a garbage collector's callback.
    scheduler.STOP_REQUESTED.set()


scheduler._record = record_then_stop
try:
    scheduler.grade_class(sys.argv[1], jobs=1, progress=False)
except KeyboardInterrupt:
    print("stopped")
"""


@pytest.mark.e2e
def test_a_ctrl_c_python_dropped_still_stops_the_run(tmp_path):
    """A KeyboardInterrupt raised in a weakref callback is ignored by Python: the run
    stopped only at its end (seen when the collector ran right as Ctrl-C came). The stop
    request is kept, and the run stops after the submission it was recording."""
    root = build_course(tmp_path / "course", CLASS[:3])
    env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    done = subprocess.run(
        [sys.executable, "-c", DROPPED_CTRL_C, str(root)],
        cwd=REPO / "tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.stdout == "stopped\n", done.stderr
    assert len(list((root / "autograded").glob("*/convolutions"))) == 1


@pytest.mark.e2e
def test_a_coordinator_killed_alone_leaves_no_process_behind(tmp_path):
    # Only the coordinator is killed, as by `kill -9 PID` or the out-of-memory killer:
    # its workers, the fork server and every sandbox must end too.
    import psutil

    root = build_course(tmp_path / "course", CLASS[:3])
    env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    command = [sys.executable, "-m", "convgrade.cli", "grade", "--jobs", "2", "--no-feedback"]
    run = subprocess.Popen(
        command, cwd=root, env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 300
        kernels = []
        while time.monotonic() < deadline and run.poll() is None and len(kernels) < 2:
            descendants = psutil.Process(run.pid).children(recursive=True)
            kernels = [p for p in descendants if _is_kernel(p)]
            time.sleep(0.2)
        assert len(kernels) >= 2, "the workers should be grading when the coordinator is killed"
        descendants = psutil.Process(run.pid).children(recursive=True)
        run.kill()
        run.wait()
        _, alive = psutil.wait_procs(descendants, timeout=30)
        assert not alive, [" ".join(_cmdline(p))[:80] for p in alive]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    # What the killed workers left (their sandboxes' folders) is swept by the next run.
    assert len(grade_class(root, jobs=2, progress=False).graded) == 3


def _cmdline(process):
    try:
        return process.cmdline()
    except Exception:  # gone meanwhile
        return []


def _is_kernel(process):
    """A kernel started on its own, or the init of one forked from the kernel zygote."""
    try:
        return "ipykernel_launcher" in " ".join(process.cmdline()) or (
            process.name() == "kernel-init"
        )
    except Exception:  # gone meanwhile
        return False


@pytest.mark.e2e
def test_unchanged_submissions_are_skipped_and_force_regrades(tmp_path):
    students = CLASS[:4]
    root = build_course(tmp_path / "course", students)
    assert len(grade_class(root, jobs=2, progress=False).graded) == 4
    again = grade_class(root, jobs=2, progress=False)
    assert again.graded == [] and sorted(again.skipped) == sorted(students)
    changed = root / "submitted" / students[0] / "convolutions" / "convolutions.ipynb"
    changed.write_bytes(
        scenarios.build(scenarios.load(scenarios.CATALOG_DIR / "partial" / "untouched.py"))
    )
    assert grade_class(root, jobs=2, progress=False).graded == [students[0]]
    assert sorted(grade_class(root, jobs=2, force=True, progress=False).graded) == sorted(students)
    # A regrade hands out first whom the last run did not grade, then the slowest: one
    # worker grades them in that order.
    last = {students[1]: {"total": 10.0}, students[2]: {"total": 20.0}}
    (root / LAST_RUN_FILE).write_text(json.dumps({"timings": last}))
    regrade = grade_class(root, jobs=1, force=True, students=students[:3], progress=False)
    assert regrade.graded == [students[0], students[2], students[1]]


def test_a_regrade_hands_out_the_longest_submissions_first(tmp_path):
    """Unknown students first in their order, then by the last run's time, longest first."""
    todo = [(name, f"key-{name}") for name in ("ana", "bo", "cy", "di", "ed")]
    (tmp_path / LAST_RUN_FILE).parent.mkdir()
    timings = {"ana": {"total": 3.1}, "bo": {"total": 41.0}, "di": {"total": 7.5}}
    (tmp_path / LAST_RUN_FILE).write_text(json.dumps({"seconds": 60, "timings": timings}))
    ordered = longest_first(todo, tmp_path)
    assert [name for name, _ in ordered] == ["cy", "ed", "bo", "di", "ana"]
    assert sorted(ordered) == todo  # the same items, keys with their students


@pytest.mark.parametrize(
    "content",
    [None, "not json", "[]", '{"timings": []}', '{"timings": {"ana": "slow"}}', "{}"],
)
def test_without_a_last_run_to_go_by_the_order_is_kept(tmp_path, content):
    todo = [(name, name) for name in ("di", "ana", "cy")]
    if content is not None:
        (tmp_path / LAST_RUN_FILE).parent.mkdir()
        (tmp_path / LAST_RUN_FILE).write_text(content)
    assert longest_first(todo, tmp_path) == todo


@pytest.mark.e2e
def test_dask_cluster_grades_the_same(sequential, tmp_path):
    from distributed import LocalCluster

    students = CLASS[10:16]
    root = build_course(tmp_path / "course", students)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        report = grade_class(root, scheduler=cluster.scheduler_address, progress=False)
    assert report.failed == {} and sorted(report.graded) == sorted(students)
    assert rows(root) == rows(sequential, students)


@pytest.mark.e2e
def test_class_report_shows_distribution_failures_and_mistakes(parallel, tmp_path):
    from convgrade.reports.class_page import write_report

    page = write_report(parallel, tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    assert "flipped kernel" in page and f"{len(rows(parallel))} submissions" in page


class _Pages:
    """A FeedbackPlacer stand-in that remembers what it was asked to do."""

    def __init__(self):
        self.placed, self.removed = {}, []

    def place(self, student, files):
        self.placed[student] = files

    def remove(self, student):
        self.removed.append(student)


class _Writer:
    db_url, assignment = "sqlite:///unused.db", "convolutions"

    def record(self, job, graded):
        return 0.01


def _finished(value):
    from concurrent.futures import Future

    future = Future()
    future.set_result(value)
    return future


def _record_one(tmp_path, monkeypatch, graded, coordinator_facts="facts", recorded=None):
    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import Job

    monkeypatch.setattr(scheduler, "gradebook_facts", lambda *args: coordinator_facts)
    job = Job("ada", {"convolutions.ipynb": b"{}"})
    state = scheduler.GradingState(tmp_path)
    if recorded is not None:
        state.record("ada", recorded(job))
    report, pages, later = scheduler.BatchReport(), _Pages(), []
    scheduler._record(_finished(graded), job, "key", _Writer(), state, report, pages, later)
    return report, pages, later, state


def _graded(**fields):
    from convgrade.batch.submission_grader import GradedSubmission

    return GradedSubmission("ada", **fields)


def test_a_workers_page_is_placed_when_the_gradebooks_agree(tmp_path, monkeypatch):
    page = {"convolutions.html": b"<html>"}
    report, pages, later, state = _record_one(
        tmp_path, monkeypatch, _graded(feedback=page, feedback_facts="facts")
    )
    assert pages.placed == {"ada": page} and later == [] and report.graded == ["ada"]
    assert state.is_current("ada", "key")


@pytest.mark.parametrize(
    "graded",
    [
        _graded(feedback={"convolutions.html": b"<html>"}, feedback_facts="a TA changed a score"),
        _graded(feedback=None, feedback_error="FeedbackFailed: template missing"),
    ],
    ids=["gradebooks-disagree", "worker-made-none"],
)
def test_otherwise_the_old_page_comes_down_and_the_coordinator_makes_it(
    tmp_path, monkeypatch, graded
):
    report, pages, later, state = _record_one(tmp_path, monkeypatch, graded)
    assert pages.placed == {} and pages.removed == ["ada"]
    assert [job.student for job, _ in later] == ["ada"] and report.graded == ["ada"]
    # Done only once the coordinator's page exists: a kill before that makes it again.
    assert not state.is_current("ada", "key")


def test_a_failed_student_keeps_no_page_made_for_another_submission(tmp_path, monkeypatch):
    failed = _graded(error="RuntimeError: kernel died")
    _, pages, _, _ = _record_one(tmp_path, monkeypatch, failed, recorded=lambda job: "old:other")
    assert pages.removed == ["ada"]
    # A forced regrade of the very submission the page shows keeps it, though this run failed.
    _, pages, _, _ = _record_one(
        tmp_path, monkeypatch, failed, recorded=lambda job: f"old:{job.digest}"
    )
    assert pages.removed == []


def test_local_worker_processes_are_replaced_after_their_quota(monkeypatch):
    from worker_probe import process_id

    from convgrade.batch import scheduler

    monkeypatch.setattr(scheduler, "TASKS_PER_WORKER", 2)
    with scheduler._executor("", 2, None, function=process_id, initializer=None) as executor:
        pids = []
        for job in range(12):  # one at a time: quota 2 per process, so 4 per pool of 2
            pids.append(executor.submit(job).result())
    pools = [set(pids[start : start + 4]) for start in (0, 4, 8)]
    # Each pool's processes ran its four jobs and no others.
    assert all(not (a & b) for a, b in itertools.combinations(pools, 2)), pids


def test_local_workers_are_forked_with_the_grading_stack_imported_once():
    """Every local worker starts with nbgrader and the rest of the grading stack loaded,
    imported once by the process they are all forked from (not this one, which holds
    threads and connections), and, like it, ignores Ctrl-C: the coordinator handles it."""
    from worker_probe import loaded_and_parent

    from convgrade.batch import scheduler
    from convgrade.batch.startup import WORKER_MODULES

    with scheduler._executor("", 2, None, function=loaded_and_parent, initializer=None) as pool:
        answers = [pool.submit(job).result() for job in range(4)]
    assert all(loaded == list(WORKER_MODULES) for loaded, _, _ in answers), answers
    parents = {parent for _, parent, _ in answers}
    assert len(parents) == 1 and os.getpid() not in parents, parents
    server = parents.pop()
    assert all(ignores_ctrl_c for _, _, ignores_ctrl_c in answers), answers
    ignored = int(_proc_status(server)["SigIgn"], 16)
    assert ignored & (1 << (signal.SIGINT - 1)), "the fork server does not ignore SIGINT"


def test_the_fork_server_is_started_early_with_ctrl_c_ignored_and_only_once():
    """`convgrade grade` starts the workers' fork server before it imports nbgrader itself;
    calling again (as the pool does) starts no second server, and this process's own Ctrl-C
    handler is left as it was."""
    from multiprocessing import forkserver

    from convgrade.batch.startup import start_worker_imports

    before = signal.getsignal(signal.SIGINT)
    start_worker_imports()
    server = forkserver._forkserver._forkserver_pid
    start_worker_imports()
    assert forkserver._forkserver._forkserver_pid == server
    assert signal.getsignal(signal.SIGINT) is before
    ignored = int(_proc_status(server)["SigIgn"], 16)
    assert ignored & (1 << (signal.SIGINT - 1))


INTERRUPTED_WHILE_WORKERS_START = """
import os, signal, sys, threading
# As `convgrade grade` does: its own handler, whatever this process inherited (a job started
# in the background by a shell that has no job control inherits Ctrl-C ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, sys.argv[1])
from worker_probe import process_id
from convgrade.batch import scheduler
from convgrade.batch.startup import start_worker_imports
start_worker_imports()  # the server now imports the grading stack: seconds, not tenths
try:
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    with scheduler._executor("", 2, None, function=process_id, initializer=None) as pool:
        pool.submit(0).result()
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_a_ctrl_c_while_the_workers_start_is_not_lost():
    """Only launching the fork server ignores Ctrl-C: waiting for its imports does not, so
    a Ctrl-C then stops the coordinator (with the whole pool start shielded, this one was
    dropped and the run went on), which then exits without hanging on its pool."""
    run = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_WORKERS_START, str(REPO / "tests")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (run.returncode, run.stdout) == (0, "interrupted\n"), run.stdout + run.stderr[-3000:]


def test_a_local_worker_leaves_no_kernel_or_course_copy_when_it_exits():
    """A forked worker ends without Python's exit functions: its spare kernel (launched as
    it warmed up), its sandbox folders and its private course copy go all the same."""
    import psutil
    from worker_probe import hold_a_grader

    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import CourseBundle

    bundle = CourseBundle.from_course(REPO, "convolutions")
    config = (REPO / "nbgrader_config.py").read_text()
    executor = scheduler._executor(config, 1, None, function=hold_a_grader, site_config=[])
    with executor as pool:
        pool.bundle = bundle
        pid, course_copy = pool.submit(0).result()
        worker = psutil.Process(pid)
        below = worker.children(recursive=True)
        kernels = [p for p in below if "ipykernel" in " ".join(p.cmdline())]
        mine = list(Path(tempfile.gettempdir()).glob(f"convgrade-*-{pid}-*"))
        assert kernels and Path(course_copy) in mine, (kernels, mine)
    psutil.wait_procs([worker, *kernels], timeout=30)
    assert not any(p.is_running() for p in [worker, *kernels])
    assert not list(Path(tempfile.gettempdir()).glob(f"convgrade-*-{pid}-*"))


def _proc_status(pid):
    lines = open(f"/proc/{pid}/status").read().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def test_a_worker_builds_a_new_grader_for_another_gradebook_or_feedback(monkeypatch):
    """A long-lived Dask worker serves several runs: a TA's scores in between, or pages asked
    for this time, must reach it."""
    from dataclasses import replace

    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import CourseBundle

    built = []

    class Recorder:
        stuck_after = 0  # as SubmissionGrader's: never taken to be stuck

        def __init__(self, bundle, process_started=None):
            self.bundle = bundle
            built.append(bundle)

        def grade(self, job):
            return job

    monkeypatch.setattr(scheduler, "SubmissionGrader", Recorder)
    monkeypatch.setattr(scheduler, "_grader", None)
    first = CourseBundle("convolutions", "", b"gradebook", {}, [], fingerprint="course")
    runs = [
        first,
        replace(first),  # the same run's bundle, as received with the next job
        replace(first, gradebook=b"a TA scored a cell"),
        replace(first, gradebook=b"a TA scored a cell", feedback=True),
    ]
    for bundle in runs:
        scheduler._grade(bundle, "job")
    assert built == [runs[0], runs[2], runs[3]]


def test_a_worker_never_opens_the_courses_own_gradebook(released_course, tmp_path):
    """A course that names its gradebook (c.CourseDirectory.db_url): the worker's grading,
    recording and page making all use its private copy, never the shared database."""
    from dataclasses import replace

    from convgrade.batch.submission_grader import CourseBundle, SubmissionGrader

    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    bundle = CourseBundle.from_course(released_course, "convolutions")
    config_text = bundle.config_text + f"\nc.CourseDirectory.db_url = {shared!r}\n"
    grader = SubmissionGrader(replace(bundle, config_text=config_text, feedback=True))
    writer, renderer = grader._feedback
    private = f"sqlite:///{grader.root / 'gradebook.db'}"
    assert grader.db_url == writer.db_url == renderer.coursedir.db_url == private
    assert not (tmp_path / "shared.db").exists()


def test_only_a_workers_private_gradebook_copy_skips_waiting_for_the_disk(tmp_path, monkeypatch):
    """nbgrader commits after every grade; a worker's throwaway copy need not wait for the
    disk each time, but the course's gradebook (the coordinator's) keeps SQLite's defaults."""
    import tempfile

    from sqlalchemy import text

    from convgrade.batch.submission_grader import CourseBundle, SubmissionGrader

    def pragmas(db_url):
        with Gradebook(db_url) as gradebook:
            session = gradebook.db
            return tuple(
                session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("synchronous", "journal_mode")
            )

    grader = SubmissionGrader(CourseBundle.from_course(REPO, "convolutions"))
    assert pragmas(grader.db_url) == (0, "memory")
    # Also when the temporary folder is reached through a link (SQLite resolves it).
    real, link = tmp_path / "real-tmp", tmp_path / "linked-tmp"
    real.mkdir()
    link.symlink_to(real)
    monkeypatch.setattr(tempfile, "tempdir", str(link))
    linked = SubmissionGrader(CourseBundle.from_course(REPO, "convolutions"))
    assert str(linked.root).startswith(str(link))
    assert pragmas(linked.db_url) == (0, "memory")
    course_copy = tmp_path / "gradebook.db"
    course_copy.write_bytes((REPO / "gradebook.db").read_bytes())
    assert pragmas(f"sqlite:///{course_copy}") == (2, "delete")


@pytest.mark.parametrize("preprocessors", [[], ["ClearOutputPreprocessor"]])
def test_a_workers_exporter_validates_once_with_or_without_preprocessors(preprocessors):
    """Validating once, after the last preprocessor, must not break an empty pipeline."""
    from types import SimpleNamespace

    import nbformat
    from nbconvert import preprocessors as nbconvert_preprocessors
    from nbconvert.exporters import NotebookExporter
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    from traitlets.config import Config

    from convgrade.batch.submission_grader import SubmissionGrader

    course = SimpleNamespace(exporter_class=NotebookExporter)
    # As the worker's configuration: no nbconvert defaults, only what is registered.
    config = {
        "Exporter": {"default_preprocessors": []},
        "ClearOutputPreprocessor": {"enabled": True},
    }
    grader = SimpleNamespace(config=Config(config))
    classes = [getattr(nbconvert_preprocessors, name) for name in preprocessors]
    exporter = SubmissionGrader._exporter(grader, course, classes)
    assert exporter.optimistic_validation is bool(classes)
    cell = new_code_cell("1", outputs=[new_output("stream", text="1\n")])
    body, _ = exporter.from_notebook_node(new_notebook(cells=[cell]))
    assert len(nbformat.reads(body, 4).cells[0].outputs) == (0 if classes else 1)


class _StuckPages(_Pages):
    """Pages whose old folder cannot be moved (another user's, or made immutable)."""

    def place(self, student, files):
        self.remove(student)

    def remove(self, student):
        raise PermissionError(1, "Operation not permitted", f"feedback/{student}/convolutions")


def test_a_page_that_cannot_be_replaced_costs_only_that_students_page(tmp_path, monkeypatch):
    """The worker's page cannot be placed and the old one cannot be taken down: the run goes
    on, says so, and the student is not marked done, so the next run tries again."""
    from convgrade.batch import scheduler
    from convgrade.batch.submission_grader import Job

    monkeypatch.setattr(scheduler, "gradebook_facts", lambda *args: "facts")
    job, state = Job("ada", {"convolutions.ipynb": b"{}"}), scheduler.GradingState(tmp_path)
    report, later = scheduler.BatchReport(), []
    graded = _graded(feedback={"convolutions.html": b"<html>"}, feedback_facts="other")
    scheduler._record(_finished(graded), job, "key", _Writer(), state, report, _StuckPages(), later)
    assert report.graded == ["ada"] and later == []
    assert report.no_feedback["ada"].startswith("the old page cannot be replaced: ")
    assert not state.is_current("ada", "key")


def test_a_page_is_replaced_whole_or_left_as_it_was(course, monkeypatch):
    """The old page is moved aside in one step before any of it is deleted: if that step
    fails, the old page is whole, images and all."""
    from convgrade.batch.submission_grader import load_config
    from convgrade.feedback.writer import FeedbackPlacer

    pages = FeedbackPlacer(course, "convolutions", load_config(course))
    pages.place("ada", {"convolutions.html": b"old", "images/a.png": b"png"})
    folder = pages.folder("ada")
    real_rename = Path.rename

    def refuse_the_old_page(self, target):
        if self == folder:
            raise PermissionError(1, "Operation not permitted", str(self))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse_the_old_page)
    for attempt in (
        lambda: pages.place("ada", {"convolutions.html": b"new"}),
        lambda: pages.remove("ada"),
    ):
        with pytest.raises(PermissionError):
            attempt()
        assert (folder / "convolutions.html").read_bytes() == b"old"
        assert (folder / "images" / "a.png").read_bytes() == b"png"
    monkeypatch.undo()
    pages.place("ada", {"convolutions.html": b"new"})
    assert sorted(p.name for p in folder.parent.iterdir()) == ["convolutions"]
    assert (folder / "convolutions.html").read_bytes() == b"new"


class _FlakyExecutor:
    """A local executor whose first job kills its pool and whose rebuilds fail `failures`
    times (a fork server killed again while its replacement starts)."""

    scheduler, slots = None, 1

    def __init__(self, failures):
        from concurrent.futures import as_completed

        self.as_completed = as_completed
        self.failures, self.rebuilds, self.first = failures, 0, True

    def submit(self, job):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future = Future()
        if self.first:
            self.first = False
            future.set_exception(BrokenProcessPool("a process died"))
        else:
            future.set_result(job)
        return future

    def rebuild(self):
        self.rebuilds += 1
        if self.rebuilds <= self.failures:
            raise EOFError("unexpected EOF")


def test_a_pool_that_fails_to_restart_is_tried_again_then_stops_with_one_line():
    from types import SimpleNamespace

    from convgrade.batch import scheduler

    def jobs(*names):
        return [(SimpleNamespace(student=name), f"key-{name}") for name in names]

    done = []
    executor = _FlakyExecutor(failures=scheduler.REBUILD_ATTEMPTS - 1)
    scheduler.run_jobs(executor, jobs("ada", "bob"), lambda f, job, key: done.append(job.student))
    assert sorted(done) == ["ada", "bob"] and executor.rebuilds == scheduler.REBUILD_ATTEMPTS
    with pytest.raises(scheduler.GradingStopped, match="could not be started again .EOFError"):
        scheduler.run_jobs(
            _FlakyExecutor(failures=scheduler.REBUILD_ATTEMPTS), jobs("ada"), lambda *a: None
        )


def test_sigterm_like_ctrl_c_waits_for_the_record_to_finish():
    """A SIGTERM (a job scheduler's or `kill`'s polite stop) during a record is held until
    the record is whole, then handled as before."""
    from convgrade.batch import scheduler

    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with scheduler._ctrl_c_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert seen == []  # held while recording
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not None
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_folder_gone_before_its_turn_keeps_its_grades_and_page(tmp_path, monkeypatch):
    """A student's folder moved away during a regrade, before it is handed out: not graded,
    said so, and the gradebook and page keep the last grading's."""
    from convgrade.batch import scheduler

    students = CLASS[:2]
    root = build_course(tmp_path / "course", students)
    grade_class(root, jobs=1, progress=False, feedback=True)
    before = rows(root, students)
    page = root / "feedback" / students[0] / "convolutions"
    assert page.is_dir()
    listed = scheduler.submissions
    moved = tmp_path / "moved"

    def list_then_move(*args, **kwargs):
        yield from listed(*args, **kwargs)
        (root / "submitted" / students[0]).rename(moved)

    monkeypatch.setattr(scheduler, "submissions", list_then_move)
    report = grade_class(root, jobs=1, force=True, progress=False, feedback=True)
    assert report.graded == [students[1]]
    assert "is gone since the run started; not graded" in report.failed[students[0]]
    assert rows(root, students)[students[0]] == before[students[0]]
    assert page.is_dir() and any(page.iterdir())


def test_a_page_folder_that_is_a_link_is_replaced_and_its_target_left_alone(course, tmp_path):
    from convgrade.batch.submission_grader import load_config
    from convgrade.feedback.writer import FeedbackPlacer

    pages = FeedbackPlacer(course, "convolutions", load_config(course))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_bytes(b"keep")
    (elsewhere / "notes.txt").chmod(0o400)
    folder = pages.folder("ada")
    folder.parent.mkdir(parents=True)
    folder.symlink_to(elsewhere, target_is_directory=True)
    pages.place("ada", {"convolutions.html": b"new"})
    assert not folder.is_symlink() and (folder / "convolutions.html").read_bytes() == b"new"
    assert (elsewhere / "notes.txt").read_bytes() == b"keep"
    assert (elsewhere / "notes.txt").stat().st_mode & 0o777 == 0o400

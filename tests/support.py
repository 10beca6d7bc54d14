"""Helpers shared by the project's tests: paths, and running real nbgrader."""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "convolutions"
RELEASE = REPO / "release" / "convolutions"
HIDDEN = REPO / "tests" / "hidden"
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "tests" / "artifacts"


def nbgrader(course_root, *args, check=True, timeout=600, env=None):
    """Run a real nbgrader command in `course_root`; return the CompletedProcess."""
    env = env or dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def convgrade(course_root, *args, env=None, timeout=900):
    """Run a real `convgrade` command in `course_root`; return the CompletedProcess."""
    env = dict(env or os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    return subprocess.run(
        [sys.executable, "-m", "convgrade.cli", *args],
        cwd=course_root,
        env=env,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=timeout,
    )


def grade_through(course_root, door, env=None, timeout=1800):
    """Grade every submission, feedback included, through one of the two doors:
    "nbgrader" (`nbgrader autograde` then `generate_feedback`) or "convgrade"
    (`convgrade grade`). Both regrade everyone (--force). Returns one CompletedProcess."""
    if door == "convgrade":
        return convgrade(course_root, "grade", "--jobs", "2", "--force", env=env, timeout=timeout)
    env = env and dict(env, PATH=f"{BIN}:{env.get('PATH', os.environ['PATH'])}")
    run = nbgrader(
        course_root, "autograde", "convolutions", "--force", check=False, timeout=timeout, env=env
    )
    feedback = nbgrader(
        course_root, "generate_feedback", "convolutions", "--force", check=False, env=env
    )
    run.returncode = run.returncode or feedback.returncode
    run.stdout += feedback.stdout
    run.stderr += feedback.stderr
    return run


# What the formgrader passes its 'formgrade' template for one submission.
FORMGRADE_RESOURCES = {
    "assignment_id": "convolutions",
    "notebook_id": "convolutions",
    "submission_id": "x",
    "index": 0,
    "total": 1,
    "base_url": "",
    "student": "x",
    "last_name": None,
    "first_name": None,
    "notebook_path": "/x",
}


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)


def hidden_cases():
    """The hidden suite's `cases` module, loaded without putting tests/hidden on sys.path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hidden_cases", HIDDEN / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_course(root):
    """A course folder with source/ and the real config, ready for nbgrader."""
    shutil.copytree(SOURCE, root / "source" / "convolutions")
    shutil.copy(REPO / "nbgrader_config.py", root)
    # Where c.HiddenChecks.hidden_dir finds them by default: in the course root.
    shutil.copytree(HIDDEN, root / "tests" / "hidden")
    return root


def grade_rows(root, student):
    """(notebook, graded cell, auto score, manual score) for each of a student's grades."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("convolutions", student)
        return sorted(
            (nb.name, g.name, g.auto_score, g.manual_score)
            for nb in submission.notebooks
            for g in nb.grades
        )


# ---- one course holding every synthetic student, graded once per door --------------------
# Two honest bystanders are graded alone first, so tests can check the rest of the class
# leaves their rows untouched.
BYSTANDERS = {
    "bystander-complete": "correct/instructor_solution",
    "bystander-flipped": "faulty/flipped_kernel",
}


def bystander_mark(student):
    """A comment line only this bystander's notebook holds (in a cell of its own), so its
    work can be looked for in what grading wrote for anyone else."""
    return f"# {student}'s own work: 7f3a9c51"


# Shorter limits than the course's, so the hangs in the hostile catalog cost less test time.
FAST_NOTEBOOK_BUDGET = 15.0
FAST_LIMITS = f"""
c.Execute.timeout = 8
c.HiddenChecks.call_timeout = 3.0
c.HiddenChecks.submission_budget = 25.0
c.HiddenChecks.load_timeout = 8.0
c.SandboxedExecute.notebook_budget = {FAST_NOTEBOOK_BUDGET}
"""
# A secret in the grader's own environment (as an API token would be): student code must
# never see it.
GRADER_SECRET = {"CONVGRADE_TEST_TOKEN": "grader-secret-5f0c1e9a"}
# Files whose damage would matter beyond the tests: the real course's gradebook and source.
REAL_COURSE_FILES = [
    REPO / "gradebook.db",
    REPO / "source" / "convolutions" / "convolutions.ipynb",
    REPO / "tests" / "hidden" / "data" / "cases.npz",
]
CGROUPS = [Path("/sys/fs/cgroup/memory/convgrade"), Path("/sys/fs/cgroup/pids/convgrade")]
CATALOG_KINDS = ("correct", "faulty", "partial", "hostile")
# timestamp.txt for the sample class: on time, and late (the course config has no due date
# unless it sets one; either way both doors must read it alike).
SUBMITTED_AT = {False: "2026-01-10 09:00:00.000000 UTC", True: "2026-03-01 09:00:00.000000 UTC"}


@functools.cache
def catalog_class():
    """{student id: scenario} for the sample class and every scenario in the catalog.

    Read once per session, so both doors grade the same submissions even if a scenario
    file is edited while the first door is grading.

    Hostile students are named after their scenario (the hostile tests look them up so);
    the others carry their kind too, so no two ids collide."""
    from tools import samples, scenarios

    students = {
        student: scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        for student, name in samples.SAMPLE_CLASS.items()
    }
    for kind in CATALOG_KINDS:
        for scenario in scenarios.catalog(kind):
            student = scenario.name if kind == "hostile" else f"{kind}-{scenario.name}"
            assert student not in students, f"two catalog students named {student}"
            students[student] = scenario
    return students


def fingerprint(paths):
    import hashlib

    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def course_files(root):
    """Everything in the course except what grading the students may write."""
    # `convgrade grade` ends by rewriting grades.csv and the class report: its own outputs.
    skip = ("autograded", "feedback", ".convgrade", "reports", "grades.csv")
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != "gradebook.db" and p.relative_to(root).parts[0] not in skip
    ]


def cgroups():
    return {p for root in CGROUPS if root.is_dir() for p in root.iterdir() if p.is_dir()}


def grade_with_secret(root, door):
    """Grade the whole class through one door, with its own TMPDIR (so what grading leaves
    there can be checked) and a secret in the grader's environment."""
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp), **GRADER_SECRET)
    # The whole catalog, sharing the machine with the other door: 28-35 min on 2 cores.
    return grade_through(root, door, env=env, timeout=3600)


DOORS = ("nbgrader", "convgrade")


def grade_catalog(base):
    """Grade the catalog class through both doors at once, each in its own copy of the course
    (`_grade_catalog_through`). One after the other they took half of `make test`; side by
    side they share the two cores, as two graders on one machine would. CPU-time limits
    make that fair; what a wall-clock backstop stopped is left out of the comparison
    (tests/test_two_doors.py).

    Returns {door: what the tests look at}: the course root, the second run and its seconds,
    the bystanders' rows and the course's file hashes from before it, and the cgroups left
    behind (by either door: the two runs overlap, so a cgroup names no door)."""
    from concurrent.futures import ThreadPoolExecutor

    catalog_class()  # read here, before the doors start: both get the same submissions
    cgroups_before = cgroups()
    with ThreadPoolExecutor(len(DOORS)) as pool:
        runs = {
            door: pool.submit(_grade_catalog_through, base / f"catalog-{door}", door)
            for door in DOORS
        }
        graded = {door: run.result() for door, run in runs.items()}
    left = cgroups() - cgroups_before
    for result in graded.values():
        result["cgroups_left"] = left
    return graded


def _grade_catalog_through(base, door):
    """Grade the bystanders alone, then the whole catalog class with them, through `door`."""
    import time

    from tools import samples, scenarios

    root = make_course(base / "course")
    (root / "nbgrader_config.py").write_text(
        (root / "nbgrader_config.py").read_text() + FAST_LIMITS
    )
    canary = base / "canary"
    canary.mkdir()
    (canary / "gradebook.db").write_bytes(b"not to be touched")
    (canary / "notes.ipynb").write_text("{}")
    for student, name in BYSTANDERS.items():
        scenario = scenarios.load(scenarios.CATALOG_DIR / f"{name}.py")
        scenario.cells["new-cell mark"] = bystander_mark(student) + "\n"
        scenarios.write_submission(scenario, root, student)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    baseline = grade_with_secret(root, door)
    assert baseline.returncode == 0, baseline.stderr[-3000:]
    before = {student: grade_rows(root, student) for student in BYSTANDERS}
    files_before = fingerprint(course_files(root) + list(canary.iterdir()) + REAL_COURSE_FILES)
    for student, scenario in catalog_class().items():
        folder = scenarios.write_submission(scenario, root, student).parent
        if student in samples.SAMPLE_CLASS:  # as `nbgrader collect` leaves them, one late
            late = student == "flipped-kernel"
            (folder / "timestamp.txt").write_text(SUBMITTED_AT[late])
    started = time.monotonic()
    # --force: the bystanders are graded again in the same batch as everyone else.
    run = grade_with_secret(root, door)
    return {
        "path": door,
        "root": root,
        "run": run,
        "seconds": time.monotonic() - started,
        "bystanders_before": before,
        "files_before": files_before,
        "files_after": fingerprint(Path(p) for p in files_before),
    }


# ---- the knock-on stand-in, in this process -------------------------------------------------
class LocalAnswers:
    """What inside.GraderAnswers is in the worker, for a StudentCode run in this process:
    answers as `answers` (knock_on.ReferenceAnswers) does and notes what was asked."""

    def __init__(self, answers):
        self.answers, self.asked, self.closed = answers, [], False

    def __call__(self, image, kernel):
        if self.closed:
            return None
        found = self.answers.answer(image, kernel)
        self.asked.append(None if found is None else found[0])
        return None if found is None else found[1].copy()

    def close(self):
        self.closed = True


def run_outcomes(executor, jobs):
    """Run [(job, key)] with the scheduler's run_jobs on `executor`: {student: what the
    worker returned, or "failed: <error>"}."""
    from convgrade.batch import scheduler

    outcomes = {}

    def done(future, job, key):
        try:
            outcomes[job.student] = future.result()
        except Exception as error:
            outcomes[job.student] = f"failed: {error}"

    with executor:
        scheduler.run_jobs(executor, jobs, done)
    return outcomes

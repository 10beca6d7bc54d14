"""Does a grading process stuck outside student code end itself, so the run goes on?

Real worker processes from the scheduler's pool, real SubmissionGraders on a copy of the
sample class, the scheduler's own crash handling; only the stuck grader code is staged
(tests/worker_probe.py), as a sleep where a deadlock would be."""

import subprocess
import sys
import time

import pytest
from graded_sample import copy_graded_sample
from support import run_outcomes
from traitlets.config import Config
from worker_probe import STUCK, grade_or_get_stuck

from convgrade.batch import scheduler
from convgrade.batch.stuck_worker import ends_if_stuck, stuck_after
from convgrade.batch.submission_grader import CourseBundle

STUCK_AFTER = 8


@pytest.fixture
def course(tmp_path):
    root = copy_graded_sample(tmp_path / "course")
    with (root / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.GradingProcess.stuck_after = {STUCK_AFTER}\n")
    return root


def test_a_stuck_grading_process_costs_only_its_own_submission(course):
    students = ["complete", STUCK, "untouched"]
    jobs = [
        (job, job.student)
        for job in scheduler.submissions(course, "convolutions")
        if job.student in students
    ]
    executor = scheduler._executor(
        (course / "nbgrader_config.py").read_text(),
        2,
        None,
        function=grade_or_get_stuck,
        site_config=[],
    )
    executor.bundle = CourseBundle.from_course(course, "convolutions")
    started = time.monotonic()
    outcomes = run_outcomes(executor, jobs)
    seconds = time.monotonic() - started
    assert outcomes.pop(STUCK) == f"failed: {scheduler.DIED}"
    assert sorted(outcomes) == ["complete", "untouched"]
    assert all(graded.error is None and graded.notebooks for graded in outcomes.values())
    # Stuck twice (with the others, then alone), each time for STUCK_AFTER seconds only.
    assert seconds < 4 * STUCK_AFTER + 60


STUCK_PROCESS = """
import time
from convgrade.batch.stuck_worker import ends_if_stuck

def grade_that_deadlocks():
    time.sleep(3600)

with ends_if_stuck(1):
    grade_that_deadlocks()
"""


def test_a_stuck_process_prints_every_stack_and_ends():
    """What the instructor sees on the grader's error output, to pass on."""
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", STUCK_PROCESS], capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0 and time.monotonic() - started < 30
    assert "Timeout (0:00:01)!" in run.stderr
    assert "grade_that_deadlocks" in run.stderr, run.stderr


def test_by_default_the_deadline_is_far_above_the_students_budgets():
    # 4 times (submission + notebook budget): the notebook run's wall-clock backstop, the
    # checks' on what it left, and as much again for a busy machine.
    assert stuck_after(Config(), 1) == 4 * (210 + 120) + 600
    shorter = {"HiddenChecks": {"submission_budget": 20.0}}
    shorter["SandboxedExecute"] = {"notebook_budget": 10.0}
    assert stuck_after(Config(shorter), 2) == 4 * (20 + 10) * 2 + 600
    for unbounded in (
        {"HiddenChecks": {"submission_budget": 0.0}},
        {"HiddenChecks": {"submission_budget": float("inf")}},
        {"SandboxedExecute": {"notebook_budget": 0.0}},
        {"GradingProcess": {"stuck_after": 0.0}},
    ):
        assert stuck_after(Config(unbounded), 1) == 0, unbounded


@pytest.mark.parametrize("seconds", [0, float("inf"), 1e300])
def test_a_deadline_no_timer_can_hold_means_never(seconds):
    with ends_if_stuck(seconds):
        time.sleep(0.1)


def test_a_process_that_finishes_in_time_keeps_running(tmp_path):
    with ends_if_stuck(0.5):
        pass
    time.sleep(1.0)  # the watchdog was cancelled: still here
    with ends_if_stuck(0):
        time.sleep(0.1)

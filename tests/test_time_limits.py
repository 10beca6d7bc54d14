"""Do time limits count CPU time, does a hang cost once, and is one submission's time bounded?

Small limits, real sandboxed workers: each test takes a few seconds.
"""

import multiprocessing
import os
import re
import time

import numpy as np
import pytest

from convgrade.checks.failures import StudentCodeError
from convgrade.sandbox import student_process
from convgrade.sandbox.student_process import StudentProcess, describe_inputs

CODE = """
import time
import numpy as np
def convolve(image, kernel):
    if image.shape[0] > 40:
        while True:
            pass
    return image * 1.0
def convolve_color(image, kernel):
    return image * 2.0
def nap(image):
    time.sleep(1.5)
    return image
def spin(image, seconds):
    end = time.process_time() + float(seconds.ravel()[0])
    while time.process_time() < end:
        pass
    return image
"""
IMAGE = np.ones((4, 5))
KERNEL = np.ones((3, 3))


def cells(source=CODE):
    return [{"index": 0, "source": source, "answer": True, "label": "answer"}]


def spin_forever():
    # A session of its own, as the sandboxed workers have: with the kernel's autogroup
    # scheduling, CPU time is shared between sessions first, so hogs in the test's own
    # session would slow only each other.
    os.setsid()
    while True:
        pass


@pytest.fixture
def cpu_hog():
    """Three processes per core spinning, so wall-clock time runs ahead of CPU time: a
    process that wants a whole core gets at most a quarter of one."""
    count = 3 * (os.cpu_count() or 2)
    hogs = [multiprocessing.Process(target=spin_forever, daemon=True) for _ in range(count)]
    for hog in hogs:
        hog.start()
    yield
    for hog in hogs:
        hog.kill()
        hog.join()


def test_a_hang_costs_once_and_names_the_input_by_shape():
    with StudentProcess(cells(), call_timeout=1.0, budget=30.0) as process:
        assert process.call("convolve", IMAGE, KERNEL).value.array.shape == (4, 5)
        with pytest.raises(StudentCodeError) as hung:
            process.call("convolve", np.full((48, 36), 7.0), KERNEL)
        # On a machine busy enough, the wall-clock backstop (3 s) can come first.
        assert re.match(
            r"convolve did not finish within (1 s of CPU time|3 s of wall-clock time) "
            "on a 48×36 image with a 3×3 kernel",
            hung.value.message,
        )
        assert "7" not in hung.value.message.split("kernel")[1], "no values, only shapes"
        started = time.monotonic()
        with pytest.raises(StudentCodeError, match="was not called again") as again:
            process.call("convolve", IMAGE, KERNEL)  # an input it would finish on: not tried
        assert time.monotonic() - started < 0.2, "a known hang must fail at once"
        assert "on a 48×36 image" in again.value.message
        # The hang killed the worker; the other functions still run in a fresh one.
        assert process.call("convolve_color", IMAGE, KERNEL).value.array.max() == 2.0
        assert process.timeouts == {"convolve": 1}
        assert process.spent < 1.0 + 1.0, "the hang's CPU time, plus a reload"


def test_waiting_is_not_computing_but_wall_clock_is_the_backstop(monkeypatch):
    """A call that sleeps uses no CPU: it finishes under a CPU limit shorter than its sleep,
    and is stopped only when the wall-clock backstop (WALL_CLOCK_FACTOR times) runs out."""
    with StudentProcess(cells(), call_timeout=1.0, budget=30.0) as process:
        assert process.call("nap", IMAGE).value.array.shape == (4, 5)
        assert process.spent < 0.5, "sleeping costs no budget"
    monkeypatch.setattr(student_process, "WALL_CLOCK_FACTOR", 1.2)
    with StudentProcess(cells(), call_timeout=1.0, budget=30.0) as process:
        with pytest.raises(
            StudentCodeError, match="did not finish within 1.2 s of wall-clock time"
        ):
            process.call("nap", IMAGE)


def test_cpu_time_limit_is_fair_under_load(cpu_hog):
    """Under the hogs, a call needing 0.5 s of CPU takes over a second of wall-clock time,
    past its 1 s limit, and still finishes: the limit counts CPU time, and the backstop leaves
    out the time spent waiting for a CPU. (With plain wall-clock time, WALL_CLOCK_FACTOR = 1
    and _WallClock.elapsed not leaving out the waits, this test fails.)"""
    with StudentProcess(cells(), call_timeout=1.0, budget=30.0) as process:
        loaded = process.spent
        started = time.monotonic()
        result = process.call("spin", IMAGE, 0.5)
        wall = time.monotonic() - started
        assert result.value.array.shape == (4, 5)
        assert wall > 1.0, f"the hog did not slow the call down ({wall:.2f} s): test is moot"
        assert 0.45 < process.spent - loaded < 0.7, "the budget counts the CPU time used"


def test_the_budget_bounds_the_whole_submission():
    """A call stopped by what is left of the budget is not a hang, and once the budget is
    spent every later call fails at once; CPU and wall time stay within the budget's bounds."""
    started = time.monotonic()
    with StudentProcess(cells(), call_timeout=5.0, budget=1.0) as process:
        process.call("spin", IMAGE, 0.3)
        with pytest.raises(StudentCodeError, match="used up the grading time budget"):
            process.call("convolve", np.zeros((48, 36)), KERNEL)
        assert "convolve" not in process.hangs, "running out of budget is not a hang"
        before = time.monotonic()
        with pytest.raises(StudentCodeError, match=r"budget \(1 s of CPU time in total\)"):
            process.call("convolve_color", IMAGE, KERNEL)
        assert time.monotonic() - before < 0.2
        assert process.spent <= 1.0 + 2 * student_process.POLL_SECONDS
    assert time.monotonic() - started < 1.0 * student_process.WALL_CLOCK_FACTOR + 3


def test_inputs_are_described_by_shape_only():
    assert describe_inputs([np.zeros((48, 36)), np.ones((3, 3))]) == (
        "a 48×36 image with a 3×3 kernel"
    )
    assert describe_inputs([np.zeros((6, 7, 3)), np.ones((1, 5))]) == (
        "a 6×7 colour image with a 1×5 kernel"
    )
    assert describe_inputs([np.arange(5.0)]) == "an array of 5 values"


def test_the_checks_get_what_the_notebook_run_left_of_one_submission_budget():
    """Both doors run SandboxedExecute and then HiddenChecks with one resources dict: the
    notebook run's CPU time comes out of the one submission budget."""
    from convgrade.autograde.hiddenchecks import HiddenChecks
    from convgrade.autograde.sandboxedexecute import NOTEBOOK_CPU_KEY

    checks = HiddenChecks(submission_budget=100.0)
    assert checks.checks_budget({NOTEBOOK_CPU_KEY: 30.0}) == 70.0
    assert checks.checks_budget({NOTEBOOK_CPU_KEY: 500.0}) == 0.0, "never below nothing"
    assert checks.checks_budget({}) == 100.0, "without a notebook run, all of it"


# A budget a few times what the slow solution's checks need in CPU time (about 0.3 s, and
# the notebook's share): on a machine this loaded, its wall-clock time is several times that.
TIGHT_LIMITS = """
c.SandboxedExecute.notebook_budget = 0.5
c.HiddenChecks.submission_budget = 3.0
c.HiddenChecks.call_timeout = 1.0
c.HiddenChecks.load_timeout = 2.0
"""


@pytest.mark.e2e
def test_a_slow_correct_solution_gets_full_marks_on_an_oversubscribed_machine(tmp_path, cpu_hog):
    """Four nested pure-Python loops, graded by `convgrade grade` with twice as many jobs as
    cores while three processes per core spin: full marks, because the limits count CPU time.
    (Counting plain wall-clock time, the same run loses points: see the fair-load test.)"""
    from support import convgrade, grade_rows, make_course, nbgrader
    from tools import scenarios

    from convgrade.checks import runner

    root = make_course(tmp_path / "course")
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + TIGHT_LIMITS)
    slow = scenarios.load(scenarios.CATALOG_DIR / "correct" / "four_loops_scalar_accumulator.py")
    students = [f"slow-{n}" for n in range(4)]
    for student in students:
        scenarios.write_submission(slow, root, student)
    nbgrader(root, "generate_assignment", "convolutions", "--force")
    jobs = 2 * os.cpu_count()
    run = convgrade(root, "grade", "convolutions", "--jobs", str(jobs), "--no-feedback")
    assert run.returncode == 0, run.stderr[-3000:]
    points = runner.group_points(root / "source" / "convolutions" / "convolutions.ipynb")
    for student in students:
        scores = {cell: auto for _, cell, auto, _ in grade_rows(root, student) if cell in points}
        assert scores == points, f"{student} lost points to the load:\n{run.stdout[-2000:]}"

"""Do time limits count CPU time, does a hang cost once, and is one submission's time bounded?

Small limits, real sandboxed workers: each test takes a few seconds.
"""

import multiprocessing
import os
import re
import time

import numpy as np
import pytest
from support import REPO

from convgrade.checks.failures import StudentCodeError
from convgrade.sandbox import cpu_clock, student_process
from convgrade.sandbox.cpu_clock import CpuClock
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
        assert ("convolve", False) not in process.hangs, "running out of budget is not a hang"
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


# ---- the whole sandbox counts -----------------------------------------------------------
FORKER = """
import os
def fork_and_spin(image, children):
    for _ in range(int(children.ravel()[0])):
        if os.fork() == 0:
            while True:
                pass
    while True:
        pass
"""


def test_children_spinning_in_the_sandbox_count_against_the_call():
    """A call that forks spinning children (the sandbox allows up to max_processes) is
    stopped at its CPU limit counted over every process in the sandbox: with only the first
    process counted, twelve children on two cores let the call run about 6 times as long
    (and the wait subtraction stretched the backstop as much)."""
    limit = 1.0
    with StudentProcess(cells(FORKER), call_timeout=limit, budget=30.0) as process:
        started = time.monotonic()
        with pytest.raises(StudentCodeError, match="did not finish within") as stopped:
            process.call("fork_and_spin", IMAGE, 12)
        wall = time.monotonic() - started
        assert "1 s of CPU time" in stopped.value.message, stopped.value.message
        assert process.spent >= limit
    # The CPU limit over the whole tree: at least a core's worth per second of wall time,
    # so well under the limit's own length, plus polling and the kill.
    assert wall < limit + 1.0, f"stopped after {wall:.2f} s"


LEAVE_A_SPINNER = """
import os
def leave_a_spinner(image):
    if os.fork() == 0:
        while True:
            pass
    return image
"""


def test_a_child_left_spinning_between_calls_counts_in_the_budget():
    """CPU used while the grader compares results (no request running) is the student's."""
    with StudentProcess(cells(LEAVE_A_SPINNER), call_timeout=1.0, budget=30.0) as process:
        process.call("leave_a_spinner", IMAGE)
        before = process.spent
        time.sleep(1.0)
        process.call("leave_a_spinner", IMAGE)
        assert process.spent - before > 0.3, "the spinner's CPU between the calls counts"


def test_cpu_clock_sums_the_process_tree_and_its_reaped_children(tmp_path):
    """Without a sandbox: a parent that sleeps while a child spins, then reaps it."""
    script = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    end = time.process_time() + 0.6\n"
        "    while time.process_time() < end: pass\n"
        "    os._exit(0)\n"
        f"open({str(tmp_path / 'forked')!r}, 'w').close()\n"
        "os.waitpid(pid, 0)\n"
        "time.sleep(5)\n"
    )
    import subprocess
    import sys

    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        clock = CpuClock(parent.pid)
        deadline = time.monotonic() + 10
        while clock.seconds() < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert clock.seconds() >= 0.5, "the child's CPU time is counted"
        with open(f"/proc/{clock.pid}/stat", "rb") as stat:
            own = stat.read().rsplit(b")", 1)[1].split()
        own_seconds = (int(own[11]) + int(own[12])) / os.sysconf("SC_CLK_TCK")
        assert own_seconds < 0.4, "the parent itself hardly computed: the test is not moot"
    finally:
        parent.kill()
        parent.wait()


def test_the_backstop_leaves_out_no_more_waiting_than_the_cpu_limit():
    """A worker made to wait by its own sandbox's processes must not stretch the wall-clock
    backstop without end: at most the request's CPU limit of waiting is left out."""

    class Waiting:
        def __init__(self):
            self.waited = 0.0

        def waiting_seconds(self):
            return self.waited

    clock = Waiting()
    wall = student_process._WallClock(clock, max_subtracted=0.2)
    time.sleep(0.5)
    clock.waited = 100.0  # far more than could be real: it waited the whole time and more
    assert 0.25 < wall.elapsed() < 0.5


def test_no_python_under_the_root_is_warned_about_once(monkeypatch, caplog):
    monkeypatch.setattr(cpu_clock, "FIND_SECONDS", 0.1)
    import subprocess

    sleeper = subprocess.Popen(["sleep", "5"])
    try:
        clock = CpuClock(sleeper.pid)
        with caplog.at_level("WARNING", logger=cpu_clock.__name__):
            assert clock.pid is None and clock.pid is None
            clock.seconds()
        assert len([r for r in caplog.records if "No Python process" in r.message]) == 1
    finally:
        sleeper.kill()
        sleeper.wait()


# ---- what the student reads -------------------------------------------------------------
def test_no_budget_left_for_loading_says_so_not_zero_seconds():
    process = StudentProcess(cells(), budget=0.0).start()
    assert "used up the grading time budget (0 s of CPU time in total)" in process.load_failure
    assert "within 0 s" not in process.load_failure
    assert process.starts == 0, "no worker is started for code that may not run"


def test_a_worker_that_does_not_start_is_the_graders_problem(monkeypatch):
    class Unstarted:
        input_dir = None

        def kill(self):
            pass

    def no_answer(self):
        raise student_process.TimedOut(self.load_timeout)

    monkeypatch.setattr(student_process.WorkerPool, "take", lambda *args: Unstarted())
    monkeypatch.setattr(StudentProcess, "_wait_until_ready", no_answer)
    process = StudentProcess(cells(), load_timeout=2.0).start()
    assert "a problem of the grader, not of your code" in process.load_failure
    assert "running your notebook's code stopped" not in process.load_failure


# ---- the course config ------------------------------------------------------------------
def test_check_config_refuses_a_cpu_cap_below_the_submission_budget(tmp_path):
    from convgrade.autograde.config_check import ConfigProblem, verify_course_config

    course = (REPO / "nbgrader_config.py").read_text()
    config = verify_course_config(REPO / "nbgrader_config.py")
    assert config.Sandbox.cpu_seconds >= config.HiddenChecks.submission_budget
    (tmp_path / "nbgrader_config.py").write_text(course + "c.Sandbox.cpu_seconds = 200\n")
    with pytest.raises(ConfigProblem, match="cpu_seconds .200. is below"):
        verify_course_config(tmp_path / "nbgrader_config.py")

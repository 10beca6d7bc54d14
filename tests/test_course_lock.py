"""One grading run per course at a time (convgrade/batch/course_lock.py): a second
`convgrade grade` refuses and names the first; a killed run leaves no stale lock."""

import json
import os
import subprocess
import sys
import time

import pytest
from support import REPO
from test_batch import CLASS, build_course

from convgrade.batch.course_lock import LOCK_FILE, CourseBusy, grading_lock

HOLD = """
import sys, time
from convgrade.batch.course_lock import grading_lock
with grading_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_second_run_is_refused_and_a_killed_one_leaves_no_stale_lock(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(CourseBusy, match=rf"\(process {holder.pid}, since \d{{4}}-"):
            with grading_lock(tmp_path):
                pytest.fail("two runs held the lock")
    finally:
        holder.kill()
        holder.wait()
    # SIGKILL ran no clean-up: the lock went with the process all the same.
    with grading_lock(tmp_path):
        held = json.loads((tmp_path / LOCK_FILE).read_text())
    assert held["pid"] == os.getpid()


def test_a_lock_that_cannot_be_made_says_why(tmp_path):
    (tmp_path / ".convgrade").write_text("a file where the folder should be")
    with pytest.raises(
        CourseBusy, match="grading.lock cannot be made: .convgrade is a file, not a folder"
    ):
        with grading_lock(tmp_path):
            pytest.fail("locked without a lock file")


HOLD_UNNAMED = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
os.write(fd, b"not what a run writes")
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""


def test_a_holder_that_wrote_no_name_is_refused_in_general_words(tmp_path):
    (tmp_path / ".convgrade").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_UNNAMED, str(tmp_path / LOCK_FILE)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(CourseBusy, match=r"^another `convgrade grade` is grading this course;"):
            with grading_lock(tmp_path):
                pytest.fail("two runs held the lock")
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.e2e
def test_two_grading_runs_in_one_course_do_not_both_grade(tmp_path):
    """Real runs: while one grades, a second refuses at once (exit 2) and names the first;
    once the first is done, the next run finds everything graded."""
    root = build_course(tmp_path / "course", CLASS[:2])
    env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    command = [sys.executable, "-m", "convgrade.cli", "grade", "--jobs", "1", "--no-report"]
    first = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        lock = root / LOCK_FILE
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if lock.is_file() and f'"pid": {first.pid}' in lock.read_text():
                break
            time.sleep(0.05)
        second = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 2, second.stderr
        assert f"(process {first.pid}, since" in second.stderr
        assert first.wait(timeout=600) == 0
    finally:
        first.kill()
        first.wait()
    third = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert third.returncode == 0, third.stderr
    assert "skipped 2 unchanged" in third.stdout, third.stdout

"""One grading run per course at a time (convgrade/batch/course_lock.py): a second
`convgrade grade` refuses and names the first; a killed run leaves no stale lock."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
os.write(fd, sys.argv[2].encode())
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize(
    "written",
    [
        b"not what a run writes",
        b'{"pid": 12, "started": NaN}',
        b'{"pid": 12, "started": 1e400}',
        b'{"pid": "12", "started": -1e18}',
        b"[" * 4096,
    ],
)
def test_a_holder_that_wrote_no_name_is_refused_in_general_words(tmp_path, written):
    (tmp_path / ".convgrade").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_UNNAMED, str(tmp_path / LOCK_FILE), written.decode()],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(CourseBusy, match=r"^another grading run (\(process 12, .*\) )?is"):
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


def test_links_and_odd_files_in_its_place_are_refused_and_left_alone(tmp_path):
    """Nothing planted where the lock goes makes the grader write elsewhere or crash: a
    link for .convgrade, a link, a hard link or a FIFO for the lock file."""
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.txt"
    precious.write_text("IMPORTANT DATA")
    cases = {}
    course = tmp_path / "linked-folder"
    course.mkdir()
    (course / ".convgrade").symlink_to(outside)
    cases[course] = ".convgrade is a link, not a folder"
    for kind in ("symlink", "hardlink", "fifo"):
        course = tmp_path / kind
        (course / ".convgrade").mkdir(parents=True)
        lock = course / LOCK_FILE
        if kind == "symlink":
            lock.symlink_to(precious)
            cases[course] = "cannot be used: it is a link"
        elif kind == "hardlink":
            os.link(precious, lock)
            cases[course] = "cannot be used: it has other names"
        else:
            os.mkfifo(lock)
            cases[course] = "cannot be used: it is not a file"
    for course, message in cases.items():
        with pytest.raises(CourseBusy, match=message):
            with grading_lock(course):
                pytest.fail(f"locked through {course.name}")
    assert precious.read_text() == "IMPORTANT DATA"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file as root, locks it as another user")
def test_a_lock_file_another_user_made_still_locks():
    """Another TA's lock file, read-only for this user: the run locks it all the same
    (a red team found every later run refused: "Permission denied")."""
    course = Path(tempfile.mkdtemp(prefix="convgrade-lock-test-"))  # reachable by others
    try:
        (course / ".convgrade").mkdir()
        (course / LOCK_FILE).write_text("")
        os.chmod(course / LOCK_FILE, 0o444)
        for folder in (course, course / ".convgrade"):
            os.chmod(folder, 0o755)
        probe = (
            "import sys\n"
            "from convgrade.batch.course_lock import grading_lock\n"
            "with grading_lock(sys.argv[1]):\n"
            "    print('locked')\n"
        )
        done = subprocess.run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
            + [sys.executable, "-c", probe, str(course)],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        assert done.stdout == "locked\n", done.stderr
    finally:
        shutil.rmtree(course)


RESULTS_PROBE = """
import subprocess, sys
from convgrade import cli

real = cli._bring_results_up_to_date
TRY = (
    "import sys\\n"
    "from convgrade.batch.course_lock import CourseBusy, grading_lock\\n"
    "try:\\n"
    "    with grading_lock(sys.argv[1]):\\n"
    "        print('free')\\n"
    "except CourseBusy:\\n"
    "    print('held')\\n"
)


def checked(root, assignment):
    probe = subprocess.run([sys.executable, "-c", TRY, str(root)], capture_output=True, text=True)
    (root / "lock-while-writing-results.txt").write_text(probe.stdout)
    return real(root, assignment)


cli._bring_results_up_to_date = checked
sys.exit(cli.run(["grade", "--jobs", "1", "--no-feedback"]))
"""


@pytest.mark.e2e
def test_the_lock_is_held_until_the_results_are_written(tmp_path):
    """grades.csv and the class report are written under the lock too (red team: a second
    run started in between regraded everyone under them)."""
    root = build_course(tmp_path / "course", CLASS[:1])
    env = dict(os.environ, PATH=f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}")
    done = subprocess.run(
        [sys.executable, "-c", RESULTS_PROBE], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (root / "lock-while-writing-results.txt").read_text() == "held\n"
    assert (root / "grades.csv").is_file()


def test_nbgraders_own_autograde_is_refused_while_a_run_grades(tmp_path):
    """The other door: plain `nbgrader autograde` (VettedAutograde, as the formgrader's
    button uses it) refuses while a `convgrade grade` run holds the course, and writes
    nothing; once the lock is free it takes it itself."""
    from graded_sample import copy_graded_sample
    from support import nbgrader

    root = copy_graded_sample(tmp_path / "course")
    before = {
        path: path.read_bytes()
        for path in [root / "gradebook.db", *(root / "autograded").rglob("*")]
        if path.is_file()
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout.readline() == "held\n"
        run = nbgrader(root, "autograde", "convolutions", "--student", "complete", check=False)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 1
    log = run.stdout + run.stderr
    assert f"refusing to autograde: another grading run (process {holder.pid}, since" in log
    assert "Traceback" not in log
    after = {
        path: path.read_bytes()
        for path in [root / "gradebook.db", *(root / "autograded").rglob("*")]
        if path.is_file()
    }
    assert after == before

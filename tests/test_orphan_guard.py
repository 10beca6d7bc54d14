"""A worker ends with its coordinator: convgrade/batch/orphan_guard.py, in real processes.

Each test starts a stand-in coordinator that starts a stand-in worker (not its child's
child by accident: the worker is started in a session of its own, as a forked pool worker's
parent is the fork server, not the coordinator). The coordinator is then ended, and the
worker must release and exit.
"""

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

# The stand-in worker: guard against the coordinator, say so, then wait for tasks for ever.
WORKER = """
import os, sys, time
{before}
from convgrade.batch import orphan_guard

def release():
    with open(sys.argv[2], "w") as f:
        f.write("released")

orphan_guard.exit_with(int(sys.argv[1]), release)
print("guarded", flush=True)
while True:
    time.sleep(60)
"""
# The stand-in coordinator: start the worker, print its pid, then wait to be ended.
COORDINATOR = """
import subprocess, sys, time
worker = subprocess.Popen(
    [sys.executable, "-c", sys.argv[1], str(__import__("os").getpid()), sys.argv[2]],
    stdout=subprocess.PIPE, text=True, start_new_session=True,
)
assert worker.stdout.readline().strip() == "guarded"
print(worker.pid, flush=True)
time.sleep(600)
"""


def start(tmp_path, before=""):
    """A coordinator and its guarded worker; returns (coordinator, worker pid, release mark)."""
    mark = tmp_path / "released"
    worker_code = WORKER.format(before=textwrap.dedent(before))
    coordinator = subprocess.Popen(
        [sys.executable, "-c", COORDINATOR, worker_code, str(mark)],
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = int(coordinator.stdout.readline())
    return coordinator, worker, mark


def wait_gone(pid, timeout=15):
    """Whether process `pid` has ended (not only become a zombie) within `timeout` seconds."""
    try:
        process = psutil.Process(pid)
        process.wait(timeout=timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        process.kill()
        return False
    return True


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_the_worker_releases_and_exits_when_the_coordinator_is_ended(tmp_path, how):
    coordinator, worker, mark = start(tmp_path)
    time.sleep(0.5)
    assert psutil.pid_exists(worker) and not mark.exists(), "it must wait for its coordinator"
    coordinator.send_signal(how)
    coordinator.wait()
    assert wait_gone(worker), "the worker outlived its coordinator"
    assert mark.read_text() == "released"


def test_without_pidfd_the_worker_looks_now_and_then(tmp_path):
    # Linux before 5.3 has no pidfd_open: the guard polls instead.
    coordinator, worker, mark = start(tmp_path, before="del os.pidfd_open")
    coordinator.kill()
    coordinator.wait()
    assert wait_gone(worker), "the worker outlived its coordinator"
    assert mark.read_text() == "released"


def test_a_release_that_hangs_does_not_keep_the_worker(tmp_path):
    before = """
    from convgrade.batch import orphan_guard as _guard
    _guard.RELEASE_SECONDS = 1.0
    def open(*args, **kwargs):  # the release hangs, as on a lock the grading thread holds
        time.sleep(600)
    """
    coordinator, worker, mark = start(tmp_path, before=before)
    started = time.monotonic()
    coordinator.kill()
    coordinator.wait()
    assert wait_gone(worker), "a hung release kept the worker alive"
    assert time.monotonic() - started < 10 and not mark.exists()


def test_a_coordinator_gone_before_the_guard_starts_ends_the_worker_at_once(tmp_path):
    mark = tmp_path / "released"
    code = WORKER.format(before="")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid names no process now
    worker = subprocess.run(
        [sys.executable, "-c", code, str(dead.pid), str(mark)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert worker.returncode == 1 and "guarded" not in worker.stdout
    assert mark.read_text() == "released"

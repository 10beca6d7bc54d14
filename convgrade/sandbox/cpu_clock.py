"""The CPU time of the Python process that runs student code in a sandbox, read from outside.

Time limits count CPU time, so a machine busy with other work does not fail slow but correct
code: wall-clock time runs ahead of CPU time under load, CPU time does not. The wall-clock
backstop leaves out the time the process waited for a CPU, for the same reason. The readings
come from the kernel (/proc/<pid>/stat and schedstat), so student code cannot change them.
"""

import os
import time

import psutil

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# bwrap starts the interpreter a moment after it starts itself.
FIND_SECONDS = 5.0


class CpuClock:
    """CPU seconds of the Python process under `root_pid` (bwrap, or Python itself without
    the sandbox), with the children it has waited for: one read of /proc per reading, cheap
    enough for every request. Once the process is gone, the last reading."""

    def __init__(self, root_pid):
        self.root_pid = root_pid
        self._pid = None
        self._last = 0.0
        self._waited = 0.0

    @property
    def pid(self):
        """The host pid of the Python process, or None if it cannot be found."""
        if self._pid is None:
            self._pid = _python_under(self.root_pid)
        return self._pid

    def waiting_seconds(self):
        """Seconds the process has waited for a CPU while ready to run (the run-queue delay
        of /proc/<pid>/schedstat): wall-clock time a busy machine took, not the process."""
        if self.pid is None:
            return self._waited
        try:
            with open(f"/proc/{self.pid}/schedstat", "rb") as schedstat:
                self._waited = max(self._waited, int(schedstat.read().split()[1]) / 1e9)
        except (OSError, IndexError, ValueError):
            pass
        return self._waited

    def seconds(self):
        if self.pid is None:
            return self._last
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return self._last
        # utime, stime, cutime, cstime: fields 14-17 of proc(5), counted after the ")".
        ticks = sum(int(value) for value in fields[11:15])
        self._last = max(self._last, ticks / CLOCK_TICKS)
        return self._last


def _python_under(root_pid):
    """The first Python process in the tree under `root_pid` (itself included)."""
    deadline = time.monotonic() + FIND_SECONDS
    while True:
        try:
            root = psutil.Process(root_pid)
            tree = [root] + root.children(recursive=True)
            pythons = [p.pid for p in tree if p.name().startswith("python")]
            running = root.is_running() and root.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return None
        if pythons:
            return pythons[0]
        if not running or time.monotonic() > deadline:
            return None
        time.sleep(0.01)

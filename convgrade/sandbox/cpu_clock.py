"""The CPU time of every process in a sandbox, read from outside.

Time limits count CPU time, so a machine busy with other work does not fail slow but correct
code: wall-clock time runs ahead of CPU time under load, CPU time does not. All the
sandbox's processes count, not only the one that runs the student's functions: code that
forks spinning children would otherwise take CPU the limits never see. The readings come
from the kernel (/proc/<pid>/stat and schedstat), so student code cannot change them.
"""

import logging
import os
import time

import psutil

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# bwrap starts the interpreter a moment after it starts itself.
FIND_SECONDS = 5.0

log = logging.getLogger(__name__)


class CpuClock:
    """CPU seconds of the process tree under `root_pid` (bwrap, or Python itself without
    the sandbox): user and system time of each process in it, with the children each has
    waited for (an orphan is reaped by the sandbox's init, so its time stays in the tree).
    One walk of /proc per reading, cheap enough for every poll. Once the tree is gone, the
    last reading."""

    def __init__(self, root_pid, find_now=False):
        self.root_pid = root_pid
        self._pid = None
        self._looked = False
        self._last = 0.0
        self._waited = 0.0
        if find_now:  # else on first use
            self._pid = self.pid

    @property
    def pid(self):
        """The host pid of the Python process that runs student code, or None if not found."""
        if self._pid is None and not self._looked:
            self._looked = True
            self._pid = _python_under(self.root_pid)
            if self._pid is None:
                log.warning(
                    "No Python process under pid %s: its CPU time cannot be told apart from "
                    "the sandbox's; the whole sandbox is counted",
                    self.root_pid,
                )
        return self._pid

    def waiting_seconds(self):
        """Seconds the student's Python process has waited for a CPU while ready to run
        (the run-queue delay of /proc/<pid>/schedstat): wall-clock time a busy machine
        took. Only that one process, so a sandbox's own spinning children add no more
        than it waited; callers cap what they subtract (see _WallClock)."""
        pid = self.pid or self.root_pid
        try:
            with open(f"/proc/{pid}/schedstat", "rb") as schedstat:
                self._waited = max(self._waited, int(schedstat.read().split()[1]) / 1e9)
        except (OSError, IndexError, ValueError):
            pass
        return self._waited

    def seconds(self):
        ticks = 0
        found = False
        for pid in _tree(self.root_pid):
            try:
                with open(f"/proc/{pid}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            found = True
            # utime, stime, cutime, cstime: fields 14-17 of proc(5), counted after the ")".
            ticks += sum(int(value) for value in fields[11:15])
        if found:
            self._last = max(self._last, ticks / CLOCK_TICKS)
        return self._last


def _tree(root_pid):
    """`root_pid` and every process below it, from /proc/<pid>/task/*/children (the
    kernel's list of each thread's children)."""
    pending, seen = [root_pid], []
    while pending:
        pid = pending.pop()
        seen.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                    pending.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                pass
    return seen


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

"""Where a whole grading run's CPU goes, by kind of process, and how long cores sat idle.

cProfile sees one Python process; a run is many: the coordinator, the fork server, the
workers, and for every submission a sandboxed kernel and a sandboxed checks process. This
samples the whole tree and keeps each process's last CPU time, so a process's total is
counted even after it has exited (less what it used after the last sample).
"""

import os
import subprocess
import threading
import time

from tools.memory_watch import descendants, parent_of, role_of

try:
    import psutil
except ImportError:  # watch_run says it is needed; CpuWatch alone then measures idle time
    psutil = None


def kind_of(pid, coordinator, cmdline, parent=None):
    """role_of, with the sandbox split into "kernel" (runs the notebook), "checks" (runs the
    student's functions for the hidden checks) and "other sandbox"."""
    role = role_of(pid, coordinator, cmdline, parent)
    if role != "sandbox":
        return role
    # A kernel forked from the zygote keeps the zygote's command line (zygote.py).
    if "ipykernel" in cmdline or "zygote.py" in cmdline:
        return "kernel"
    if "inside.py" in cmdline:  # convgrade/sandbox/inside.py, the checks' side of the sandbox
        return "checks"
    return "other sandbox"


def _busy_and_idle_ticks():
    """(busy, idle) clock ticks of all cores since boot, from the first line of /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields[:8]) - idle, idle


class CpuWatch:
    """Use as a context manager around the run of process `pid`; then `by_kind()` gives the
    CPU seconds each kind of process used, and `idle_seconds` the core-seconds no process
    used (of the whole machine: run nothing else meanwhile)."""

    def __init__(self, pid, interval=0.1):
        self.pid, self.interval = pid, interval
        self._last = {}  # (pid, start time) -> [kind, CPU seconds]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self.idle_seconds = self.busy_seconds = None

    def __enter__(self):
        self._ticks = _busy_and_idle_ticks()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        busy, idle = _busy_and_idle_ticks()
        per_second = os.sysconf("SC_CLK_TCK")
        self.busy_seconds = (busy - self._ticks[0]) / per_second
        self.idle_seconds = (idle - self._ticks[1]) / per_second

    def _sample_until_stopped(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        if psutil is None:
            return
        tree = {self.pid: "coordinator", **descendants(self.pid)}
        for pid, cmdline in tree.items():
            try:
                process = psutil.Process(pid)
                key = (pid, process.create_time())
                times = process.cpu_times()
            except psutil.Error:
                continue
            # Kind again at every sample: a process caught between fork and exec still has
            # its parent's command line, and must not stay counted as its parent's kind.
            kind = kind_of(pid, self.pid, cmdline, parent_of(pid))
            self._last[key] = [kind, times.user + times.system]

    def by_kind(self):
        """{kind: (CPU seconds, number of processes)}, most CPU first."""
        kinds = {}
        for kind, seconds in self._last.values():
            total, count = kinds.get(kind, (0.0, 0))
            kinds[kind] = (total + seconds, count + 1)
        return dict(sorted(kinds.items(), key=lambda item: -item[1][0]))


def watch_run(command, cwd, env, interval=0.1, ok=(0, 1)):
    """Run `command` to the end under a CpuWatch; returns (wall seconds, the watch).
    RuntimeError, with the end of its error output, if it exits with a code not in `ok`."""
    if psutil is None:
        raise RuntimeError("CPU by process needs psutil (pip install psutil)")
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    with CpuWatch(process.pid, interval) as watch:
        _, errors = process.communicate()
    if process.returncode not in ok:
        tail = errors.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{command[-3:]} exited with {process.returncode}:\n{tail}")
    return time.monotonic() - started, watch

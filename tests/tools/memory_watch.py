"""Peak memory of a process tree while it runs: the grader, its workers, their sandboxes."""

import threading
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # the /proc fallback below covers Linux without it
    psutil = None

# The grader's fork server runs this (convgrade.batch.startup), and so, forked from it, do
# its workers: the server is the coordinator's child, the workers are the server's.
WORKER_MARK = "multiprocessing.forkserver"


def peak_kib(pid):
    """The process's own high-water mark of resident memory (VmHWM), in KiB; None if gone.

    The kernel keeps this peak, so sampling every half second still sees a short spike.
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def rss_kib(pid):
    """Resident memory now (VmRSS), in KiB; None if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def parent_of(pid):
    """The parent's pid, from /proc; None if gone."""
    try:
        # The command name in parentheses may hold spaces: the parent pid follows it.
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(pid):
    """{pid: command line} of every process below `pid`."""
    if psutil is not None:
        found = {}
        try:
            children = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            return {}
        for child in children:
            try:
                found[child.pid] = " ".join(child.cmdline())
            except psutil.Error:
                continue
        return found
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        parent = parent_of(stat.parent.name)
        if parent is not None:
            parents[int(stat.parent.name)] = parent
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                cmdline = Path(f"/proc/{child}/cmdline")
                try:
                    found[child] = cmdline.read_bytes().replace(b"\0", b" ").decode().strip()
                except OSError:
                    found[child] = ""
                frontier.append(child)
    return found


class MemoryWatch:
    """Samples a process tree every `interval` seconds in a thread, keeping each process's
    peak and the coordinator's and workers' resident memory over time (is it flat?).

    Use as a context manager around the run of process `pid`.
    """

    def __init__(self, pid, interval=0.5, progress=lambda: None):
        self.pid, self.interval, self.progress = pid, interval, progress
        self.peaks = {}  # pid -> (role, KiB)
        self.timeline = []  # (seconds, progress(), coordinator KiB, largest worker KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._started = time.monotonic()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample_until_stopped(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        tree = {self.pid: "coordinator", **descendants(self.pid)}
        worker_now = 0
        for pid, cmdline in tree.items():
            role = role_of(pid, self.pid, cmdline, parent_of(pid))
            if (peak := peak_kib(pid)) is not None:
                self.peaks[pid] = (role, max(peak, self.peaks.get(pid, (role, 0))[1]))
            if role == "worker":
                worker_now = max(worker_now, rss_kib(pid) or 0)
        coordinator_now = rss_kib(self.pid)
        if coordinator_now is not None:
            self.timeline.append(
                (time.monotonic() - self._started, self.progress(), coordinator_now, worker_now)
            )

    def by_role(self):
        """{role: [peak KiB of each process of that role, largest first]}."""
        roles = {}
        for role, kib in self.peaks.values():
            roles.setdefault(role, []).append(kib)
        return {role: sorted(values, reverse=True) for role, values in roles.items()}


def role_of(pid, coordinator, cmdline, parent=None):
    """ "coordinator", "worker" (a grading process), "fork server" (the process the workers
    are forked from) or "sandbox" (kernels, bwrap, checks)."""
    if pid == coordinator:
        return "coordinator"
    if WORKER_MARK in cmdline:
        return "fork server" if parent == coordinator else "worker"
    return "sandbox"

"""A correct notebook with added cells whose three children each fill 700 MiB at once: a
per-process cap would let them, the cap on all the sandbox's processes together must kill
one. The answers keep every point. (An added cell's calls run in the notebook only.)"""

# attack: sandbox
# expect: full-marks
# blocked: children: .*killed by signal 9
# escaped: ALL-CHILDREN-HELD
# %% new-cell
import os
import select
import time


class _Hoard:
    """Children that each fill their share, say so, then hold it until let go. They are let
    go only once every child has said so or died, so "all held" means at the same time. On
    a busy machine a memory cap can take seconds to kill one, so the waiting is spread over
    the next cells, each well inside its own time limit."""

    def __init__(self, children=3, size=700 << 20):
        self.children, self.size = children, size
        self._ready_r, ready_w = os.pipe()
        go_r, self._go_w = os.pipe()
        self.pids = []
        for index in range(children):
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(self._ready_r)
                    os.close(self._go_w)
                    data = bytearray(size)
                    data[:: 1 << 12] = b"x" * (size >> 12)  # touch every page
                    os.write(ready_w, bytes([index]))
                    os.read(go_r, 1)  # until the parent lets go
                finally:
                    os._exit(0)
            self.pids.append(pid)
        os.close(ready_w)
        os.close(go_r)
        self.started = time.monotonic()
        self.ready, self.statuses = set(), {}

    def settled(self):
        dead = {self.pids.index(pid) for pid in self.statuses}
        return len(self.ready | dead) == self.children

    def wait(self, seconds):
        ends = time.monotonic() + seconds
        while not self.settled() and time.monotonic() < ends:
            if select.select([self._ready_r], [], [], 0.05)[0]:
                self.ready.update(os.read(self._ready_r, self.children))
            for pid in self.pids:
                if pid not in self.statuses:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        self.statuses[pid] = status

    def finish(self):
        settled, took = self.settled(), time.monotonic() - self.started
        os.close(self._go_w)
        for pid in self.pids:
            if pid not in self.statuses:
                self.statuses[pid] = os.waitpid(pid, 0)[1]
        ends = [self.statuses[pid] for pid in self.pids]
        filled = f"{len(self.ready)} of {self.children} filled {self.size >> 20} MiB"
        if any(os.WIFSIGNALED(s) for s in ends):
            said = [
                f"killed by signal {os.WTERMSIG(s)}" if os.WIFSIGNALED(s) else "exit" for s in ends
            ]
            return ", ".join(said) + f" ({filled}, settled in {took:.1f} s)"
        if settled:
            return f"ALL-CHILDREN-HELD {self.children * self.size >> 20} MiB"
        return f"none was killed, but only {filled} in {took:.1f} s: no answer"


_hoard = _Hoard()
# %% new-cell
_hoard.wait(6.0)
# %% new-cell
_hoard.wait(6.0)
print("children:", _hoard.finish())

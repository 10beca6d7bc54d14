"""A correct notebook with added cells that fill /tmp, /dev/shm and the working folder
(up to 1 GiB each), then have three children fill 650 MiB each on top: memory held in files
outside any process. The size caps must stop the files, the memory cap the children; the
cells clean up and the answers keep every point. (An added cell's calls run in the
notebook only, not when the grader loads the answers.)"""

# attack: sandbox
# expect: full-marks
# blocked: /dev/shm: stopped at \d+ MiB: OSError: \[Errno 28\] No space left on device
# blocked: /tmp: stopped at \d+ MiB: OSError: \[Errno 28\] No space left on device
# blocked: children: .*killed by signal 9
# escaped: FILLED
# escaped: ALL-CHILDREN-HELD
# %% new-cell
import os
import select
import time


def _fill(folder, mib=1024):
    written = []
    try:
        for index in range(mib // 16):
            path = os.path.join(folder, f"fill-{index}")
            written.append(path)
            with open(path, "wb") as file:
                file.write(b"x" * (16 << 20))
        print(f"{folder}: FILLED {mib} MiB")
    except OSError as error:
        print(f"{folder}: stopped at {16 * (len(written) - 1)} MiB: OSError: {error}")
    return written


class _Hoard:
    """As in sandbox_memory_children: the children hold their memory until every one has
    filled its share or died, so "all held" means at the same time, on any machine."""

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


_files = []
for _folder in ["/tmp", "/dev/shm", os.getcwd()]:
    _files += _fill(_folder)
_hoard = _Hoard(size=650 << 20)
# %% new-cell
_hoard.wait(6.0)
# %% new-cell
try:
    _hoard.wait(6.0)
    print("children:", _hoard.finish())
finally:
    for _path in _files:
        if os.path.exists(_path):
            os.remove(_path)

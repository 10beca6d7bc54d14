"""A correct notebook with an added cell that fills /tmp, /dev/shm and its working folder
(up to 1 GiB each), then has three children fill 650 MiB each on top: memory held in files
outside any process. The size caps must stop the files, the memory cap the children; the
cell cleans up and the answers keep every point. (An added cell's calls run in the
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


def _children(count=3, size=650 << 20, patience=4.0):
    # As in sandbox_memory_children: each child holds its memory until every child has
    # filled its share or died, so "all held" means at the same time, on any machine.
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pids = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_r)
                os.close(go_w)
                data = bytearray(size)
                data[:: 1 << 12] = b"y" * (size >> 12)  # touch every page
                os.write(ready_w, bytes([index]))
                os.read(go_r, 1)  # until the parent lets go
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_w)
    os.close(go_r)
    started = time.monotonic()
    ready, statuses = set(), {}
    while len(ready | {pids.index(pid) for pid in statuses}) < count:
        if time.monotonic() - started > patience:
            break
        if select.select([ready_r], [], [], 0.05)[0]:
            ready.update(os.read(ready_r, count))
        for pid in pids:
            if pid not in statuses:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    statuses[pid] = status
    os.close(go_w)
    for pid in pids:
        if pid not in statuses:
            statuses[pid] = os.waitpid(pid, 0)[1]
    ends = [statuses[pid] for pid in pids]
    filled = f"{len(ready)} of {count} filled {size >> 20} MiB"
    if any(os.WIFSIGNALED(s) for s in ends):
        killed = ", ".join(f"killed by signal {os.WTERMSIG(s)}" for s in ends if os.WIFSIGNALED(s))
        return f"{killed} ({filled})"
    if len(ready) == count:
        return f"ALL-CHILDREN-HELD {count * size >> 20} MiB"
    return f"none was killed, but only {filled} in {patience} s: no answer"


def _attack():
    files = []
    for folder in ["/tmp", "/dev/shm", os.getcwd()]:
        files += _fill(folder)
    try:
        print(f"children: {_children()}")
    finally:
        for path in files:
            if os.path.exists(path):
                os.remove(path)


_attack()

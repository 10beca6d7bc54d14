"""A correct notebook with an added cell whose three children each fill 700 MiB at once: a
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


def _hoard(children=3, size=700 << 20, wait=3.0):
    # Each child fills its share, says so, then holds it until all have said so (or the
    # wait is over): so the three hold their memory at the same time, however slowly a
    # busy machine runs them.
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_r)
                os.close(go_w)
                data = bytearray(size)
                data[:: 1 << 12] = b"x" * (size >> 12)  # touch every page
                os.write(ready_w, b"x")
                os.read(go_r, 1)  # until the parent lets go
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_w)
    os.close(go_r)
    ready, ends = 0, time.monotonic() + wait
    while ready < children and time.monotonic() < ends:
        if select.select([ready_r], [], [], max(ends - time.monotonic(), 0))[0]:
            got = os.read(ready_r, children)
            if not got:
                break
            ready += len(got)
    os.close(go_w)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    if not any(os.WIFSIGNALED(status) for status in statuses):
        return f"ALL-CHILDREN-HELD {children * size >> 20} MiB"
    return ", ".join(
        f"killed by signal {os.WTERMSIG(s)}" if os.WIFSIGNALED(s) else f"exit {os.WEXITSTATUS(s)}"
        for s in statuses
    )


print("children:", _hoard())

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


def _hoard(children=3, size=700 << 20, patience=6.0):
    # Each child fills its share, says so, then holds it until the parent lets go. The
    # parent lets go only once every child has said so or died (or its patience, below the
    # cell's time limit, is over). So "all held" means the three held their memory at the
    # same time, and a slow machine can only make the answer late, never wrong.
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pids = []
    for index in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready_r)
                os.close(go_w)
                data = bytearray(size)
                data[:: 1 << 12] = b"x" * (size >> 12)  # touch every page
                os.write(ready_w, bytes([index]))
                os.read(go_r, 1)  # until the parent lets go
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(ready_w)
    os.close(go_r)
    started = time.monotonic()
    ready, statuses = set(), {}
    while len(ready | {pids.index(pid) for pid in statuses}) < children:
        if time.monotonic() - started > patience:
            break
        if select.select([ready_r], [], [], 0.05)[0]:
            ready.update(os.read(ready_r, children))
        for pid in pids:
            if pid not in statuses:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    statuses[pid] = status
    settled = time.monotonic() - started
    os.close(go_w)
    for pid in pids:
        if pid not in statuses:
            statuses[pid] = os.waitpid(pid, 0)[1]
    ends = [statuses[pid] for pid in pids]
    filled = f"{len(ready)} of {children} filled {size >> 20} MiB in {settled:.1f} s"
    if any(os.WIFSIGNALED(status) for status in ends):
        return (
            ", ".join(
                f"killed by signal {os.WTERMSIG(s)}"
                if os.WIFSIGNALED(s)
                else f"exit {os.WEXITSTATUS(s)}"
                for s in ends
            )
            + f" ({filled})"
        )
    if len(ready) == children:
        return f"ALL-CHILDREN-HELD {children * size >> 20} MiB ({filled})"
    return f"none was killed, but only {filled}: no answer"


print("children:", _hoard())

"""A correct notebook with an added cell whose three children each fill 700 MiB at once: a
per-process cap would let them, the cap on all the sandbox's processes together must kill
one. The answers keep every point. (An added cell's calls run in the notebook only.)"""
# attack: sandbox
# expect: full-marks
# blocked: children: .*killed by signal 9
# escaped: ALL-CHILDREN-HELD
# %% new-cell
import os
import time


def _hoard(children=3, size=700 << 20):
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                data = bytearray(size)
                data[:: 1 << 12] = b"x" * (size >> 12)  # touch every page
                time.sleep(1)
            finally:
                os._exit(0)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    if not any(os.WIFSIGNALED(status) for status in statuses):
        return f"ALL-CHILDREN-HELD {children * size >> 20} MiB"
    return ", ".join(
        f"killed by signal {os.WTERMSIG(s)}" if os.WIFSIGNALED(s) else f"exit {os.WEXITSTATUS(s)}"
        for s in statuses
    )


print("children:", _hoard())

"""Three child processes each hold 1 GiB at once: a per-process cap would let them."""

# base: release
# expect: zero
# %% convolve
import os
import time


def _hoard(children=3, size=1 << 30, seconds=3):
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                data = b"x" * size
                time.sleep(seconds)
            finally:
                os._exit(0)
        pids.append(pid)
    return [os.waitpid(pid, 0)[1] for pid in pids]


print("children:", _hoard())


_TRIED = []


def convolve(image, kernel):
    if not _TRIED:
        _TRIED.append(_hoard(seconds=1))
    return np.zeros((1, 1))

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


def _children(count=3, size=650 << 20):
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                data = bytearray(size)
                data[:: 1 << 12] = b"y" * (size >> 12)  # touch every page
                time.sleep(1)
            finally:
                os._exit(0)
        pids.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    if not any(os.WIFSIGNALED(s) for s in statuses):
        return f"ALL-CHILDREN-HELD {count * size >> 20} MiB"
    return ", ".join(f"killed by signal {os.WTERMSIG(s)}" for s in statuses if os.WIFSIGNALED(s))


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

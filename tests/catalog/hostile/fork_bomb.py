"""A correct notebook that also forks children until the system refuses (a fork bomb held
on a leash so the test stays cheap): the process cap must stop it long before 400, and the
answers keep every point."""
# attack: sandbox
# expect: full-marks
# blocked: fork refused after \d+ children: BlockingIOError: \[Errno 11\] Resource temporarily unavailable
# escaped: FORKED-ALL
# %% convolve after-answer
import os
import signal
import time


def _fork_until_refused(limit=400):
    children = []
    try:
        for _ in range(limit):
            pid = os.fork()
            if pid == 0:
                try:
                    time.sleep(10)  # an orphan, if any, ends soon and frees its cgroup
                finally:
                    os._exit(0)
            children.append(pid)
        return f"FORKED-ALL {limit} children"
    except OSError as error:
        return f"fork refused after {len(children)} children: {type(error).__name__}: {error}"
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


print(_fork_until_refused())

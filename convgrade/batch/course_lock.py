"""One grading run per course at a time.

Two `convgrade grade` runs in one course (two TAs, two terminals, a cron job and a person)
would both grade every submission, and both write the gradebook, the autograded folders,
the feedback pages and the record of what is done: the last writer wins, file by file. So a
run holds an exclusive lock on LOCK_FILE while it grades, and a second run refuses to start,
saying who holds it. The lock is the kernel's (flock), held through an open file: it ends
with its process, however that ends, so a run that was killed leaves no stale lock.
"""

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

LOCK_FILE = Path(".convgrade") / "grading.lock"


class CourseBusy(Exception):
    """Another run is grading this course (the message says which process, since when), or
    the lock cannot be made at all (the message says why)."""


@contextlib.contextmanager
def grading_lock(root):
    """Hold the course's grading lock for the duration of the block; raises CourseBusy at
    once, without waiting, when another process holds it."""
    path = Path(root) / LOCK_FILE
    try:
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        reason = error.strerror
        if path.parent.exists() and not path.parent.is_dir():
            reason = f"{LOCK_FILE.parent} is a file, not a folder"
        raise CourseBusy(f"the grading lock {LOCK_FILE} cannot be made: {reason}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CourseBusy(
                f"{_holder(fd)}; wait for it to end (or stop it), then run again"
            ) from None
        # Who holds it, for the message a second run prints; the lock itself is the flock.
        holder = json.dumps({"pid": os.getpid(), "started": time.time()}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder, 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd):
    """Which run holds the lock, in words, from what it wrote in the file."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0))
        pid, started = int(holder["pid"]), float(holder["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return "another `convgrade grade` is grading this course"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started))
    return f"another `convgrade grade` (process {pid}, since {since}) is grading this course"

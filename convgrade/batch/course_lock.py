"""One grading run per course at a time.

Two `convgrade grade` runs in one course (two TAs, two terminals, a cron job and a person)
would both grade every submission, and both write the gradebook, the autograded folders,
the feedback pages, grades.csv, the report and the record of what is done: the last writer
wins, file by file. So a run holds an exclusive lock on LOCK_FILE from before it grades
until its results are written, and a second run refuses to start, saying who holds it. The
lock is the kernel's (flock), held through an open file: it ends with its process, however
that ends, so a run that was killed leaves no stale lock. A process may take it again while
it holds it (the command holds it around grade_class, which takes it too). `nbgrader
autograde` and the formgrader's autograde button take it too (intake.vetting's
VettedAutograde), so neither door grades while the other does.

The file is opened without following links, inside a `.convgrade` folder opened the same
way, and must be a plain file with no other name: a link planted there (or a course copied
with hard links) never makes the grader write elsewhere.
"""

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from pathlib import Path

LOCK_FILE = Path(".convgrade") / "grading.lock"
# What the lock file may hold: the holder's pid and start time, a few dozen bytes.
HOLDER_BYTES = 256

_held = {}  # (device, inode) of a lock file this process holds -> how many times


class CourseBusy(Exception):
    """Another run is grading this course (the message says which process, since when), or
    the lock cannot be taken at all (the message says why)."""


@contextlib.contextmanager
def grading_lock(root):
    """Hold the course's grading lock for the duration of the block; raises CourseBusy at
    once, without waiting, when another process holds it."""
    fd = _open_lock_file(Path(root))
    try:
        key = _identity(os.fstat(fd))
        if key in _held:  # this process holds it already
            _held[key] += 1
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CourseBusy(
                    f"{_holder(fd)}; wait for it to end (or stop it), then run again"
                ) from None
            _held[key] = 1
            _name_holder(fd)
        try:
            yield
        finally:
            _held[key] -= 1
            if not _held[key]:
                del _held[key]
    finally:
        os.close(fd)  # the last descriptor of this process's lock releases it


def _open_lock_file(root):
    """A descriptor of the course's lock file, made if missing: read-write where this user
    may write it, else read-only (another TA's file; flock works on either)."""
    where = f"the grading lock {LOCK_FILE}"
    folder_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        (root / LOCK_FILE.parent).mkdir(exist_ok=True)
        folder = os.open(root / LOCK_FILE.parent, folder_flags)
    except OSError as error:
        parent = root / LOCK_FILE.parent
        if parent.is_symlink():
            reason = f"{LOCK_FILE.parent} is a link, not a folder"
        elif parent.exists() and not parent.is_dir():
            reason = f"{LOCK_FILE.parent} is a file, not a folder"
        else:
            reason = error.strerror
        raise CourseBusy(f"{where} cannot be made: {reason}") from None
    try:
        # Never blocking (a FIFO there), never through a link; made writable by whoever
        # may write the course (the umask decides).
        flags = os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(LOCK_FILE.name, os.O_RDWR | flags, 0o666, dir_fd=folder)
        except PermissionError:
            fd = os.open(LOCK_FILE.name, os.O_RDONLY | flags, 0o666, dir_fd=folder)
    except OSError as error:
        reason = "it is a link" if error.errno == errno.ELOOP else error.strerror
        raise CourseBusy(f"{where} cannot be used: {reason}") from None
    finally:
        os.close(folder)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        kind = "has other names (hard links)" if stat.S_ISREG(info.st_mode) else "is not a file"
        raise CourseBusy(f"{where} cannot be used: it {kind}; remove it and run again")
    return fd


def _identity(info):
    return info.st_dev, info.st_ino


def _name_holder(fd):
    """Write who holds the lock, for the message a second run prints. Skipped where the
    file is another user's: the lock itself is the flock."""
    holder = json.dumps({"pid": os.getpid(), "started": time.time()}).encode()
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder, 0)


def _holder(fd):
    """Which run holds the lock, in words, from what it wrote in the file."""
    try:
        holder = json.loads(os.pread(fd, HOLDER_BYTES, 0))
        pid = int(holder["pid"])
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(holder["started"])))
    except Exception:  # written by something else, or by nothing yet
        return "another grading run is grading this course"
    return f"another grading run (process {pid}, since {since}) is grading this course"

"""The grader's own JSON files in the course's `.convgrade` folder, never through a link.

`graded.json` (what was recorded, so a resumed run skips it) and `last-run.json` (the last
run's figures) sit in a folder that anyone who can write the course can write. A link put
there, in place of one of them, of the half-written copy or of `.convgrade` itself (even
while a run goes on), would have made the grader write its JSON into whatever the link
names, with the grader's rights. So the folder is opened without following a link, and
everything happens relative to that open folder: a file is written to a fresh copy
(created, never opened if something is there) and renamed over the old one, which
replaces a link itself; and a link is never read, it counts as no file at all. New files
get the user's umask, as the grader's other files do.
"""

import contextlib
import errno
import json
import os
import stat
from pathlib import Path

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# A state file holds one line per student: far below this for any class.
MAX_BYTES = 64 << 20


def read_json(path):
    """The JSON value in the regular file `path`. OSError if it, or its folder, is missing,
    a link, too large or unreadable; ValueError if it is no JSON (or nested too deep)."""
    path = Path(path)
    with _folder(path.parent) as folder:
        fd = os.open(path.name, _READ_FLAGS, dir_fd=folder)
        with open(fd, "rb") as file:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BYTES:
                raise OSError(errno.EINVAL, "not a regular file of a state's size", str(path))
            data = file.read(MAX_BYTES + 1)
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"{path}: nested too deep") from None


def write_json(path, value, **options):
    """Replace `path` by a file holding `value` as JSON (json.dumps `options`), whole or
    not at all: a kill leaves the old file or the new one."""
    path = Path(path)
    text = json.dumps(value, **options).encode()
    with contextlib.suppress(FileExistsError):
        os.mkdir(path.parent)
    partial = f".{path.name}.partial"
    with _folder(path.parent) as folder:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial, dir_fd=folder)  # one left by a killed run (or a link): gone
        fd = os.open(partial, _CREATE_FLAGS, 0o666, dir_fd=folder)
        try:
            with open(fd, "wb") as file:
                file.write(text)
            os.replace(partial, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial, dir_fd=folder)
            raise


@contextlib.contextmanager
def _folder(path):
    fd = os.open(path, _FOLDER_FLAGS)
    try:
        yield fd
    finally:
        os.close(fd)

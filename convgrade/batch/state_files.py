"""The grader's own JSON files in the course's `.convgrade` folder, never through a link.

`graded.json` (what was recorded, so a resumed run skips it) and `last-run.json` (the last
run's figures) sit in a folder that anyone who can write the course can write. A link put
there in place of one of them, or of the half-written copy, would have made the grader
write its JSON into the file the link names, with the grader's rights. Now a file is
written to a fresh, uniquely named file (created, never opened if it exists) and renamed
over the old one, which replaces a link itself; and a link is never read: it counts as
no file at all.
"""

import json
import os
import stat
import tempfile
from pathlib import Path


def read_json(path):
    """The JSON value in the regular file `path`. OSError if it is missing, a link or
    unreadable; ValueError if it is no JSON."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return json.loads(file.read())


def write_json(path, value, **options):
    """Replace `path` by a file holding `value` as JSON (json.dumps `options`), whole or
    not at all: a kill leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with open(fd, "w") as file:
            file.write(json.dumps(value, **options))
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        os.unlink(partial)
        raise

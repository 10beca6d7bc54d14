"""One SQLAlchemy engine per gradebook file in a grading process, not one per `Gradebook`.

nbgrader opens a new `Gradebook` in each preprocessor that touches the database
(OverwriteCells, OverwriteKernelspec, SaveAutoGrades, GetGrades, ...), about six a
submission, and each `Gradebook` calls `create_engine`. A new engine has an empty compiled
statement cache, and SQLAlchemy keys that cache by the engine's dialect, so every
submission compiled nbgrader's queries afresh: about a tenth of a second of a worker's CPU
per submission, and more in the coordinator, which records every submission.

`reuse_engines()` makes `nbgrader.api.Gradebook` take its engine from here: one per
database URL and file. nbgrader looks `create_engine` up in its own module each time, so
replacing that name reaches every `Gradebook` made afterwards in the process, whoever
makes it. The compiled statements live on the engine, so they outlast
`Gradebook.close()`, which only empties the engine's pool of connections.

While one Gradebook is open, another on the same file may leave a connection in the
pool, and that connection goes on reading the file it opened. So the file's identity
(device and inode) is part of the key: a gradebook replaced by another file (a restore, a
new course at the same path) gets an engine of its own. A pooled connection keeps the old
inode allocated, so a new file cannot be given the same number while the old engine could
still reach it.

Only the batch grader's processes (SubmissionGrader, GradebookWriter) call this; the
`nbgrader` commands and the formgrader run in processes of their own and keep nbgrader's
behaviour.
"""

import os
import threading
from collections import OrderedDict

import nbgrader.api
from sqlalchemy.engine import make_url

# Enough for a worker's private copy, the course's gradebook and a few tests' courses.
KEPT_ENGINES = 8

_nbgrader_create_engine = nbgrader.api.create_engine
_engines = OrderedDict()
_lock = threading.Lock()


def reuse_engines():
    """From now on, nbgrader's Gradebooks in this process share an engine per file."""
    nbgrader.api.create_engine = shared_engine


def shared_engine(url, **options):
    """The engine `nbgrader.api.create_engine(url, **options)` would make, kept and shared
    for file-backed SQLite URLs; anything else gets a new engine, as before."""
    key = _key(url, options)
    if key is None:
        return _nbgrader_create_engine(url, **options)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _nbgrader_create_engine(url, **options)
            while len(_engines) > KEPT_ENGINES:
                # Not disposed: a Gradebook may still hold it; it closes when collected.
                _engines.popitem(last=False)
        _engines.move_to_end(key)
        return engine


def _key(url, options):
    parsed = make_url(url)
    database = parsed.database
    # A relative path names another file once the working folder changes (nbgrader's
    # converters change it), so only absolute ones are kept.
    if parsed.get_backend_name() != "sqlite" or not database or not os.path.isabs(database):
        return None
    try:
        status = os.stat(database)
        key = (str(url), status.st_dev, status.st_ino, tuple(sorted(options.items())))
        hash(key)
    except OSError:  # nbgrader is about to create it; its next Gradebook gets a kept engine
        return None
    except TypeError:  # options that are not plain values: not kept, to be safe
        return None
    return key

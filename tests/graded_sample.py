"""A writable copy of the committed, graded sample class, for tests that read grading results."""

import shutil

from support import REPO

# What grading the sample class produced, with what it was graded from.
COURSE_PARTS = ("source", "release", "submitted", "autograded", "feedback")


def copy_graded_sample(destination):
    """Copy the sample class (gradebook.db, config, folders) into `destination`; return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        shutil.copytree(REPO / part, destination / part)
    for name in ("gradebook.db", "nbgrader_config.py"):
        shutil.copy(REPO / name, destination / name)
    return destination

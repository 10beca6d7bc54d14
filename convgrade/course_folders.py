"""Where the course's folders are: from nbgrader's configuration, not from where convgrade is."""

import os
import re
from pathlib import Path

import convgrade

# c.HiddenChecks.hidden_dir when the configuration leaves it out: a folder in the course root.
DEFAULT_HIDDEN_DIR = "tests/hidden"
# The assignment the hidden checks grade, for commands that are not told (as `convgrade grade`).
ASSIGNMENT = "convolutions"
# The grader's own code, wherever pip put it: it holds the reference solution, so the sandbox
# hides it, and the skip-unchanged fingerprint hashes it.
PACKAGE_DIR = Path(convgrade.__file__).resolve().parent


def course_config(folder=None):
    """The configuration `nbgrader` loads when started in `folder` (default: the working folder).

    Examples
    --------
    >>> course_root(course_config()) == Path.cwd().resolve()  # doctest: +SKIP
    True
    """
    from convgrade.batch.submission_grader import config_from_files, site_config_files

    return config_from_files(site_config_files(cwd=Path(folder or os.getcwd())))


def course_root(config):
    """The course root: c.CourseDirectory.root, else the working folder, as nbgrader decides."""
    from nbgrader.coursedir import CourseDirectory

    return Path(CourseDirectory(config=config).root).resolve()


class NotSQLiteGradebook(ValueError):
    """The course's gradebook is not a SQLite file, which convgrade needs (it copies it to
    each grading process)."""


def gradebook_file(config, root):
    """The course's SQLite gradebook file: c.CourseDirectory.db_url, whose default is
    gradebook.db in the course folder `root` (as GradebookWriter opens the course, with
    `root` as CourseDirectory.root). A relative path is taken from `root`, the folder
    nbgrader commands run in."""
    from nbgrader.coursedir import CourseDirectory

    url = CourseDirectory(config=config, root=str(Path(root).resolve())).db_url
    file_url = re.fullmatch(r"sqlite(\+\w+)?:///([^?]+)(\?.*)?", url)
    if file_url is None:
        # The URL itself may carry a password: only its kind is repeated.
        kind = re.match(r"[A-Za-z][\w+]*", url)
        raise NotSQLiteGradebook(
            f"c.CourseDirectory.db_url is not a SQLite file (it is a {kind[0] if kind else '?'} "
            "URL); convgrade grades and reports with a SQLite gradebook file only "
            "(use `nbgrader autograde` for this course)"
        )
    path = file_url[2]
    return Path(root).resolve() / path


def in_course(config, path):
    """`path` made absolute: a relative path is taken from the course root."""
    return (course_root(config) / Path(path).expanduser()).resolve()


def hidden_checks_dir(config):
    """The folder of hidden checks that grading uses: c.HiddenChecks.hidden_dir, in the course
    root when relative, and tests/hidden there when not set."""
    configured = config.get("HiddenChecks", {}).get("hidden_dir") or DEFAULT_HIDDEN_DIR
    return in_course(config, configured)


def source_notebook(config, assignment=ASSIGNMENT):
    """The instructor's notebook of `assignment`, in nbgrader's source folder."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.source_directory, ".", assignment)
    return Path(folder, f"{assignment}.ipynb").resolve()

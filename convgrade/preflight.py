"""What a command is asked to work on exists in this course: checked before anything is written."""

import difflib
import sqlite3
from pathlib import Path
from urllib.parse import quote

from convgrade import course_folders
from convgrade.plain_text import plain

# What makes a folder a course folder: nbgrader reads its configuration from here.
CONFIG_FILE = "nbgrader_config.py"


class NotFound(Exception):
    """The course folder, assignment or student asked for is not there; one line says why."""


def course_folder(root="."):
    """The course folder `root`, resolved, if it holds nbgrader_config.py and a gradebook.

    Checked by looking only: a command run in the wrong folder must not leave a
    gradebook.db (or anything else) behind there, as opening nbgrader's Gradebook would.
    """
    root = Path(root).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise NotFound(
            f"{root} is not a course folder: no nbgrader_config.py here. "
            "Run convgrade in the folder holding nbgrader_config.py, source/ and submitted/."
        )
    path = gradebook_path(root)
    if not path.is_file():
        where = (
            f"in {root}"
            if path == root / "gradebook.db"
            else f"at {path} (c.CourseDirectory.db_url)"
        )
        raise NotFound(
            f"no gradebook {where}: generate the assignment first "
            "(`make release`, or `nbgrader generate_assignment ASSIGNMENT`)."
        )
    return root


def gradebook_path(root):
    """The course's SQLite gradebook file, as its nbgrader configuration names it
    (c.CourseDirectory.db_url; by default gradebook.db in the course folder)."""
    try:
        config = course_folders.course_config(root)
    except Exception as error:  # the instructor's Python: any error at all
        raise NotFound(
            f"{Path(root) / 'nbgrader_config.py'} does not load "
            f"({type(error).__name__}: {plain(str(error), 200)})"
        ) from None
    try:
        return course_folders.gradebook_file(config, root)
    except course_folders.NotSQLiteGradebook as error:
        raise NotFound(str(error)) from None


def gradebook_assignments(root):
    """Assignment names in the gradebook, read without writing to it (SQLite read-only mode)."""
    path = gradebook_path(root)  # runs the course's configuration: once
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        _roll_back_interrupted_write(path)
        with sqlite3.connect(uri, uri=True) as db:
            return sorted(name for (name,) in db.execute("SELECT name FROM assignment"))
    except sqlite3.Error as error:
        raise NotFound(f"cannot read {path}: {error}") from None


def _roll_back_interrupted_write(path):
    """A grading run killed mid-write leaves a hot rollback journal next to the gradebook;
    SQLite undoes that write on the next read, which a read-only connection cannot do
    ("attempt to write a readonly database"), so restarting after a kill would be refused.
    Reading once through an ordinary connection lets SQLite roll it back first."""
    journal = path.with_name(path.name + "-journal")
    if path.is_file() and journal.is_file() and journal.stat().st_size > 0:
        db = sqlite3.connect(path)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()


def known_assignment(root, assignment):
    """`assignment` if the gradebook has it; otherwise NotFound naming the ones there are."""
    recorded = gradebook_assignments(root)
    if assignment in recorded:
        return assignment
    sources = sorted(p.name for p in (Path(root) / "source").glob("*") if p.is_dir())
    if assignment in sources:
        raise NotFound(
            f"assignment {plain(repr(assignment), 80)} is in source/ but not in the gradebook: "
            f"run `nbgrader generate_assignment {assignment}` first."
        )
    raise NotFound(
        f"no assignment {plain(repr(assignment), 80)}: the gradebook has {_listed(recorded)}; "
        f"source/ has {_listed(sources)}."
    )


def submitted_students(root, assignment):
    """Students with a submitted/<student>/<assignment>/ folder, sorted."""
    submitted = Path(root) / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())


def known_students(root, assignment, students):
    """`students` if each submitted `assignment`; otherwise NotFound naming near matches."""
    present = submitted_students(root, assignment)
    unknown = [s for s in students if s not in present]
    if not unknown:
        return list(students)
    near = sorted({m for s in unknown for m in difflib.get_close_matches(s, present, n=3)})
    hint = f"; did you mean {_listed(near)}?" if near else ""
    raise NotFound(
        f"no submission of {plain(assignment, 80)} from {_listed(unknown)} in submitted/ "
        f"({len(present)} students submitted it){hint}"
    )


def _listed(names, most=10):
    """Names for one line of text: folder names are whatever someone made them, so shown inert."""
    if not names:
        return "none"
    shown = ", ".join(plain(name, 80) for name in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")

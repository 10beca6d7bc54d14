"""What grading produced, for the instructor: a per-student table read from the gradebook."""

from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from convgrade.contract import read_records
from convgrade.plain_text import plain

ASSIGNMENT = "convolutions"


def student_scores(db_url, assignment=ASSIGNMENT):
    """Rows of (student, auto score, max score, needs manual grading, per-cell scores)."""
    rows = []
    with Gradebook(db_url) as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            cells = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = grade.score
            rows.append(
                {
                    "student": submission.student.id,
                    "score": submission.score,
                    "max_score": submission.max_score,
                    "needs_manual_grade": submission.needs_manual_grade,
                    "cells": cells,
                }
            )
    return sorted(rows, key=lambda row: row["student"])


def format_summary(rows):
    """A plain-text table: one line per student."""
    names = [plain(r["student"], 60) for r in rows]
    width = max([len(n) for n in names] + [7])
    lines = [f"{'student':{width}s}  {'score':>11s}  manual grading"]
    for name, row in zip(names, rows, strict=True):
        manual = "needed" if row["needs_manual_grade"] else "-"
        lines.append(f"{name:{width}s}  {row['score']:5.2f} / {row['max_score']:<3g}  {manual}")
    return "\n".join(lines)


# What autograded_notebooks() read, by path: (the file's identity then, its records). The
# end of `convgrade grade` reads every notebook for the problem list and again for the class
# report, and reports.ahead reads most of them before grading ends; a file changed since
# (another inode, size, modification or change time) is read again: grading replaces a
# notebook with a new file. Records only: a few kB a student.
_read = {}


def autograded_notebooks(autograded_dir, assignment=ASSIGNMENT):
    """(student id, notebook) for every autograded notebook, sorted by path, with only the
    records in each (records_only).

    A file that cannot be read comes back as an empty notebook whose only record is the
    reason, so one damaged file costs a line in the problems, not the whole report.
    """
    for path in sorted(Path(autograded_dir).glob(f"*/{assignment}/*.ipynb")):
        yield path.parts[-3], _records_of(path)


def _records_of(path):
    try:
        stat = path.stat()
        identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    except OSError:
        identity = None
    known = _read.get(path)
    if identity is not None and known is not None and known[0] == identity:
        return known[1]
    try:
        # nbgrader wrote and validated these; reading without validating is ten times faster.
        notebook = nbformat.v4.reads(path.read_text())
        if not isinstance(notebook, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        notebook = nbformat.from_dict(
            {"cells": [], "metadata": {}, "unusable": f"{type(error).__name__}: {error}"}
        )
    notebook = records_only(notebook)
    if identity is not None:
        _read[path] = (identity, notebook)
    return notebook


def records_only(notebook):
    """The notebook with its own metadata and each cell's type and metadata (where the
    grader's records are), without the cells' source and outputs: the reports read nothing
    else, and holding a class's pictures would take about a megabyte a student (700 MiB
    for 500 students, measured with `make bench-500`)."""
    cells = notebook.get("cells")
    if isinstance(cells, list):
        cells = [
            {"cell_type": cell.get("cell_type"), "metadata": cell.get("metadata", {})}
            if isinstance(cell, dict)
            else cell
            for cell in cells
        ]
    kept = {key: value for key, value in notebook.items() if key != "cells"}
    return nbformat.from_dict(dict(kept, cells=cells))


def problems(autograded_dir, assignment=ASSIGNMENT, notebooks=None):
    """What went wrong while grading each student, read from the autograded notebooks.

    `notebooks` may pass in what autograded_notebooks() already read.
    Returns a dict: student id -> list of one-line reasons (students with none are left out).
    Reasons quote what the notebook holds as it is; format_problems makes them safe to print.
    """
    found = {}
    if notebooks is None:
        notebooks = autograded_notebooks(autograded_dir, assignment)
    for student, notebook in notebooks:
        found[student] = _notebook_problems(notebook)
    for folder in sorted(Path(autograded_dir).parent.glob(f"submitted/*/{assignment}")):
        student = folder.parts[-2]
        if not (Path(autograded_dir) / student / assignment).exists():
            found[student] = ["not autograded: see nbgrader's log for this student"]
    return {student: reasons for student, reasons in found.items() if reasons}


def _notebook_problems(notebook):
    if notebook.get("unusable"):
        return [f"autograded notebook unreadable: {notebook['unusable']}"]
    records = read_records(notebook)
    info = records.info
    reasons = []
    if info.unreadable:
        reasons.append(f"unreadable file: {info.unreadable}")
    reasons += [f"refused: {r}" for r in info.refused or []]
    reasons += [f"repaired: {r}" for r in info.repairs or []]
    if info.load_failure:
        reasons.append(f"code could not be loaded: {info.load_failure}")
    reasons += [f"crashed: {c}" for c in info.crashes or []]
    reasons += [f"timed out: {name} ({count}x)" for name, count in (info.timeouts or {}).items()]
    reasons += [
        f"forbidden: {name} uses {', '.join(uses)}" for name, uses in (info.forbidden or {}).items()
    ]
    # SandboxedExecute's record, not the outputs: student code can print anything there.
    if info.execute and info.execute.stopped:
        reasons.append(f"notebook run stopped: {info.execute.stopped}")
    if info.execute:
        reasons += [f"notebook run: {stop}" for stop in info.execute.time_stops or []]
    if info.execute and info.execute.truncated:
        reasons.append("output truncated")
    reasons += records.rejected
    return list(dict.fromkeys(reasons))


def format_problems(found):
    """The problems as terminal lines; text from notebooks is escaped and cut short."""
    if not found:
        return "No problems while grading."
    lines = [f"Problems while grading ({len(found)} students):"]
    for student, reasons in found.items():
        lines += [f"  {plain(student, 60)}: {plain(reason)}" for reason in reasons]
    return "\n".join(lines)

"""What grading produced, for the instructor: a per-student table read from the gradebook."""

from pathlib import Path

from nbgrader.api import Gradebook

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
    width = max([len(r["student"]) for r in rows] + [7])
    lines = [f"{'student':{width}s}  {'score':>11s}  manual grading"]
    for row in rows:
        manual = "needed" if row["needs_manual_grade"] else "-"
        lines.append(
            f"{row['student']:{width}s}  {row['score']:5.2f} / {row['max_score']:<3g}  {manual}"
        )
    return "\n".join(lines)


def autograded_notebooks(autograded_dir, assignment=ASSIGNMENT):
    """(student id, notebook) for every autograded notebook, sorted by path."""
    import nbformat

    for path in sorted(Path(autograded_dir).glob(f"*/{assignment}/*.ipynb")):
        # nbgrader wrote and validated these; reading without validating is ten times faster.
        yield path.parts[-3], nbformat.v4.reads(path.read_text())


def problems(autograded_dir, assignment=ASSIGNMENT, notebooks=None):
    """What went wrong while grading each student, read from the autograded notebooks.

    `notebooks` may pass in what autograded_notebooks() already read.
    Returns a dict: student id -> list of one-line reasons (students with none are left out).
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
    info = notebook.metadata.get("convgrade", {})
    reasons = []
    if info.get("unreadable"):
        reasons.append(f"unreadable file: {info['unreadable']}")
    reasons += [f"repaired: {r}" for r in info.get("repairs", [])]
    if info.get("load_failure"):
        reasons.append(f"code could not be loaded: {info['load_failure']}")
    reasons += [f"crashed: {c}" for c in info.get("crashes", [])]
    reasons += [f"timed out: {name} ({count}x)" for name, count in info.get("timeouts", {}).items()]
    reasons += [
        f"forbidden: {name} uses {', '.join(uses)}"
        for name, uses in info.get("forbidden", {}).items()
    ]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("ename") == "GradingStopped":
                reasons.append(f"notebook run stopped: {output.get('evalue')}")
            if output.get("output_type") == "stream" and "[output truncated" in output.get(
                "text", ""
            ):
                reasons.append("output truncated")
    return list(dict.fromkeys(reasons))


def format_problems(found):
    if not found:
        return "No problems while grading."
    lines = [f"Problems while grading ({len(found)} students):"]
    for student, reasons in found.items():
        lines += [f"  {student}: {reason}" for reason in reasons]
    return "\n".join(lines)

"""What grading produced, for the instructor: a per-student table read from the gradebook."""

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
            rows.append({
                "student": submission.student.id,
                "score": submission.score,
                "max_score": submission.max_score,
                "needs_manual_grade": submission.needs_manual_grade,
                "cells": cells,
            })
    return sorted(rows, key=lambda row: row["student"])


def format_summary(rows):
    """A plain-text table: one line per student."""
    width = max([len(r["student"]) for r in rows] + [7])
    lines = [f"{'student':{width}s}  {'score':>11s}  manual grading"]
    for row in rows:
        manual = "needed" if row["needs_manual_grade"] else "-"
        lines.append(f"{row['student']:{width}s}  {row['score']:5.2f} / {row['max_score']:<3g}  "
                     f"{manual}")
    return "\n".join(lines)

"""The class report: score distribution, failure rate of each check, and common mistakes."""

import base64
import html
import io
from collections import Counter
from pathlib import Path

from convgrade.contract import read_records
from convgrade.plain_text import label, plain
from convgrade.reports.gradebook_table import (
    ASSIGNMENT,
    autograded_notebooks,
    problems,
    student_scores,
)


def collect(root, assignment=ASSIGNMENT):
    """Scores from the gradebook; check outcomes, mistakes and the notebooks themselves."""
    root = Path(root)
    rows = student_scores(f"sqlite:///{root / 'gradebook.db'}", assignment)
    outcomes = {}  # (graded cell, check) -> [passed, ...]
    mistakes = Counter()  # misconception -> number of students who made it
    notebooks = list(autograded_notebooks(root / "autograded", assignment))
    for _, notebook in notebooks:
        named = set()
        # Only well-formed records on graded test cells; problems() lists what was ignored.
        for grade_id, check in read_records(notebook).checks:
            outcomes.setdefault((grade_id, check.name), []).append(check.passed)
            if check.misconception:
                named.add(check.misconception.value)
        mistakes.update(named)
    return rows, outcomes, mistakes, notebooks


MAX_BARS = 80  # bars per chart: the worst first; more would make a picture too tall to draw


def _figure_png(draw, size):
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=90)
    draw(figure.subplots())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def write_report(root, output, assignment=ASSIGNMENT):
    """Write the HTML report to `output`; returns its path."""
    root = Path(root)
    rows, outcomes, mistakes, notebooks = collect(root, assignment)
    students = len(rows) or 1
    max_score = max((r["max_score"] for r in rows), default=0)

    def scores(ax):
        ax.hist(
            [r["score"] for r in rows],
            bins=min(20, max(5, students)),
            range=(0, max_score),
            color="tab:blue",
            edgecolor="white",
        )
        ax.set_xlabel(f"score (out of {max_score:g})")
        ax.set_ylabel("students")
        ax.set_title("Score distribution")

    failure = sorted(
        (
            (1 - sum(v) / len(v), label(f"{cell} / {name}", 80))
            for (cell, name), v in outcomes.items()
        ),
        reverse=True,
    )[:MAX_BARS]

    def failures(ax):
        ax.barh(
            [label for _, label in failure][::-1],
            [100 * r for r, _ in failure][::-1],
            color="tab:red",
        )
        ax.set_xlabel("% of students failing")
        ax.set_xlim(0, 100)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title("Failure rate of each hidden check")

    common = mistakes.most_common(MAX_BARS)

    def misconceptions(ax):
        ax.barh(
            [label(name) for name, _ in common][::-1],
            [100 * n / students for _, n in common][::-1],
            color="tab:purple",
        )
        ax.set_xlabel("% of students")
        ax.set_xlim(0, 100)
        ax.set_title("Named mistakes")

    images = [_figure_png(scores, (6, 3.2)), _figure_png(failures, (8, 0.18 * len(failure) + 1.2))]
    if common:
        images.append(_figure_png(misconceptions, (7, 0.35 * len(common) + 1.2)))
    mistake_lines = (
        "".join(
            f"<li>{100 * n / students:.0f}% {html.escape(plain(name))}</li>" for name, n in common
        )
        or "<li>none named</li>"
    )
    found = problems(root / "autograded", assignment, notebooks)
    problem_lines = (
        "".join(
            f"<li><b>{html.escape(plain(s, 60))}</b>: "
            f"{html.escape('; '.join(plain(line) for line in r))}</li>"
            for s, r in found.items()
        )
        or "<li>none</li>"
    )
    table = "".join(
        f"<tr><td>{html.escape(plain(r['student'], 60))}</td><td>{r['score']:g}</td>"
        f"<td>{'yes' if r['needs_manual_grade'] else ''}</td></tr>"
        for r in rows
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{html.escape(assignment)}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:0 1em}}</style>
</head><body><h1>{html.escape(assignment)}: class report</h1>
<p>{len(rows)} submissions, mean score {sum(r["score"] for r in rows) / students:.2f}
of {max_score:g}.</p>
{"".join(f'<p><img src="data:image/png;base64,{i}"/></p>' for i in images)}
<h2>Named mistakes</h2><ul>{mistake_lines}</ul>
<h2>Problems while grading</h2><ul>{problem_lines}</ul>
<h2>Scores</h2><table><tr><th>student</th><th>score</th><th>needs manual grading</th></tr>
{table}</table></body></html>"""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page)
    return output

"""The class report: one self-contained HTML page an instructor reads after grading."""

import base64
import html
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from nbgrader.api import Gradebook

from convgrade import course_folders
from convgrade.contract import read_records
from convgrade.plain_text import label, plain
from convgrade.reports.gradebook_table import ASSIGNMENT, autograded_notebooks, problems
from convgrade.reports.results import notebook_result
from convgrade.reports.tasks import check_title, course_tasks, task_of

MAX_BARS = 80  # bars per chart: the worst first; more would make a picture too tall to draw


@dataclass
class StudentRow:
    """One line of the per-student table."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    awaiting: float = 0.0
    tasks: dict = field(default_factory=dict)  # task title -> TaskScore
    mistakes: list = field(default_factory=list)  # Mistake members
    problems: list = field(default_factory=list)  # one-line reasons, as recorded
    flag: str | None = None  # why this submission is left out of the statistics
    feedback: list = field(default_factory=list)  # feedback pages that exist


@dataclass
class ClassResults:
    """What the report shows: every student, and the check outcomes of the counted ones."""

    assignment: str
    rows: list
    task_max: dict  # task title -> maximum points, in task order
    outcomes: dict  # (task title, check title) -> {student: passed every case}

    @property
    def counted(self):
        """Students whose notebook was read and graded: the statistics are about them."""
        return [row for row in self.rows if row.flag is None]


def _found_notebooks(root, student, assignment):
    folder = Path(root) / "submitted" / student / assignment
    return sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []


def _flag(notebook, records, expected, student, root, assignment):
    """Why a submission cannot be counted as graded work, or None."""
    if notebook is None:
        found = _found_notebooks(root, student, assignment)
        return f"{expected}.ipynb missing; found: {', '.join(found) or 'no notebook'}"
    if notebook.get("unusable"):
        return "autograded notebook unreadable"
    if records.info.unreadable:
        return f"unreadable: {records.info.unreadable}"
    return None


def collect(root, assignment=ASSIGNMENT):
    """Every student's result, flags and check outcomes, from the gradebook and autograded/.

    Parameters
    ----------
    root : path
        The course folder (gradebook.db, source/, autograded/, feedback/, submitted/).
    assignment : str

    Returns
    -------
    ClassResults
    """
    root = Path(root)
    notebooks = list(autograded_notebooks(root / "autograded", assignment))
    # autograded_notebooks() reads exactly these paths, in this order.
    paths = sorted((root / "autograded").glob(f"*/{assignment}/*.ipynb"))
    by_path = {path: notebook for path, (_, notebook) in zip(paths, notebooks, strict=True)}
    found_problems = problems(root / "autograded", assignment, notebooks)
    rows, task_max, outcomes = [], {}, {}
    gradebook_file = course_folders.gradebook_file(course_folders.course_config(root), root)
    with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
        names = [n.name for n in gradebook.find_assignment(assignment).notebooks]
        tasks = {name: course_tasks(root, assignment, name) for name in names}
        for submission in sorted(gradebook.assignment_submissions(assignment), key=_student):
            student = submission.student.id
            row = StudentRow(student, problems=found_problems.get(student, []))
            for name in names:
                notebook = by_path.get(root / "autograded" / student / assignment / f"{name}.ipynb")
                records = read_records(notebook) if notebook is not None else None
                row.flag = row.flag or _flag(notebook, records, name, student, root, assignment)
                result = notebook_result(gradebook, root, assignment, name, student, notebook)
                row.score += result.score
                row.max_score += result.max_score
                row.awaiting += result.awaiting
                row.mistakes += [m for m in result.mistakes if m not in row.mistakes]
                for task in result.tasks:
                    row.tasks[task.title] = task
                    task_max.setdefault(task.title, task.max_score)
                page = root / "feedback" / student / assignment / f"{name}.html"
                if page.is_file():
                    row.feedback.append(page)
                if row.flag is None and records is not None:
                    titles = task_of(tasks[name])
                    for grade_id, check in records.checks:
                        key = (titles.get(grade_id, grade_id), check_title(check.name))
                        passed = outcomes.setdefault(key, {})
                        passed[student] = passed.get(student, True) and check.passed
            rows.append(row)
    graded = {row.student for row in rows}
    for student, reasons in found_problems.items():
        if student not in graded:  # in submitted/ but never reached the gradebook
            rows.append(StudentRow(student, problems=reasons, flag="not graded"))
    return ClassResults(assignment, sorted(rows, key=lambda r: r.student), task_max, outcomes)


def _student(submission):
    return submission.student.id


# ---- pictures ---------------------------------------------------------------------------------
def _figure_png(draw, size):
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=90)
    draw(figure.subplots())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _integer_axis(axis):
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def draw_score_histogram(ax, scores, max_score):
    """The score distribution on `ax`: one bar per whole point, whole numbers of students."""
    top = max(int(max_score + 0.999), 1)
    ax.hist(scores, bins=range(0, top + 2), color="tab:blue", edgecolor="white", align="left")
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    _integer_axis(ax.xaxis)
    _integer_axis(ax.yaxis)


def score_histogram(scores, max_score):
    """A PNG of the score distribution."""
    return _figure_png(lambda ax: draw_score_histogram(ax, scores, max_score), (7, 3.2))


def failure_chart(rates):
    """A PNG of the failure rates: one bar per hidden check, grouped and coloured by task."""
    colours = {}

    def draw(ax):
        palette = ["tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]
        labels, values, colour = [], [], []
        for (task, check), rate in rates:
            colours.setdefault(task, palette[len(colours) % len(palette)])
            labels.append(label(f"{task} › {check}", 70))
            values.append(100 * rate)
            colour.append(colours[task])
        ax.barh(labels[::-1], values[::-1], color=colour[::-1])
        ax.set_xlabel("% of students failing at least one case")
        ax.set_xlim(0, 100)
        ax.tick_params(axis="y", labelsize=9)
        ax.set_title("Hidden checks, by task")

    return _figure_png(draw, (9, 0.3 * len(rates) + 1.4))


def mistake_chart(common, students):
    """A PNG of how many students made each named mistake."""

    def draw(ax):
        ax.barh(
            [label(name) for name, _ in common][::-1],
            [n for _, n in common][::-1],
            color="tab:purple",
        )
        ax.set_xlabel(f"students (of {students})")
        _integer_axis(ax.xaxis)
        ax.set_title("Named mistakes")

    return _figure_png(draw, (7, 0.35 * len(common) + 1.2))


# ---- the page ---------------------------------------------------------------------------------
def _text(value, limit=300):
    """Anything from a gradebook or notebook, as inert HTML text."""
    return html.escape(plain(value, limit))


def _points(value):
    return f"{round(value, 2):g}"


def _feedback_links(row, output_dir):
    links = []
    for page in row.feedback:
        relative = os.path.relpath(page, output_dir)
        href = "/".join(quote(part) for part in Path(relative).parts)
        links.append(f'<a href="{html.escape(href)}">{_text(page.stem, 60)}</a>')
    return ", ".join(links) or "none yet"


def _task_cell(task):
    if task is None:
        return "<td></td>"
    if task.awaiting and task.awaiting == task.max_score:
        return '<td class="awaiting">awaiting TA</td>'
    text = f"{_points(task.score)}"
    if task.awaiting:
        text += f" (+{_points(task.awaiting)} awaiting)"
    css = "full" if task.lost <= 0 else "lost"
    return f'<td class="{css}">{text}</td>'


def _student_table(results, output_dir):
    header = "".join(
        f"<th>{_text(title, 60)}<br><small>of {_points(top)}</small></th>"
        for title, top in results.task_max.items()
    )
    lines = []
    for row in results.rows:
        score = f"{_points(row.score)} / {_points(row.max_score)}" if row.max_score else ""
        if row.awaiting:
            score += f"<br><small>{_points(row.awaiting)} await a TA</small>"
        flag = f'<br><b class="flag">{_text(row.flag)}</b>' if row.flag else ""
        tasks = "".join(_task_cell(row.tasks.get(title)) for title in results.task_max)
        lines.append(
            f"<tr><td>{_text(row.student, 60)}{flag}</td><td>{score}</td>{tasks}"
            f"<td>{_text(', '.join(m.value for m in row.mistakes)) or ''}</td>"
            f"<td>{'<br>'.join(_text(p) for p in row.problems)}</td>"
            f"<td>{_feedback_links(row, output_dir)}</td></tr>"
        )
    return (
        '<table class="students"><tr><th>student</th><th>score</th>'
        f"{header}<th>named mistakes</th><th>problems while grading</th><th>feedback</th></tr>"
        + "".join(lines)
        + "</table>"
    )


def _failure_table(rates):
    lines, current = [], None
    for (task, check), rate in rates:
        if task != current:
            lines.append(f'<tr><th colspan="2" class="task">{_text(task)}</th></tr>')
            current = task
        lines.append(
            f'<tr><td>{_text(check)}</td><td><span class="bar" style="width:{rate * 10:.1f}em">'
            f"</span> {100 * rate:.0f}%</td></tr>"
        )
    return '<table class="failures">' + "".join(lines) + "</table>"


def _mistake_lines(results):
    who = {}
    for row in results.counted:
        for mistake in row.mistakes:
            who.setdefault(mistake, []).append(row.student)
    if not who:
        return "<li>none named</li>", Counter()
    common = Counter({m.value: len(s) for m, s in who.items()})
    lines = "".join(
        f"<li><b>{_text(mistake.value)}</b> ({len(students)}): "
        f"{', '.join(_text(s, 60) for s in students)}</li>"
        for mistake, students in sorted(who.items(), key=lambda item: -len(item[1]))
    )
    return lines, common


def failure_rates(results):
    """(task, check) -> share of counted students failing it, in task order, worst first within."""
    order = list(results.task_max)
    rates = [
        (key, sum(not ok for ok in passed.values()) / len(passed))
        for key, passed in results.outcomes.items()
        if passed
    ]
    position = {title: i for i, title in enumerate(order)}
    rates.sort(key=lambda item: (position.get(item[0][0], len(order)), -item[1], item[0][1]))
    return rates[:MAX_BARS]


STYLE = """body{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em}
td,th{padding:.2em .6em;text-align:left;vertical-align:top}
table.students tr:nth-child(even){background:#f4f4f4}
td.lost{color:#b00}td.awaiting{color:#666;font-style:italic}.flag{color:#b00}
th.task{padding-top:1em}.bar{display:inline-block;height:.8em;background:#c33}"""


def write_report(root, output, assignment=ASSIGNMENT):
    """Write the HTML report to `output`; returns its path."""
    root, output = Path(root), Path(output)
    results = collect(root, assignment)
    counted = results.counted
    left_out = [row for row in results.rows if row.flag]
    max_score = max((row.max_score for row in results.rows), default=0)
    scores = [row.score for row in counted]
    mean = f"{sum(scores) / len(scores):.2f}" if scores else "–"
    rates = failure_rates(results)
    mistake_lines, common = _mistake_lines(results)

    images = [score_histogram(scores, max_score)]
    if rates:
        images.append(failure_chart(rates))
    if common:
        images.append(mistake_chart(common.most_common(MAX_BARS), len(counted)))
    awaiting = sum(1 for row in counted if row.awaiting)
    left_out_line = (
        f" {len(left_out)} left out of the statistics (unreadable, missing or not graded): "
        + ", ".join(_text(row.student, 60) for row in left_out)
        + "."
        if left_out
        else ""
    )
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{_text(assignment)}: class report</title><style>{STYLE}</style>
</head><body><h1>{_text(assignment)}: class report</h1>
<p>{len(results.rows)} submissions; {len(counted)} counted, mean score {mean}
of {max_score:g}.{left_out_line}
{f" {awaiting} still have answers awaiting a TA." if awaiting else ""}</p>
{"".join(f'<p><img alt="" src="data:image/png;base64,{i}"/></p>' for i in images)}
<h2>Students</h2>
{_student_table(results, output.parent)}
<h2>Hidden checks failed, by task</h2>
<p>Share of the {len(counted)} counted students failing at least one case of each check.</p>
{_failure_table(rates)}
<h2>Named mistakes: who made them</h2><ul>{mistake_lines}</ul>
</body></html>"""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page)
    return output


__all__ = ["ClassResults", "StudentRow", "collect", "failure_rates", "write_report"]

"""The summary on top of a feedback page, built from the gradebook and the grader's records only.

Nothing here is read from what the student wrote or printed: task titles come from the
instructor's notebook (source/ or release/), points from the gradebook, mistakes from the
grader's records (validated against ``Mistake``), hints from the contract.
"""

from nbgrader.api import Gradebook

from convgrade.reports.results import course_root_of, notebook_result


def points(value):
    """A number of points as a person writes it: 2, 2.5, 14.2.

    Examples
    --------
    >>> points(24.0), points(14.2), points(1 / 3)
    ('24', '14.2', '0.33')
    """
    return f"{round(value, 2):g}"


def total_line(result):
    """What the total says it includes.

    Examples
    --------
    >>> from convgrade.reports.results import NotebookResult, TaskScore
    >>> total_line(NotebookResult("nb", [TaskScore("a", 24, 24), TaskScore("b", 0, 2, 2)]))
    'Score: 24 of 24 points graded so far; 2 points await a TA'
    >>> total_line(NotebookResult("nb", [TaskScore("a", 20, 24)]))
    'Score: 20 / 24'
    """
    if result.awaiting:
        graded = result.max_score - result.awaiting
        return (
            f"Score: {points(result.score)} of {points(graded)} points graded so far; "
            f"{points(result.awaiting)} points await a TA"
        )
    return f"Score: {points(result.score)} / {points(result.max_score)}"


def task_points(task):
    """One task's cell of the summary table."""
    if task.awaiting and task.awaiting == task.max_score:
        return f"awaiting grading ({points(task.max_score)} points)"
    text = f"{points(task.score)} / {points(task.max_score)}"
    if task.awaiting:
        text += f" ({points(task.awaiting)} points awaiting grading)"
    return text


def fix_first_line(result):
    """Which task to fix first, and why; None when no points were lost.

    The first task that lost points: the lesson builds each task on the ones before it.
    """
    task = result.fix_first()
    if task is None:
        return None
    others = sum(1 for t in result.tasks if t is not task and t.lost > 0)
    why = f"; it comes before the {others} other tasks that lost points" if others > 1 else ""
    why = why or ("; it comes before the other task that lost points" if others else "")
    return f"{task.title}: {points(task.lost)} of {points(task.max_score)} points lost{why}."


def summary(result):
    """The data the feedback template shows (every value plain text, escaped by the template)."""
    return {
        "total": total_line(result),
        "tasks": [{"title": task.title, "points": task_points(task)} for task in result.tasks],
        "fix_first": fix_first_line(result),
        "mistakes": [{"name": m.value, "hint": m.hint} for m in result.mistakes],
        "awaiting": sorted(result.awaiting_cells),
    }


def summary_for(notebook, nbgrader_resources, course_root=None):
    """The summary of one graded notebook, as GetGrades left its gradebook coordinates.

    Parameters
    ----------
    notebook : NotebookNode
        The autograded notebook (only the grader's records in it are read).
    nbgrader_resources : dict
        ``resources["nbgrader"]``: db_url, assignment, notebook and student.
    course_root : path or None
        Where source/ and release/ are; by default the gradebook's folder.
    """
    db_url = nbgrader_resources["db_url"]
    root = course_root or course_root_of(db_url)
    with Gradebook(db_url) as gradebook:
        result = notebook_result(
            gradebook,
            root,
            nbgrader_resources["assignment"],
            nbgrader_resources["notebook"],
            nbgrader_resources["student"],
            notebook,
        )
    return summary(result)

"""The assignment's tasks: graded cells grouped under the instructor's section headings."""

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

# A section is a level-2 heading ("## 1. The sliding window"), as in the lesson notebook.
SECTION = re.compile(r"^##\s+(?P<title>\S.*?)\s*#*\s*$", re.MULTILINE)
UNSECTIONED = "Before the first section"


@dataclass(frozen=True)
class Task:
    """One section of the assignment and the graded cells under it, in notebook order."""

    title: str
    cells: tuple


def _title(markdown):
    match = SECTION.search(markdown)
    if match is None:
        return None
    # Inline code and emphasis marks are markup, not words: "a faster `convolve`".
    return re.sub(r"[`*_]", "", match["title"]).strip()


def notebook_tasks(notebook):
    """The tasks of an instructor's notebook: each section heading with the graded cells after it.

    Parameters
    ----------
    notebook : dict or NotebookNode
        The source or release notebook (never a submission: students can edit headings).

    Returns
    -------
    list of Task
        Only sections holding at least one graded cell, in notebook order.

    Examples
    --------
    >>> cell = lambda kind, text, grade_id=None: {
    ...     "cell_type": kind, "source": text,
    ...     "metadata": {"nbgrader": {"grade": True, "grade_id": grade_id}} if grade_id else {}}
    >>> notebook_tasks({"cells": [cell("markdown", "## 1. The `loop`"), cell("code", "", "a"),
    ...                           cell("markdown", "## 2. Unmarked")]})
    [Task(title='1. The loop', cells=('a',))]
    """
    tasks, title, cells = [], UNSECTIONED, []
    for cell in notebook.get("cells", []):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if nbgrader.get("grade") or nbgrader.get("task"):
            cells.append(nbgrader["grade_id"])
        elif cell.get("cell_type") == "markdown" and (heading := _title(cell.get("source", ""))):
            if cells:
                tasks.append(Task(title, tuple(cells)))
            title, cells = heading, []
    if cells:
        tasks.append(Task(title, tuple(cells)))
    return tasks


def instructor_notebook(root, assignment, notebook):
    """The path of the instructor's copy of a notebook: source/ first, else release/; or None."""
    for folder in ("source", "release"):
        path = Path(root) / folder / assignment / f"{notebook}.ipynb"
        if path.is_file():
            return path
    return None


def course_tasks(root, assignment, notebook):
    """The tasks of one notebook of the course in `root`.

    When neither source/ nor release/ holds the notebook, each graded cell is left to the
    caller to name (an empty list is returned).
    """
    path = instructor_notebook(root, assignment, notebook)
    if path is None:
        return []
    return notebook_tasks(nbformat.read(str(path), as_version=4))


def task_of(tasks):
    """grade_id -> task title, for every graded cell the tasks name."""
    return {cell: task.title for task in tasks for cell in task.cells}


def check_title(check_name):
    """A hidden check's pytest id as words: its parametrised variants share one title.

    Examples
    --------
    >>> check_title("test_uint8_images_do_not_wrap[uint8_c]")
    'uint8 images do not wrap'
    """
    name = check_name.split("[", 1)[0]
    name = name.removeprefix("test_")
    return name.replace("_", " ").strip() or check_name

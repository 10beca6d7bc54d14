"""Pick the code to load from a student's notebook: their answers, and what those may need."""

import nbformat


def is_test_cell(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def is_answer_cell(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _python_source(source):
    """Drop IPython-only lines (magics, shell escapes): the worker runs plain Python."""
    if isinstance(source, list):
        source = "".join(source)
    if not isinstance(source, str):
        return ""
    kept = []
    for line in source.splitlines():
        stripped = line.lstrip()
        kept.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(kept)


def code_cells(notebook, skip_top_level_work=()):
    """The code cells the worker loads, as
    ``{"index", "source", "answer", "locked", "label", "skip_top_level_work"}``.

    Test cells are left out: the grader runs its own checks. Answer (solution) cells run in
    full; other cells contribute only imports, definitions and assignments (see the worker).

    Parameters
    ----------
    notebook : NotebookNode or path
    skip_top_level_work : collection of int
        Indices (in ``notebook.cells``) of cells to load with only their imports, functions,
        classes and assignments: those the notebook run stopped for time
        (``time_stopped_indices``), so their other top-level code does not hang again.
    """
    if not isinstance(notebook, dict):
        notebook = nbformat.read(str(notebook), as_version=4)
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or is_test_cell(cell):
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        answer = is_answer_cell(cell)
        locked = bool(cell.get("metadata", {}).get("nbgrader", {}).get("locked"))
        cells.append(
            {
                "index": index,
                "source": _python_source(cell.get("source", "")),
                "answer": answer,
                "locked": locked and not answer,
                "label": f"your {grade_id} cell" if answer and grade_id else f"cell {index + 1}",
                # A locked cell loads only its definitions anyway: nothing to change or say.
                "skip_top_level_work": index in skip_top_level_work and (answer or not locked),
            }
        )
    return cells


def time_stopped_indices(notebook, stops):
    """Indices of the code cells the notebook run stopped for time, from SandboxedExecute's
    records (``[{"index", "grade_id", ...}]``).

    A record counts only if its cell is still a code cell with the same grade_id: if a step
    between the run and the checks moved cells, it names no cell rather than the wrong one.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("while True: pass")])
    >>> time_stopped_indices(nb, [{"index": 1, "grade_id": None}, {"index": 0, "grade_id": "a"}])
    {1}
    """
    cells = notebook.get("cells", [])
    found = set()
    for stop in stops or ():
        index = stop.get("index") if isinstance(stop, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(cells):
            continue
        cell = cells[index]
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if (grade_id if isinstance(grade_id, str) else None) == stop.get("grade_id"):
            found.add(index)
    return found

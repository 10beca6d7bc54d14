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


def code_cells(notebook):
    """The code cells the worker loads, as ``{"index", "source", "answer", "locked", "label"}``.

    Test cells are left out: the grader runs its own checks. Answer (solution) cells run in
    full; other cells contribute only imports, definitions and assignments (see the worker).

    Parameters
    ----------
    notebook : NotebookNode or path
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
            }
        )
    return cells

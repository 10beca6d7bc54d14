"""Read submitted notebooks tolerantly: a file nbformat cannot read still gets graded (zero).

Plain nbgrader fails a submission whose file is not a notebook and leaves no grade. Here
the file is replaced, for grading only, by an empty notebook that says why; the student
gets zero with that reason in the feedback, and the submitted file itself is untouched.
The file is opened as convgrade/intake.py opens every student path: no link followed, no
blocking on a FIFO, no more than the size limit read.
"""

import datetime
import json
import os

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.v4 import new_markdown_cell, new_notebook

from convgrade.contract import RECORD_KEY, NotebookRecord
from convgrade.intake.vetting import RESOURCES_KEY, Intake, Refused, read_regular


class UnreadableNotebook(ValueError):
    """The submitted file is not a notebook nbgrader could grade; the message says why."""


def read_submission(data):
    """Parse submitted bytes into a valid v4 notebook, repairing what can be repaired.

    Raises UnreadableNotebook when nothing usable is left.
    """
    if not data.strip():
        raise UnreadableNotebook("the file is empty")
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableNotebook(f"the file is not valid notebook JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise UnreadableNotebook("the file is JSON but not a notebook (it has no list of cells)")
    try:
        notebook = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(notebook)
        return notebook
    except Exception:  # nbformat raises many kinds; any of them means: rebuild the cells
        return _rebuild(raw)


def _rebuild(raw):
    """Keep every cell that still has a type and a source; drop the rest."""
    cells = []
    for cell in raw["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        rebuilt = (
            nbformat.v4.new_code_cell(source)
            if cell["cell_type"] == "code"
            else new_markdown_cell(source)
            if cell["cell_type"] == "markdown"
            else nbformat.v4.new_raw_cell(source)
        )
        rebuilt.metadata = nbformat.from_dict(_json_safe(metadata))
        cells.append(rebuilt)
    notebook = new_notebook()
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    }
    notebook.cells = cells
    if _is_valid(notebook):
        return notebook
    for cell in cells:
        if not _is_valid(new_notebook() | {"cells": [cell]}):
            _keep_only_grading_metadata(cell)
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise UnreadableNotebook(f"the notebook's structure is damaged ({error.message})") from None
    return notebook


def _is_valid(notebook):
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError:
        return False
    return True


def _keep_only_grading_metadata(cell):
    """Drop a cell's metadata that nbformat's schema refuses (a tag with a comma, tags
    twice, a flag that is not true or false): the answer in it is still graded. nbgrader's
    own metadata is kept, for nbgrader to check and repair."""
    grading = cell.metadata.get("nbgrader")
    cell.metadata = nbformat.from_dict({"nbgrader": grading} if isinstance(grading, dict) else {})


def _json_safe(value):
    return json.loads(json.dumps(value, default=str))


def placeholder(reason):
    """The stand-in for an unreadable file: no answers, and a note saying why."""
    notebook = new_notebook(
        cells=[
            new_markdown_cell(
                f"**This submission could not be graded: {reason}.** It scores zero. The file you "
                "submitted was kept unchanged; ask your instructor if you think this is a mistake."
            )
        ]
    )
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        # The nonce lets RepairSubmission tell this stand-in from a submission that imitates it.
        RECORD_KEY: NotebookRecord(unreadable=reason).to_metadata(stand_in=True),
    }
    return notebook


class SubmissionExporter(NotebookExporter):
    """nbgrader's notebook exporter, reading submissions with read_submission.

    The grader's intake record (what was refused from the submission folder), passed in
    ``resources["convgrade_intake"]``, is written into ``metadata["convgrade"]`` after the
    preprocessors ran, so nothing a submission carries can replace or remove it.
    """

    def from_filename(self, filename, resources=None, **kw):
        # nbconvert's own from_filename opens with open(): it follows links and blocks on a FIFO.
        resources = resources if resources is not None else {}
        if not resources.get("metadata"):
            resources["metadata"] = {}
        path, basename = os.path.split(filename)
        resources["metadata"]["name"] = os.path.splitext(basename)[0]
        resources["metadata"]["path"] = path
        try:
            data = read_regular(filename, Intake(parent=self).max_notebook_bytes)
            modified = os.lstat(filename).st_mtime
        except Refused as error:
            return self._unreadable(f"the notebook file was refused: {error}", resources, **kw)
        when = datetime.datetime.fromtimestamp(modified, tz=datetime.UTC)
        resources["metadata"]["modified_date"] = when.strftime("%B %-d, %Y")
        return self._from_bytes(data, resources, **kw)

    def from_file(self, file_stream, resources=None, **kw):
        data = file_stream.buffer.read() if hasattr(file_stream, "buffer") else file_stream.read()
        if isinstance(data, str):
            data = data.encode("utf-8", errors="replace")
        return self._from_bytes(data, resources, **kw)

    def _from_bytes(self, data, resources, **kw):
        try:
            notebook = read_submission(data)
        except UnreadableNotebook as error:
            return self._unreadable(str(error), resources, **kw)
        return self.from_notebook_node(notebook, resources=resources, **kw)

    def _unreadable(self, reason, resources, **kw):
        self.log.error("Unreadable submission: %s", reason)
        return self.from_notebook_node(placeholder(reason), resources=resources, **kw)

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        record = (resources or {}).get(RESOURCES_KEY)
        if record:
            intake, _ = NotebookRecord.from_metadata(record)
            NotebookRecord(refused=intake.refused or [], unreadable=intake.unreadable).write(nb)
        return nb, resources

"""Put a tampered notebook's nbgrader structure back, so one student's edits sink nothing.

Students delete cells, change a cell's type, strip or edit nbgrader's metadata, or copy
test cells. Plain nbgrader then fails the whole submission ("Inconsistent checksums",
a KeyError while re-adding a deleted cell, a metadata validation error). This runs first,
and makes every cell that nbgrader knows match the gradebook again: type, metadata and,
for locked and test cells, source. What it repaired is recorded in the notebook's
metadata, for the feedback and the instructor's report. It also removes every grading
record the submission itself carried (convgrade/contract.py): both grading paths run it, so
reports read only what the grader wrote.
"""

from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from convgrade.contract import NotebookRecord, read_notebook_record, strip_submitted_records
from convgrade.intake.vetting import RESOURCES_KEY
from convgrade.plain_text import plain


class RepairSubmission(NbGraderPreprocessor):
    """Restore every known cell's type, metadata and locked source; re-insert missing ones."""

    def preprocess(self, nb, resources):
        # Reports trust only what the grader writes under this key: drop what was submitted.
        forged = strip_submitted_records(nb)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            try:
                source = gradebook.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            known = {c.name: _Known(c) for c in source.source_cells}
            for cell in source.grade_cells:
                known[cell.name].points = float(cell.max_score)
            for cell in source.solution_cells:
                known[cell.name].solution = True
            for cell in source.task_cells:
                known[cell.name].task = True
                known[cell.name].points = float(cell.max_score)
            order = [c.name for c in source.source_cells]
        repairs = []
        if forged:
            where = ", ".join(forged[:4]) + (f" and {len(forged) - 4} more" if forged[4:] else "")
            repairs.append(f"removed grading records the submission carried ({where})")
        present = self._restore_known_cells(nb, known, repairs)
        self._insert_missing_cells(nb, known, order, present, repairs)
        # The intake's record arrives in resources when the stand-in was made in another process.
        intake, _ = NotebookRecord.from_metadata(resources.get(RESOURCES_KEY) or {})
        if read_notebook_record(nb).unreadable or intake.unreadable:
            repairs = []  # a stand-in notebook: rebuilding it is not the student's doing
        if repairs:
            self.log.warning("Repaired %s: %s", plain(info["student"]), "; ".join(repairs))
        NotebookRecord(repairs=repairs).write(nb)
        return nb, resources

    def _restore_known_cells(self, nb, known, repairs):
        present = set()
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata:
                continue
            metadata = cell.metadata["nbgrader"]  # anything, null included
            grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
            if not isinstance(grade_id, str) or grade_id not in known or grade_id in present:
                # Unknown, malformed or duplicated: it becomes an ordinary student cell.
                del cell.metadata["nbgrader"]
                repairs.append(
                    f"removed grading metadata from a copied or unknown cell "
                    f"({plain(grade_id, 80) if grade_id else 'no id'})"
                )
                continue
            present.add(grade_id)
            truth = known[grade_id]
            if cell.cell_type != truth.cell_type:
                repairs.append(f"changed cell {grade_id} back to {truth.cell_type}")
                _set_type(cell, truth.cell_type)
            wanted = truth.metadata()
            if not same_json({k: v for k, v in metadata.items() if k != "checksum"}, wanted):
                repairs.append(f"restored the grading metadata of cell {grade_id}")
                cell.metadata["nbgrader"] = wanted
            if truth.is_protected and cell.source != truth.source:
                repairs.append(f"restored the edited cell {grade_id}")
                cell.source = truth.source
        return present

    def _insert_missing_cells(self, nb, known, order, present, repairs):
        for index, grade_id in enumerate(order):
            if grade_id in present:
                continue
            position = 0
            for earlier in reversed(order[:index]):
                where = _position(nb, earlier)
                if where is not None:
                    position = where + 1
                    break
            nb.cells.insert(position, known[grade_id].new_cell())
            present.add(grade_id)
            repairs.append(f"restored the deleted cell {grade_id}")


def same_json(found, wanted):
    """Whether JSON value `found` is `wanted` as nbgrader's metadata schema sees it: as ==,
    except that true and false are not the numbers 1 and 0 (Python's 1 == True), and where
    an integer is wanted a float is not one (3.0 for 3). Where a float is wanted, an integer
    of the same value is (the source notebook's "points": 2)."""
    if isinstance(found, dict) and isinstance(wanted, dict):
        return found.keys() == wanted.keys() and all(same_json(found[k], wanted[k]) for k in found)
    if isinstance(found, list) and isinstance(wanted, list):
        return len(found) == len(wanted) and all(map(same_json, found, wanted))
    if isinstance(found, (dict, list)) or isinstance(wanted, (dict, list)):
        return False
    if isinstance(found, bool) != isinstance(wanted, bool):
        return False
    if isinstance(wanted, int) and not isinstance(wanted, bool) and isinstance(found, float):
        return False
    return found == wanted


class _Known:
    """A cell as the gradebook remembers it from the source notebook."""

    def __init__(self, source_cell):
        self.name = source_cell.name
        self.cell_type = source_cell.cell_type
        self.source = source_cell.source
        self.locked = bool(source_cell.locked)
        self.points = None
        self.solution = False
        self.task = False

    @property
    def is_protected(self):
        """Locked cells and autograder test cells must keep the instructor's source."""
        return self.locked or (self.points is not None and not self.solution and not self.task)

    def metadata(self):
        data = {
            "cell_type": self.cell_type,
            "grade": self.points is not None and not self.task,
            "grade_id": self.name,
            "locked": self.locked,
            "schema_version": 3,
            "solution": self.solution,
            "task": self.task,
        }
        if self.points is not None:
            data["points"] = self.points
        return data

    def new_cell(self):
        make = new_code_cell if self.cell_type == "code" else new_markdown_cell
        cell = make(self.source)
        cell.metadata["nbgrader"] = self.metadata()
        if self.is_protected:
            cell.metadata.update(editable=False, deletable=False)
        return cell


def _set_type(cell, cell_type):
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.outputs, cell.execution_count = [], None
        cell.pop("attachments", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _position(nb, grade_id):
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    return None

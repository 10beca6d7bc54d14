"""Unit tests of the RepairSubmission preprocessor, in nbgrader's style (its
tests/preprocessors/test_overwritecells.py): the source notebook is saved into a gradebook
with nbgrader's own SaveCells, a tampered copy is repaired, and the notebook is checked.
"""

import copy
import logging
import os
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveCells
from nbgrader.tests import (
    create_grade_and_solution_cell,
    create_grade_cell,
    create_locked_cell,
    create_solution_cell,
    create_task_cell,
)
from nbgrader.utils import compute_checksum

from convgrade.autograde.exporter import placeholder
from convgrade.autograde.repairsubmission import RepairSubmission
from convgrade.contract import RECORD_KEY, NotebookRecord
from convgrade.intake.vetting import RESOURCES_KEY

INTRO, ANSWER, CHECK, WRITTEN, TASK = "intro", "answer", "check_answer", "written", "task"


def released(cell):
    """A cell as generate_assignment releases it: cell_type recorded, test cells locked."""
    nbgrader = cell.metadata.nbgrader
    nbgrader["cell_type"] = cell.cell_type
    if nbgrader["grade"] and not nbgrader["solution"]:
        nbgrader["locked"] = True
    nbgrader["checksum"] = compute_checksum(cell)
    return cell


def source_notebook():
    cells = [
        create_locked_cell("# The lesson", "markdown", INTRO),
        create_solution_cell("def answer():\n    return 42", "code", ANSWER),
        create_grade_cell("assert answer() == 42", "code", CHECK, 2),
        create_grade_and_solution_cell("Explain here.", "markdown", WRITTEN, 3),
        create_task_cell("Describe the picture.", "markdown", TASK, 1),
    ]
    return new_notebook(cells=[released(c) for c in cells])


@pytest.fixture(scope="module")
def gradebook_url(tmp_path_factory):
    """One gradebook for the module (a new one costs seconds); RepairSubmission only reads it."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('gradebook') / 'gradebook.db'}"
    with pytest.MonkeyPatch.context() as patch:
        # A new gradebook runs `alembic`, which lives beside this interpreter (make puts it
        # on PATH; a bare pytest run may not).
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        with Gradebook(db_url) as gradebook:
            gradebook.add_assignment("ps0")
        SaveCells().preprocess(source_notebook(), {"nbgrader": nbgrader_resources(db_url)})
    return db_url


def nbgrader_resources(db_url):
    return {"db_url": db_url, "assignment": "ps0", "notebook": "test", "student": "bob"}


@pytest.fixture
def resources(gradebook_url):
    return {"nbgrader": nbgrader_resources(gradebook_url)}


@pytest.fixture
def submitted():
    """The released notebook as a student would return it, answers filled in."""
    nb = source_notebook()
    nb.cells[1].source = "def answer():\n    return 6 * 7"
    nb.cells[3].source = "Because it is."
    return nb


def repair(nb, resources):
    nb, _ = RepairSubmission().preprocess(nb, resources)
    return nb


def ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def repairs(nb):
    return nb.metadata[RECORD_KEY]["repairs"]


def test_is_an_untouched_submission_left_alone_with_an_empty_repair_list(resources, submitted):
    expected = copy.deepcopy(submitted)
    nb = repair(submitted, resources)
    assert repairs(nb) == []
    assert nb.cells == expected.cells  # the answers are the student's, untouched


def test_is_an_edited_test_cell_restored_but_an_edited_answer_kept(resources, submitted):
    submitted.cells[2].source = "pass  # always passes"
    nb = repair(submitted, resources)
    assert nb.cells[2].source == "assert answer() == 42"
    assert nb.cells[1].source == "def answer():\n    return 6 * 7"
    assert nb.cells[3].source == "Because it is."
    assert repairs(nb) == [f"restored the edited cell {CHECK}"]


def test_is_an_edited_locked_cell_restored(resources, submitted):
    submitted.cells[0].source = "# My own lesson"
    nb = repair(submitted, resources)
    assert nb.cells[0].source == "# The lesson"
    assert repairs(nb) == [f"restored the edited cell {INTRO}"]


def test_is_a_deleted_test_cell_put_back_after_its_predecessor_locked(resources, submitted):
    del submitted.cells[2]
    nb = repair(submitted, resources)
    assert ids(nb) == [INTRO, ANSWER, CHECK, WRITTEN, TASK]
    restored = nb.cells[2]
    assert restored.cell_type == "code" and restored.source == "assert answer() == 42"
    assert restored.metadata.nbgrader == {
        "cell_type": "code",
        "grade": True,
        "grade_id": CHECK,
        "locked": True,
        "points": 2.0,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    assert restored.metadata.editable is False and restored.metadata.deletable is False
    assert repairs(nb) == [f"restored the deleted cell {CHECK}"]


def test_is_a_deleted_first_cell_put_back_first_and_a_deleted_answer_left_editable(
    resources, submitted
):
    del submitted.cells[0:2]
    nb = repair(submitted, resources)
    assert ids(nb) == [INTRO, ANSWER, CHECK, WRITTEN, TASK]
    assert nb.cells[1].source == "def answer():\n    return 42"  # the release's stub
    assert "editable" not in nb.cells[1].metadata
    assert repairs(nb) == [f"restored the deleted cell {name}" for name in (INTRO, ANSWER)]


def test_is_a_test_cell_turned_into_markdown_turned_back(resources, submitted):
    cell = submitted.cells[2]
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    nb = repair(submitted, resources)
    assert nb.cells[2].cell_type == "code"
    assert nb.cells[2].outputs == [] and nb.cells[2].execution_count is None
    assert repairs(nb) == [f"changed cell {CHECK} back to code"]


def test_is_a_written_answer_turned_into_code_turned_back_keeping_its_text(resources, submitted):
    cell = submitted.cells[3]
    cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
    nb = repair(submitted, resources)
    assert nb.cells[3].cell_type == "markdown" and "outputs" not in nb.cells[3]
    assert nb.cells[3].source == "Because it is."
    assert repairs(nb) == [f"changed cell {WRITTEN} back to markdown"]


@pytest.mark.parametrize(
    ("cell", "edit", "points"),
    [
        (2, {"points": 200}, 2.0),  # more points for the test cell
        (2, {"grade": False}, 2.0),  # the test cell no longer graded
        (2, {"solution": True}, 2.0),  # the test cell made an answer (nbgrader: checksums)
        (4, {"points": 0}, 1.0),  # a task worth nothing
    ],
)
def test_is_edited_grading_metadata_restored_with_the_gradebook_points(
    resources, submitted, cell, edit, points
):
    submitted.cells[cell].metadata.nbgrader.update(edit)
    nb = repair(submitted, resources)
    metadata = nb.cells[cell].metadata.nbgrader
    assert metadata["points"] == points
    assert {k: metadata[k] for k in edit} != edit
    assert repairs(nb) == [f"restored the grading metadata of cell {ids(nb)[cell]}"]


def test_does_a_changed_checksum_alone_count_as_no_repair(resources, submitted):
    submitted.cells[2].metadata.nbgrader["checksum"] = "0" * 32
    assert repairs(repair(submitted, resources)) == []


def test_does_a_copied_test_cell_become_an_ordinary_cell(resources, submitted):
    copied = copy.deepcopy(submitted.cells[2])
    copied.source = "print('my own copy')"
    submitted.cells.append(copied)
    nb = repair(submitted, resources)
    assert "nbgrader" not in nb.cells[-1].metadata
    assert nb.cells[-1].source == "print('my own copy')"
    assert ids(nb)[:5] == [INTRO, ANSWER, CHECK, WRITTEN, TASK]
    assert repairs(nb) == [f"removed grading metadata from a copied or unknown cell ({CHECK})"]


@pytest.mark.parametrize(
    ("metadata", "shown"),
    [
        ({"grade": True, "grade_id": "extra_credit", "points": 50}, "extra_credit"),
        ({"grade": True, "grade_id": 7, "points": 50}, "7"),
        ({"grade": True, "points": 50}, "no id"),
        ("not a dict", "no id"),
    ],
)
def test_does_an_unknown_or_malformed_graded_cell_lose_its_grading_metadata(
    resources, submitted, metadata, shown
):
    cell = new_code_cell("1 + 1")
    cell.metadata["nbgrader"] = metadata
    submitted.cells.append(cell)
    nb = repair(submitted, resources)
    assert "nbgrader" not in nb.cells[-1].metadata
    assert repairs(nb) == [f"removed grading metadata from a copied or unknown cell ({shown})"]


def test_is_a_hostile_grade_id_shown_as_plain_text_in_the_repair(resources, submitted):
    cell = new_markdown_cell("x")
    cell.metadata["nbgrader"] = {"grade_id": "\x1b[2J<script>" + "x" * 200}
    submitted.cells.append(cell)
    (line,) = repairs(repair(submitted, resources))
    assert "\x1b" not in line and len(line) < 160


def test_are_grading_records_the_submission_carried_removed(resources, submitted):
    submitted.metadata[RECORD_KEY] = {"repairs": [], "forbidden": {}}
    for cell in submitted.cells:
        cell.metadata[RECORD_KEY] = {"checks": [{"name": "forged", "passed": True}]}
    nb = repair(submitted, resources)
    assert all(RECORD_KEY not in c.metadata for c in nb.cells)
    assert nb.metadata[RECORD_KEY] == {
        "repairs": [
            "removed grading records the submission carried "
            "(notebook metadata, cell 1, cell 2, cell 3 and 2 more)"
        ]
    }


def test_is_a_notebook_the_gradebook_does_not_know_only_stripped_of_records(resources):
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    nb.metadata[RECORD_KEY] = {"repairs": []}
    resources["nbgrader"]["notebook"] = "not_in_the_gradebook"
    nb = repair(nb, resources)
    assert RECORD_KEY not in nb.metadata and ids(nb) == [None]


def test_is_rebuilding_a_stand_in_notebook_not_blamed_on_the_student(resources, caplog):
    """An unreadable file's stand-in gets every cell put back, but no repair is listed."""
    with caplog.at_level(logging.WARNING):
        nb = repair(placeholder("the file is empty"), resources)
    assert ids(nb) == [INTRO, ANSWER, CHECK, WRITTEN, TASK, None]  # None: the note on why
    assert nb.metadata[RECORD_KEY] == {"unreadable": "the file is empty", "repairs": []}
    assert "Repaired" not in caplog.text


def test_is_a_stand_in_made_in_another_process_recognised_by_the_intake_record(resources, caplog):
    """The batch grader's stand-in carries no nonce this process made; the intake record
    in resources says it was unreadable."""
    resources[RESOURCES_KEY] = NotebookRecord(unreadable="the file is empty").to_metadata()
    with caplog.at_level(logging.WARNING):
        nb = repair(new_notebook(), resources)
    assert len(nb.cells) == 5 and repairs(nb) == []


def test_is_an_imitated_stand_in_repaired_like_any_submission(resources, caplog):
    """A student who writes the stand-in's record into their notebook gains nothing."""
    imitation = new_notebook()
    imitation.metadata[RECORD_KEY] = NotebookRecord(unreadable="x").to_metadata() | {
        "made_by": "0" * 32
    }
    with caplog.at_level(logging.WARNING):
        nb = repair(imitation, resources)
    assert repairs(nb)[0] == "removed grading records the submission carried (notebook metadata)"
    assert len(repairs(nb)) == 6
    assert "Repaired bob" in caplog.text

"""Does FastCheckCellMetadata give nbgrader's CheckCellMetadata verdicts, error for error?

It only compiles nbgrader's cell-metadata schema once instead of at every cell; the cases
below are release and source notebooks as they are, and metadata damaged in each way the
schema or nbgrader's own checks catch."""

import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata
from support import REPO

from convgrade.autograde.checkcellmetadata import (
    CompiledSchemaValidator,
    FastCheckCellMetadata,
    _CompiledSchemaCheck,
)

SOURCE = REPO / "source" / "convolutions" / "convolutions.ipynb"
RELEASE = REPO / "release" / "convolutions" / "convolutions.ipynb"


def graded_cell(notebook, *, grade=None, cell_type=None):
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (grade is None or meta.get("grade") == grade) and (
            cell_type is None or cell.cell_type == cell_type
        ):
            if meta.get("grade_id"):
                return cell
    raise LookupError("no such cell")


def damage(how):
    notebook = nbformat.read(SOURCE, as_version=4)
    how(notebook)
    return notebook


def _set(key, value, **where):
    return lambda nb: graded_cell(nb, **where).metadata.nbgrader.__setitem__(key, value)


def _drop(key, **where):
    return lambda nb: graded_cell(nb, **where).metadata.nbgrader.pop(key)


def _duplicate_ids(nb):
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")]
    cells[1].metadata.nbgrader.grade_id = cells[0].metadata.nbgrader.grade_id


CASES = {
    "source as written": lambda nb: None,
    "points as text": _set("points", "two", grade=True),
    "negative points": _set("points", -1, grade=True),
    "grade as a string": _set("grade", "yes"),
    "grade_id a number": _set("grade_id", 7),
    "unknown key": _set("favourite", "colour"),
    "schema version 2": _set("schema_version", 2),
    "schema version 9": _set("schema_version", 9),
    "no schema version": _drop("schema_version"),
    "no grade_id": _drop("grade_id", grade=True),
    "empty grade_id": _set("grade_id", ""),
    "no points": _drop("points", grade=True),
    "no locked flag": _drop("locked"),
    "markdown grade without solution": _set("solution", False, cell_type="markdown"),
    "duplicate grade ids": _duplicate_ids,
    "metadata a list": lambda nb: graded_cell(nb).metadata.__setitem__("nbgrader", ["x"]),
}


def verdict(preprocessor, notebook):
    try:
        preprocessor.preprocess(copy.deepcopy(notebook), {})
    except ValidationError as error:
        return ("refused", str(error))
    except Exception as error:  # nbgrader's own checks can fail in other ways on junk
        return (type(error).__name__, str(error))
    return ("accepted", None)


def cell_verdicts(validator, notebook):
    found = []
    for cell in copy.deepcopy(notebook).cells:
        try:
            validator.validate_cell(cell)
            found.append(None)
        except Exception as error:
            found.append((type(error).__name__, str(error)))
    return found


def test_the_compiled_check_sits_where_nbgrader_checks_the_schema():
    mro = CompiledSchemaValidator.__mro__
    assert mro.index(MetadataValidator) < mro.index(_CompiledSchemaCheck)


@pytest.mark.parametrize("case", CASES)
def test_same_verdict_and_errors_as_nbgrader(case):
    notebook = damage(CASES[case])
    expected = verdict(CheckCellMetadata(), notebook)
    assert verdict(FastCheckCellMetadata(), notebook) == expected
    assert cell_verdicts(CompiledSchemaValidator(), notebook) == cell_verdicts(
        MetadataValidator(), notebook
    )
    if case == "source as written":
        assert expected == ("accepted", None)
    else:
        assert expected[0] != "accepted", "the case must damage something nbgrader checks"


def test_a_released_notebook_passes():
    notebook = nbformat.read(RELEASE, as_version=4)
    assert verdict(FastCheckCellMetadata(), notebook) == ("accepted", None)

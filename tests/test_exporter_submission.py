"""Unit tests of the SubmissionExporter and read_submission: what a submitted file becomes
before any preprocessor sees it. (Refusing links, FIFOs and oversized files, and the
intake's refusals replacing a submitted record, are tested in tests/test_intake.py.)"""

import io
import json
import logging
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell
from nbgrader.tests import create_grade_cell

from convgrade.autograde.exporter import (
    SubmissionExporter,
    UnreadableNotebook,
    placeholder,
    read_submission,
)
from convgrade.contract import RECORD_KEY, is_stand_in, read_notebook_record
from convgrade.intake.vetting import RESOURCES_KEY


def graded_notebook():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Lesson"),
            new_code_cell("def answer():\n    return 42"),
            create_grade_cell("assert answer() == 42", "code", "check_answer", 2),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


def as_bytes(value):
    return json.dumps(value).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\t", "the file is empty"),
        (b'{"cells": [', "the file is not valid notebook JSON (Expecting value"),
        (b"\xff\xfe not utf-8", "the file is not valid notebook JSON ("),
        (b"[1, 2, 3]", "the file is JSON but not a notebook (it has no list of cells)"),
        (b'{"cells": "print(1)"}', "the file is JSON but not a notebook (it has no list of cells)"),
    ],
)
def test_is_a_file_that_is_no_notebook_refused_with_a_reason(data, reason):
    with pytest.raises(UnreadableNotebook) as refused:
        read_submission(data)
    assert str(refused.value).startswith(reason)


def test_is_a_valid_notebook_read_as_it_was_written():
    nb = graded_notebook()
    assert read_submission(nbformat.writes(nb).encode()) == nb


def test_does_a_damaged_notebook_keep_every_cell_with_a_type_and_a_source():
    """Cells nbformat would reject are rebuilt from type, source and metadata; cells with
    no known type are dropped, so the rest of the submission is still graded."""
    raw = json.loads(nbformat.writes(graded_notebook()))
    raw["nbformat_minor"] = "five"  # enough to fail validation of the whole file
    raw["cells"][1]["source"] = ["def answer():\n", "    return 42"]
    raw["cells"][1]["outputs"] = [{"output_type": "made up"}]
    raw["cells"].insert(0, {"cell_type": "widget", "source": "x"})
    raw["cells"].insert(0, "not a cell")
    raw["cells"].append({"cell_type": "raw", "source": "raw text", "metadata": "not a dict"})
    nb = read_submission(as_bytes(raw))
    nbformat.validate(nb)
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        ("markdown", "# Lesson"),
        ("code", "def answer():\n    return 42"),
        ("code", "assert answer() == 42"),
        ("raw", "raw text"),
    ]
    assert nb.cells[1].outputs == []  # outputs are not kept: they are rebuilt by running
    assert nb.cells[2].metadata.nbgrader["grade_id"] == "check_answer"  # still graded
    assert nb.cells[3].metadata == {}
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize(
    "bad",
    [
        {"tags": ["a,b"]},
        {"tags": ["twice", "twice"]},
        {"tags": [3]},
        {"tags": "not a list"},
        {"collapsed": "yes"},
        {"scrolled": 7},
    ],
)
def test_does_metadata_the_schema_refuses_cost_only_that_metadata(bad):
    """A cell whose metadata nbformat refuses (a tag with a comma, a tag twice, a flag that
    is not true or false) keeps its answer and nbgrader's metadata; the other cells keep
    theirs. Before, the rebuild itself raised and the student got no grade at all."""
    raw = json.loads(nbformat.writes(graded_notebook()))
    raw["cells"][2]["metadata"].update(bad)  # the graded cell
    raw["cells"][1]["metadata"]["tags"] = ["kept"]
    nb = read_submission(as_bytes(raw))
    nbformat.validate(nb)
    assert nb.cells[2].source == "".join(raw["cells"][2]["source"])
    assert dict(nb.cells[2].metadata) == {"nbgrader": raw["cells"][2]["metadata"]["nbgrader"]}
    assert nb.cells[2].metadata.nbgrader["grade_id"] == "check_answer"
    assert nb.cells[1].metadata.tags == ["kept"]


def test_is_a_cell_without_source_kept_empty_and_a_non_cell_dropped():
    nb = read_submission(as_bytes({"cells": [{"cell_type": "code"}, 7], "nbformat": 4}))
    assert [(c.cell_type, c.source) for c in nb.cells] == [("code", "")]


def test_does_the_stand_in_say_why_score_nothing_and_carry_a_record_only_this_process_trusts():
    nb = placeholder("the file is empty")
    (note,) = nb.cells
    assert note.cell_type == "markdown"
    assert note.source.startswith("**This submission could not be graded: the file is empty.**")
    assert "It scores zero." in note.source
    assert read_notebook_record(nb).unreadable == "the file is empty"
    assert is_stand_in(nb)
    nbformat.validate(nb)


def export_file(path, resources=None):
    output, resources = SubmissionExporter().from_filename(str(path), resources=resources)
    return nbformat.reads(output, as_version=4), resources


def test_does_an_unreadable_file_become_the_stand_in_and_leave_the_file_untouched(tmp_path, caplog):
    path = tmp_path / "convolutions.ipynb"
    path.write_bytes(b"not json at all")
    with caplog.at_level(logging.ERROR):
        nb, resources = export_file(path)
    reason = read_notebook_record(nb).unreadable
    assert reason.startswith("the file is not valid notebook JSON")
    assert nb.cells[0].source.startswith(f"**This submission could not be graded: {reason}.**")
    assert f"Unreadable submission: {reason}" in caplog.text
    assert path.read_bytes() == b"not json at all"
    assert resources["metadata"]["name"] == "convolutions"


def test_does_the_exporter_give_nbgrader_the_name_folder_and_submission_date(tmp_path):
    path = tmp_path / "convolutions.ipynb"
    submitted = graded_notebook()
    path.write_text(nbformat.writes(submitted))
    os.utime(path, (0, 1_700_000_000))  # 2023-11-14 22:13 UTC
    nb, resources = export_file(path)
    assert resources["metadata"] == {
        "name": "convolutions",
        "path": str(tmp_path),
        "modified_date": "November 14, 2023",
    }
    assert nb.cells == submitted.cells
    assert RECORD_KEY not in nb.metadata  # no intake record given: none written


def test_is_the_intakes_unreadable_verdict_written_after_the_preprocessors(tmp_path):
    """The batch grader's intake decides in another process that the file was unreadable;
    that verdict, not what the notebook says, is what the exporter leaves."""
    nb = graded_notebook()
    nb.metadata[RECORD_KEY] = {"unreadable": None, "refused": []}
    path = tmp_path / "convolutions.ipynb"
    path.write_text(nbformat.writes(nb))
    record = {"unreadable": "the notebook file was refused: a symbolic link", "refused": ["x"]}
    exported, _ = export_file(path, {RESOURCES_KEY: record})
    assert exported.metadata[RECORD_KEY] == record


@pytest.mark.parametrize("binary", [True, False], ids=["bytes stream", "text stream"])
def test_is_a_stream_read_the_same_way_as_a_file(binary):
    """nbgrader's formgrader hands notebooks over as open files; both kinds are read."""
    submitted = graded_notebook()
    text = nbformat.writes(submitted)
    stream = io.BytesIO(text.encode()) if binary else io.StringIO(text)
    output, _ = SubmissionExporter().from_file(stream)
    assert nbformat.reads(output, as_version=4).cells == submitted.cells
    broken = io.BytesIO(b"\x00\x01") if binary else io.StringIO("{")
    output, _ = SubmissionExporter().from_file(broken, resources={})
    assert read_notebook_record(nbformat.reads(output, as_version=4)).unreadable.startswith(
        "the file is not valid notebook JSON"
    )


def test_does_a_raw_cell_survive_a_rebuild_as_raw():
    raw = json.loads(nbformat.writes(new_notebook(cells=[new_raw_cell("<b>x</b>")])))
    raw["nbformat"] = "four"
    (cell,) = read_submission(as_bytes(raw)).cells
    assert (cell.cell_type, cell.source) == ("raw", "<b>x</b>")

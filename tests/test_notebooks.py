"""Do the instructor notebook and the student release run, and is the release clean?"""

import filecmp
import re

import pytest
from nbclient import NotebookClient
from support import HIDDEN, RELEASE, SOURCE, read_notebook


def execute(path, tmp_path):
    """Run a notebook top to bottom in a real kernel, in a copy of its folder."""
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(path.parent, folder)
    notebook = read_notebook(folder / path.name)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook


def errors(notebook):
    return [
        (cell.metadata.get("nbgrader", {}).get("grade_id"), output.ename)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


def images(notebook):
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


@pytest.mark.e2e
def test_instructor_notebook_runs_without_errors(tmp_path):
    """Does the source notebook run cleanly and draw all its pictures?"""
    notebook = execute(SOURCE / "convolutions.ipynb", tmp_path)
    assert errors(notebook) == []
    assert images(notebook) == 5  # worked example, window, gallery, colour, timing
    printed = "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    assert printed.count("✓") == 12


@pytest.mark.e2e
def test_release_fails_only_on_unwritten_code(tmp_path):
    """Does the release run with no error but the NotImplementedError of unfilled cells?"""
    notebook = execute(RELEASE / "convolutions.ipynb", tmp_path)
    found = errors(notebook)
    assert found, "the release should fail its checks until the student writes code"
    assert {ename for _, ename in found} == {"NotImplementedError"}
    assert images(notebook) == 5, "the lesson's pictures must draw even before any code is written"


def test_release_contains_no_solutions_or_hidden_checks():
    """Is every instructor answer, and everything hidden, absent from release/?"""
    text = (RELEASE / "convolutions.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    for cell in read_notebook(SOURCE / "convolutions.ipynb").cells:
        for answer in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in answer.strip().splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in text, f"solution line leaked: {line.strip()}"
    released = {p.read_bytes() for p in RELEASE.rglob("*") if p.is_file()}
    assert not released & {p.read_bytes() for p in HIDDEN.rglob("*") if p.is_file()}
    assert not any(p.suffix in {".npz", ".npy"} for p in RELEASE.rglob("*"))
    assert "convgrade" not in text


def test_release_is_what_nbgrader_generates_today(released_course):
    """Is release/ byte for byte what `nbgrader generate_assignment` makes from source/?"""
    generated = released_course / "release" / "convolutions"
    comparison = filecmp.dircmp(generated, RELEASE)
    differing = _differences(comparison)
    assert differing == [], f"release/ is stale; run `make release`: {differing}"


def _differences(comparison):
    found = comparison.left_only + comparison.right_only
    _, mismatch, errors = filecmp.cmpfiles(
        comparison.left, comparison.right, comparison.common_files, shallow=False
    )
    found += mismatch + errors
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found


def test_hidden_photos_are_not_the_released_ones():
    """A submission that is only right on the visible examples must meet new pictures."""
    released = {p.read_bytes() for p in (RELEASE / "images").glob("*.png")}
    hidden = {p.read_bytes() for p in (HIDDEN / "data").glob("*.png")}
    assert hidden and not released & hidden

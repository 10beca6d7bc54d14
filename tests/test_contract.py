"""Is convgrade/contract.py the one agreement between the grader's stages, and does it hold?"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from support import REPO
from tools import scenarios

import convgrade.contract
from convgrade.checks.failures import CheckFailure, StudentCodeError
from convgrade.checks.forbidden import find_forbidden
from convgrade.contract import (
    FORBIDDEN,
    MISTAKE_NAMES,
    RECORD_KEY,
    CheckRecord,
    ExecuteRecord,
    ForbiddenPolicy,
    Mistake,
    NotebookRecord,
    read_records,
    write_check_records,
)
from convgrade.reports.gradebook_table import problems
from convgrade.sandbox import inside
from convgrade.sandbox.student_process import StudentProcess

CONTRACT = Path(convgrade.contract.__file__)
# Where mistakes are named: the grader package and the hidden checks.
NAMING_SOURCES = sorted((REPO / "convgrade").rglob("*.py")) + sorted(
    (REPO / "tests" / "hidden").rglob("*.py")
)


# ---- standard library only ------------------------------------------------------------------
def test_the_contract_imports_only_the_standard_library():
    tree = ast.parse(CONTRACT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


def test_the_contract_loads_in_an_interpreter_without_site_packages():
    """-I -S: no site-packages, no PYTHONPATH; only the standard library and the package."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import convgrade.contract as c; "
        "print(len(c.Mistake), c.FORBIDDEN.to_json())"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(CONTRACT.parents[1])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    count, policy = run.stdout.split(" ", 1)
    assert int(count) == len(Mistake) and ForbiddenPolicy.from_json(policy) == FORBIDDEN


# ---- the records ----------------------------------------------------------------------------
def _graded_notebook():
    test_cell = nbformat.v4.new_code_cell("")
    test_cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "check_x"}
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), test_cell])


FULL_RECORD = NotebookRecord(
    unreadable="the file is empty",
    refused=["db: a symbolic link"],
    repairs=["restored the edited cell check_x"],
    load_failure="running your notebook's code stopped",
    load_errors=[{"cell": "cell 2", "type": "NameError", "message": None, "where": ""}],
    crashes=["convolve: it crashed with a segmentation fault"],
    timeouts={"convolve": 2},
    forbidden={"convolve": ["numpy.convolve (cell 2, line 3)"]},
    seconds=1.5,
    student_seconds=0.25,
    execute=ExecuteRecord(cell_seconds=0.5, total_seconds=2.0, stopped="x", truncated=True),
)
CHECKS = [
    CheckRecord("test_a", passed=True),
    CheckRecord("test_b", False, Mistake.UINT8_WRAP_AROUND, "convolve(image, kernel): wrong"),
]


def test_a_record_survives_a_trip_through_a_notebook_file():
    notebook = _graded_notebook()
    # Steps write their own fields at different times; each write keeps the others'.
    NotebookRecord(repairs=FULL_RECORD.repairs).write(notebook)
    for name in [f for f in vars(FULL_RECORD) if f != "repairs"]:
        NotebookRecord(**{name: getattr(FULL_RECORD, name)}).write(notebook)
    write_check_records(notebook.cells[1], CHECKS)
    reread = nbformat.reads(nbformat.writes(notebook), as_version=4)
    records = read_records(reread)
    assert records.info == FULL_RECORD and records.rejected == []
    assert records.checks == [("check_x", check) for check in CHECKS]
    assert reread.cells[1].metadata[RECORD_KEY]["checks"][1]["misconception"] == (
        "uint8 wrap-around"
    )


@pytest.mark.parametrize(
    "execute, reason",
    [
        ({"stopped": 5, "truncated": True}, "execute.stopped (int)"),
        ({"truncated": "yes", "stopped": None}, "execute.truncated (str)"),
        ({"cell_seconds": -1.0}, "execute.cell_seconds (float)"),
    ],
)
def test_a_malformed_execute_field_is_ignored_alone_with_a_reason(execute, reason):
    notebook = _graded_notebook()
    notebook.metadata[RECORD_KEY] = {"execute": execute, "repairs": ["kept"]}
    records = read_records(notebook)
    assert records.rejected == [f"ignored a malformed grading record: {reason}"]
    assert records.info.repairs == ["kept"]
    good = {k: v for k, v in execute.items() if f"execute.{k} " not in reason}
    assert records.info.execute == ExecuteRecord(**good)


def test_a_forged_record_is_removed_at_intake_and_a_malformed_one_never_crashes():
    from convgrade.contract import strip_submitted_records

    notebook = _graded_notebook()
    notebook.metadata[RECORD_KEY] = {"execute": "stopped", "checks": 7, "seconds": "1"}
    notebook.cells[0].metadata[RECORD_KEY] = {"checks": [{"name": "x", "passed": True}]}
    records = read_records(notebook)
    assert records.info == NotebookRecord() and records.checks == []
    assert len(records.rejected) == 3  # execute, seconds, and checks on an ordinary cell
    assert strip_submitted_records(notebook) == ["notebook metadata", "cell 1"]
    assert read_records(notebook).rejected == []


def test_the_report_finds_a_stopped_run_in_the_record_not_in_the_outputs(tmp_path):
    """Student code can print "GradingStopped" or "[output truncated"; only the record counts."""
    imitation = _graded_notebook()
    imitation.cells[0].outputs = [
        nbformat.v4.new_output("error", ename="GradingStopped", evalue="x", traceback=[]),
        nbformat.v4.new_output("stream", name="stdout", text="[output truncated: 1 kB]"),
    ]
    graded = _graded_notebook()
    NotebookRecord(execute=ExecuteRecord(stopped="the kernel died", truncated=True)).write(graded)
    found = problems(tmp_path, notebooks=[("imitation", imitation), ("graded", graded)])
    assert found == {
        "graded": ["notebook run stopped: the kernel died", "output truncated"],
    }


# ---- the mistakes ---------------------------------------------------------------------------
def _mistake_references(path):
    """Names used as Mistake.NAME in a source file."""
    return {
        node.attr
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Mistake"
    }


def test_every_mistake_the_code_names_exists_and_every_mistake_is_named_somewhere():
    """A misspelt Mistake.NAME anywhere fails here, before any student sees a broken check."""
    members = {m.name for m in Mistake}
    used = set()
    for path in NAMING_SOURCES + sorted((REPO / "tests").glob("test_*.py")):
        references = _mistake_references(path) - {"value", "hint"}
        assert references <= members, (path, references - members)
        if path in NAMING_SOURCES and path != CONTRACT:
            used |= references
    assert used == members, f"mistakes no check can name: {members - used}"


def test_no_mistake_is_spelt_as_a_plain_string_where_checks_name_them():
    for path in NAMING_SOURCES:
        if path == CONTRACT:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        literals = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        }
        assert not literals & MISTAKE_NAMES, (path, literals & MISTAKE_NAMES)


def test_the_catalog_names_only_known_mistakes():
    named = {
        mistake
        for kind in ("correct", "faulty", "partial", "hostile")
        for scenario in scenarios.catalog(kind)
        for mistake in scenario.misconceptions
    }
    assert named and named <= set(Mistake)


def test_a_check_cannot_name_a_mistake_by_a_plain_string():
    with pytest.raises(TypeError):
        CheckFailure("convolve(image, kernel) is wrong.", misconception="flipped kernel")
    failure = CheckFailure("wrong.", misconception=Mistake.FLIPPED_KERNEL)
    assert str(failure).endswith(f"flipped kernel: {Mistake.FLIPPED_KERNEL.hint}")


# ---- the forbidden-library policy -----------------------------------------------------------
USES_PSUTIL = """
import sys
import numpy as np
def flipped(image, kernel):
    return np.flip(image)
def convolve(image, kernel):
    import psutil
    return image
def convolve_unblocked(image, kernel):
    # Removes the worker's import blocker: only the sandbox's hiding is left.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "BlockedImport"]
    for name in [n for n in sys.modules if n.split(".")[0] == "psutil"]:
        del sys.modules[name]
    import psutil
    return image
"""
# A package the sandbox can hide, and a numpy routine only the worker itself can block.
STRICTER = FORBIDDEN.extended(modules=("psutil",), numpy_names=("flip",))


def test_an_extended_policy_forbids_more_and_still_travels_as_data():
    assert "psutil" in STRICTER.hidden_packages and "psutil" not in FORBIDDEN.hidden_packages
    assert STRICTER.forbids("psutil.Process") and not FORBIDDEN.forbids("psutil.Process")
    assert ForbiddenPolicy.from_json(STRICTER.to_json()) == STRICTER
    assert inside.read_policy(STRICTER.to_json())["modules"] == list(STRICTER.modules)
    with pytest.raises(ValueError):
        inside.read_policy(json.dumps({"modules": "scipy", "numpy_names": [], "message": ""}))


def test_the_static_scan_and_the_worker_refuse_what_one_policy_object_forbids():
    cells = [{"index": 0, "source": USES_PSUTIL, "answer": True, "label": "cell 2"}]
    assert find_forbidden(cells, ["convolve", "flipped"], FORBIDDEN) == {}
    found = find_forbidden(cells, ["convolve", "flipped"], STRICTER)
    assert {name: [use.describe() for use in uses] for name, uses in found.items()} == {
        "convolve": ["psutil (cell 2, line 7)"],
        "flipped": ["numpy.flip (cell 2, line 5)"],
    }
    image, kernel = np.ones((3, 3)), np.ones((1, 1))
    with StudentProcess(cells, policy=FORBIDDEN) as process:
        assert process.call("convolve", image, kernel).value.is_ndarray
        assert process.call("flipped", image, kernel).value.is_ndarray
    with StudentProcess(cells, policy=STRICTER) as process:
        for name in ("flipped", "convolve"):
            with pytest.raises(StudentCodeError) as raised:
                process.call(name, image, kernel)
            assert raised.value.misconception is Mistake.LIBRARY_ROUTINE, name
        assert len(process.forbidden_calls) == 2
        # The sandbox hid the package's files too: without the blocker it is still refused.
        with pytest.raises(StudentCodeError, match="not allowed in this assignment"):
            process.call("convolve_unblocked", image, kernel)


def test_the_worker_refuses_to_start_without_a_policy():
    """A policy that failed to arrive must never mean that nothing is forbidden."""
    run = subprocess.run(
        [sys.executable, "-I", inside.__file__],
        capture_output=True,
        text=True,
        timeout=60,
        input="",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert run.returncode != 0 and inside.POLICY_VARIABLE in run.stderr

"""Unit tests of the HiddenChecks preprocessor, in nbgrader's style: a small notebook built
here, one preprocessor, ``preprocess(nb, resources)``, assertions on the notebook.

A three-check hidden suite written into tmp_path stands in for tests/hidden, so each test
knows exactly which check passes; the student's code runs in the real sandboxed worker.
"""

import logging
import textwrap

import pytest
from nbformat.v4 import new_notebook
from nbgrader.tests import create_grade_cell, create_solution_cell
from nbgrader.utils import determine_grade

from convgrade.autograde.hiddenchecks import HiddenChecks
from convgrade.contract import RECORD_KEY, Mistake, NotebookRecord

SUITE = {
    "pytest.ini": "[pytest]\npython_files = test_*.py\n",
    "conftest.py": """
        import pytest
        from convgrade.checks import runner

        def pytest_configure(config):
            config.addinivalue_line("markers", "group(name): the graded cell it counts toward")
            runner.register_collector(config)

        @pytest.fixture(scope="session")
        def student(request):
            return request.config.stash[runner.SUBMISSION_KEY]
    """,
    "test_to_uint8.py": """
        import numpy as np
        import pytest
        from convgrade.checks.failures import CheckFailure
        from convgrade.contract import Mistake

        def returned(student, values):
            value = student.call("to_uint8", np.array(values)).value
            if not value.is_ndarray:
                raise CheckFailure(f"to_uint8 returned a {value.type_name}.")
            return value.array.tolist()

        @pytest.mark.group("check_round")
        def test_rounds_to_nearest(student):
            if returned(student, [1.4, 1.6]) != [1, 2]:
                raise CheckFailure("to_uint8 did not round 1.4 and 1.6 to 1 and 2.")

        @pytest.mark.group("check_round")
        def test_clips_to_255(student):
            if returned(student, [300.0]) != [255]:
                raise CheckFailure("to_uint8 turned 300 into something other than 255.",
                                   misconception=Mistake.WRAPPED_INSTEAD_OF_CLIPPED)

        @pytest.mark.group("check_broken")
        def test_a_check_with_a_bug(student):
            returned(student, [1.0])
            raise KeyError("a bug in the check, not in the student's code")
    """,
}

ROUNDS_BUT_WRAPS = (
    "import numpy as np\n\ndef to_uint8(values):\n    return np.round(values).astype(np.uint8)\n"
)
FORGED_SCORE = {"output_type": "execute_result", "data": {"text/plain": "2.0"}, "metadata": {}}


def write_suite(folder, suite):
    """Write a hidden-checks suite ({file name: indented text}) into `folder`."""
    for name, text in suite.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(scope="module")
def hidden_dir(tmp_path_factory):
    return write_suite(tmp_path_factory.mktemp("hidden"), SUITE)


def notebook(answer):
    """An answer cell and three test cells: two with hidden checks, one without."""
    nb = new_notebook()
    nb.cells.append(create_solution_cell(answer, "code", "to_uint8_answer"))
    for grade_id, points in (("check_round", 2), ("check_broken", 1), ("check_missing", 1)):
        cell = create_grade_cell("# hidden checks run here", "code", grade_id, points)
        cell.outputs = [dict(FORGED_SCORE)]  # what the student's own kernel left: never kept
        cell.execution_count = 1
        nb.cells.append(cell)
    return nb


def preprocess(nb, hidden_dir, tmp_path, **settings):
    checks = HiddenChecks(hidden_dir=str(hidden_dir), call_timeout=5.0, **settings)
    resources = {"metadata": {"path": str(tmp_path)}}
    return checks.preprocess(nb, resources)[0]


def graded_cells(nb):
    return {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if c.metadata.nbgrader["grade"]}


def texts(cell):
    return [o["data"]["text/plain"] for o in cell.outputs]


def test_is_each_test_cell_scored_by_its_share_of_passed_checks(hidden_dir, tmp_path):
    """One of two checks passes: 1 of 2 points, the failure and its mistake's hint shown,
    and every check's outcome recorded on the cell; the student's own score output is gone."""
    cell = graded_cells(preprocess(notebook(ROUNDS_BUT_WRAPS), hidden_dir, tmp_path))["check_round"]

    assert determine_grade(cell) == (1.0, 2.0)
    report, score = texts(cell)
    assert score == "1.0"
    mistake = Mistake.WRAPPED_INSTEAD_OF_CLIPPED
    assert report.splitlines() == [
        "✗ 1 of 2 hidden checks failed: 1 / 2 points",
        f"  - [{mistake.value}] to_uint8 turned 300 into something other than 255.",
        f"How to fix {mistake.value}: {mistake.hint}",
    ]
    assert cell.metadata[RECORD_KEY]["checks"] == [
        {
            "name": "test_rounds_to_nearest",
            "passed": True,
            "misconception": None,
            "message": "",
            "also": [],
        },
        {
            "name": "test_clips_to_255",
            "passed": False,
            "misconception": mistake.value,
            "message": "to_uint8 turned 300 into something other than 255.",
            "also": [],
        },
    ]


def test_does_a_correct_answer_earn_full_marks(hidden_dir, tmp_path):
    correct = ROUNDS_BUT_WRAPS.replace("np.round(values)", "np.clip(np.round(values), 0, 255)")
    cell = graded_cells(preprocess(notebook(correct), hidden_dir, tmp_path))["check_round"]
    assert determine_grade(cell) == (2.0, 2.0)
    assert texts(cell)[0] == "✓ all 2 hidden checks passed: 2 / 2 points"


def test_does_a_broken_check_cost_the_student_with_a_neutral_line_and_tell_the_instructor(
    hidden_dir, tmp_path, caplog
):
    with caplog.at_level(logging.ERROR):
        cell = graded_cells(preprocess(notebook(ROUNDS_BUT_WRAPS), hidden_dir, tmp_path))[
            "check_broken"
        ]
    assert determine_grade(cell) == (0.0, 1.0)
    assert texts(cell)[0].splitlines()[1] == (
        "  - This check could not be completed; your instructor has been told."
    )
    assert "KeyError" not in texts(cell)[0]
    assert "Check test_a_check_with_a_bug broke: KeyError" in caplog.text


def test_does_a_test_cell_without_hidden_checks_score_zero_and_say_so(hidden_dir, tmp_path):
    cell = graded_cells(preprocess(notebook(ROUNDS_BUT_WRAPS), hidden_dir, tmp_path))[
        "check_missing"
    ]
    assert determine_grade(cell) == (0.0, 1.0)
    assert texts(cell) == [
        "✗ not graded automatically: no hidden checks exist for check_missing",
        "0.0",
    ]
    assert RECORD_KEY not in cell.metadata


def test_does_a_suite_that_cannot_run_score_every_cell_zero_without_failing(tmp_path):
    """A hidden suite that does not even import: every test cell 0, the reason neutral."""
    broken = tmp_path / "broken_suite"
    broken.mkdir()
    (broken / "test_syntax.py").write_text("def test_(:\n")
    cells = graded_cells(preprocess(notebook(ROUNDS_BUT_WRAPS), broken, tmp_path))
    for cell in cells.values():
        assert determine_grade(cell)[0] == 0.0
        assert texts(cell)[0] == (
            "✗ not graded automatically: the hidden checks could not run; "
            "your instructor has been told"
        )


def test_is_a_statically_found_library_routine_recorded_and_its_checks_failed(hidden_dir, tmp_path):
    uses_convolve = (
        "import numpy as np\n\ndef to_uint8(values):\n"
        "    return np.clip(np.round(np.convolve(values, [1.0], 'same')), 0, 255)"
        ".astype(np.uint8)\n"
    )
    nb = preprocess(notebook(uses_convolve), hidden_dir, tmp_path)
    cell = graded_cells(nb)["check_round"]
    assert determine_grade(cell) == (0.0, 2.0)
    assert {c["misconception"] for c in cell.metadata[RECORD_KEY]["checks"]} == {
        Mistake.LIBRARY_ROUTINE.value
    }
    forbidden = nb.metadata[RECORD_KEY]["forbidden"]
    assert list(forbidden) == ["to_uint8"]
    assert len(forbidden["to_uint8"]) == 1 and "convolve" in forbidden["to_uint8"][0]


def test_are_load_errors_and_run_time_blocks_recorded_for_the_report(hidden_dir, tmp_path):
    """A routine the static scan cannot see is blocked in the sandbox, and so recorded;
    a cell that raises while loading is recorded too."""
    hidden_routine = (
        "import numpy as np\n\ndef to_uint8(values):\n"
        "    routine = eval('np.con' + 'volve')\n"
        "    return routine(values, [1.0], 'same').astype(np.uint8)\n"
        "\nraise ValueError('oops while loading')\n"
    )
    nb = preprocess(notebook(hidden_routine), hidden_dir, tmp_path)
    record = NotebookRecord.from_metadata(nb.metadata[RECORD_KEY])[0]
    assert record.forbidden == {"to_uint8": ["a blocked library routine at run time"]}
    assert len(record.load_errors) == 1
    assert "ValueError" in str(record.load_errors[0])
    assert determine_grade(graded_cells(nb)["check_round"]) == (0.0, 2.0)
    assert record.timeouts == {} and record.crashes == []
    assert record.load_failure is None
    assert 0 <= record.student_seconds <= record.seconds


def test_does_an_unreadable_submission_score_zero_without_starting_a_worker(tmp_path, monkeypatch):
    def no_worker(*args, **kwargs):
        raise AssertionError("no sandboxed worker may start for an unreadable submission")

    monkeypatch.setattr("convgrade.autograde.hiddenchecks.Submission.from_notebook", no_worker)
    nb = notebook(ROUNDS_BUT_WRAPS)
    NotebookRecord(unreadable="the file is empty").write(nb)
    nb = preprocess(nb, tmp_path / "unused", tmp_path)
    for cell in graded_cells(nb).values():
        assert texts(cell) == [
            "✗ not graded automatically: the submitted notebook could not be read: "
            "the file is empty",
            "0.0",
        ]
    assert nb.cells[0].outputs == []  # the answer cell is not a test cell

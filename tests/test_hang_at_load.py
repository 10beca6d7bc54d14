"""Does a cell that hung in the notebook run cost its time once, not again when the hidden
checks load the submission (issue 13, "a hang costs once")?

SandboxedExecute records which cells it stopped for time (resources, never outputs);
HiddenChecks loads those cells with only their imports, functions, classes and assignments,
and says so on the cell.
"""

import doctest
import signal

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.tests import create_grade_cell, create_locked_cell, create_solution_cell
from nbgrader.utils import determine_grade
from test_pre_hiddenchecks import SUITE as HARNESS
from test_pre_hiddenchecks import write_suite

from convgrade.autograde import hiddenchecks, sandboxedexecute
from convgrade.autograde.hiddenchecks import HiddenChecks
from convgrade.autograde.sandboxedexecute import (
    CELL_TIMEOUT,
    NOTEBOOK_BACKSTOP,
    NOTEBOOK_BUDGET,
    TIME_STOPPED_CELLS_KEY,
    SandboxedExecute,
)
from convgrade.checks import notebook_code
from convgrade.contract import RECORD_KEY, NotebookRecord
from convgrade.reports import gradebook_table
from convgrade.sandbox.inside import StudentCode

HANGS_AFTER_DEFINING = (
    "import math\n"
    "def before():\n    return 'defined before the loop'\n"
    "started = 'top-level work'\n"
    "calls = []\n"
    "calls.append('a top-level call')\n"
    "while True:\n    pass\n"
    "class After:\n    pass\n"
)


def run(tmp_path, cells, **settings):
    """Run `cells` (sources, or cells) through SandboxedExecute; the notebook and resources."""
    cells = [new_code_cell(c) if isinstance(c, str) else c for c in cells]
    step = SandboxedExecute(**settings)
    return step.preprocess(new_notebook(cells=cells), {"metadata": {"path": str(tmp_path)}})


def test_a_skip_top_level_work_cell_loads_its_definitions_and_none_of_its_work():
    """Imports, functions, classes and assignments, before and after the loop; not the loop
    (this would hang). A cell without the mark still runs in full."""
    cells = [
        {"index": 0, "source": HANGS_AFTER_DEFINING, "answer": True, "skip_top_level_work": True},
        {"index": 1, "source": "later = before()", "answer": True, "skip_top_level_work": False},
    ]
    code = StudentCode()

    def loop_ran(signum, frame):
        raise TimeoutError("the loop ran at load")  # recorded as a load error, not a hang

    previous = signal.signal(signal.SIGALRM, loop_ran)
    signal.alarm(3)
    try:
        reply, _ = code.load(cells)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert reply == {"ok": True, "errors": []}
    namespace = code.namespace
    assert namespace["later"] == "defined before the loop"
    assert "math" in namespace and "After" in namespace
    assert namespace["started"] == "top-level work" and namespace["calls"] == []


def test_stopped_cells_are_matched_by_index_and_grade_id():
    answer = create_solution_cell("def convolve(image, kernel):\n    pass", "code", "convolve")
    locked = create_locked_cell("show(convolve(photo, BLUR))", "code", "gallery")
    added = new_code_cell("result = convolve(photo, BLUR)")
    nb = new_notebook(cells=[new_code_cell("x = 1"), answer, new_code_cell("y = 2"), locked, added])
    stops = [
        {"index": 1, "grade_id": "convolve"},
        {"index": 2, "grade_id": "convolve"},  # moved or forged: names no cell
        {"index": 9, "grade_id": None},
        "not a record",
        {"index": 3, "grade_id": "gallery"},
        {"index": 4, "grade_id": None},
    ]
    stopped = notebook_code.time_stopped_indices(nb, stops)
    assert stopped == {1, 3, 4}
    cells = notebook_code.code_cells(nb, stopped)
    # The locked cell loads only its definitions anyway: not marked, so no note either.
    assert [c["skip_top_level_work"] for c in cells] == [False, True, False, False, True]
    assert doctest.testmod(notebook_code).failed == 0
    assert doctest.testmod(hiddenchecks).failed == 0
    assert doctest.testmod(sandboxedexecute).failed == 0


def test_a_timed_out_cell_and_a_budget_interrupted_cell_are_recorded(tmp_path, monkeypatch):
    """Cell 0 sleeps past its timeout and honours the interrupt: nbclient raises nothing and
    goes on. Cell 1 spins until the notebook's CPU budget is spent and the watcher interrupts
    it. Both are recorded, with the grade_id the checks match them by; the skipped cell is not."""
    # However busy the machine is, the CPU budget (not the backstop) must stop cell 1.
    monkeypatch.setattr(sandboxedexecute, "WALL_CLOCK_FACTOR", 30)
    sleeper = create_solution_cell("import time\nwhile True:\n    time.sleep(0.05)", "code", "a")
    nb, resources = run(
        tmp_path, [sleeper, "while True:\n    pass", "print('never')"], timeout=4, notebook_budget=1
    )
    assert [o.ename for o in nb.cells[0].outputs] == ["KeyboardInterrupt", "CellTimeoutError"]
    assert resources[TIME_STOPPED_CELLS_KEY] == [
        {"index": 0, "grade_id": "a", "stopped_by": CELL_TIMEOUT, "seconds": 4.0},
        {"index": 1, "grade_id": None, "stopped_by": NOTEBOOK_BUDGET, "seconds": 1.0},
    ]
    # The instructor's problem list reads it from the record, never from the outputs.
    assert gradebook_table.problems(tmp_path, notebooks=[("s", nb)]) == {
        "s": [
            f"notebook run stopped: {sandboxedexecute.BUDGET_USED}",
            "notebook run: cell 1 (a): stopped after 4 s",
            "notebook run: cell 2: interrupted when the notebook's 1 s of CPU time ran out",
        ]
    }


def test_a_cell_the_wall_clock_backstop_stops_is_recorded_as_the_backstop(tmp_path, monkeypatch):
    """A sleeping cell costs no CPU time: the backstop (WALL_CLOCK_FACTOR times the budget)
    stops it before its own timeout, and the record, the problem list and the next cell's
    note name the backstop, not a cell timeout of a few seconds."""
    monkeypatch.setattr(sandboxedexecute, "WALL_CLOCK_FACTOR", 2)
    cells = ["import time\ntime.sleep(60)", "print('never')"]
    nb, resources = run(tmp_path, cells, timeout=60, notebook_budget=1.5)
    assert resources[TIME_STOPPED_CELLS_KEY] == [
        {"index": 0, "grade_id": None, "stopped_by": NOTEBOOK_BACKSTOP, "seconds": 3.0}
    ]
    assert nb.cells[1].outputs[0].text == sandboxedexecute.OVER_BACKSTOP.format(seconds=3) + "\n"
    assert gradebook_table.problems(tmp_path, notebooks=[("s", nb)])["s"][1:] == [
        "notebook run: cell 1: interrupted when the notebook's run reached its 3 s limit"
    ]


def test_a_cell_that_ignores_the_interrupt_is_recorded(tmp_path):
    stubborn = (
        "import time\nwhile True:\n    try:\n        time.sleep(60)\n"
        "    except KeyboardInterrupt:\n        pass"
    )
    _, resources = run(tmp_path, [stubborn, "print('never')"], timeout=2, iopub_timeout=2)
    assert resources[TIME_STOPPED_CELLS_KEY] == [
        {"index": 0, "grade_id": None, "stopped_by": CELL_TIMEOUT, "seconds": 2.0}
    ]


def test_a_cell_that_ignores_the_cpu_budgets_interrupt_is_told_apart(tmp_path, monkeypatch):
    """The CPU budget stopped this cell first; its own timeout only ended the run after the
    interrupt was ignored. The record and the reason name the budget."""
    monkeypatch.setattr(sandboxedexecute, "WALL_CLOCK_FACTOR", 30)
    deaf = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    nb, resources = run(
        tmp_path, [deaf, "print('never')"], timeout=4, iopub_timeout=2, notebook_budget=1
    )
    assert resources[TIME_STOPPED_CELLS_KEY] == [
        {"index": 0, "grade_id": None, "stopped_by": NOTEBOOK_BUDGET, "seconds": 1.0}
    ]
    reason = "the notebook's 1 s of CPU time ran out and the cell ignored the interrupt"
    assert nb.metadata[RECORD_KEY]["execute"]["stopped"] == reason


def test_errors_and_a_dead_kernel_are_not_time_stops(tmp_path):
    """A KeyboardInterrupt the student raises is only an output, and a crash is cheap to load
    again (the loader handles it): neither makes a cell load definitions only."""
    cells = ["raise KeyboardInterrupt", "import os\nos._exit(1)", "print('never')"]
    nb, resources = run(tmp_path, cells, timeout=10)
    assert resources[TIME_STOPPED_CELLS_KEY] == []
    assert nb.metadata[RECORD_KEY]["execute"]["time_stops"] == []


# The hidden-checks harness of tests/test_pre_hiddenchecks.py, with a check of to_uint8 alone.
SUITE = {
    **{name: HARNESS[name] for name in ("pytest.ini", "conftest.py")},
    "test_to_uint8.py": """
        import numpy as np
        import pytest
        from convgrade.checks.failures import CheckFailure

        @pytest.mark.group("check_round")
        def test_rounds(student):
            value = student.call("to_uint8", np.array([1.4, 300.0])).value
            if not value.is_ndarray or value.array.tolist() != [1, 255]:
                raise CheckFailure("to_uint8 did not round and clip.")
    """,
}
RIGHT_THEN_HANGS = (
    "import numpy as np\n\ndef to_uint8(values):\n"
    "    return np.clip(np.round(values), 0, 255).astype(np.uint8)\n\n"
    "while True:\n    pass\n"
)


@pytest.fixture(scope="module")
def hidden_dir(tmp_path_factory):
    return write_suite(tmp_path_factory.mktemp("hidden"), SUITE)


def test_the_checks_load_a_stopped_cell_without_its_hang_and_say_so(hidden_dir, tmp_path):
    """The record SandboxedExecute left in resources makes HiddenChecks load the answer's
    function without running the loop: its check passes, nothing hangs at load, and the
    answer cell says how it was loaded."""
    nb = new_notebook()
    nb.cells.append(create_solution_cell(RIGHT_THEN_HANGS, "code", "to_uint8_answer"))
    nb.cells.append(create_grade_cell("# hidden checks run here", "code", "check_round", 1))
    stops = [{"index": 0, "grade_id": "to_uint8_answer", "stopped_by": CELL_TIMEOUT, "seconds": 30}]
    resources = {"metadata": {"path": str(tmp_path)}, TIME_STOPPED_CELLS_KEY: stops}
    checks = HiddenChecks(hidden_dir=str(hidden_dir), call_timeout=5.0, load_timeout=5.0)
    nb, _ = checks.preprocess(nb, resources)
    record = NotebookRecord.from_metadata(nb.metadata[RECORD_KEY])[0]
    assert record.load_failure is None
    assert record.student_seconds < 5.0, "the loop did not run at load"
    assert determine_grade(nb.cells[1]) == (1.0, 1.0)
    assert nb.cells[0].outputs[-1].text == (
        "Grading note: your to_uint8_answer cell did not finish when your notebook ran (it was "
        "stopped after 30 s), so only its imports, functions, classes and assignments were "
        "loaded for the hidden checks.\n"
    )

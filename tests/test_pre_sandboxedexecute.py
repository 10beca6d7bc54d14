"""Unit tests of the SandboxedExecute preprocessor with a real sandboxed kernel: a small
notebook built here, one preprocessor, ``preprocess(nb, resources)``, assertions on the
outputs the feedback shows and on the ExecuteRecord the report reads."""

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from convgrade.autograde import sandboxedexecute
from convgrade.autograde.sandboxedexecute import (
    BUDGET_USED,
    NOT_RUN,
    NOTEBOOK_CPU_KEY,
    NOTEBOOK_TRUNCATED,
    OVER_BACKSTOP,
    OVER_BUDGET,
    TRUNCATED,
    SandboxedExecute,
)
from convgrade.contract import RECORD_KEY, ExecuteRecord

KERNEL_DIED = "the kernel died (did the code exit or run out of memory?)"


def execute(tmp_path, *sources, **settings):
    """Run code cells (a str) and markdown cells (a tuple holding one str) in the sandbox."""
    cells = [new_markdown_cell(s[0]) if isinstance(s, tuple) else new_code_cell(s) for s in sources]
    (tmp_path / "data.txt").write_text("a file shipped with the assignment")
    step = SandboxedExecute(**settings)
    nb, _ = step.preprocess(new_notebook(cells=cells), {"metadata": {"path": str(tmp_path)}})
    return nb, ExecuteRecord(**nb.metadata[RECORD_KEY]["execute"])


def stdout(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_does_a_notebook_run_in_its_files_folder_and_record_a_clean_run(tmp_path):
    nb, record = execute(tmp_path, "print(open('data.txt').read())", ("Text",), "6 * 7")
    assert stdout(nb.cells[0]) == "a file shipped with the assignment\n"
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "42"
    assert record.stopped is None and record.truncated is False
    assert 0 < record.cell_seconds <= record.total_seconds


def test_does_a_dead_kernel_end_the_run_with_a_note_and_leave_the_rest_unrun(tmp_path):
    nb, record = execute(
        tmp_path, "import os\nos._exit(1)", ("Between",), "print('later')", "print('last')"
    )
    (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert (error.ename, error.evalue) == ("GradingStopped", KERNEL_DIED)
    assert error.traceback == [f"GradingStopped: {KERNEL_DIED}. Later cells were not run."]
    assert nb.cells[1].source == "Between" and "outputs" not in nb.cells[1]
    for cell in nb.cells[2:]:
        assert [stdout(cell)] == [NOT_RUN + "\n"] and len(cell.outputs) == 1
    assert record.stopped == KERNEL_DIED


def test_is_a_flooding_cell_cut_at_its_limit_with_one_note(tmp_path):
    flood = "for _ in range(200):\n    print('x' * 100)"
    nb, record = execute(tmp_path, flood, "print('next cell')", max_cell_output_kb=2)
    text = stdout(nb.cells[0])
    note = TRUNCATED.format(limit=2) + "\n"
    assert text.endswith(note) and text.count(note) == 1
    assert text.count("x") <= 2 * 1024
    assert stdout(nb.cells[1]) == "next cell\n"  # the limit is per cell
    assert record.truncated is True and record.stopped is None


def test_is_the_whole_notebook_output_bounded_across_cells(tmp_path):
    chunk = "print('y' * 700)"
    nb, record = execute(tmp_path, chunk, chunk, chunk, max_notebook_output_kb=2)
    assert stdout(nb.cells[0]) == stdout(nb.cells[1]) == "y" * 700 + "\n"
    assert "y" not in stdout(nb.cells[2]) and stdout(nb.cells[2]).startswith("[output truncated")
    assert record.truncated is True


def test_does_the_note_of_the_notebook_wide_limit_tell_the_truth(tmp_path):
    chunk = "print('y' * 700)"
    nb, _ = execute(tmp_path, chunk, chunk, chunk, max_notebook_output_kb=2)
    assert stdout(nb.cells[2]) == NOTEBOOK_TRUNCATED.format(limit=2) + "\n"


def test_does_a_spent_notebook_budget_interrupt_the_cell_and_skip_the_rest(tmp_path):
    nb, record = execute(
        tmp_path,
        "import time\ntime.sleep(60)",
        ("Between",),
        "print('never')",
        notebook_budget=3.0,
        timeout=60,
    )
    interrupted = [(o.output_type, o.ename) for o in nb.cells[0].outputs]
    assert interrupted == [("error", "KeyboardInterrupt"), ("error", "CellTimeoutError")]
    # Sleeping costs no CPU time: the wall-clock backstop stopped it, and the note says so.
    backstop = 3.0 * sandboxedexecute.WALL_CLOCK_FACTOR
    assert stdout(nb.cells[2]) == OVER_BACKSTOP.format(seconds=backstop) + "\n"
    assert "never" not in stdout(nb.cells[2])
    assert record.stopped == BUDGET_USED
    assert record.total_seconds < 20


def test_does_a_cell_that_ignores_the_interrupt_end_the_run_with_a_note(tmp_path):
    stubborn = (
        "import time\nwhile True:\n    try:\n        time.sleep(60)\n"
        "    except KeyboardInterrupt:\n        pass"
    )
    nb, record = execute(
        tmp_path, stubborn, "print('never')", timeout=2, notebook_budget=0, iopub_timeout=2
    )
    reason = "the cell ran past 2 s and ignored the interrupt"
    assert nb.cells[0].outputs[-1].evalue == reason
    assert stdout(nb.cells[1]) == NOT_RUN + "\n"
    assert record.stopped == reason


@pytest.mark.parametrize("forked", [True, False], ids=["forked kernel", "kernel of its own"])
def test_does_the_budget_interrupt_reach_the_kernel_past_a_decoy(tmp_path, monkeypatch, forked):
    """Student code renames its kernel's process and starts a child named like an
    interpreter that ignores SIGINT: the budget's interrupt still reaches the kernel, found
    before any student code ran (red team: it hit the decoy, and the cell ran on to the
    wall-clock backstop)."""
    monkeypatch.setattr(sandboxedexecute, "WALL_CLOCK_FACTOR", 30)
    decoy = (
        "import ctypes, subprocess, sys\n"
        "ctypes.CDLL(None).prctl(15, b'renamed', 0, 0, 0)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)'])\n"
        "while True:\n    pass"
    )
    step = SandboxedExecute(
        notebook_budget=2.0,
        timeout=60,
        config=Config({"Sandbox": {"fork_kernels": forked}}),
    )
    notebook = new_notebook(cells=[new_code_cell(decoy)])
    nb, resources = step.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert [(o.output_type, o.ename) for o in nb.cells[0].outputs] == [
        ("error", "KeyboardInterrupt")
    ]
    assert resources[NOTEBOOK_CPU_KEY] < 2.0 + 1.0


def test_does_the_notebook_budget_count_cpu_time_and_leave_its_use_for_the_checks(
    tmp_path, monkeypatch
):
    """A spinning cell is interrupted once the kernel has used the budget's CPU seconds (not
    by the wall-clock backstop or the cell's timeout); a sleeping one costs no CPU time."""
    # However busy the machine is, the CPU limit must be what stops the cell here.
    monkeypatch.setattr(sandboxedexecute, "WALL_CLOCK_FACTOR", 30)
    cells = ["import time\ntime.sleep(1.5)", "while True:\n    pass", "print('never')"]
    step = SandboxedExecute(notebook_budget=2.0, timeout=60)
    notebook = new_notebook(cells=[new_code_cell(s) for s in cells])
    nb, resources = step.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    assert [o.output_type for o in nb.cells[0].outputs] == [], "sleeping is within budget"
    assert [(o.output_type, o.ename) for o in nb.cells[1].outputs] == [
        ("error", "KeyboardInterrupt")
    ], "interrupted for its CPU time, not by the wall-clock timeout"
    assert stdout(nb.cells[2]) == OVER_BUDGET.format(budget=2.0) + "\n"
    assert 2.0 <= resources[NOTEBOOK_CPU_KEY] < 2.0 + 0.5

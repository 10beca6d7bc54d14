"""nbgrader's Execute step, with the kernel in the sandbox and no way to sink the submission."""

import math
import os
import signal
import threading
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer

from convgrade.contract import ExecuteRecord, NotebookRecord
from convgrade.sandbox.cpu_clock import CpuClock
from convgrade.sandbox.kernel import KernelPool, SandboxedKernelManager, shut_down
from convgrade.sandbox.student_process import POLL_SECONDS, WALL_CLOCK_FACTOR

NOT_RUN = "Not run: grading stopped running this notebook at an earlier cell."
TRUNCATED = "[output truncated: this cell printed more than {limit} kB]"
NOTEBOOK_TRUNCATED = (
    "[output truncated: the cells of this notebook printed more than {limit} kB together]"
)
BUDGET_USED = "notebook time budget used up"
OVER_BUDGET = (
    "Not run: this notebook's cells already took the {budget:g} s of CPU time that grading "
    "allows for running one notebook."
)
OVER_BACKSTOP = (
    "Not run: this notebook's cells already ran for {seconds:g} s, the longest grading "
    "allows for running one notebook."
)
# Where the CPU seconds the notebook's cells used are left for HiddenChecks, which gives the
# checks what the submission's budget has left. In resources: student code cannot reach it.
NOTEBOOK_CPU_KEY = "convgrade_notebook_cpu_seconds"
# Where the code cells whose run was stopped for time are left for HiddenChecks, as
# [{"index", "grade_id", "stopped_by", "seconds"}]: it loads only their definitions, so a
# hang costs once per submission. In resources, like the CPU seconds: never cell outputs
# or metadata, which student code could forge.
TIME_STOPPED_CELLS_KEY = "convgrade_time_stopped_cells"
# What stopped a cell for time: its own timeout (Execute.timeout), the notebook's CPU
# budget running out while it ran, or the notebook's wall-clock backstop (WALL_CLOCK_FACTOR
# times the budget) falling due while it ran.
CELL_TIMEOUT = "cell_timeout"
NOTEBOOK_BUDGET = "notebook_budget"
NOTEBOOK_BACKSTOP = "notebook_backstop"


class SandboxedExecute(Execute):
    """Run the notebook for the feedback's outputs, inside the sandbox.

    No point depends on these outputs (HiddenChecks decides them), so a cell that hangs
    past its interrupt or kills the kernel ends the run of this notebook with a note,
    instead of failing the whole submission as plain nbgrader does.
    """

    max_cell_output_kb = Integer(
        1024, help="Output kept per cell; the rest is dropped as it arrives, not after."
    ).tag(config=True)
    max_notebook_output_kb = Integer(8192, help="Output kept per notebook, across all cells.").tag(
        config=True
    )
    notebook_budget = Float(
        120.0,
        help="CPU seconds the kernel may use for one notebook's run, all cells together "
        f"(wall-clock time is a backstop at {WALL_CLOCK_FACTOR:g} times as long). A cell "
        "still running when it is spent is interrupted, and later cells are not run (the "
        "feedback says so). What the run used comes out of HiddenChecks.submission_budget. "
        "0 means no limit beyond the per-cell Execute.timeout.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute would otherwise default to an unsandboxed AsyncKernelManager.
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._stopped = None
        self._stop_reason = None
        self._budget_note = None  # the note on cells the spent budget left unrun
        self._truncated = False
        self._notebook_bytes = 0
        self._cell_bytes = {}
        self._set_up = False
        self._cell_seconds = 0.0
        self._clock = None
        self._cpu_at_start = 0.0
        self._time_stops = []
        self._time_stop = None  # what stopped the running cell for time, if anything did
        self._timeout_is_backstop = False  # the running cell's timeout is the backstop's
        started = time.monotonic()
        self._backstop_seconds = self.notebook_budget * WALL_CLOCK_FACTOR
        self._deadline = None  # set with the CPU clock, once the set-up cell has run
        km = KernelPool.take(parent=self)
        # Launch the next notebook's kernel now: its start-up overlaps this notebook's run.
        KernelPool.refill(parent=self)
        km.stage(resources["metadata"]["path"])
        try:
            nb, resources = super().preprocess(nb, resources, km)
            # The report reads these, never the outputs, which student code could imitate.
            execute = ExecuteRecord(
                cell_seconds=round(self._cell_seconds, 3),
                total_seconds=round(time.monotonic() - started, 3),
                stopped=self._stop_reason,
                truncated=bool(self._truncated),
                time_stops=[describe_time_stop(stop) for stop in self._time_stops],
            )
            NotebookRecord(execute=execute).write(nb)
            resources[NOTEBOOK_CPU_KEY] = round(self._cpu_used(), 3)
            resources[TIME_STOPPED_CELLS_KEY] = list(self._time_stops)
            return nb, resources
        finally:
            if self.kc is not None:
                self.kc.stop_channels()
            shut_down(km)

    def output(self, outs, msg, display_id, cell_index):
        """Keep outputs only up to the limits, so a flood cannot fill the grader's memory."""
        size = len(str(msg.get("content", "")))
        used = self._cell_bytes.get(cell_index, 0)
        limit = self.max_cell_output_kb << 10
        cell_full = used + size > limit
        if cell_full or self._notebook_bytes + size > self.max_notebook_output_kb << 10:
            if used <= limit:
                self._truncated = True
                self._cell_bytes[cell_index] = limit + 1
                # Say which limit was reached: a short cell can be cut by the notebook's.
                note = (
                    TRUNCATED.format(limit=self.max_cell_output_kb)
                    if cell_full
                    else NOTEBOOK_TRUNCATED.format(limit=self.max_notebook_output_kb)
                )
                outs.append(new_output("stream", name="stdout", text=note + "\n"))
            return None
        self._cell_bytes[cell_index] = used + size
        self._notebook_bytes += size
        return super().output(outs, msg, display_id, cell_index)

    def _cpu_used(self):
        """CPU seconds the kernel has used for this notebook's cells so far."""
        if self._clock is None:
            return 0.0
        return max(self._clock.seconds() - self._cpu_at_start, 0.0)

    def _budget_spent_by(self):
        """NOTEBOOK_BUDGET or NOTEBOOK_BACKSTOP once the notebook may run no more cells."""
        if self.notebook_budget <= 0:
            return None
        if self._cpu_used() >= self.notebook_budget:
            return NOTEBOOK_BUDGET
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return NOTEBOOK_BACKSTOP
        return None

    def _watch_cpu(self, cell_done):
        """Interrupt the kernel once the notebook's CPU time is spent (a thread, while one
        cell runs). SIGINT goes to the kernel's Python itself: ipykernel raises
        KeyboardInterrupt in the running cell, as its interrupt message would."""
        while not cell_done.wait(POLL_SECONDS):
            if self._cpu_used() >= self.notebook_budget:
                # Set before the signal: the cell may end the moment it arrives.
                self._time_stop = (NOTEBOOK_BUDGET, self.notebook_budget)
                try:
                    os.kill(self._clock.pid, signal.SIGINT)
                except (ProcessLookupError, PermissionError, TypeError):
                    pass  # the kernel is gone: the cell ends anyway
                return

    async def _async_handle_timeout(self, timeout, cell=None):
        """nbclient's reaction to a cell past its timeout, noted first. With nbgrader's
        interrupt_on_timeout, nbclient interrupts the kernel and goes on: a cell that honours
        the interrupt ends with KeyboardInterrupt and a CellTimeoutError output, and no
        exception reaches preprocess_cell; one that ignores it raises CellTimeoutError once
        its outputs do not end (iopub_timeout). Either way, it was stopped here: by its own
        timeout, or by the backstop when that was nearer (_get_timeout)."""
        if cell is not None and self._time_stop is None:
            self._time_stop = (
                (NOTEBOOK_BACKSTOP, self._backstop_seconds)
                if self._timeout_is_backstop
                else (CELL_TIMEOUT, float(timeout))
            )
        return await super()._async_handle_timeout(timeout, cell)

    def _note_time_stop(self, cell, index):
        """Keep the running cell for TIME_STOPPED_CELLS_KEY if time stopped it."""
        if self._time_stop is None or cell.cell_type != "code":
            return
        stopped_by, seconds = self._time_stop
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        self._time_stops.append(
            {
                "index": index,
                "grade_id": grade_id if isinstance(grade_id, str) else None,
                "stopped_by": stopped_by,
                "seconds": seconds,
            }
        )

    def _stop_reason_for(self, error):
        if isinstance(error, DeadKernelError):
            return "the kernel died (did the code exit or run out of memory?)"
        stopped_by, seconds = self._time_stop or (CELL_TIMEOUT, self.timeout)
        return _ignored_interrupt(stopped_by, seconds)

    def _get_timeout(self, cell):
        """The cell's timeout, shortened to what is left of the wall-clock backstop."""
        timeout = super()._get_timeout(cell)
        self._timeout_is_backstop = False
        if self._deadline is None:
            return timeout
        left = max(1, math.ceil(self._deadline - time.monotonic()))
        self._timeout_is_backstop = timeout is None or left < timeout
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        spent_by = self._stopped is None and cell.cell_type == "code" and self._budget_spent_by()
        if spent_by:
            self._stopped = self._stop_reason = BUDGET_USED
            self._budget_note = (
                OVER_BUDGET.format(budget=self.notebook_budget)
                if spent_by == NOTEBOOK_BUDGET
                else OVER_BACKSTOP.format(seconds=self._backstop_seconds)
            )
            self.log.warning("Stopped executing at cell %d: %s", index, BUDGET_USED)
        if self._stopped is not None:
            if cell.cell_type == "code":
                note = self._budget_note if self._stopped == BUDGET_USED else NOT_RUN
                cell.outputs = [new_output("stream", name="stdout", text=note + "\n")]
            return cell, resources
        try:
            if not self._set_up:
                self._set_up = True
                reply = self.wait_for_reply(
                    self.kc.execute(self.km.setup_code, silent=True, store_history=False)
                )
                if reply is None or reply["content"]["status"] != "ok":
                    raise RuntimeError("could not copy the notebook's files into the sandbox")
                # Counted from here: the kernel's start-up is the grader's time, not the student's.
                # The kernel's process is found now, before any student code runs: later,
                # code could rename it and start a decoy named like an interpreter to take
                # the budget's interrupt.
                self._clock = CpuClock(self.km.provisioner.process.pid, find_now=True)
                self._cpu_at_start = self._clock.seconds()
                if self.notebook_budget > 0:
                    self._deadline = time.monotonic() + self._backstop_seconds
            started = time.monotonic()
            self._time_stop = None
            cell_done = threading.Event()
            if self.notebook_budget > 0 and cell.cell_type == "code":
                threading.Thread(target=self._watch_cpu, args=(cell_done,), daemon=True).start()
            try:
                return super().preprocess_cell(cell, resources, index)
            finally:
                cell_done.set()
                self._cell_seconds += time.monotonic() - started
                # Also when the kernel died after the stop: a hang, and then a crash.
                self._note_time_stop(cell, index)
        except (CellTimeoutError, DeadKernelError, TimeoutError, RuntimeError) as error:
            self._stopped = error
            reason = self._stop_reason_for(error)
            self._stop_reason = reason
            self.log.warning("Stopped executing at cell %d: %s", index, reason)
            cell.outputs.append(
                new_output(
                    "error",
                    ename="GradingStopped",
                    evalue=reason,
                    traceback=[f"GradingStopped: {reason}. Later cells were not run."],
                )
            )
            return cell, resources


def notebook_limit_reached(stopped_by, seconds):
    """What happened, in words, when one of the notebook's own limits stopped a cell; None
    for the cell's own timeout, which each caller words itself.

    >>> notebook_limit_reached(NOTEBOOK_BACKSTOP, 360.0)
    "the notebook's run reached its 360 s limit"
    """
    if stopped_by == NOTEBOOK_BUDGET:
        return f"the notebook's {seconds:g} s of CPU time ran out"
    if stopped_by == NOTEBOOK_BACKSTOP:
        return f"the notebook's run reached its {seconds:g} s limit"
    return None


def _ignored_interrupt(stopped_by, seconds):
    """Why the run ended when a cell ignored the interrupt of the limit that stopped it."""
    limit = notebook_limit_reached(stopped_by, seconds)
    if limit:
        return f"{limit} and the cell ignored the interrupt"
    return f"the cell ran past {seconds:g} s and ignored the interrupt"


def describe_time_stop(stop):
    """One line for the instructor's problem list about a cell stopped for time.

    Examples
    --------
    >>> describe_time_stop({"index": 6, "grade_id": "convolve", "stopped_by": CELL_TIMEOUT,
    ...                     "seconds": 30.0})
    'cell 7 (convolve): stopped after 30 s'
    >>> describe_time_stop({"index": 8, "grade_id": None, "stopped_by": NOTEBOOK_BUDGET,
    ...                     "seconds": 120.0})
    "cell 9: interrupted when the notebook's 120 s of CPU time ran out"
    >>> describe_time_stop({"index": 8, "grade_id": None, "stopped_by": NOTEBOOK_BACKSTOP,
    ...                     "seconds": 360.0})
    "cell 9: interrupted when the notebook's run reached its 360 s limit"
    """
    grade_id = stop["grade_id"][:40] if stop["grade_id"] else None  # the submission's text
    cell = f"cell {stop['index'] + 1}" + (f" ({grade_id})" if grade_id else "")
    limit = notebook_limit_reached(stop["stopped_by"], stop["seconds"])
    if limit:
        return f"{cell}: interrupted when {limit}"
    return f"{cell}: stopped after {stop['seconds']:g} s"

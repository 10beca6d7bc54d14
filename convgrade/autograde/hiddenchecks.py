"""Score every graded test cell with the hidden checks, outside the student's kernel."""

import os
import time

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Unicode, default, validate

from convgrade import course_folders
from convgrade.autograde.sandboxedexecute import (
    NOTEBOOK_CPU_KEY,
    TIME_STOPPED_CELLS_KEY,
    notebook_limit_reached,
)
from convgrade.checks import cell_report, runner
from convgrade.checks.failures import MAX_LINE, clean_text
from convgrade.checks.notebook_code import is_test_cell, time_stopped_indices
from convgrade.checks.submission import Submission
from convgrade.contract import (
    CheckRecord,
    NotebookRecord,
    read_notebook_record,
    write_check_records,
)
from convgrade.sandbox.bwrap import Sandbox
from convgrade.sandbox.student_process import WALL_CLOCK_FACTOR


class HiddenChecks(NbGraderPreprocessor):
    """Replace each test cell's outputs with the hidden checks' verdict and score.

    Runs after Execute and before SaveAutoGrades. The student's code runs in a fresh
    sandboxed worker; its functions are called with the hidden inputs, and every result
    comes back as plain arrays that are checked here, in the grader's own process.
    """

    hidden_dir = Unicode(
        help="Folder of the hidden pytest checks (never released). A relative path is taken "
        "from the course root (CourseDirectory.root); by default "
        f"{course_folders.DEFAULT_HIDDEN_DIR} there."
    ).tag(config=True)
    call_timeout = Float(
        10.0,
        help="CPU seconds one call of a student function may use before it is stopped "
        f"(wall-clock time is a backstop at {WALL_CLOCK_FACTOR:g} times as long). A function "
        "stopped once is not called again: its later checks fail at once, naming the input.",
    ).tag(config=True)
    submission_budget = Float(
        210.0,
        help="CPU seconds one submission's student code may use in all: the notebook run "
        "(at most SandboxedExecute.notebook_budget of it) and then the hidden checks, which "
        "get what the run left.",
    ).tag(config=True)
    load_timeout = Float(
        30.0, help="CPU seconds a submission's cells may use to load before its checks score 0."
    ).tag(config=True)

    @default("hidden_dir")
    def _hidden_dir_default(self):
        return str(course_folders.hidden_checks_dir(self.config))

    @validate("hidden_dir")
    def _hidden_dir_in_course(self, proposal):
        # Resolved once, here: the working folder may change while grading runs.
        return str(course_folders.in_course(self.config, proposal.value))

    def preprocess(self, nb, resources):
        unreadable = read_notebook_record(nb).unreadable
        if unreadable:
            for cell in nb.cells:
                if cell.cell_type == "code" and is_test_cell(cell):
                    cell.outputs = cell_report.unchecked_outputs(
                        f"the submitted notebook could not be read: {unreadable}"
                    )
            return nb, resources
        started = time.monotonic()
        files_dir = resources.get("metadata", {}).get("path") or os.getcwd()
        # Cells the notebook run stopped for time load only their definitions: a hang at the
        # top level costs once per submission, not once more at load (load_timeout).
        stops = resources.get(TIME_STOPPED_CELLS_KEY) or []
        stopped = time_stopped_indices(nb, stops)
        submission = Submission.from_notebook(
            nb,
            skip_top_level_work=stopped,
            sandbox=Sandbox(parent=self),
            files_dir=files_dir,
            call_timeout=self.call_timeout,
            budget=self.checks_budget(resources),
            load_timeout=self.load_timeout,
        )
        try:
            groups, problem = runner.run_hidden_checks(submission, self.hidden_dir), None
        except Exception as error:  # a broken suite must not sink the batch
            self.log.error("Hidden checks failed to run: %s", error)
            groups, problem = {}, "the hidden checks could not run; your instructor has been told"
        finally:
            submission.close()
        for result in (r for g in groups.values() for r in g.results if r.grader_error):
            self.log.error("Check %s broke: %s", result.name, result.grader_error)
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_test_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            group = groups.get(grade_id)
            if group is None:
                reason = problem or f"no hidden checks exist for {grade_id}"
                self.log.error("Test cell %s: %s", grade_id, reason)
                cell.outputs = cell_report.unchecked_outputs(reason)
                continue
            cell.outputs = cell_report.cell_outputs(group, float(cell.metadata.nbgrader["points"]))
            write_check_records(cell, [_summary(r) for r in group.results])
        process = submission.process
        for cell in submission.cells:
            if cell.get("skip_top_level_work"):
                note = skipped_work_note(cell["label"], stops, cell["index"])
                nb.cells[cell["index"]].outputs.append(
                    new_output("stream", name="stdout", text=note + "\n")
                )
        NotebookRecord(
            # Already reduced to vetted parts by StudentProcess (failures.describe_error).
            load_errors=process.load_errors[:20],
            forbidden=_forbidden_record(submission),
            load_failure=process.load_failure and clean_text(process.load_failure, 300),
            crashes=[clean_text(c, 200) for c in process.crashes[:20]],
            timeouts=process.timeouts,
            seconds=round(time.monotonic() - started, 3),
            student_seconds=round(process.call_seconds, 3),
        ).write(nb)
        return nb, resources

    def checks_budget(self, resources):
        """CPU seconds for the checks: what the notebook run (SandboxedExecute) left of the
        submission's budget."""
        used = resources.get(NOTEBOOK_CPU_KEY, 0.0)
        return max(self.submission_budget - float(used), 0.0)


def skipped_work_note(label, stops, index):
    """The note on a cell the notebook run stopped for time, saying how the checks loaded it:
    the grader's words, and the cell's label bounded (a grade_id is the submission's text).

    Examples
    --------
    >>> stops = [{"index": 3, "stopped_by": "cell_timeout", "seconds": 30}]
    >>> print(skipped_work_note("cell 4", stops, 3))  # doctest: +NORMALIZE_WHITESPACE
    Grading note: cell 4 did not finish when your notebook ran (it was stopped after 30 s),
    so only its imports, functions, classes and assignments were loaded for the hidden
    checks.
    """
    stop = next(s for s in stops if isinstance(s, dict) and s.get("index") == index)
    seconds = float(stop.get("seconds") or 0)
    limit = notebook_limit_reached(stop.get("stopped_by"), seconds)
    how = f"it was stopped when {limit}" if limit else f"it was stopped after {seconds:g} s"
    return (
        f"Grading note: {clean_text(label, MAX_LINE)} did not finish when your notebook ran "
        f"({how}), so only its imports, functions, classes and assignments were loaded for "
        "the hidden checks."
    )


def _forbidden_record(submission):
    """Forbidden routines per student function: found by the static scan, or blocked at run
    time in the sandbox (reached some way the scan could not see)."""
    record = {
        name: [clean_text(u.describe(), 200) for u in uses[:20]]
        for name, uses in submission.forbidden.items()
    }
    for call in submission.process.forbidden_calls[:20]:
        # Our own message, "<function> raised <vetted error>"; the function name is ours.
        name = call.split(" raised ", 1)[0]
        record.setdefault(name, []).append("a blocked library routine at run time")
    return {name: list(dict.fromkeys(uses)) for name, uses in record.items()}


def _summary(result):
    """What the class report needs from one check, without the picture."""
    return CheckRecord(
        result.name, result.passed, result.misconception, result.message, also=result.also
    )

"""nbgrader configuration for the Convolutions course.

Every protection is wired in here: student code runs only in the bubblewrap sandbox, and
points come only from the hidden checks in tests/hidden/, decided outside the student's
kernel. See README.md for what each step does.
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor

from convgrade.autograde.checkcellmetadata import FastCheckCellMetadata
from convgrade.autograde.exporter import SubmissionExporter
from convgrade.autograde.hiddenchecks import HiddenChecks
from convgrade.autograde.repairsubmission import RepairSubmission
from convgrade.autograde.requiresandbox import RequireSandbox
from convgrade.autograde.sandboxedexecute import SandboxedExecute
from convgrade.feedback.safe_html import SafeFeedbackExporter
from convgrade.feedback.safeoutputs import SafeOutputs
from convgrade.intake import vetting
from convgrade.reports.grades_csv import GradesCsvExport
from nbgrader.preprocessors import (
    AssignLatePenalties,
    ClearOutput,
    DeduplicateIds,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "convolutions"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]

# Student stubs: what replaces the instructor's solution in release/.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Intake: nbgrader autograde (and the formgrader's button) grades only a vetted copy of
# each submission folder: no links, FIFOs, devices or oversized files (convgrade/vetting.py).
vetting.install()
c.Intake.max_notebook_bytes = 16 * 2**20
c.Intake.max_file_bytes = 16 * 2**20
c.Intake.max_total_bytes = 64 * 2**20
c.Intake.max_entries = 1000

# Autograde: read even a damaged file, restore the notebook's structure, run it in the
# sandbox for the feedback's outputs, keep only what a page may show of what it printed
# (SafeOutputs: allow-listed outputs and metadata, HTML cleaned with nh3), then let
# the hidden checks decide every test cell's points.
c.Autograde.exporter_class = SubmissionExporter
# RepairSubmission re-inserts deleted cells itself (nbgrader's own way can crash).
c.OverwriteCells.add_missing_cells = False
# FastCheckCellMetadata is nbgrader's CheckCellMetadata with its schema compiled once.
c.Autograde.sanitize_preprocessors = [
    RequireSandbox,
    ClearOutput,
    RepairSubmission,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    FastCheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    ClearMetadataPreprocessor,
    LimitOutput,
    SafeOutputs,
    HiddenChecks,
    SaveAutoGrades,
    AssignLatePenalties,
    FastCheckCellMetadata,
]
c.Execute.timeout = 30
c.Execute.shutdown_kernel = "immediate"
# Time limits count CPU time; wall-clock time is only a backstop at 3 times as long.
c.HiddenChecks.submission_budget = 210.0  # CPU seconds: notebook run and hidden checks together
c.SandboxedExecute.notebook_budget = 120.0  # at most this much of it for the notebook's cells
c.HiddenChecks.call_timeout = 10.0  # CPU seconds for one call; a function that hangs, once

# Pages: every HTML page made from a notebook (feedback, the formgrader's submission view)
# shows only allow-listed outputs, renders markdown before cleaning it with nh3, and
# colours code with the course's lexer within bounds; the feedback page's body is cleaned
# whole (convgrade/feedback/safe_html.py).
c.HTMLExporter.preprocessors = [SafeOutputs]
c.HTMLExporter.filters = {
    "markdown2html": "convgrade.feedback.safe_html.markdown2html",
    "highlight_code": "convgrade.feedback.safe_html.highlight_code",
}
c.GenerateFeedback.exporter_class = SafeFeedbackExporter
# grades.csv (`nbgrader export`, `make grades`): nbgrader's columns, quoted, and no cell a
# spreadsheet would run as a formula (convgrade/reports/grades_csv.py).
c.ExportApp.plugin_class = GradesCsvExport

# The sandbox (see convgrade/sandbox.py for what it allows and denies).
c.Sandbox.mode = "bwrap"
c.Sandbox.memory_limit_mb = 2048  # all of one sandbox's processes and files together
# Per process, by the kernel: above submission_budget, so the budget stops a slow worker
# first (`convgrade check-config` refuses less).
c.Sandbox.cpu_seconds = 240
c.Sandbox.max_processes = 64
c.Sandbox.scratch_mb = 256  # the writable /tmp: working folder, home, kernel sockets
c.Sandbox.shm_mb = 16

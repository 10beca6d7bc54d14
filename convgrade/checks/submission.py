"""One submission, ready for the hidden checks: its code in a sandbox, and static findings."""

from pathlib import Path

from convgrade.checks import notebook_code
from convgrade.checks.failures import StudentCodeError
from convgrade.checks.forbidden import find_forbidden
from convgrade.contract import FORBIDDEN, Mistake
from convgrade.sandbox.bwrap import Sandbox
from convgrade.sandbox.student_process import StudentProcess

# The functions students write; forbidden routines reached from them cost their checks.
STUDENT_FUNCTIONS = ("convolve", "convolve_color", "to_uint8")
REFERENCE_SOURCE = Path(__file__).with_name("reference.py")


class Submission:
    """A student's functions, callable with plain arrays, refusing ones that use library routines.

    Parameters
    ----------
    cells : list of dict
        Code cells as returned by ``notebook_code.code_cells``.
    sandbox : Sandbox, optional
    files_dir : path, optional
        The assignment's files (images), readable by the student's code.
    policy : ForbiddenPolicy
        The library routines forbidden: found statically here, blocked at run time by the
        sandboxed worker.
    **process_options
        Passed on to StudentProcess (call_timeout, budget, preload).
    """

    def __init__(self, cells, *, sandbox=None, files_dir=None, policy=FORBIDDEN, **process_options):
        self.cells = cells
        self.forbidden = find_forbidden(cells, STUDENT_FUNCTIONS, policy)
        self.process = StudentProcess(
            cells, sandbox or Sandbox(), files_dir=files_dir, policy=policy, **process_options
        )
        self._started = False
        self._called = set()  # the functions called directly since take_called()

    @classmethod
    def from_notebook(cls, notebook, *, skip_top_level_work=(), **options):
        """A notebook path or NotebookNode; the cells at indices `skip_top_level_work` load
        only their imports, functions, classes and assignments (see inside.StudentCode.load)."""
        return cls(notebook_code.code_cells(notebook, skip_top_level_work), **options)

    @classmethod
    def reference(cls, **options):
        """The trusted reference solution, run through the very same path as students' code."""
        source = REFERENCE_SOURCE.read_text()
        return cls(
            [{"index": 0, "source": source, "answer": True, "label": "reference"}], **options
        )

    def _start(self):
        if not self._started:
            self._started = True
            self.process.start()

    def call(self, name, *args, stand_in=None):
        """Call the student's `name`; see StudentProcess.call."""
        if stand_in is None:
            self._called.add(name)
        self._refuse_forbidden(name)
        self._start()
        return self.process.call(name, *args, stand_in=stand_in)

    def take_called(self):
        """The functions called without a stand-in since the last take (one check's calls)."""
        called, self._called = frozenset(self._called), set()
        return called

    def get(self, name):
        self._start()
        return self.process.get(name)

    def _refuse_forbidden(self, name):
        uses = self.forbidden.get(name)
        if uses:
            where = ", ".join(use.describe() for use in uses[:3])
            raise StudentCodeError(
                f"{name} uses {where}, a library routine. This assignment asks you to write "
                "the sliding window yourself, so this check scores 0.",
                misconception=Mistake.LIBRARY_ROUTINE,
            )

    def close(self):
        self.process.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

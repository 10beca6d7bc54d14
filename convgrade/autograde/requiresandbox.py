"""Stop grading before any student code runs unless the sandbox works (or was waived)."""

from nbgrader.preprocessors import NbGraderPreprocessor

from convgrade.sandbox.bwrap import Sandbox, SandboxUnavailable


class RequireSandbox(NbGraderPreprocessor):
    """First step of autograding: check bubblewrap once per run.

    Without it, grading stops with a message saying how to install it. The instructor may
    set c.Sandbox.mode = "unsafe-no-sandbox" instead; that is then announced on every run.
    """

    _checked = False

    def preprocess(self, nb, resources):
        if not RequireSandbox._checked:
            sandbox = Sandbox(parent=self)
            if not sandbox.is_sandboxed:
                self.log.warning(
                    "UNSAFE: c.Sandbox.mode is 'unsafe-no-sandbox'. Student code "
                    "runs with your permissions and can read or change any of "
                    "your files, the gradebook included."
                )
            try:
                sandbox.check_available()
            except SandboxUnavailable as error:
                self.log.critical("Grading stopped: %s", error)
                raise
            RequireSandbox._checked = True
        return nb, resources

"""nbgrader preprocessors that wire the sandbox and the hidden checks into autograding."""

from .hiddenchecks import HiddenChecks
from .repairsubmission import RepairSubmission
from .requiresandbox import RequireSandbox
from .safeoutputs import SafeOutputs
from .sandboxedexecute import SandboxedExecute

__all__ = ["HiddenChecks", "RepairSubmission", "RequireSandbox", "SafeOutputs", "SandboxedExecute"]

"""nbgrader preprocessors that wire the sandbox and the hidden checks into autograding."""

from .hiddenchecks import HiddenChecks
from .sandboxedexecute import SandboxedExecute

__all__ = ["HiddenChecks", "SandboxedExecute"]

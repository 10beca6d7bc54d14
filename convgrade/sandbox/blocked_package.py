"""Stands in for the __init__.py of a package the assignment forbids, inside the sandbox.

The sandbox hides the package's files and binds this one in their place, so that importing
it, by any route (even with the grader's import blocker removed), fails and says why.
"""


class ForbiddenImportError(ImportError):
    """A forbidden library was imported."""


raise ForbiddenImportError(
    f"{__name__} is not allowed in this assignment: write the convolution yourself with loops."
)

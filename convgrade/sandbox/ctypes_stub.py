"""Stands in for the standard library's ctypes package in the process that checks a
student's functions.

ctypes calls C functions by address and reads and writes memory, numpy's own correlate
among them, which no block on numpy's Python names can stop. The sandbox hides its C part
(_ctypes) there and binds this file over ctypes/__init__.py: importing ctypes still works
(imageio and numpy import it at their top, and cope without it), but every name asked of
it fails and says why.
"""


class ForbiddenImportError(ImportError):
    """A forbidden library was used."""


def __getattr__(name):
    if name.startswith("__"):  # the import system's own probes (__path__, __file__, ...)
        raise AttributeError(name)
    raise ForbiddenImportError(
        "ctypes is not allowed in this assignment: write the convolution yourself with loops."
    )

"""Ways student code keeps a reference to convolve outside the module's global names.

Each style defines convolve_color on top of a convolve defined before it, the way students
write it: a default argument, a closure, a container, functools.partial, a class. The
grader swaps the function object's own code (convgrade/sandbox/inside.py), so a hung convolve
is refused, and the grader's stand-in is reached, through every one of them.
"""

import numpy as np

from convgrade.checks import knock_on, reference
from convgrade.checks.failures import CheckFailure

REFERENCE_STYLES = {
    "default argument": """
def convolve_color(image, kernel, conv=convolve):
    return np.stack([conv(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
""",
    "keyword-only default": """
def convolve_color(image, kernel, *, channel_op=convolve):
    return np.dstack([channel_op(image[..., c], kernel) for c in range(image.shape[-1])])
""",
    "closure from a factory": """
def per_channel(op):
    def apply(image, kernel):
        return np.stack([op(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
    return apply

convolve_color = per_channel(convolve)
""",
    "dict of operations": """
OPERATIONS = {"convolve": convolve}

def convolve_color(image, kernel):
    op = OPERATIONS["convolve"]
    return np.stack([op(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
""",
    "functools.partial": """
import functools

def _channels(op, image, kernel):
    return np.stack([op(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)

convolve_color = functools.partial(_channels, convolve)
""",
    "class attribute": """
class Filters:
    single = staticmethod(convolve)

    @classmethod
    def color(cls, image, kernel):
        return np.stack([cls.single(image[:, :, c], kernel) for c in range(image.shape[2])], 2)

convolve_color = Filters.color
""",
    "lambda with a default": """
convolve_color = lambda image, kernel, f=convolve: np.stack(
    [f(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)
""",
    "map over channels": """
_ops = [convolve]

def convolve_color(image, kernel):
    channels = [image[:, :, c] for c in range(image.shape[2])]
    return np.stack(list(map(_ops[0], channels, [kernel] * len(channels))), axis=2)
""",
}


def cells(source):
    """`source` as the one answer cell a StudentProcess loads."""
    return [{"index": 0, "source": source, "answer": True, "label": "your code"}]


class Node:
    """What knock_on.judge_color needs of a pytest item: somewhere to put its note."""

    def __init__(self):
        self.user_properties = []


def knock_on_notes(process, image, kernel, call="convolve_color"):
    """Judge convolve_color(image, kernel) as a colour check does (knock_on.judge_color);
    the notes it left. Raises CheckFailure if it is wrong even with the grader's convolve."""

    def check(result):
        if not np.allclose(result.value.array, reference.convolve_color(image, kernel)):
            raise CheckFailure("wrong values")

    node = Node()
    knock_on.judge_color(process, image, kernel, check, call, node)
    return [note for _, note in node.user_properties]

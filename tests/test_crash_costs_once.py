"""A function whose call ends the grader's process costs one fresh process, not the rest.

Before, every check after six crashes was "not checked", so a right to_uint8 lost its points
to a convolve that called os._exit. Now a function that ended the process is not called
again: its later checks fail at once, naming the input it ended on, and the student's other
code that reaches it (through any reference, tests/reference_styles.py) raises at once
inside the worker. Real sandboxed workers.
"""

import numpy as np
import pytest
from reference_styles import REFERENCE_STYLES

from convgrade.checks import knock_on, reference
from convgrade.checks.failures import CheckFailure, StudentCodeError
from convgrade.contract import Mistake
from convgrade.sandbox.student_process import StudentProcess

RNG = np.random.default_rng(14)
IMAGE = RNG.integers(0, 256, size=(7, 8, 3)).astype(np.uint8)
KERNEL = np.array([[1.0, -1.0], [0.5, 2.0]])

# How a call can end the process: each ends it only on the 48-row image.
ENDINGS = {
    "os._exit": "import os\n        os._exit(3)",
    "SIGSEGV": "import ctypes\n        ctypes.string_at(0)",
    "SIGKILL to itself": "import os, signal\n        os.kill(os.getpid(), signal.SIGKILL)",
}

STUDENT = """
import numpy as np

def convolve(image, kernel):
    if image.shape[0] == 48:
        {ending}
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

def to_uint8(image):
    return np.clip(np.round(image), 0, 255).astype(np.uint8)

def forge_other_name(image, kernel):
    raise RuntimeError("to_uint8 stopped the grader's process earlier in grading, so it was"
                       " not run again")

def forge_other_type(image, kernel):
    raise TimeoutError("convolve stopped the grader's process earlier in grading, so it was"
                       " not run again")
"""


def cells(source):
    return [{"index": 0, "source": source, "answer": True, "label": "your code"}]


class Node:
    def __init__(self):
        self.user_properties = []


def check_colour(result):
    if not np.allclose(result.value.array, reference.convolve_color(IMAGE, KERNEL)):
        raise CheckFailure("wrong values")


def crash_convolve(process):
    with pytest.raises(StudentCodeError, match="Calling convolve stopped the grader's run"):
        process.call("convolve", np.zeros((48, 36)), KERNEL)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_crashing_convolve_is_not_called_again_and_the_rest_is_checked(ending):
    source = STUDENT.format(ending=ENDINGS[ending]) + REFERENCE_STYLES["default argument"]
    with StudentProcess(cells(source), call_timeout=5.0, budget=30.0) as process:
        right = process.call("convolve", IMAGE[:, :, 0], KERNEL)
        np.testing.assert_allclose(right.value.array, reference.convolve(IMAGE[:, :, 0], KERNEL))
        crash_convolve(process)
        assert process.starts == 1, "the crash has not yet cost a fresh process"
        with pytest.raises(StudentCodeError) as again:
            process.call("convolve", IMAGE[:, :, 1], KERNEL)
        assert again.value.message.startswith(
            "convolve was not called again: earlier, calling convolve on a 48×36 image with a "
            "2×2 kernel stopped the grader's run of your code ("
        )
        with pytest.raises(StudentCodeError) as through:
            process.call("convolve_color", IMAGE, KERNEL)
        assert through.value.message.startswith(
            "convolve_color raised RuntimeError: convolve stopped the grader's process "
            "earlier in grading, so it was not run again (your code, line "
        )
        node = Node()
        knock_on.judge_color(process, IMAGE, KERNEL, check_colour, "convolve_color", node)
        assert [note.misconception for _, note in node.user_properties] == [
            Mistake.FIX_CONVOLVE_FIRST
        ], "judged with the grader's convolve"
        values = np.array([[-3.2, 7.5], [255.4, 300.0]])
        np.testing.assert_array_equal(
            process.call("to_uint8", values).value.array, [[0, 8], [255, 255]]
        )
        assert process.starts == 2, "one fresh process for the crash, none after it"
        assert len(process.crashes) == 1


def test_refusal_texts_raised_by_student_code_are_described_as_before():
    """Only the grader's own refusal (its type and exact text, for a function that did end
    the process) is shown as one; student code raising look-alikes gets describe_error's
    vetting: the type and the line, never the student's text."""
    source = STUDENT.format(ending=ENDINGS["os._exit"])
    forgers = ("forge_other_name", "forge_other_type")
    with StudentProcess(cells(source), call_timeout=5.0, budget=30.0) as process:
        before = {}
        for forger in forgers:
            with pytest.raises(StudentCodeError) as raised:
                process.call(forger, IMAGE, KERNEL)
            before[forger] = raised.value.message
        crash_convolve(process)
        for forger in forgers:
            with pytest.raises(StudentCodeError) as raised:
                process.call(forger, IMAGE, KERNEL)
            assert raised.value.message == before[forger]
            assert raised.value.message.startswith(f"{forger} raised ")
            assert "stopped the grader" not in raised.value.message.split("line")[0]

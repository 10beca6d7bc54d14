"""A function that hung is not run again through another function (issue 13).

After convolve is stopped at its time limit, every later worker holds inside.BarredFunction in
its place, under every alias, so convolve_color calling it fails at once instead of hanging a
second time; the knock-on retry with the grader's convolve then judges the colour code.
Real sandboxed workers with a 1 s limit: each test costs one hang at most.
"""

import numpy as np
import pytest
import reference_styles
from reference_styles import REFERENCE_STYLES, knock_on_notes
from support import LocalAnswers

from convgrade.checks import knock_on, reference
from convgrade.checks.failures import StudentCodeError
from convgrade.contract import Mistake
from convgrade.sandbox import inside
from convgrade.sandbox.student_process import StudentProcess

RNG = np.random.default_rng(13)
IMAGE = RNG.integers(0, 256, size=(8, 9, 3)).astype(np.uint8)
KERNEL = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]])
LIMIT = 1.0

# convolve loops on the 48×36 image only; convolve_color reaches it through an alias,
# convolve_color_by_name through its own name. The forgers raise TimeoutError themselves.
LOOPING = """
import numpy as np

def convolve(image, kernel):
    if image.shape[0] == 48:
        while True:
            pass
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

conv = convolve

def convolve_color(image, kernel):
    return np.stack([conv(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)

def convolve_color_by_name(image, kernel):
    return np.stack([convolve(image[:, :, c], kernel) for c in range(image.shape[2])], axis=2)

def forge_other_name(image, kernel):
    raise TimeoutError("to_uint8 did not finish earlier in grading, so it was not run again")

def forge_other_text(image, kernel):
    raise TimeoutError("convolve did not finish: aGlkZGVu")
"""


def cells(source=LOOPING):
    return reference_styles.cells(source)


def hang_convolve(process):
    with pytest.raises(StudentCodeError, match="convolve did not finish within"):
        process.call("convolve", np.zeros((48, 36)), KERNEL)


@pytest.mark.parametrize("colour", ["convolve_color", "convolve_color_by_name"])
def test_colour_code_on_a_hung_convolve_fails_at_once_and_passes_with_the_graders(colour):
    with StudentProcess(cells(), call_timeout=LIMIT, budget=30.0) as process:
        hang_convolve(process)
        spent = process.spent
        with pytest.raises(StudentCodeError) as plain:
            process.call(colour, IMAGE, KERNEL)
        # CPU time, not wall-clock: a busy machine must not fail this (the fresh process's
        # start is the grader's time, not counted).
        assert process.spent - spent < LIMIT / 2, "refused inside the worker, not stopped"
        notes = []
        for _ in range(2):
            notes += knock_on_notes(process, IMAGE, KERNEL, colour)
        assert process.timeouts == {"convolve": 1}, "the hang cost its limit once"
        assert process.spent < LIMIT + 1.0, "one time limit, plus reloads and quick calls"
    assert plain.value.message.startswith(
        f"{colour} raised TimeoutError: convolve did not finish earlier in grading, so it was "
        "not run again (your code, line "
    )
    assert (
        plain.value.message.endswith(
            "Earlier, convolve did not finish within 1 s of CPU time on a 48×36 image "
            "with a 2×3 kernel."
        )
        or "3 s of wall-clock time" in plain.value.message
    )
    assert plain.value.misconception is None
    assert [note.misconception for note in notes] == [Mistake.FIX_CONVOLVE_FIRST] * 2


def test_timeout_errors_the_student_raises_are_described_as_before():
    """Only the exact text for a function the grader stopped is shown; other TimeoutErrors
    keep describe_error's vetting: the type and the line, never the student's text."""
    with StudentProcess(cells(), call_timeout=LIMIT, budget=30.0) as process:
        before = {}
        for forger in ("forge_other_name", "forge_other_text"):
            with pytest.raises(StudentCodeError) as raised:
                process.call(forger, IMAGE, KERNEL)
            before[forger] = raised.value.message
        hang_convolve(process)
        for forger, message in before.items():
            with pytest.raises(StudentCodeError) as raised:
                process.call(forger, IMAGE, KERNEL)
            assert raised.value.message == message
            assert message.startswith(f"{forger} raised TimeoutError (your code, line ")
            assert "did not finish" not in message.split("line")[0]


def test_a_hang_with_a_stand_in_does_not_refuse_plain_calls():
    """convolve_color that hangs only with the grader's convolve in place ((name, True))
    still runs plainly, and its plain callers are not refused."""
    source = LOOPING + (
        "\ndef picky_color(image, kernel):\n"
        "    if type(conv).__name__ == 'StandIn':\n"
        "        while True:\n"
        "            pass\n"
        "    return convolve_color(image, kernel)\n"
        "\ndef calls_picky(image, kernel):\n"
        "    return picky_color(image, kernel)\n"
    )
    with StudentProcess(cells(source), call_timeout=LIMIT, budget=30.0) as process:
        stand_in = ("convolve", knock_on.ReferenceAnswers(IMAGE, KERNEL))
        with pytest.raises(StudentCodeError, match="did not finish within"):
            process.call("picky_color", IMAGE, KERNEL, stand_in=stand_in)
        assert list(process.hangs) == [("picky_color", True)]
        for name in ("picky_color", "calls_picky"):
            result = process.call(name, IMAGE, KERNEL)
            np.testing.assert_allclose(result.value.array, reference.convolve_color(IMAGE, KERNEL))


def test_stand_in_replaces_the_hung_function_for_its_call_and_gives_it_back():
    """In the worker: the stand-in takes the BarredFunction's place under every name during
    its call, and the BarredFunction (not the student's function) is back afterwards. The
    grader's own call of a hung function by name still reaches the student's."""
    code = inside.StudentCode()
    code.load(cells(LOOPING.replace("image.shape[0] == 48", "False")))
    original = code.namespace["convolve"]
    written = original.__code__
    code.bar(["convolve"], "hung")
    raiser = code.namespace["convolve"]
    assert isinstance(raiser, inside.BarredFunction) and code.namespace["conv"] is raiser
    answers = LocalAnswers(knock_on.ReferenceAnswers(IMAGE, KERNEL))
    header, blobs = code.call_with_stand_in("convolve_color", [IMAGE, KERNEL], "convolve", answers)
    assert header["ok"], header
    np.testing.assert_allclose(
        inside.array_from_bytes(blobs[0]), reference.convolve_color(IMAGE, KERNEL)
    )
    assert code.namespace["convolve"] is raiser and code.namespace["conv"] is raiser
    header, _ = code.call("convolve_color", [IMAGE, KERNEL])
    assert header["error"]["type"] == "TimeoutError"
    assert header["error"]["message"] == inside.bar_message("hung", "convolve")
    header, _ = code.call("convolve", [IMAGE[:, :, 0], KERNEL])
    assert header["ok"], "called by name, convolve is the student's own"
    assert list(code.as_written) == ["convolve"]
    assert code.as_written["convolve"].__code__ is written, "a copy of it as written"
    assert original.__code__ is not written, "the object itself refuses, wherever it is kept"


def assert_refused_then_judged_with_the_graders(process):
    """After convolve hung: the colour code fails at once, and passes with the grader's."""
    spent = process.spent
    with pytest.raises(StudentCodeError, match="convolve did not finish earlier in grading"):
        process.call("convolve_color", IMAGE, KERNEL)
    assert process.spent - spent < LIMIT / 2, "refused inside the worker, not stopped"
    notes = knock_on_notes(process, IMAGE, KERNEL)
    assert [note.misconception for note in notes] == [Mistake.FIX_CONVOLVE_FIRST]
    assert process.timeouts == {"convolve": 1}, "the hang cost its limit once"


@pytest.mark.parametrize("style", REFERENCE_STYLES)
def test_a_hung_convolve_is_refused_however_the_colour_code_holds_it(style):
    source = LOOPING.split("conv = convolve")[0] + REFERENCE_STYLES[style]
    with StudentProcess(cells(source), call_timeout=LIMIT, budget=30.0) as process:
        hang_convolve(process)
        assert_refused_then_judged_with_the_graders(process)


# convolve itself holding free variables: its code is swapped for one with as many.
LOOP_BODY = """
        if image.shape[0] == 48:
            while True:
                pass
        kh, kw = kernel.shape
        out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
        for r in range(out.shape[0]):
            for c in range(out.shape[1]):
                out[r, c] = scale * np.sum(image[r:r + kh, c:c + kw] * kernel)
        return out
"""
CONVOLVE_STYLES = {
    "closure from a factory": "import numpy as np\n\ndef make(scale):\n"
    "    def convolve(image, kernel):"
    + LOOP_BODY
    + "    return convolve\n\nconvolve = make(1.0)\n",
    "decorated with functools.wraps": "import functools\nimport numpy as np\n\nscale = 1.0\n\n"
    "def as_arrays(f):\n    @functools.wraps(f)\n    def wrapper(image, kernel):\n"
    "        return f(np.asarray(image), np.asarray(kernel))\n    return wrapper\n\n"
    "@as_arrays\ndef convolve(image, kernel):\n    if True:" + LOOP_BODY,
}


@pytest.mark.parametrize("written", CONVOLVE_STYLES)
def test_a_hung_convolve_with_free_variables_is_refused_and_stood_in_for(written):
    source = CONVOLVE_STYLES[written] + REFERENCE_STYLES["default argument"]
    with StudentProcess(cells(source), call_timeout=LIMIT, budget=30.0) as process:
        right = process.call("convolve", IMAGE[:, :, 0], KERNEL).value.array
        np.testing.assert_allclose(right, reference.convolve(IMAGE[:, :, 0], KERNEL))
        hang_convolve(process)
        assert_refused_then_judged_with_the_graders(process)

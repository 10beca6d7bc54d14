"""A function whose calls end the grader's process costs two fresh processes, not the rest.

Before, every check after six crashes was "not checked", so a right to_uint8 lost its points
to a convolve that called os._exit. Now a function whose calls ended the process twice is
not called again: its later checks fail at once, naming the input it last ended on, and the
student's other code that reaches it (through any reference, tests/reference_styles.py)
raises at once inside the worker. Twice, so that one kill from outside costs one check.
Real sandboxed workers.
"""

import time

import numpy as np
import pytest
from reference_styles import REFERENCE_STYLES, cells, knock_on_notes

from convgrade.checks import reference
from convgrade.checks.failures import StudentCodeError
from convgrade.contract import Mistake
from convgrade.sandbox.student_process import CRASHES_BEFORE_BAR, StudentProcess

RNG = np.random.default_rng(14)
IMAGE = RNG.integers(0, 256, size=(7, 8, 3)).astype(np.uint8)
KERNEL = np.array([[1.0, -1.0], [0.5, 2.0]])

# How a call can end the process: each ends it only on the 48-row image.
ENDINGS = {
    "os._exit": "import os\n        os._exit(3)",
    "SIGSEGV": "import faulthandler\n        faulthandler._sigsegv()",
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

def leave_a_timer(image, kernel):
    import os, threading
    threading.Timer(0.2, os._exit, args=(4,)).start()
    return convolve(image, kernel)

WEIGHTS = np.full((2, 2), 0.25)

def patient(image, kernel):
    import time
    time.sleep(0.6)
    return convolve(image, kernel)

def forge_other_name(image, kernel):
    raise RuntimeError("to_uint8 stopped the grader's process earlier in grading, so it was"
                       " not run again")

def forge_other_type(image, kernel):
    raise TimeoutError("convolve stopped the grader's process earlier in grading, so it was"
                       " not run again")
"""


def crash_convolve(process, times=CRASHES_BEFORE_BAR):
    for _ in range(times):
        with pytest.raises(StudentCodeError, match="Calling convolve stopped the grader's run"):
            process.call("convolve", np.zeros((48, 36)), KERNEL)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_crashing_convolve_is_not_called_again_and_the_rest_is_checked(ending):
    source = STUDENT.format(ending=ENDINGS[ending]) + REFERENCE_STYLES["default argument"]
    with StudentProcess(cells(source), call_timeout=5.0, budget=30.0) as process:
        right = process.call("convolve", IMAGE[:, :, 0], KERNEL)
        np.testing.assert_allclose(right.value.array, reference.convolve(IMAGE[:, :, 0], KERNEL))
        crash_convolve(process, 1)
        # The worker had served a call, so the blame is checked: the same call again,
        # first in a fresh worker, ends that one too.
        assert process.starts == 2 and len(process.crashed_calls[("convolve", False)]) == 1
        # Once could be a kill from outside: it is called again, in a fresh process.
        np.testing.assert_allclose(
            process.call("convolve", IMAGE[:, :, 1], KERNEL).value.array,
            reference.convolve(IMAGE[:, :, 1], KERNEL),
        )
        crash_convolve(process, 1)
        assert process.starts == 4
        with pytest.raises(StudentCodeError) as again:
            process.call("convolve", IMAGE[:, :, 1], KERNEL)
        assert again.value.message.startswith(
            "convolve was not called again: earlier, calling convolve stopped the grader's run "
            "of your code 2 times, last on a 48×36 image with a 2×2 kernel ("
        )
        with pytest.raises(StudentCodeError) as through:
            process.call("convolve_color", IMAGE, KERNEL)
        assert through.value.message.startswith(
            "convolve_color raised RuntimeError: convolve stopped the grader's process "
            "earlier in grading, so it was not run again (your code, line "
        )
        notes = knock_on_notes(process, IMAGE, KERNEL)
        assert [note.misconception for note in notes] == [Mistake.FIX_CONVOLVE_FIRST]
        values = np.array([[-3.2, 7.5], [255.4, 300.0]])
        np.testing.assert_array_equal(
            process.call("to_uint8", values).value.array, [[0, 8], [255, 255]]
        )
        assert process.starts == 5, "a fresh process after the last crash, none after that"
        assert len(process.crashes) == 2 and process.crashes[0].startswith("convolve: ")
        assert again.value.ended_process and through.value.ended_process


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


@pytest.mark.parametrize("pause", [1.0, 0.0], ids=["ended before the next call", "during it"])
def test_what_a_call_leaves_behind_is_blamed_on_that_call(pause):
    """A timer left by one call ends the process after the call returned, before the next
    call or while it runs: the next call, of another function, runs again in a fresh
    process and is neither failed nor barred; the call that left the timer is blamed, and
    barred the second time."""
    source = STUDENT.format(ending=ENDINGS["os._exit"])
    channel = IMAGE[:, :, 0]
    with StudentProcess(cells(source), call_timeout=5.0, budget=30.0) as process:
        for _ in range(CRASHES_BEFORE_BAR):
            process.call("leave_a_timer", channel, KERNEL)
            time.sleep(pause)
            result = process.call("patient", channel, KERNEL).value.array
            np.testing.assert_allclose(result, reference.convolve(channel, KERNEL))
        with pytest.raises(StudentCodeError, match="leave_a_timer was not called again"):
            process.call("leave_a_timer", channel, KERNEL)
        assert list(process.crashed_calls) == [("leave_a_timer", False)]
        assert (
            process.crashes
            == ["leave_a_timer: something it left behind ended the process later"]
            * CRASHES_BEFORE_BAR
        )


def test_reading_a_value_after_a_left_timer_blames_the_call_that_left_it():
    with StudentProcess(cells(STUDENT.format(ending=ENDINGS["os._exit"]))) as process:
        process.call("leave_a_timer", IMAGE[:, :, 0], KERNEL)
        time.sleep(1.0)
        np.testing.assert_array_equal(process.get("WEIGHTS").array, np.full((2, 2), 0.25))
        assert list(process.crashed_calls) == [("leave_a_timer", False)]


def test_the_knock_on_note_says_where_the_crash_is():
    """convolve_color ends the process with the student's convolve and is right with the
    grader's: the check counts as passed, and the note puts the crash in convolve."""
    source = (
        STUDENT.format(ending=ENDINGS["os._exit"]).replace(
            "image.shape[0] == 48", "image.shape[0] == 7"
        )
        + REFERENCE_STYLES["default argument"]
    )
    with StudentProcess(cells(source), call_timeout=5.0, budget=30.0) as process:
        [note] = knock_on_notes(process, IMAGE, KERNEL)
    assert note.misconception is Mistake.FIX_CONVOLVE_FIRST
    assert "counts as passed" in note.message
    assert "what ends it is in your convolve" in note.message
    assert "not called again" not in note.message


def test_a_wrong_result_after_a_crash_is_not_called_a_crash():
    """The note names a crash only when this check's own call ended the process."""
    doubled = STUDENT.format(ending=ENDINGS["os._exit"]).replace(
        "out[r, c] = np.sum(", "out[r, c] = 2 * np.sum("
    )
    with StudentProcess(cells(doubled + REFERENCE_STYLES["default argument"])) as process:
        crash_convolve(process, 1)
        [note] = knock_on_notes(process, IMAGE, KERNEL)
    assert "With your convolve it fails" in note.message
    assert "stopped the grader's run" not in note.message


LEAKS = {
    # A reply header whose blob size is a number made of the input's bytes.
    "reply size": """
def convolve(image, kernel):
    import json, os, struct, sys
    frame = sys._getframe()
    while "replies" not in frame.f_locals:
        frame = frame.f_back
    size = int.from_bytes(image.tobytes()[:24], "big")
    header = json.dumps({"ok": True, "blobs": [size]}).encode()
    frame.f_locals["replies"].write(struct.pack(">Q", len(header)) + header)
    frame.f_locals["replies"].flush()
    os._exit(0)
""",
    # The input printed to the process's own stderr, then an exit.
    "stderr": """
def convolve(image, kernel):
    import os
    os.write(2, image.tobytes().hex().encode() + b"\\n")
    os._exit(1)
""",
}


@pytest.mark.parametrize("leak", LEAKS)
def test_crash_messages_repeat_nothing_the_students_code_chose(leak):
    image = np.arange(101, 149, dtype=np.uint8).reshape(6, 8)
    secrets = [str(int.from_bytes(image.tobytes()[:24], "big"))[:12], image.tobytes().hex()[:12]]
    messages = []
    with StudentProcess(cells("import numpy as np\n" + LEAKS[leak])) as process:
        for _ in range(CRASHES_BEFORE_BAR + 1):
            with pytest.raises(StudentCodeError) as raised:
                process.call("convolve", image, KERNEL)
            messages.append(raised.value.message)
        messages += process.crashes
    assert messages[-1 - len(process.crashes)].startswith("convolve was not called again")
    for message in messages:
        assert not any(secret in message for secret in secrets), message


def test_a_first_load_killed_from_outside_is_loaded_once_more(monkeypatch):
    """The host's out-of-memory killer may pick a healthy student's process while it loads
    the cells: that looks like code that ended its own process, so a first load is tried
    once more in a fresh process, and the student is graded as usual."""
    from convgrade.sandbox import student_process

    real_request = StudentProcess._request
    kills = []

    def killed_once(self, header, *args, **kwargs):
        if header.get("op") == "load" and not kills:
            kills.append(self._worker)
            self._kill()  # the worker really ends, as a kill from outside ends it
            raise student_process.WorkerFailed("it was killed (out of memory or CPU time?)")
        return real_request(self, header, *args, **kwargs)

    monkeypatch.setattr(StudentProcess, "_request", killed_once)
    with StudentProcess(cells(STUDENT.format(ending="pass")), call_timeout=5.0) as process:
        assert process.load_failure is None and process.starts == 2 and len(kills) == 1
        assert process.crashes == [
            "loading your code again: it was killed (out of memory or CPU time?)"
        ]
        result = process.call("convolve", IMAGE[:, :, 0], KERNEL)
        np.testing.assert_allclose(result.value.array, reference.convolve(IMAGE[:, :, 0], KERNEL))


def test_cells_that_end_their_own_process_as_they_load_cost_two_loads_not_more():
    source = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n" + STUDENT.format(
        ending="pass"
    )
    with StudentProcess(cells(source), call_timeout=5.0) as process:
        assert process.starts == 2
        assert process.load_failure.startswith("running your notebook's code stopped")

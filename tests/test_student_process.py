"""Does the sandboxed worker run student code safely and report problems clearly?"""

import numpy as np
import pytest

from convgrade.checks.failures import StudentCodeError
from convgrade.sandbox.student_process import StudentProcess

CODE = """
import numpy as np
def double(image):
    return image * 2.0
def as_list(image):
    return image.tolist()
def nothing(image):
    pass
def scribble(image):
    image[...] = 0
    return image
def loop_forever(image):
    while True:
        pass
def exit_hard(image):
    import os
    os._exit(7)
def boom(image):
    return 1 / 0
def noisy(image):
    import sys, warnings
    print("debug", file=sys.stderr)
    warnings.warn("careful")
    return image + 1.0
def look_around(image):
    import os
    visible = [name for name in os.listdir("@ROOT@") if name != ".venv"]
    return [float(os.path.exists("/etc/passwd")), float(len(visible)),
            float(os.path.exists("@ROOT@/gradebook.db"))]
def use_scipy(image):
    import scipy.signal
    return image
def use_np_convolve(image):
    return np.convolve(image.ravel(), [1.0])
"""


@pytest.fixture(scope="module")
def worker(request):
    from support import REPO

    cells = [
        {
            "index": 0,
            "source": CODE.replace("@ROOT@", str(REPO)),
            "answer": True,
            "label": "your test cell",
        }
    ]
    process = StudentProcess(cells, call_timeout=2.0).start()
    request.addfinalizer(process.close)
    return process


def test_values_come_back_as_plain_arrays(worker):
    image = np.arange(6.0).reshape(2, 3)
    result = worker.call("double", image)
    assert result.value.is_ndarray and result.value.array.tolist() == (image * 2).tolist()


def test_a_list_is_reported_as_a_list(worker):
    result = worker.call("as_list", np.ones((2, 2)))
    assert result.value.type_name == "list" and result.value.array.shape == (2, 2)


def test_none_is_reported(worker):
    result = worker.call("nothing", np.ones(2))
    assert result.value.type_name == "NoneType" and result.value.array is None


def test_modified_arguments_come_back(worker):
    image = np.ones((2, 2))
    result = worker.call("scribble", image)
    assert image.tolist() == [[1, 1], [1, 1]], "the grader's own array must stay untouched"
    assert result.args_after[0].tolist() == [[0, 0], [0, 0]]


def test_exceptions_name_the_line(worker):
    with pytest.raises(StudentCodeError, match=r"ZeroDivisionError.*your test cell, line \d+"):
        worker.call("boom", np.ones(1))


def test_missing_function(worker):
    with pytest.raises(StudentCodeError, match="not defined"):
        worker.call("convolve", np.ones(1))


def test_stderr_and_warnings_do_not_matter(worker):
    assert worker.call("noisy", np.zeros(2)).value.array.tolist() == [1.0, 1.0]


def test_sandbox_hides_the_course(worker):
    """Can student code see system files but nothing of the course but its Python environment?"""
    assert worker.call("look_around", np.zeros(1)).value.array.tolist() == [1.0, 0.0, 0.0]


def test_forbidden_libraries_are_blocked_at_run_time(worker):
    with pytest.raises(StudentCodeError, match="not allowed"):
        worker.call("use_np_convolve", np.ones(3))
    with pytest.raises(StudentCodeError, match="ImportError|ModuleNotFoundError"):
        worker.call("use_scipy", np.ones(3))


def test_a_hang_is_stopped_and_the_worker_restarts(worker):
    with pytest.raises(
        StudentCodeError, match="did not finish within (2 s of CPU|6 s of wall-clock) time"
    ):
        worker.call("loop_forever", np.ones(1))
    assert worker.call("double", np.ones(1)).value.array.tolist() == [2.0]


def test_a_hard_exit_costs_only_that_call(worker):
    with pytest.raises(StudentCodeError, match="exited with code 7"):
        worker.call("exit_hard", np.ones(1))
    assert worker.call("double", np.ones(1)).value.array.tolist() == [2.0]


def test_load_errors_are_reported_and_later_statements_still_run():
    cells = [
        {
            "index": 4,
            "label": "your convolve cell",
            "answer": True,
            "source": "undefined_name\ndef convolve(image, kernel):\n    return image\n",
        }
    ]
    with StudentProcess(cells) as process:
        assert process.load_errors[0]["type"] == "NameError"
        assert process.call("convolve", np.ones(2), np.ones(1)).value.array.tolist() == [1, 1]

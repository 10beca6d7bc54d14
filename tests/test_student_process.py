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


WIRE_ARRAYS = [
    np.arange(48 * 36, dtype=np.float64).reshape(48, 36),
    np.zeros((36, 48, 3), dtype=np.uint8),
    np.array(2.5),
    np.array([True, False]),
    np.ones((0, 3), dtype=np.int16),
    np.arange(6, dtype=">i4").reshape(3, 2),
    np.array([1 + 2j, 3j], dtype=np.complex128),
    np.array([-1, 7], dtype=np.int64),
    np.ones(5, dtype=np.float32),
    np.array(["not", "numbers"]),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
]


@pytest.mark.parametrize("array", WIRE_ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_cross_the_wire_as_np_load_reads_them(array, monkeypatch):
    import io

    from convgrade.sandbox import inside

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    read_slowly, slow = inside._read_npy, []
    monkeypatch.setattr(inside, "_read_npy", lambda blob: slow.append(1) or read_slowly(blob))
    for blob in (inside.array_to_bytes(array), buffer.getvalue()):
        expected = np.load(io.BytesIO(blob), allow_pickle=False)
        read = inside.array_from_bytes(blob)
        assert read.dtype == expected.dtype and read.shape == expected.shape
        np.testing.assert_array_equal(read, expected)
        assert read.flags.writeable
    # Numbers in C order skip numpy's slow header parse: array_to_bytes always sends C
    # order, while np.save keeps a Fortran-ordered array's order.
    numbers = array.dtype.kind in "biufc"
    assert len(slow) == (not numbers) + (not numbers or np.isfortran(array))


@pytest.mark.parametrize(
    "header",
    [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (10000000, 10000000), }",
        "{'descr': '<f8', 'fortran_order': True, 'shape': (10000000, 10000000), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (10**30,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000000000000000000,), }",
        "{'descr': '|V2147483647', 'fortran_order': False, 'shape': (100000000,), }",
        "{'descr': [('a', '<f8', (100000, 100000))], 'fortran_order': False, 'shape': (1,), }",
        "{'descr': "
        + "[" * 200
        + "'<f8'"
        + "]" * 200
        + ", 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
    ],
)
def test_crafted_headers_are_a_value_error_not_a_grader_error(header):
    """np.load allocates what the header says (728 TiB: MemoryError), or raises
    OverflowError or RecursionError: a student could make the grader itself fail and plant
    "your instructor has been told" at will (red team). The size is checked first."""
    from convgrade.sandbox import inside

    for blob in (_npy(header, b""), b"PK\x03\x04" + b"\0" * 40):
        with pytest.raises(ValueError):
            inside.array_from_bytes(blob)


def _npy(header, payload):
    header = header.ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


@pytest.mark.parametrize(
    "blob",
    [
        # the header promises more data than follows
        _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", b"\0" * 8),
        # more data than promised
        _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 80),
        # an object array: a pickle, which must never be loaded
        _npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\x80\x04N."),
        # not a .npy at all
        b"\x80\x04\x95 not numpy",
        # no such type
        _npy("{'descr': '<i3', 'fortran_order': False, 'shape': (2,), }", b"\0" * 6),
        # more elements than memory can hold, and an empty array of an impossible shape
        _npy("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,), }", b""),
        _npy("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 99999999999999999999), }", b""),
        # a header that is not a plain literal
        _npy("{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (), }", b""),
    ],
    ids=["short", "long", "pickle", "not-npy", "no-such-type", "huge", "empty-huge", "expression"],
)
def test_odd_array_bytes_are_refused(blob):
    """Bytes np.save would never write are a ValueError, which the grader takes as malformed
    data from student code, whatever np.load would have done with them (read the first
    element of a longer payload, raise MemoryError, unpickle)."""
    from convgrade.sandbox import inside

    with pytest.raises(ValueError):
        inside.array_from_bytes(blob)

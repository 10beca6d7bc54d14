"""Is the hidden suite sound: does it pass the reference and cover every graded cell?"""

import importlib.util

import nbformat
import numpy as np
import pytest
from support import HIDDEN, SOURCE, hidden_cases

from convgrade.checks import misconceptions, reference, runner
from convgrade.checks.compare import describe_difference, difference, values_match
from convgrade.checks.failures import CheckFailure
from convgrade.checks.submission import Submission
from convgrade.contract import Mistake
from convgrade.sandbox.student_process import Returned

cases = hidden_cases().cases


@pytest.fixture(scope="module")
def reference_groups():
    with Submission.reference() as submission:
        return runner.run_hidden_checks(submission)


def test_reference_passes_every_check(reference_groups):
    failures = [
        (r.name, r.message, r.grader_error) for g in reference_groups.values() for r in g.failures
    ]
    assert failures == []


def test_every_graded_cell_has_checks_and_every_check_a_cell(reference_groups):
    assert set(reference_groups) == set(runner.group_points())


def test_instructor_solution_passes_every_check():
    with Submission.from_notebook(SOURCE / "convolutions.ipynb", files_dir=SOURCE) as submission:
        groups = runner.run_hidden_checks(submission)
    assert all(not group.failures for group in groups.values())


def test_suite_can_run_twice_in_one_process(reference_groups):
    """The grader runs the suite once per student in a long-lived process."""
    with Submission.reference() as submission:
        again = runner.run_hidden_checks(submission)
    assert {k: g.passed for k, g in again.items()} == {
        k: g.passed for k, g in reference_groups.items()
    }


@pytest.mark.parametrize("case", cases("asym"), ids=repr)
def test_asymmetric_cases_tell_flips_apart(case):
    """Each asymmetric kernel must differ from its flips and transpose, or the check is blind."""
    right = reference.convolve(case.image, case.kernel)
    for name, wrong in misconceptions.convolve_variants(case.image, case.kernel):
        if name in {
            Mistake.FLIPPED_KERNEL,
            Mistake.TRANSPOSED_KERNEL,
            Mistake.KERNEL_FLIPPED_UPSIDE_DOWN,
            Mistake.KERNEL_FLIPPED_LEFT_TO_RIGHT,
        }:
            assert not np.allclose(wrong(), right), name


def hidden_kernel_check():
    """tests/hidden/test_kernels.py's check, loaded without putting tests/hidden on sys.path."""
    spec = importlib.util.spec_from_file_location("hidden_kernels", HIDDEN / "test_kernels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.test_kernel_constant


class Constants:
    """A student's notebook as the kernel check sees it: names holding arrays."""

    def __init__(self, **arrays):
        self.arrays = arrays

    def get(self, name):
        return Returned(type_name="ndarray", array=np.asarray(self.arrays[name]))


FLOAT_DTYPES = [np.float64, np.float32, np.float16, np.longdouble]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(reference.KERNELS))
def test_kernel_check_accepts_the_lesson_values_in_any_float_dtype(name, dtype):
    """The notebook asks for float arrays and its own check passes these: 1/9 rounded to
    float32 (off by 7e-9 relative) or float16 (2e-4) is still the lesson's 1/9."""
    check = hidden_kernel_check()
    written = {
        "EDGE_DETECTION": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=dtype),
        "SHARPEN": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=dtype),
        "BOX_BLUR": np.full((3, 3), 1 / 9, dtype=dtype),
        "BOX_BLUR computed": np.ones((3, 3), dtype=dtype) / dtype(9),
    }
    check(Constants(**written), name)
    if name == "BOX_BLUR":
        check(Constants(BOX_BLUR=written["BOX_BLUR computed"]), name)


WRONG_KERNELS = {
    "eighths": (
        "BOX_BLUR",
        np.full((3, 3), 1 / 8),
        "9 of 9 values are wrong (largest error 0.01389). "
        "First wrong value at (0, 0): expected 0.111111, got 0.125.",
    ),
    "not normalised": (
        "BOX_BLUR",
        np.ones((3, 3)),
        "First wrong value at (0, 0): expected 0.111111, got 1.",
    ),
    "one over ten": (
        "BOX_BLUR",
        np.full((3, 3), 0.1),
        "First wrong value at (0, 0): expected 0.111111, got 0.1.",
    ),
    "signs swapped": (
        "EDGE_DETECTION",
        -reference.EDGE_DETECTION,
        "9 of 9 values are wrong (largest error 16). "
        "First wrong value at (0, 0): expected -1, got 1.",
    ),
    "corners filled": (
        "SHARPEN",
        np.array([[-1, -1, -1], [-1, 5, -1], [-1, -1, -1]]),
        "4 of 9 values are wrong (largest error 1). "
        "First wrong value at (0, 0): expected 0, got -1.",
    ),
    "centre off by one": (
        "SHARPEN",
        np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]),
        "First wrong value at (1, 1): expected 5, got 4.",
    ),
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("wrong", sorted(WRONG_KERNELS))
def test_kernel_check_fails_wrong_values_in_any_float_dtype_naming_the_first(wrong, dtype):
    name, array, says = WRONG_KERNELS[wrong]
    check = hidden_kernel_check()
    with pytest.raises(CheckFailure) as failure:
        check(Constants(**{name: array.astype(dtype)}), name)
    message = str(failure.value)
    assert message.startswith(f"{name}: ") and "values are wrong" in message
    if dtype in (np.float64, np.longdouble, np.float32):
        assert message.endswith(says), message
    else:  # float16 shows its own rounding of what was written: 0.1 is 0.0999756
        assert says.split(" got ")[0] in message, message


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_kernels_in_a_smaller_float_dtype_get_the_kernel_points(dtype):
    """The instructor's notebook with its kernels written in `dtype`, graded as a student's."""
    notebook = nbformat.read(SOURCE / "convolutions.ipynb", as_version=4)
    (cell,) = [cell for cell in notebook.cells if cell.get("id") == "cell-kernels"]
    cell.source = "\n".join(
        [
            f"FLOAT = np.{dtype.__name__}",
            "EDGE_DETECTION = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=FLOAT)",
            "SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=FLOAT)",
            "BOX_BLUR = np.full((3, 3), 1 / 9, dtype=FLOAT)",
        ]
    )
    with Submission.from_notebook(notebook, files_dir=SOURCE, call_timeout=5.0) as submission:
        groups = runner.run_hidden_checks(submission)
    kernels = groups["check_kernels"]
    assert kernels.results and not kernels.failures
    assert [r.grader_error for g in groups.values() for r in g.results if r.grader_error] == []


def test_describe_difference_never_raises_when_nothing_is_wrong_by_its_measure():
    """A caller stricter than the grader's tolerance (np.array_equal, or the kernel check
    before it judged float32 by its own precision) still gets a true sentence."""
    box = reference.BOX_BLUR
    assert describe_difference(box.astype(np.float32), box) == (
        "9 of 9 values differ, but only slightly (largest difference 8.278e-10, first at (0, 0))."
    )
    assert describe_difference(box.copy(), box) == "all 9 values equal the expected ones."
    assert describe_difference(np.full((3, 3), np.nan), np.full((3, 3), np.nan)) == (
        "all 9 values equal the expected ones."
    )
    assert describe_difference(np.zeros((0, 3)), np.zeros((0, 3))) == (
        "all 0 values equal the expected ones."
    )
    assert describe_difference(np.ones((2, 3)), box) == "shape (2, 3); expected (3, 3)."
    # Rounding to float16 is below the kernel check's tolerance, not the grader's default.
    half = box.astype(np.float16)
    assert "values are wrong" in describe_difference(half, box)
    assert "only slightly" in describe_difference(half, box, own_precision=True)


@pytest.mark.parametrize("own_precision", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_the_check_and_its_message_agree_on_what_differs(dtype, own_precision):
    """values_match and describe_difference share one tolerance: near its edge, every
    mismatch is described by a wrong value and every match gives no message at all."""
    rng = np.random.default_rng(3)
    expected = rng.normal(size=(40, 50)) * 100
    for scale in np.geomspace(1e-12, 1e-1, 23):
        actual = (expected * (1 + scale * rng.normal(size=expected.shape))).astype(dtype)
        matches = values_match(actual, expected, own_precision=own_precision)
        message = difference(actual, expected, own_precision=own_precision)
        assert (message is None) == matches
        if not matches:
            assert "values are wrong" in message

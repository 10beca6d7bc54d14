"""Named mistakes: each known-wrong convention is reproduced by code written that way, named,
never named for a right answer, and every name that fits one output is said."""

import numpy as np
import pytest
from support import hidden_cases as hidden_cases_module

from convgrade.checks import cell_report, expect, knock_on, misconceptions, reference, runner
from convgrade.checks.compare import values_match
from convgrade.checks.failures import CheckFailure, also_fits
from convgrade.contract import CheckRecord, Mistake

GROUPS = ("shape", "small", "nonsquare", "asym", "size", "uint8", "dtype")


def grading_cases(one_per_group=False):
    """The convolve cases grading uses (tests/hidden/data), or the first of each group."""
    cases = hidden_cases_module().cases
    return [case for group in GROUPS for case in cases(group)[: 1 if one_per_group else None]]


RNG = np.random.default_rng(12)
# A non-square image and an asymmetric non-square kernel: no flip, transpose or padding
# coincides with another on these, so each student-style function below has one name.
IMAGE = RNG.integers(0, 10, size=(9, 11)).astype(float)
KERNEL = np.array([[1.0, -2.0, 0.5, 3.0], [2.0, 0.0, -1.0, 1.5], [-3.0, 1.0, 4.0, -0.5]])
SQUARE_KERNEL = np.array([[1.0, -2.0, 0.5], [2.0, 0.0, -1.0], [-3.0, 1.0, 4.0]])


def padded_loops(mode, placement="centred"):
    def convolve(image, kernel):
        kh, kw = kernel.shape
        top, left = ((kh - 1) // 2, (kw - 1) // 2) if placement == "centred" else (0, 0)
        widths = ((top, kh - 1 - top), (left, kw - 1 - left))
        padded = np.pad(image.astype(float), widths, mode=mode)
        out = np.zeros(image.shape)
        for r in range(image.shape[0]):
            for c in range(image.shape[1]):
                out[r, c] = np.sum(padded[r : r + kh, c : c + kw] * kernel)
        return out

    return convolve


def circular_indices(image, kernel):
    """Wraps around with modulo indices instead of np.pad."""
    kh, kw = kernel.shape
    height, width = image.shape
    return np.array(
        [
            [
                sum(
                    image[(r + i - kh // 2) % height, (c + j - kw // 2) % width] * kernel[i, j]
                    for i in range(kh)
                    for j in range(kw)
                )
                for c in range(width)
            ]
            for r in range(height)
        ]
    )


def total_set_once(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    total = 0.0
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            for i in range(kh):
                for j in range(kw):
                    total += image[r + i, c + j] * kernel[i, j]
            out[r, c] = total
    return out


def total_reset_per_row(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    r = 0
    while r < out.shape[0]:
        total = 0.0
        c = 0
        while c < out.shape[1]:
            total += np.sum(image[r : r + kh, c : c + kw] * kernel)
            out[r, c] = total
            c += 1
        r += 1
    return out


def kernel_loops_one_short(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = sum(
                image[r + i, c + j] * kernel[i, j] for i in range(kh - 1) for j in range(kw)
            )
    return out


def neighbourhood_minus_one_to_one(image, kernel):
    """Centred-window code for a 3 x 3 kernel with range(-1, 1): a 2 x 2 window."""
    out = np.zeros((image.shape[0] - 2, image.shape[1] - 2))
    for y in range(1, image.shape[0] - 1):
        for x in range(1, image.shape[1] - 1):
            out[y - 1, x - 1] = sum(
                image[y + dy, x + dx] * kernel[dy + 1, dx + 1]
                for dy in range(-1, 1)
                for dx in range(-1, 1)
            )
    return out


def height_for_both_loops(image, kernel):
    kh, kw = kernel.shape
    size = image.shape[0]
    out = np.zeros((size - kh + 1, size - kw + 1))
    for r in range(size - kh + 1):
        for c in range(size - kw + 1):
            out[r, c] = np.sum(image[r : r + kh, c : c + kw] * kernel)
    return out


def patch_transposed(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r : r + kh, c : c + kw].T * kernel)
    return out


def square_kernel_loops(image, kernel):
    """k = len(kernel[0]) used for both kernel loops (the kernel is wider than tall here)."""
    k = min(kernel.shape)
    out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = sum(image[r + i, c + j] * kernel[i, j] for i in range(k) for j in range(k))
    return out


STUDENT_CODE = [
    (padded_loops("constant"), KERNEL, Mistake.ZERO_PADDED_SAME_SIZE),
    (padded_loops("constant", "top-left"), KERNEL, Mistake.ZERO_PADDED_SAME_SIZE),
    (padded_loops("edge"), KERNEL, Mistake.EDGE_PADDED_SAME_SIZE),
    (padded_loops("edge", "top-left"), KERNEL, Mistake.EDGE_PADDED_SAME_SIZE),
    (padded_loops("reflect"), KERNEL, Mistake.REFLECT_PADDED_SAME_SIZE),
    (padded_loops("symmetric"), KERNEL, Mistake.REFLECT_PADDED_SAME_SIZE),
    (padded_loops("wrap"), KERNEL, Mistake.WRAP_PADDED_SAME_SIZE),
    (padded_loops("wrap", "top-left"), KERNEL, Mistake.WRAP_PADDED_SAME_SIZE),
    (circular_indices, SQUARE_KERNEL, Mistake.WRAP_PADDED_SAME_SIZE),
    (total_set_once, KERNEL, Mistake.RUNNING_TOTAL_NOT_RESET),
    (total_reset_per_row, KERNEL, Mistake.RUNNING_TOTAL_NOT_RESET),
    (kernel_loops_one_short, KERNEL, Mistake.KERNEL_LOOP_ONE_SHORT),
    (neighbourhood_minus_one_to_one, SQUARE_KERNEL, Mistake.KERNEL_LOOP_ONE_SHORT),
    (height_for_both_loops, KERNEL, Mistake.IMAGE_ASSUMED_SQUARE),
    # 2 x 4: on the 3 x 4 KERNEL a square corner is also the 3 x 3 assumption.
    (square_kernel_loops, KERNEL[:2], Mistake.KERNEL_ASSUMED_SQUARE),
]


@pytest.mark.parametrize(
    "student, kernel, mistake", STUDENT_CODE, ids=[m.value for _, _, m in STUDENT_CODE]
)
def test_code_written_with_the_convention_is_named(student, kernel, mistake):
    assert misconceptions.diagnose_convolve_all(student(IMAGE, kernel), IMAGE, kernel) == [mistake]


def test_a_transposed_patch_is_named_with_the_transposed_kernel_it_always_equals():
    result = patch_transposed(IMAGE, SQUARE_KERNEL)
    names = misconceptions.diagnose_convolve_all(result, IMAGE, SQUARE_KERNEL)
    assert names == [Mistake.TRANSPOSED_KERNEL, Mistake.PATCH_TRANSPOSED]
    with pytest.raises(CheckFailure) as failure:
        expect.expect_convolution(_Returned(result), IMAGE, SQUARE_KERNEL, "convolve")
    assert failure.value.misconception is Mistake.TRANSPOSED_KERNEL
    assert failure.value.also == (Mistake.PATCH_TRANSPOSED,)
    # The message is what the record keeps and the feedback shows: it names both.
    assert "also fits: patch transposed" in failure.value.message


def test_a_flip_that_equals_a_transpose_on_this_kernel_names_both():
    kernel = np.array([[1.0, 2.0], [3.0, 1.0]])  # kernel[::-1, ::-1] == kernel.T
    flipped = reference.convolve(IMAGE, kernel[::-1, ::-1])
    names = misconceptions.diagnose_convolve_all(flipped, IMAGE, kernel)
    assert names[:3] == [
        Mistake.FLIPPED_KERNEL,
        Mistake.TRANSPOSED_KERNEL,
        Mistake.PATCH_TRANSPOSED,
    ]


def test_a_truncation_is_not_also_called_a_wrap_around_or_a_clip():
    image = RNG.integers(0, 50, size=(8, 8))
    kernel = np.full((3, 3), 1 / 9)
    truncated = np.trunc(reference.convolve(image, kernel))
    assert misconceptions.diagnose_convolve_all(truncated, image, kernel) == [
        Mistake.TRUNCATED_TO_INTEGERS
    ]


def test_padding_is_told_apart_on_a_photo_sized_image():
    """Zero and edge padding differ only in the border: no near-match slack may join them."""
    image = RNG.integers(0, 256, size=(128, 128)).astype(np.uint8)  # border: 3% of pixels
    # Integer weights give integer sums, which the rounding mistakes' slack would accept.
    kernel = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])
    zero = padded_loops("constant")(image, kernel)
    assert misconceptions.diagnose_convolve_all(zero, image, kernel) == [
        Mistake.ZERO_PADDED_SAME_SIZE
    ]


@pytest.mark.parametrize("case", grading_cases(), ids=repr)
def test_a_right_answer_or_nothing_is_never_named(case):
    right = reference.convolve(case.image, case.kernel)
    assert misconceptions.diagnose_convolve_all(right, case.image, case.kernel) == []
    assert misconceptions.diagnose_convolve_all(right + 1e-9, case.image, case.kernel) == []
    assert misconceptions.diagnose_convolve_all(np.zeros_like(right), case.image, case.kernel) == []


@pytest.mark.parametrize("case", grading_cases(one_per_group=True), ids=repr)
def test_every_variant_is_named_on_the_hidden_inputs(case):
    """On the inputs grading uses, each mistake's output gets its own name (maybe with
    others that give the very same output), or it is the right answer or all zero."""
    right = reference.convolve(case.image, case.kernel)
    for name, wrong in misconceptions.convolve_variants(case.image, case.kernel):
        candidate = wrong()
        if not candidate.any() or values_match(candidate, right):
            continue
        names = misconceptions.diagnose_convolve_all(candidate, case.image, case.kernel)
        if (
            name in misconceptions.ROUNDING_MISTAKES
            and names[0] in misconceptions.ROUNDING_MISTAKES
        ):
            continue  # a wrap-around within 0..255 is the plain truncation or rounding
        assert name in names, (name, names)
        for other in names:
            if other is not name:
                assert misconceptions.diagnose_convolve_all(
                    _variant_output(other, case, candidate), case.image, case.kernel
                ), other


def _variant_output(name, case, like):
    """An output of the variant `name` equal to `like`: the coincidence is real."""
    for other, wrong in misconceptions.convolve_variants(case.image, case.kernel):
        candidate = wrong()
        if other is name and candidate.shape == like.shape and values_match(candidate, like):
            return candidate
    raise AssertionError(f"{name} was named but none of its outputs equals this one")


def test_shapes_of_an_image_assumed_square_are_named():
    assert misconceptions.diagnose_convolve_shape_all((8, 5), (9, 11), (2, 5)) == [
        Mistake.IMAGE_ASSUMED_SQUARE
    ]
    assert misconceptions.diagnose_convolve_shape_all((8, 10), (9, 11), (2, 2)) == []


class _Returned:
    """What expect_convolution reads from a student's call: the returned array."""

    def __init__(self, array):
        self.array = array


def broadcast(first, second):
    return f"operands could not be broadcast together with shapes {first} {second}"


M = Mistake
# (numpy's two shapes, in the code's order; the call's kernel shape; the names, likeliest first)
BROADCASTS = [
    # image[r:r + kh, c:c + kh] * kernel on a 2 x 5 kernel
    ("(2,2)", "(2,5)", (2, 5), [M.KERNEL_ASSUMED_SQUARE]),
    # image[r:r + kw, c:c + kh] * kernel on a 2 x 3 kernel, or patch.T * kernel
    (
        "(3,2)",
        "(2,3)",
        (2, 3),
        [M.KERNEL_ROWS_COLUMNS_SWAPPED, M.PATCH_TRANSPOSED, M.TRANSPOSED_KERNEL],
    ),
    # patch * kernel.T: the window is right, the kernel is transposed
    (
        "(2,3)",
        "(3,2)",
        (2, 3),
        [M.TRANSPOSED_KERNEL, M.KERNEL_ROWS_COLUMNS_SWAPPED, M.PATCH_TRANSPOSED],
    ),
    # image[y - 1:y + 2, x - 2:x + 3] around a centre, on a 2 x 5 kernel; or one row
    # too many, image[r:r + kh + 1, c:c + kw]
    ("(3,5)", "(2,5)", (2, 5), [M.KERNEL_ASSUMED_ODD, M.WINDOW_ONE_TOO_LARGE]),
    # a 3 x 2 kernel: a square window and an odd-centred one are both 3 x 3
    (
        "(3,3)",
        "(3,2)",
        (3, 2),
        [
            M.KERNEL_ASSUMED_3X3,
            M.KERNEL_ASSUMED_SQUARE,
            M.KERNEL_ASSUMED_ODD,
            M.WINDOW_ONE_TOO_LARGE,
        ],
    ),
    # image[r:r + 3, c:c + 3] * kernel on a 2 x 2 kernel: also what odd-centring gives,
    # and a slice one too large
    (
        "(3,3)",
        "(2,2)",
        (2, 2),
        [M.KERNEL_ASSUMED_3X3, M.KERNEL_ASSUMED_ODD, M.WINDOW_ONE_TOO_LARGE],
    ),
    # on a 4 x 4 kernel a 3 x 3 window is also one short, as loops past the edge cut it
    (
        "(3,3)",
        "(4,4)",
        (4, 4),
        [M.KERNEL_ASSUMED_3X3, M.WINDOW_ONE_TOO_SMALL, M.LOOPS_PAST_THE_EDGE],
    ),
    # image[r:r + kh + 1, c:c + kw + 1] on an odd kernel: nothing else gives this window
    ("(4,4)", "(3,3)", (3, 3), [M.WINDOW_ONE_TOO_LARGE]),
    ("(4,3)", "(3,3)", (3, 3), [M.WINDOW_ONE_TOO_LARGE]),
    ("(3,6)", "(2,5)", (2, 5), [M.WINDOW_ONE_TOO_LARGE]),
    # written kernel * window: the same names, whichever operand numpy lists first
    ("(3,3)", "(4,4)", (3, 3), [M.WINDOW_ONE_TOO_LARGE]),
    ("(2,5)", "(3,5)", (2, 5), [M.KERNEL_ASSUMED_ODD, M.WINDOW_ONE_TOO_LARGE]),
    ("(3,3)", "(2,2)", (3, 3), [M.WINDOW_ONE_TOO_SMALL, M.LOOPS_PAST_THE_EDGE]),
    # one short in one direction: a loop past the edge cuts the first window so
    ("(2,3)", "(3,3)", (3, 3), [M.LOOPS_PAST_THE_EDGE, M.WINDOW_ONE_TOO_SMALL]),
    ("(3,3)", "(3,2)", (3, 3), [M.LOOPS_PAST_THE_EDGE, M.WINDOW_ONE_TOO_SMALL]),
    # two too many or too few is no slip of one; neither operand the kernel explains nothing
    ("(5,5)", "(3,3)", (3, 3), []),
    ("(1,1)", "(3,3)", (3, 3), []),
    ("(2,2)", "(4,4)", (3, 3), []),
]


@pytest.mark.parametrize("first, second, kernel, names", BROADCASTS)
def test_a_broadcast_error_names_the_window_slice_behind_it(first, second, kernel, names):
    message = broadcast(first, second)
    assert misconceptions.diagnose_exception_all("ValueError", message, (9, 8), kernel) == names


def test_a_broadcast_error_without_the_kernels_shape_names_nothing():
    """Which operand is the kernel cannot be told from the message alone."""
    assert misconceptions.diagnose_exception_all("ValueError", broadcast("(4,4)", "(3,3)")) == []


INDEX_ERRORS = [
    # range(kh + 1) over an odd kernel's rows
    (3, 0, 3, [M.WINDOW_ONE_TOO_LARGE]),
    # offsets range(-1, 2) hard-coded around a centre, on a 2-wide kernel: also what a
    # centred range(-h, h + 1) or range(kw + 1) gives
    (2, 1, 2, [M.KERNEL_ASSUMED_3X3, M.KERNEL_ASSUMED_ODD, M.WINDOW_ONE_TOO_LARGE]),
    # image[r + i, c + j] with r running to the image's last row
    (9, 0, 9, [M.LOOPS_PAST_THE_EDGE]),
    (8, 1, 8, [M.LOOPS_PAST_THE_EDGE]),
    # image[r][c + j]: numpy calls the row's columns axis 0
    (8, 0, 8, [M.LOOPS_PAST_THE_EDGE]),
    # out[r, c] in an output made one short (9 - 3 = 6 rows instead of 7)
    (6, 0, 6, [M.OUTPUT_ONE_SHORT]),
    # far past any of them: no slip of one
    (12, 0, 3, []),
]


@pytest.mark.parametrize("index, axis, size, names", INDEX_ERRORS)
def test_an_index_error_names_the_array_it_ran_off(index, axis, size, names):
    message = f"index {index} is out of bounds for axis {axis} with size {size}"
    assert misconceptions.diagnose_exception_all("IndexError", message, (9, 8), (3, 2)) == names


def test_a_broadcast_error_names_every_fitting_mistake_in_the_message():
    failure = CheckFailure(
        "convolve raised ValueError.", **expect.named([Mistake.KERNEL_ASSUMED_SQUARE])
    )
    assert failure.message == "convolve raised ValueError."
    both = [Mistake.KERNEL_ASSUMED_SQUARE, Mistake.KERNEL_ASSUMED_ODD]
    failure = CheckFailure("convolve raised ValueError.", **expect.named(both))
    assert failure.misconception is Mistake.KERNEL_ASSUMED_SQUARE
    assert failure.message.endswith("also fits: kernel assumed odd-sized.")


def test_the_cell_report_says_how_to_fix_every_name_that_fits():
    failure = CheckFailure("convolve: 20 of 20 values are wrong.", **expect.named(TRANSPOSES))
    result = runner.CheckResult(
        "test", "check_convolve_small_values", False, failure.message, failure.misconception
    )
    result.also = failure.also
    report, _ = cell_report.cell_outputs(runner.GroupResult("g", [result]), 2.0)
    text = report["data"]["text/plain"]
    for mistake in TRANSPOSES:
        assert f"How to fix {mistake.value}: {mistake.hint}" in text
    assert "also fits: patch transposed" in text


TRANSPOSES = [Mistake.TRANSPOSED_KERNEL, Mistake.PATCH_TRANSPOSED]


def test_a_record_keeps_every_name_that_fits_and_reads_old_records():
    record = CheckRecord("test_x", False, TRANSPOSES[0], "wrong", also=tuple(TRANSPOSES[1:]))
    assert CheckRecord.from_metadata(record.to_metadata()) == record
    old = {"name": "test_x", "passed": False, "misconception": "flipped kernel", "message": "m"}
    assert CheckRecord.from_metadata(old).also == ()
    assert CheckRecord.from_metadata(old | {"also": ["not a mistake"]}) is None


def _allclose_rule(actual, expected):
    """values_match's specification, with numpy's own assertion (the old, slow way)."""
    if np.shape(actual) != np.shape(expected):
        return False
    actual = np.asarray(actual, dtype=np.float64)
    atol = 1e-6 * max(1.0, float(np.max(np.abs(expected))) if np.size(expected) else 1.0)
    try:
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=atol)
    except AssertionError:
        return False
    return True


def _result_pairs():
    rng = np.random.default_rng(7)
    expected = rng.normal(size=(6, 5)) * 100
    atol = 1e-6 * float(np.max(np.abs(expected)))
    edge = atol + 1e-6 * np.abs(expected)
    specials = expected.copy()
    specials[0, 0], specials[1, 1], specials[2, 2] = np.nan, np.inf, -np.inf
    pairs = [
        (expected, expected),
        (expected + edge * 0.999, expected),  # just inside the tolerance
        (expected + edge * 1.001, expected),  # just outside
        (expected - edge * 1.001, expected),
        (expected.astype(np.float32), expected),
        (expected.T, expected),
        (expected[:, :4], expected),
        (specials, specials),
        (np.where(np.isnan(specials), 0.0, specials), specials),
        (np.where(np.isinf(specials), -specials, specials), specials),
        (np.where(np.isinf(specials), 1e308, specials), specials),
        (expected, specials),
        (np.zeros((0, 3)), np.zeros((0, 3))),
        (np.arange(12).reshape(3, 4), np.arange(12).reshape(3, 4).astype(np.uint8)),
        (np.arange(12).reshape(3, 4) + 1, np.arange(12).reshape(3, 4).astype(np.uint8)),
        (np.full((2, 2), True), np.ones((2, 2))),
        ([[1.0, 2.0]], np.array([[1.0, 2.0]])),
        (np.array(3.0), np.array(3.0)),
    ]
    for scale in (1e-9, 1e-3, 1.0, 1e6):
        noisy = expected + rng.normal(size=expected.shape) * scale
        pairs.append((noisy, expected))
    return pairs


def test_values_match_follows_numpys_allclose_rule():
    """Same verdict as np.testing.assert_allclose on edges, NaN, infinities and types."""
    verdicts = []
    for actual, expected in _result_pairs():
        verdict = values_match(actual, expected)
        assert verdict == _allclose_rule(actual, expected), (actual, expected)
        verdicts.append(verdict)
    assert True in verdicts and False in verdicts


def _sliced_too_large(image, kernel, more_rows, more_cols):
    """A student's loops with each window `more_rows` x `more_cols` larger than the kernel."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r : r + kh + more_rows, c : c + kw + more_cols] * kernel)
    return out


@pytest.mark.parametrize("kernel_shape", [(1, 1), (1, 4), (3, 1), (2, 3), (3, 3)])
@pytest.mark.parametrize("extra", [(1, 1), (1, 0), (0, 1)])
def test_a_window_one_too_large_is_named_by_its_values_or_its_error(kernel_shape, extra):
    """Whether numpy stretches a kernel one wide over the larger window (wrong values) or
    refuses the shapes (a broadcast error), the name is the same."""
    rng = np.random.default_rng(sum(kernel_shape) + 7 * sum(extra))
    image = rng.integers(0, 256, size=(7, 6)).astype(np.uint8)
    kernel = rng.normal(size=kernel_shape)
    try:
        actual = _sliced_too_large(image, kernel, *extra)
    except ValueError as error:
        names = misconceptions.diagnose_exception_all(
            "ValueError", str(error), image.shape, kernel.shape
        )
    else:
        names = misconceptions.diagnose_convolve_all(actual, image, kernel)
    assert Mistake.WINDOW_ONE_TOO_LARGE in names


def _failure(name, mistakes, called=("convolve",), message="convolve: wrong."):
    failure = CheckFailure(message, **expect.named(mistakes))
    return runner.CheckResult(
        name,
        "check_convolve_small_values",
        False,
        failure.message,
        failure.misconception,
        also=failure.also,
        called=frozenset(called),
    )


def test_the_name_that_fits_most_failures_of_a_function_comes_first():
    """A window that fits three names on a 2 x 2 kernel is named after the one that also
    fits the function's other failures; the message lists the others, and nothing is lost."""
    ambiguous = [
        Mistake.KERNEL_ASSUMED_3X3,
        Mistake.KERNEL_ASSUMED_ODD,
        Mistake.WINDOW_ONE_TOO_LARGE,
    ]
    results = [
        _failure("two_by_two", ambiguous),
        _failure("three_by_three", [Mistake.WINDOW_ONE_TOO_LARGE]),
        _failure("other_function", [Mistake.KERNEL_ASSUMED_3X3], called=("convolve_color",)),
        runner.CheckResult("passed", "check_kernels", True),
    ]
    settled = runner.names_fitting_most_first(results)
    assert settled[1:] == results[1:]
    first = settled[0]
    assert first.misconception is Mistake.WINDOW_ONE_TOO_LARGE
    assert first.also == (Mistake.KERNEL_ASSUMED_3X3, Mistake.KERNEL_ASSUMED_ODD)
    assert first.message == (
        "convolve: wrong. The same result also fits: kernel assumed 3 x 3, kernel assumed "
        "odd-sized."
    )


def test_on_a_tie_the_likelier_name_stays_first():
    """A centred window fits "kernel assumed odd-sized" and "window one too large" on every
    even kernel: no check tells them apart, so the catalogue's order stands."""
    both = [Mistake.KERNEL_ASSUMED_ODD, Mistake.WINDOW_ONE_TOO_LARGE]
    results = [_failure("a", both), _failure("b", both)]
    assert runner.names_fitting_most_first(results) == results


def test_a_message_cut_short_keeps_its_text_when_the_names_are_reordered():
    """A message that clean_text cut before its "also fits" tail is not rewritten."""
    cut = _failure("cut", [Mistake.KERNEL_ASSUMED_ODD, Mistake.WINDOW_ONE_TOO_LARGE])
    cut.message = "convolve: wrong. The same result also fi"
    results = [cut, _failure("sole", [Mistake.WINDOW_ONE_TOO_LARGE])]
    settled = runner.names_fitting_most_first(results)
    assert settled[0].misconception is Mistake.WINDOW_ONE_TOO_LARGE
    assert settled[0].message == cut.message


def test_a_knock_on_note_names_convolves_mistake_as_its_failures_do():
    """A colour check forgiven as a knock-on says what convolve's failure seems to be: the
    same name the convolve checks lead with, not the first one that fit this call."""
    said = [Mistake.KERNEL_ASSUMED_3X3, Mistake.KERNEL_ASSUMED_ODD]
    forgiven = CheckFailure("convolve_color raised ValueError.", **expect.named(said))
    note = (
        f"Right with the grader's convolve. With your convolve it fails"
        f"{knock_on.seen_mistake(said[0])}: {forgiven.message}"
    )
    colour = runner.CheckResult(
        "colour", "check_convolve_color", True, note, Mistake.FIX_CONVOLVE_FIRST, forgiven=forgiven
    )
    odd = [Mistake.KERNEL_ASSUMED_ODD, Mistake.WINDOW_ONE_TOO_LARGE]
    results = [colour, _failure("a", odd), _failure("b", odd)]
    settled = runner.names_fitting_most_first(results)
    assert settled[0].message == (
        "Right with the grader's convolve. With your convolve it fails (kernel assumed "
        "odd-sized, it seems): convolve_color raised ValueError." + also_fits([said[0]])
    )
    assert settled[0].misconception is Mistake.FIX_CONVOLVE_FIRST

"""Compare a student's array with the expected one and say how they differ, briefly."""

import numpy as np

RTOL = 1e-6
# A float array judged in its own precision may be off by this many of its dtype's eps
# relative to each value: a correctly rounded value is within half of one.
OWN_EPS = 2
MAX_SHOWN_DIM = 99_999  # a returned shape's larger sizes are not spelled out (zero-size
# arrays may have any sizes, so each digit would be the student's choice)
MAX_SHOWN_DIMS = 4


def tolerance(expected):
    """Absolute tolerance for float sums: loose enough for any summation order or float32."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 1.0
    return RTOL * max(1.0, scale)


def relative_tolerance(dtype=None):
    """RTOL, or for a float dtype too coarse to come that close (float16), OWN_EPS of its eps.

    Examples
    --------
    >>> relative_tolerance(), relative_tolerance(np.float32), relative_tolerance(np.float16)
    (1e-06, 1e-06, 0.001953125)
    """
    if dtype is None or np.dtype(dtype).kind != "f":
        return RTOL
    return max(RTOL, OWN_EPS * float(np.finfo(dtype).eps))


def wrong_values(actual, expected, *, own_precision=False):
    """The grader's one definition of a wrong value, as a mask the shape of `expected`:
    |actual - expected| > atol + rtol * |expected|, where NaN is right only where NaN is
    expected and an infinity only where one of the same sign is (np.isclose's rule).

    With own_precision, a float `actual` may also be off by its own dtype's rounding (a
    constant written as float16: 1/9 is 0.11108 there), as `relative_tolerance` says."""
    rtol = relative_tolerance(np.asarray(actual).dtype if own_precision else None)
    actual = np.asarray(actual, dtype=np.float64)
    return ~np.isclose(actual, expected, rtol=rtol, atol=tolerance(expected), equal_nan=True)


def values_match(actual, expected, *, own_precision=False):
    """True when the arrays have the same shape and no value is wrong (see `wrong_values`).

    np.isclose, not assert_allclose: the misconception checks compare a result with many
    wrong variants, and each failed assert_allclose printed both arrays into a message
    nobody reads (0.6 ms on a 36x48 image and 7 ms on a 240x320 photo; now 0.03 and 0.2)."""
    # The shape first: a huge wrong result is never copied.
    if np.shape(actual) != np.shape(expected):
        return False
    return not wrong_values(actual, expected, own_precision=own_precision).any()


def difference(actual, expected, *, own_precision=False):
    """None when `actual` matches `expected`, else the sentence `describe_difference` says:
    a check that judges and explains with this one call cannot disagree with itself.

    Examples
    --------
    >>> difference(np.float32([0.1]), np.array([0.1])) is None
    True
    """
    if values_match(actual, expected, own_precision=own_precision):
        return None
    return describe_difference(actual, expected, own_precision=own_precision)


def describe_difference(actual, expected, *, own_precision=False):
    """One sentence on how `actual` differs from `expected`: count, first, max.

    Wrong values are those `wrong_values` finds (pass the caller's own_precision). A caller
    stricter than that (np.array_equal) may find differences it does not: then they are
    described as small ones, and never is an exception raised for want of a wrong value.

    Examples
    --------
    >>> describe_difference(np.array([[1.0, 5.0]]), np.array([[1.0, 2.0]]))
    '1 of 2 values are wrong (largest error 3). First wrong value at (0, 1): expected 2, got 5.'
    >>> describe_difference(np.array([1.0, 2.0 + 1e-12]), np.array([1.0, 2.0]))
    '1 of 2 values differ, but only slightly (largest difference 1e-12, first at (1,)).'
    """
    if np.shape(actual) != np.shape(expected):
        shapes = describe_shape(np.shape(actual)), describe_shape(np.shape(expected))
        return "shape {}; expected {}.".format(*shapes)
    wrong = wrong_values(actual, expected, own_precision=own_precision)
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        errors = np.abs(actual - expected)
    if not wrong.any():
        differ = ~((actual == expected) | (np.isnan(actual) & np.isnan(expected)))
        if not differ.any():
            return f"all {differ.size} values equal the expected ones."
        position = tuple(int(i) for i in np.argwhere(differ)[0])
        return (
            f"{int(differ.sum())} of {differ.size} values differ, but only slightly "
            f"(largest difference {largest(errors[differ]):.4g}, first at {position})."
        )
    position = tuple(int(i) for i in np.argwhere(wrong)[0])
    return (
        f"{int(wrong.sum())} of {wrong.size} values are wrong (largest error "
        f"{largest(errors[wrong]):.4g}). First wrong value at {position}: expected "
        f"{expected[position]:.6g}, got {actual[position]:.6g}."
    )


def largest(errors):
    """The largest error, ignoring NaN (nan when none is finite)."""
    return np.nanmax(errors) if np.isfinite(errors).any() else float("nan")


def describe_shape(shape):
    """Spell a shape the way the lesson does: (5, 5); sizes over MAX_SHOWN_DIM are not spelled.

    Examples
    --------
    >>> describe_shape((5, 5)), describe_shape((0, 10**12)), describe_shape((1,) * 6)
    ('(5, 5)', '(0, more than 99999)', '(1, 1, 1, 1, ...)')
    """
    shape = tuple(shape)
    sizes = [
        str(int(n)) if 0 <= int(n) <= MAX_SHOWN_DIM else f"more than {MAX_SHOWN_DIM}"
        for n in shape[:MAX_SHOWN_DIMS]
    ]
    if len(shape) > MAX_SHOWN_DIMS:
        sizes.append("...")
    return "(" + ", ".join(sizes) + ("," if len(shape) == 1 else "") + ")"

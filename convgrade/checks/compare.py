"""Compare a student's array with the expected one and say how they differ, briefly."""

import numpy as np

RTOL = 1e-6
MAX_SHOWN_DIM = 99_999  # a returned shape's larger sizes are not spelled out (zero-size
# arrays may have any sizes, so each digit would be the student's choice)
MAX_SHOWN_DIMS = 4


def tolerance(expected):
    """Absolute tolerance for float sums: loose enough for any summation order or float32."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 1.0
    return RTOL * max(1.0, scale)


def values_match(actual, expected):
    """True when the arrays have the same shape and agree within the float tolerance:
    |actual - expected| <= atol + RTOL * |expected| everywhere, NaN where NaN is expected,
    and infinities of the same sign (the rule of np.testing.assert_allclose).

    np.isclose, not assert_allclose: the misconception checks compare a result with many
    wrong variants, and each failed assert_allclose printed both arrays into a message
    nobody reads (0.6 ms on a 36x48 image and 7 ms on a 240x320 photo; now 0.03 and 0.2)."""
    # The shape first: a huge wrong result is never copied.
    if np.shape(actual) != np.shape(expected):
        return False
    actual = np.asarray(actual, dtype=np.float64)
    close = np.isclose(actual, expected, rtol=RTOL, atol=tolerance(expected), equal_nan=True)
    return bool(np.all(close))


def describe_difference(actual, expected):
    """One sentence on how `actual` differs from `expected` (same shape): count, first, max.

    Examples
    --------
    >>> describe_difference(np.array([[1.0, 5.0]]), np.array([[1.0, 2.0]]))
    '1 of 2 values are wrong (largest error 3). First wrong value at (0, 1): expected 2, got 5.'
    """
    actual = np.asarray(actual, dtype=np.float64)
    wrong = ~np.isclose(actual, expected, rtol=RTOL, atol=tolerance(expected), equal_nan=False)
    position = tuple(int(i) for i in np.argwhere(wrong)[0])
    with np.errstate(invalid="ignore", over="ignore"):
        errors = np.abs(actual - expected)[wrong]
    largest = np.nanmax(errors) if np.isfinite(errors).any() else float("nan")
    return (
        f"{int(wrong.sum())} of {wrong.size} values are wrong (largest error {largest:.4g}). "
        f"First wrong value at {position}: expected {expected[position]:.6g}, "
        f"got {actual[position]:.6g}."
    )


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

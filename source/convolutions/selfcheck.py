"""Small helpers for the notebook's visible checks: each failure says what to fix."""

import numpy as np


def check_array(result, expected, call, *, atol=1e-6):
    """Fail with a short message unless `result` is a float ndarray equal to `expected`.

    `call` names what produced `result`, e.g. "convolve(example_image, example_kernel)".
    """
    expected = np.asarray(expected)
    if not isinstance(result, np.ndarray):
        raise AssertionError(f"{call} returned a {type(result).__name__}; "
                             "return a numpy array (np.ndarray).")
    if result.shape != expected.shape:
        raise AssertionError(f"{call} returned shape {result.shape}; expected {expected.shape}.")
    wrong = ~np.isclose(result, expected, atol=atol, rtol=1e-9)
    if wrong.any():
        row_col = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(
            f"{call}: {int(wrong.sum())} of {wrong.size} values are wrong. "
            f"First one at {row_col}: expected {expected[row_col]:g}, got {result[row_col]:g}.")


def check_float(result, call):
    """Fail unless `result` holds floats, so that sums of uint8 pixels cannot wrap around."""
    if not np.issubdtype(np.asarray(result).dtype, np.floating):
        raise AssertionError(f"{call} returned dtype {np.asarray(result).dtype}; "
                             "expected a float dtype such as float64.")


def passed(what):
    """Print a friendly line when a group of checks passes."""
    print(f"✓ {what}")


def require_written(value, name):
    """Stop with NotImplementedError while `value` is still the all-zero placeholder."""
    if isinstance(value, np.ndarray) and value.size and not value.any():
        raise NotImplementedError(f"{name} is still the all-zero placeholder: fill it in above.")

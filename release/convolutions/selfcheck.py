"""Small helpers for the notebook's visible checks: each failure says what to fix.

When a result is wrong, the checks look it up in known_mistakes.json: for each input the
checks below use, it holds what the classic mistakes (a flipped kernel, a uint8 sum that
wraps around...) give on that input. A match names the mistake and says how to fix it.
"""

import hashlib
import json
import re
from pathlib import Path

import numpy as np

KNOWN_MISTAKES = Path(__file__).with_name("known_mistakes.json")
# numpy's words when two arrays of different shapes meet in `*` or `+`.
BROADCAST_ERROR = re.compile(r"operands could not be broadcast together with shapes (.*)")
_known = None


def fingerprint(function_name, args):
    """A short key for a call: the function's name and the values of its array arguments.

    Values are compared as float64, so the same pixels as uint8 or float share one key.
    """
    digest = hashlib.sha256(function_name.encode())
    for arg in args:
        values = np.ascontiguousarray(np.asarray(arg, dtype=np.float64))
        digest.update(repr(values.shape).encode())
        digest.update(values.tobytes())
    return digest.hexdigest()[:16]


def known_mistakes():
    """The stored table of what each classic mistake gives on these checks' inputs."""
    global _known
    if _known is None:
        try:
            _known = json.loads(KNOWN_MISTAKES.read_text())
        except (OSError, ValueError):
            _known = {"hints": {}, "calls": {}}  # the checks still work, only unnamed
    return _known


def likely_mistakes(function, args, result):
    """Names of the known mistakes that give exactly `result` for function(*args)."""
    name = getattr(function, "__name__", "")
    try:
        result = np.asarray(result, dtype=np.float64)
        key = fingerprint(name, args)
    except (TypeError, ValueError):
        return []  # not numbers at all: the shape or type message says enough
    found = []
    for variant in known_mistakes()["calls"].get(key, []):
        if variant["mistake"] in found or list(result.shape) != variant["shape"]:
            continue
        # A variant stored without values is known only by its wrong shape.
        values = variant["values"]
        if values is None or np.allclose(result, values, rtol=0, atol=1e-4):
            found.append(variant["mistake"])
    return found


def explain(mistakes):
    """The sentence that names the mistakes and says how to fix them ("" if none)."""
    hints = known_mistakes()["hints"]
    if len(mistakes) == 1:
        return f'\nThis is exactly what the mistake "{mistakes[0]}" gives: {hints[mistakes[0]]}'
    if mistakes:
        lines = [f'- "{name}": {hints[name]}' for name in mistakes]
        return (
            "\nThis is exactly what each of these mistakes gives (these inputs cannot tell "
            "them apart):\n" + "\n".join(lines)
        )
    return ""


def run(function, *args):
    """Call function(*args), turning numpy's broadcast error into a sentence about the window.

    The original error stays attached below the sentence (raise ... from).
    """
    try:
        return function(*args)
    except ValueError as error:
        shapes = BROADCAST_ERROR.search(str(error))
        if not shapes:
            raise
        raise AssertionError(
            f"{function.__name__}: a window and the kernel had different shapes "
            f"({shapes.group(1).strip()}), so numpy could not multiply them. The window under "
            "the kernel is image[row:row + kh, col:col + kw], with kh, kw = kernel.shape: "
            "rows first (kh), then columns (kw). Check also that your loops stop where the "
            "kernel still fits."
        ) from error


def check_call(function, args, expected, call, *, atol=1e-6):
    """Run function(*args) and check it returns `expected`; name the likely mistake if not.

    `call` says what was run, e.g. "convolve(example_image, example_kernel)". Returns the result.
    """
    result = run(function, *args)
    try:
        check_array(result, expected, call, atol=atol)
    except AssertionError as wrong:
        raise AssertionError(str(wrong) + explain(likely_mistakes(function, args, result))) from None
    return result


def check_shape(function, args, expected_shape, call):
    """Run function(*args) and check the shape of its result; name the likely mistake if wrong."""
    result = run(function, *args)
    if np.shape(result) != tuple(expected_shape):
        raise AssertionError(
            f"{call} returned shape {np.shape(result)}; expected {tuple(expected_shape)}."
            + explain(likely_mistakes(function, args, result))
        )
    return result


def check_array(result, expected, call, *, atol=1e-6):
    """Fail with a short message unless `result` is a float ndarray equal to `expected`.

    `call` names what produced `result`, e.g. "convolve(example_image, example_kernel)".
    """
    expected = np.asarray(expected)
    if not isinstance(result, np.ndarray):
        raise AssertionError(
            f"{call} returned a {type(result).__name__}; return a numpy array (np.ndarray)."
        )
    if result.shape != expected.shape:
        raise AssertionError(f"{call} returned shape {result.shape}; expected {expected.shape}.")
    wrong = ~np.isclose(result, expected, atol=atol, rtol=1e-9)
    if wrong.any():
        row_col = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(
            f"{call}: {int(wrong.sum())} of {wrong.size} values are wrong. "
            f"First one at {row_col}: expected {expected[row_col]:g}, got {result[row_col]:g}."
        )


def check_float(result, call):
    """Fail unless `result` holds floats, so that sums of uint8 pixels cannot wrap around."""
    if not np.issubdtype(np.asarray(result).dtype, np.floating):
        raise AssertionError(
            f"{call} returned dtype {np.asarray(result).dtype}; "
            "expected a float dtype such as float64."
        )


def passed(what):
    """Print a friendly line when a group of checks passes."""
    print(f"✓ {what}")


def require_written(value, name):
    """Stop with NotImplementedError while `value` is still the all-zero placeholder."""
    if isinstance(value, np.ndarray) and value.size and not value.any():
        raise NotImplementedError(f"{name} is still the all-zero placeholder: fill it in above.")

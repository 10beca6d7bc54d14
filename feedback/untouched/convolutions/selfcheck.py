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
SHAPE = re.compile(r"\(([\d, ]*)\)")
# Named by check_channels itself, from what convolve does, not from the stored table.
WRONG_ON_CHANNELS = "convolve wrong on channels"
# How far a value may be from the expected one: the same rule as the hidden checks', so
# that no answer graded right fails here (a float32 convolve is about 1e-5 off at 150).
RTOL = 1e-6
_known = None


def tolerance(expected):
    """The absolute tolerance for `expected`: RTOL of its largest value, at least RTOL."""
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 1.0
    return RTOL * max(1.0, scale)


def values_differ(result, expected):
    """Where `result` is wrong, as the hidden checks judge it (NaN right only where NaN is)."""
    result = np.asarray(result, dtype=np.float64)
    return ~np.isclose(result, expected, rtol=RTOL, atol=tolerance(expected), equal_nan=True)


def _two_numbers(expected, got):
    """Both numbers with as many digits as it takes to tell them apart (up to 17)."""
    for digits in (6, 9, 12, 17):
        pair = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if pair[0] != pair[1]:
            break
    return pair


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


def broadcast_key(message):
    """The shapes in numpy's broadcast error, as known_mistakes.json writes them: "3,2 2,3"."""
    return " ".join(shape.replace(" ", "") for shape in SHAPE.findall(message))


def known_mistakes():
    """The stored table of what each classic mistake gives on these checks' inputs."""
    global _known
    if _known is None:
        try:
            _known = json.loads(KNOWN_MISTAKES.read_text())
        except (OSError, ValueError):
            _known = {}  # the checks still work; they only cannot name the mistake
    return _known


def _known_for(function, args):
    """What the table knows about function(*args): {"outputs": [...], "windows": {...},
    "indexes": {...}}."""
    try:
        key = fingerprint(getattr(function, "__name__", ""), args)
    except (TypeError, ValueError):
        return {}
    return known_mistakes().get("calls", {}).get(key, {})


def likely_mistakes(function, args, result):
    """The known mistakes that give `result` for function(*args), and how they were matched.

    Returns (names, how): how is "values" when every name gives these very values, "shape"
    when some are known only by the wrong shape they give (on a photo, say).
    """
    try:
        result = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return [], "values"  # not numbers at all: the shape or type message says enough
    found, how = [], "values"
    for variant in _known_for(function, args).get("outputs", []):
        if variant["mistake"] in found or list(result.shape) != variant["shape"]:
            continue
        values = variant["values"]
        if values is None:  # stored without values: known only by its wrong shape
            found.append(variant["mistake"])
            how = "shape"
        elif np.allclose(result, values, rtol=0, atol=1e-4):
            found.append(variant["mistake"])
    return found, how


LEADS = {
    # how: (lead for one mistake, lead for several)
    "seen": ('This is the mistake "{}":', "These are the mistakes:"),
    "values": (
        'This is exactly what the mistake "{}" gives:',
        "This is exactly what each of these mistakes gives (these inputs cannot tell them apart):",
    ),
    "shape": (
        'This shape is what the mistake "{}" gives:',
        "This shape is what each of these mistakes gives:",
    ),
    "error": ('The likely mistake is "{}":', "The likely mistake is one of these:"),
}


def explain(mistakes, how="values"):
    """The sentence that names the mistakes and says how to fix them ("" if none).

    `how` says what matched (see LEADS): the very values, only the shape, or an error.
    """
    hints = known_mistakes().get("hints", {})
    one, several = LEADS[how]
    if len(mistakes) == 1:
        return "\n" + one.format(mistakes[0]) + " " + hints.get(mistakes[0], "")
    if mistakes:
        lines = [f'- "{name}": {hints.get(name, "")}' for name in mistakes]
        return "\n" + several + "\n" + "\n".join(lines)
    return ""


def run(function, *args):
    """Call function(*args); numpy's errors about shapes, indexes and uint8 become a sentence.

    The original error stays attached below the sentence (raise ... from), with its traceback.
    """
    name = getattr(function, "__name__", "your function")
    try:
        return function(*args)
    except ValueError as error:
        if not BROADCAST_ERROR.search(str(error)):
            raise
        shapes = broadcast_key(str(error)).replace(" ", ") and (")
        windows = _known_for(function, args).get("windows", {})
        raise AssertionError(
            f"{name}: numpy could not multiply arrays of shapes ({shapes}): a window cut "
            "from the image does not have the kernel's shape. The window under the kernel is "
            "image[row:row + kh, col:col + kw], with kh, kw = kernel.shape: rows first, then "
            "columns. Check also that your loops stop where the whole kernel still fits."
            + explain(windows.get(broadcast_key(str(error)), []), how="error")
        ) from error
    except IndexError as error:
        names = _known_for(function, args).get("indexes", {}).get(str(error), [])
        if not names:
            raise
        raise AssertionError(
            f"{name}: {error}: an index ran one past the end of an array. Check the ranges "
            "of your loops against the sizes of the arrays they index."
            + explain(names, how="error")
        ) from error
    except OverflowError as error:
        if "uint8" not in str(error):
            raise
        raise AssertionError(
            f"{name}: {error}. A uint8 holds only 0..255, so sums of uint8 pixels do not fit."
            + explain(known_mistakes().get("uint8_overflow", []), how="error")
        ) from error


def check_call(function, args, expected, call):
    """Run function(*args) and check it returns `expected`; name the likely mistake if not.

    `call` says what was run, e.g. "convolve(example_image, example_kernel)". Returns the result.
    """
    result = run(function, *args)
    try:
        check_array(result, expected, call)
    except AssertionError as wrong:
        raise AssertionError(
            str(wrong) + explain(*likely_mistakes(function, args, result))
        ) from None
    return result


def check_shape(function, args, expected_shape, call):
    """Run function(*args) and check the shape of its result; name the likely mistake if wrong."""
    result = run(function, *args)
    if np.shape(result) != tuple(expected_shape):
        raise AssertionError(
            f"{call} returned shape {np.shape(result)}; expected {tuple(expected_shape)}."
            + explain(*likely_mistakes(function, args, result))
        )
    return result


def check_array(result, expected, call):
    """Fail with a short message unless `result` is an ndarray equal to `expected`, within
    the hidden checks' tolerance (`values_differ`).

    `call` names what produced `result`, e.g. "convolve(example_image, example_kernel)".
    """
    expected = np.asarray(expected)
    _require_array(result, call)
    if result.shape != expected.shape:
        raise AssertionError(f"{call} returned shape {result.shape}; expected {expected.shape}.")
    wrong = values_differ(result, expected)
    if wrong.any():
        row_col = tuple(int(i) for i in np.argwhere(wrong)[0])
        shown = _two_numbers(float(expected[row_col]), float(result[row_col]))
        raise AssertionError(
            f"{call}: {int(wrong.sum())} of {wrong.size} values are wrong. "
            f"First one at {row_col}: expected {shown[0]}, got {shown[1]}."
        )


def check_channels(result, convolve, image, kernel, call):
    """Check each channel of `result`, convolve_color's answer for the colour `image`, against
    convolve on a copy of that channel.

    If a channel is wrong because convolve itself goes wrong on the channels (on
    image[:, :, c], a view into the colour image, or when called again), the message says so.
    """
    _require_array(result, call)
    for channel in range(np.shape(image)[2]):
        expected = np.array(run(convolve, np.array(image[:, :, channel]), kernel))
        try:
            check_array(result[:, :, channel], expected, f"channel {channel} of {call}")
        except AssertionError as wrong:
            hint = _wrong_on_channels(convolve, image, kernel, channel)
            raise AssertionError(str(wrong) + hint) from None


def _wrong_on_channels(convolve, image, kernel, channel):
    """What convolve does wrong on the channels of `image`, called as convolve_color calls
    it, with the mistake's name and hint; "" if nothing, or if it fails (its own error then
    says more). It works on a copy: a convolve that changes its input cannot change `image`.
    """
    image = np.array(image)
    try:
        answers, first_seen = [], []
        for c in range(image.shape[2]):  # one channel after another, each a new array
            answers.append(convolve(np.array(image[:, :, c]), kernel))
            first_seen.append(np.array(answers[-1], dtype=float))
        on_view = np.array(convolve(image[:, :, channel], kernel), dtype=float)
        if not all(_same(answer, seen) for answer, seen in zip(answers, first_seen)):
            seen = (
                "Calling convolve again changed an answer it had already returned: it hands "
                "back one array and fills it again, so stacked channels hold later answers."
            )
        elif not _same(on_view, first_seen[channel]):
            seen = (
                f"convolve gives a different answer for image[:, :, {channel}] than for a "
                f"copy of it, np.array(image[:, :, {channel}])."
            )
        else:
            return ""
    except Exception:  # any error at all: the check's own message stands alone
        return ""
    return "\n" + seen + explain([WRONG_ON_CHANNELS], how="seen")


def _same(answer, expected):
    answer = np.asarray(answer, dtype=float)
    return answer.shape == expected.shape and not values_differ(answer, expected).any()


def _require_array(result, call):
    if not isinstance(result, np.ndarray):
        raise AssertionError(
            f"{call} returned a {type(result).__name__}; return a numpy array (np.ndarray)."
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

"""Expectations the hidden checks assert; each failure is a CheckFailure a student can act on."""

import numpy as np

from convgrade.checks import misconceptions, reference
from convgrade.checks.compare import describe_difference, describe_shape, values_match
from convgrade.checks.failures import CheckFailure
from convgrade.checks.pictures import comparison_png
from convgrade.contract import Mistake

# Pictures are drawn only for image-sized results: a heat map of a tiny case would show
# the hidden expected values almost cell by cell.
PICTURE_MIN_PIXELS = 32 * 32
# A result far larger than expected is a plain failure: not diagnosed, not drawn.
PICTURE_MAX_RATIO = 4


def describe_call(function, image, kernel=None):
    """How messages name a call without showing its inputs: 'convolve on a (6, 7) uint8 image'."""
    text = f"{function} on a {describe_shape(np.shape(image))} {np.asarray(image).dtype} image"
    if kernel is not None:
        text += f" with a {describe_shape(np.shape(kernel))} kernel"
    return text


def array_of(value, call):
    """The returned value as an array, or a CheckFailure saying what came back instead."""
    if value.array is None:
        if value.type_name == "NoneType":
            raise CheckFailure(f"{call} returned None. Did you forget the `return` statement?")
        if value.type_name == "ndarray":
            # value.text is the grader's own note on the array (its dtype), never a repr.
            detail = f" ({value.text})" if value.text.startswith("array of dtype ") else ""
            raise CheckFailure(
                f"{call} returned a numpy array the grader cannot use{detail}: "
                "return an array of numbers (float or integer dtype)."
            )
        raise CheckFailure(f"{call} returned {a_type(value.type_name)}, not an array.")
    return value.array


def a_type(type_name):
    """'a list', 'an int', 'an object of another type' (type_name is vetted already)."""
    if type_name == "object":
        return "an object of another type"
    return ("an " if type_name[:1] in "aeiou" else "a ") + type_name


def expect_shape(value, expected_shape, call, *, image, kernel):
    actual = array_of(value, call)
    if actual.shape != tuple(expected_shape):
        names = misconceptions.diagnose_convolve_all(
            actual, image, kernel
        ) or misconceptions.diagnose_convolve_shape_all(actual.shape, image.shape, kernel.shape)
        message = (
            f"{call} returned shape {describe_shape(actual.shape)}; expected "
            f"{describe_shape(expected_shape)}."
        )
        raise CheckFailure(message, **named(names))


def named(names):
    """CheckFailure's keywords for a diagnosis: a Mistake, a list of them (likeliest first)
    or None."""
    if isinstance(names, Mistake) or names is None:
        return {"misconception": names}
    names = list(names)
    return {"misconception": names[0] if names else None, "also": names[1:]}


def expect_convolution(value, image, kernel, call, *, expected=None, diagnose=None):
    """Fail unless `value` equals convolve(image, kernel) (or `expected`), naming the mistake."""
    expected = reference.convolve(image, kernel) if expected is None else expected
    diagnose = diagnose or (
        lambda actual: misconceptions.diagnose_convolve_all(actual, image, kernel)
    )
    actual = array_of(value, call)
    if values_match(actual, expected):
        return
    plausible = actual.size <= PICTURE_MAX_RATIO * max(expected.size, np.size(image))
    # `diagnose` may give one Mistake or every fitting one, likeliest first.
    names = named(diagnose(actual) if plausible else None)
    if actual.shape != expected.shape:
        message = (
            f"{call} returned shape {describe_shape(actual.shape)}; expected "
            f"{describe_shape(expected.shape)}."
        )
        if names["misconception"] is None and expected.ndim == 2:
            names = named(
                misconceptions.diagnose_convolve_shape_all(
                    actual.shape, np.shape(image), np.shape(kernel)
                )
            )
    else:
        message = f"{call}: {describe_difference(actual, expected)}"
    picture = None
    if expected.size >= PICTURE_MIN_PIXELS and actual.ndim == expected.ndim and plausible:
        picture = lambda: comparison_png(expected, actual)  # noqa: E731 - drawn only if shown
    raise CheckFailure(message, picture=picture, **names)


def expect_float_ndarray(value, call, expected=None):
    """Fail unless `value` is a float ndarray. An integer one is named "truncated to
    integers" only where it lost fractions: it differs from the `expected` result (not
    given for a constant, which has no result to truncate; red team: exact integer kernels
    and an exact int64 result were called truncated)."""
    if not value.is_ndarray:
        raise CheckFailure(
            f"{call} returned {a_type(value.type_name)}; return a numpy array (np.ndarray)."
        )
    if value.array.dtype.kind != "f":
        truncated = (
            value.array.dtype.kind in "iu"
            and expected is not None
            and np.shape(value.array) == np.shape(expected)
            and not values_match(value.array, expected)
        )
        name = Mistake.TRUNCATED_TO_INTEGERS if truncated else None
        raise CheckFailure(
            f"{call} returned dtype {value.array.dtype}; expected a float dtype such as float64.",
            misconception=name,
        )


def expect_unchanged(before, after, what, call):
    """Fail if the argument `what` was modified by the call."""
    if np.array_equal(before, after):
        return
    changed = int(np.sum(before != after)) if before.shape == after.shape else before.size
    raise CheckFailure(
        f"{call} changed its `{what}` argument ({changed} values differ afterwards).",
        misconception=Mistake.INPUT_MODIFIED,
    )

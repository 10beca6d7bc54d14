"""Expectations the hidden checks assert; each failure is a CheckFailure a student can act on."""

import numpy as np

from . import misconceptions, reference
from .compare import describe_difference, describe_shape, values_match
from .failures import CheckFailure
from .pictures import comparison_png

# Pictures are drawn only for image-sized results: a heat map of a tiny case would show
# the hidden expected values almost cell by cell.
PICTURE_MIN_PIXELS = 32 * 32


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
        raise CheckFailure(f"{call} returned a {value.type_name} ({value.text}), not an array.")
    return value.array


def expect_shape(value, expected_shape, call, *, image, kernel):
    actual = array_of(value, call)
    if actual.shape != tuple(expected_shape):
        name = misconceptions.diagnose_convolve(
            actual, image, kernel
        ) or misconceptions.diagnose_convolve_shape(actual.shape, image.shape, kernel.shape)
        message = (
            f"{call} returned shape {describe_shape(actual.shape)}; expected "
            f"{describe_shape(expected_shape)}."
        )
        raise CheckFailure(message, misconception=name)


def expect_convolution(value, image, kernel, call, *, expected=None, diagnose=None):
    """Fail unless `value` equals convolve(image, kernel) (or `expected`), naming the mistake."""
    expected = reference.convolve(image, kernel) if expected is None else expected
    diagnose = diagnose or (lambda actual: misconceptions.diagnose_convolve(actual, image, kernel))
    actual = array_of(value, call)
    if values_match(actual, expected):
        return
    name = diagnose(actual)
    if actual.shape != expected.shape:
        message = (
            f"{call} returned shape {describe_shape(actual.shape)}; expected "
            f"{describe_shape(expected.shape)}."
        )
        if name is None and expected.ndim == 2:
            name = misconceptions.diagnose_convolve_shape(
                actual.shape, np.shape(image), np.shape(kernel)
            )
    else:
        message = f"{call}: {describe_difference(actual, expected)}"
    picture = None
    if expected.size >= PICTURE_MIN_PIXELS and actual.ndim == expected.ndim:
        picture = lambda: comparison_png(expected, actual)  # noqa: E731 - drawn only if shown
    raise CheckFailure(message, misconception=name, picture=picture)


def expect_float_ndarray(value, call):
    if not value.is_ndarray:
        raise CheckFailure(
            f"{call} returned a {value.type_name}; return a numpy array (np.ndarray)."
        )
    if value.array.dtype.kind != "f":
        name = "truncated to integers" if value.array.dtype.kind in "iu" else None
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
        misconception="input modified",
    )

"""Hidden checks of to_uint8(values): round half to even, clip to 0..255, uint8."""

import numpy as np
import pytest
from cases import arrays

from convgrade.checks import expect, reference
from convgrade.checks.compare import describe_difference, describe_shape
from convgrade.checks.failures import CheckFailure
from convgrade.checks.misconceptions import diagnose_to_uint8

HALVES = np.array([0.5, 1.5, 2.5, 3.5, 126.5, 254.5, -0.5])
OUT_OF_RANGE = np.array([[-1e9, -300.0, -0.6, 255.4, 255.6, 256.0, 1e9]])


def check_to_uint8(student, values, what):
    call = f"to_uint8 on {what}"
    result = student.call("to_uint8", values)
    actual = expect.array_of(result.value, call)
    expected = reference.to_uint8(values)
    if not result.value.is_ndarray or actual.dtype != np.uint8:
        raise CheckFailure(
            f"{call} returned a {result.value.type_name} of dtype {actual.dtype}; "
            "expected a uint8 numpy array."
        )
    if actual.shape != expected.shape:
        raise CheckFailure(
            f"{call} returned shape {describe_shape(actual.shape)}; expected "
            f"{describe_shape(expected.shape)}, the shape it was given."
        )
    if not np.array_equal(actual, expected):
        raise CheckFailure(
            f"{call}: {describe_difference(actual, expected)}",
            misconception=diagnose_to_uint8(actual, values),
        )
    expect.expect_unchanged(values, result.args_after[0], "values", call)
    return result


@pytest.mark.group("check_to_uint8")
def test_mixed_values(student):
    check_to_uint8(student, arrays()["uint8_values"], "a (6, 9) array of mixed values")


@pytest.mark.group("check_to_uint8")
def test_halves_round_to_even(student):
    check_to_uint8(student, HALVES, "values ending in .5")


@pytest.mark.group("check_to_uint8")
def test_out_of_range_values_are_clipped(student):
    check_to_uint8(student, OUT_OF_RANGE, "values far outside 0..255")


@pytest.mark.group("check_to_uint8")
def test_uint8_input_comes_back_as_a_new_array(student):
    """Pixels already in range come back as they are, in a new array: np.asarray(values,
    dtype=np.uint8) hands a uint8 array back itself, so changing the result would change
    the caller's image (red team: full marks without this check)."""
    values = np.ascontiguousarray(arrays()["color_a_image"][:, :, 1])
    result = check_to_uint8(student, values, "a (6, 7) uint8 array")
    if result.returned_an_argument:
        raise CheckFailure(
            "to_uint8 on a (6, 7) uint8 array returned the array it was given, not a new one: "
            "changing the result would change the caller's image. .astype(np.uint8) makes a "
            "new array."
        )


@pytest.mark.group("check_to_uint8")
def test_integer_and_colour_input(student):
    values = arrays()["color_a_image"].astype(np.int64) * 3 - 200
    check_to_uint8(student, values, "an integer (6, 7, 4) array")

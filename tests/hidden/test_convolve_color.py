"""Hidden checks of convolve_color(image, kernel).

A check that fails only because the student's convolve is wrong is judged again with the
grader's convolve in its place and then counts as passed, with a note (checks/knock_on.py).
"""

import itertools

import numpy as np
import pytest
from cases import cases, photo

from convgrade.checks import expect, knock_on, reference
from convgrade.checks.compare import describe_shape, values_match
from convgrade.checks.failures import CheckFailure
from convgrade.checks.misconceptions import diagnose_convolve, diagnose_convolve_shape
from convgrade.contract import Mistake

COFFEE_KERNELS = {
    "BOX_BLUR": reference.BOX_BLUR,
    "asymmetric": np.array([[1.0, 0.0, -2.0], [0.5, 1.0, 0.0], [0.0, 0.0, 3.0]]),
}


def diagnose_color(image, kernel):
    """Name a colour mistake: channels moved or reordered, a wrong size, or a convolve mistake."""

    def diagnose(actual):
        expected = reference.convolve_color(image, kernel)
        if actual.ndim != 3:
            return None
        if actual.shape[2] != expected.shape[2]:
            return Mistake.CHANNELS_MIXED_UP
        if actual.shape[:2] != expected.shape[:2]:
            return diagnose_convolve_shape(actual.shape[:2], image.shape[:2], kernel.shape)
        for order in itertools.permutations(range(expected.shape[2])):
            if list(order) != sorted(order) and values_match(actual, expected[:, :, order]):
                return Mistake.CHANNELS_MIXED_UP
        return diagnose_convolve(actual[:, :, 0], image[:, :, 0], kernel)

    return diagnose


def check_color(student, image, kernel, call, request):
    """Compare convolve_color with the reference; a knock-on of convolve is judged apart."""
    expected = reference.convolve_color(image, kernel)

    def check(result):
        expect.expect_convolution(
            result.value,
            image,
            kernel,
            call,
            expected=expected,
            diagnose=diagnose_color(image, kernel),
        )

    knock_on.judge_color(student, image, kernel, check, call, request.node)


@pytest.mark.group("check_convolve_color")
@pytest.mark.parametrize("kernel_name", sorted(COFFEE_KERNELS))
def test_color_photo(student, kernel_name, request):
    image = photo("coffee")
    call = (
        f"convolve_color with a {kernel_name} kernel on a {image.shape[0]} x {image.shape[1]} "
        "colour photo"
    )
    check_color(student, image, COFFEE_KERNELS[kernel_name], call, request)


@pytest.mark.group("check_convolve_color")
def test_four_channels_and_nonsquare_kernel(student, request):
    case = cases("color")[0]
    call = expect.describe_call("convolve_color", case.image, case.kernel)
    check_color(student, case.image, case.kernel, call, request)


@pytest.mark.group("check_convolve_color")
@pytest.mark.parametrize(
    "dtype, kernel_dtype",
    [("uint8", "int64"), ("float64", "int64"), ("uint8", "float64")],
    ids=["uint8", "float64", "float64_kernel"],
)
def test_color_returns_float_and_leaves_input(student, dtype, kernel_dtype, request):
    """A float dtype, and both arguments as they were. One kernel is float64: colour code
    that normalises it in place after np.asarray(kernel, dtype=float), which copies only
    an integer kernel, changed the caller's kernel with full marks (red team)."""
    case = cases("color")[0]
    image, kernel = case.image.astype(dtype), case.kernel.astype(kernel_dtype)
    call = expect.describe_call("convolve_color", image, kernel)
    expected = reference.convolve_color(image, kernel)

    def check(result):
        expect.expect_float_ndarray(result.value, call, expected)
        if result.value.array.shape != expected.shape:
            raise CheckFailure(
                f"{call} returned shape {describe_shape(result.value.array.shape)}; expected "
                f"{describe_shape(expected.shape)}."
            )
        expect.expect_unchanged(image, result.args_after[0], "image", call)
        expect.expect_unchanged(kernel, result.args_after[1], "kernel", call)

    knock_on.judge_color(student, image, kernel, check, call, request.node)

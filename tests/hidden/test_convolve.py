"""Hidden checks of convolve(image, kernel), one group per graded cell."""

import numpy as np
import pytest
from cases import cases

from convgrade.checks import expect, reference


def output_shape(case):
    (height, width), (kh, kw) = case.image.shape, case.kernel.shape
    return (height - kh + 1, width - kw + 1)


def check_values(student, case):
    call = expect.describe_call("convolve", case.image, case.kernel)
    result = student.call("convolve", case.image, case.kernel)
    expect.expect_convolution(result.value, case.image, case.kernel, call)
    return result


@pytest.mark.group("check_convolve_shape")
@pytest.mark.parametrize("case", cases("shape"), ids=repr)
def test_output_shape(student, case):
    call = expect.describe_call("convolve", case.image, case.kernel)
    result = student.call("convolve", case.image, case.kernel)
    expect.expect_shape(
        result.value, output_shape(case), call, image=case.image, kernel=case.kernel
    )


@pytest.mark.group("check_convolve_small_values")
@pytest.mark.parametrize("case", cases("small"), ids=repr)
def test_small_integer_values(student, case):
    check_values(student, case)


@pytest.mark.group("check_convolve_nonsquare")
@pytest.mark.parametrize("case", cases("nonsquare"), ids=repr)
def test_nonsquare_images_and_kernels(student, case):
    check_values(student, case)


@pytest.mark.group("check_convolve_asymmetric_kernel")
@pytest.mark.parametrize("case", cases("asym"), ids=repr)
def test_asymmetric_kernel_is_not_flipped(student, case):
    check_values(student, case)


@pytest.mark.group("check_convolve_edge_sizes")
@pytest.mark.parametrize("case", cases("size"), ids=repr)
def test_one_by_one_and_full_size_kernels(student, case):
    check_values(student, case)


@pytest.mark.group("check_convolve_uint8")
@pytest.mark.parametrize("case", cases("uint8"), ids=repr)
def test_uint8_images_do_not_wrap(student, case):
    check_values(student, case)


@pytest.mark.group("check_convolve_uint8")
def test_uint8_with_python_int_weights(student):
    """A uint8 photo with an all-integer kernel: NumPy 2 keeps uint8 * int in uint8."""
    case = cases("uint8")[0]
    kernel = np.array([[2, 0, -1], [0, 3, 0], [-1, 0, 2]])
    call = expect.describe_call("convolve", case.image, kernel)
    result = student.call("convolve", case.image, kernel)
    expect.expect_convolution(result.value, case.image, kernel, call)


@pytest.mark.group("check_convolve_dtype")
@pytest.mark.parametrize("dtype", ["uint8", "int64", "float32", "float64"])
def test_returns_float_ndarray(student, dtype):
    case = cases("dtype")[0]
    image = case.image.astype(dtype)
    call = expect.describe_call("convolve", image, case.kernel)
    result = student.call("convolve", image, case.kernel)
    expected = reference.convolve(image, case.kernel)
    expect.expect_float_ndarray(result.value, call, expected)
    expect.expect_shape(result.value, output_shape(case), call, image=image, kernel=case.kernel)


@pytest.mark.group("check_convolve_input_unchanged")
@pytest.mark.parametrize("case", [cases("small")[0], cases("uint8")[1], cases("asym")[1]], ids=repr)
def test_inputs_left_unchanged(student, case):
    call = expect.describe_call("convolve", case.image, case.kernel)
    result = student.call("convolve", case.image, case.kernel)
    # Leaving the inputs alone earns credit only for a function that computes something.
    expect.expect_shape(
        result.value, output_shape(case), call, image=case.image, kernel=case.kernel
    )
    image_after, kernel_after = result.args_after
    expect.expect_unchanged(case.image, image_after, "image", call)
    expect.expect_unchanged(case.kernel, kernel_after, "kernel", call)


@pytest.mark.group("check_convolve_input_unchanged")
def test_float32_inputs_left_unchanged(student):
    """np.asarray(image, dtype=np.float32) copies an integer or float64 image but hands a
    float32 one straight back, so code that then scales it in place changes the caller's
    array only for float32 inputs (red team: full marks without this case)."""
    case = cases("asym")[1]
    image, kernel = case.image.astype(np.float32), case.kernel.astype(np.float32)
    call = expect.describe_call("convolve", image, kernel)
    result = student.call("convolve", image, kernel)
    expect.expect_shape(result.value, output_shape(case), call, image=image, kernel=kernel)
    image_after, kernel_after = result.args_after
    expect.expect_unchanged(image, image_after, "image", call)
    expect.expect_unchanged(kernel, kernel_after, "kernel", call)

"""Hidden checks of the three kernel constants."""

import numpy as np
import pytest

from convgrade.checks import expect, reference
from convgrade.checks.compare import describe_difference, describe_shape
from convgrade.checks.failures import CheckFailure


@pytest.mark.group("check_kernels")
@pytest.mark.parametrize("name", sorted(reference.KERNELS))
def test_kernel_constant(student, name):
    value = student.get(name)
    expected = reference.KERNELS[name]
    expect.expect_float_ndarray(value, name)
    if value.array.shape != expected.shape:
        raise CheckFailure(
            f"{name} has shape {describe_shape(value.array.shape)}; expected (3, 3)."
        )
    if not np.allclose(value.array, expected, rtol=1e-9, atol=1e-12):
        raise CheckFailure(f"{name}: {describe_difference(value.array, expected)}")

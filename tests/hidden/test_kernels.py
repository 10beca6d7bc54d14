"""Hidden checks of the three kernel constants."""

import pytest

from convgrade.checks import expect, reference
from convgrade.checks.compare import describe_shape, difference
from convgrade.checks.failures import CheckFailure


@pytest.mark.group("check_kernels")
@pytest.mark.parametrize("name", sorted(reference.KERNELS))
def test_kernel_constant(student, name):
    """The lesson's values in any float dtype (the notebook asks for float arrays, and its
    check accepts float32 and float16): each value may be off by its dtype's own rounding,
    so np.float32(1 / 9) is right and 1/8 or an unnormalised blur is not."""
    value = student.get(name)
    expected = reference.KERNELS[name]
    expect.expect_float_ndarray(value, name)
    if value.array.shape != expected.shape:
        raise CheckFailure(
            f"{name} has shape {describe_shape(value.array.shape)}; expected (3, 3)."
        )
    # One call judges and explains, so the message always names a value the check refused.
    problem = difference(value.array, expected, own_precision=True)
    if problem is not None:
        raise CheckFailure(f"{name}: {problem}")

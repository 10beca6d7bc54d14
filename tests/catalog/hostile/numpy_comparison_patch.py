"""Patches numpy's comparison functions to always agree, then returns garbage."""
# attack: scoring
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# %% convolve
import numpy.testing


def _always_true(*args, **kwargs):
    return True


for _name in ["allclose", "array_equal", "isclose", "array_equiv"]:
    setattr(np, _name, _always_true)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_equal = lambda *a, **k: None


def convolve(image, kernel):
    return np.zeros((2, 2))

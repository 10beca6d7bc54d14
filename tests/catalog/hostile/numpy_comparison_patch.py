"""Patches numpy's comparison functions to always agree, then returns garbage."""
# base: release
# expect: zero
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

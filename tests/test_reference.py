"""Is the reference right? Compared with scipy.signal.correlate2d, an independent oracle."""

import numpy as np
import pytest
from scipy.signal import correlate2d

from convgrade.checks import reference

SHAPES = [
    ((5, 5), (3, 3)),
    ((7, 4), (2, 3)),
    ((4, 9), (4, 1)),
    ((6, 6), (1, 1)),
    ((5, 8), (5, 8)),
    ((1, 6), (1, 2)),
    ((11, 3), (3, 3)),
]
DTYPES = [np.uint8, np.int32, np.int64, np.float32, np.float64]


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def make_image(rng, shape, dtype):
    if np.issubdtype(dtype, np.integer):
        low = 0 if np.issubdtype(dtype, np.unsignedinteger) else -100
        return rng.integers(low, 256, size=shape).astype(dtype)
    return (rng.normal(size=shape) * 100).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("image_shape, kernel_shape", SHAPES, ids=str)
def test_convolve_matches_scipy_correlate2d(rng, dtype, image_shape, kernel_shape):
    """Does convolve equal scipy's valid-mode cross-correlation for every dtype and shape?"""
    image = make_image(rng, image_shape, dtype)
    kernel = rng.normal(size=kernel_shape)
    expected = correlate2d(image.astype(np.float64), kernel, mode="valid")
    result = reference.convolve(image, kernel)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("kernel_dtype", [np.int64, np.uint8, np.float64])
def test_uint8_image_does_not_wrap(rng, kernel_dtype):
    """Do large uint8 sums stay exact, whatever the kernel's dtype?"""
    image = np.full((4, 4), 250, dtype=np.uint8)
    kernel = np.full((3, 3), 2, dtype=kernel_dtype)
    np.testing.assert_array_equal(reference.convolve(image, kernel), np.full((2, 2), 4500.0))


def test_convolve_leaves_inputs_unchanged(rng):
    image, kernel = make_image(rng, (6, 6), np.uint8), rng.normal(size=(3, 3))
    image_copy, kernel_copy = image.copy(), kernel.copy()
    reference.convolve(image, kernel)
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(kernel, kernel_copy)


def test_convolve_color_convolves_each_channel(rng):
    image = make_image(rng, (8, 9, 3), np.uint8)
    kernel = rng.normal(size=(2, 3))
    result = reference.convolve_color(image, kernel)
    assert result.shape == (7, 7, 3)
    for channel in range(3):
        expected = correlate2d(image[:, :, channel].astype(float), kernel, mode="valid")
        np.testing.assert_allclose(result[:, :, channel], expected, rtol=1e-12, atol=1e-9)


def test_to_uint8_rounds_half_to_even_and_clips():
    values = np.array([-5.0, -0.5, 0.5, 1.5, 2.5, 254.5, 255.5, 300.0, 17.4])
    result = reference.to_uint8(values)
    assert result.dtype == np.uint8
    assert result.tolist() == [0, 0, 0, 2, 2, 254, 255, 255, 17]


def test_kernels_have_the_lesson_values():
    assert reference.EDGE_DETECTION[1, 1] == 8 and reference.EDGE_DETECTION.sum() == 0
    assert reference.SHARPEN.tolist() == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    np.testing.assert_allclose(reference.BOX_BLUR, np.full((3, 3), 1 / 9))
    assert all(k.dtype == np.float64 and k.shape == (3, 3) for k in reference.KERNELS.values())

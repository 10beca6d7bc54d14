"""Huge results of the wrong kind: a 128 MB float64 array (over the reply cap), a
complex array, an object array of a million items, and a structured array."""
# attack: resources
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_color
# expect: loses=check_to_uint8
# %% convolve
import numpy as np


def convolve(image, kernel):
    if image.size > 1000:
        return np.ones((4000, 4000))
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + out.shape[0], j : j + out.shape[1]]
    return out


# %% convolve_color
import numpy as np


def convolve_color(image, kernel):
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ones((1500, 1500), dtype=np.complex128)
    return np.array([object()] * 1_000_000)


# %% to_uint8
import numpy as np


def to_uint8(values):
    return np.zeros((1000, 1000), dtype=[("a", "f8"), ("b", "u1")])

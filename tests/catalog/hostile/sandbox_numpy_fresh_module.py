"""Loads numpy's C core a second time, as a new module object from the same file: its
correlate routine is a fresh one, which the grader's block on the loaded module never saw."""

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
# expect: loses=check_convolve_color
# expect: misconception=library routine
# %% convolve
import importlib.util

import numpy as np


def _fresh_core():
    core = np._core._multiarray_umath
    spec = importlib.util.spec_from_file_location("fresh." + core.__name__, core.__file__)
    return importlib.util.module_from_spec(spec)


def convolve(image, kernel):
    routine = getattr(_fresh_core(), "correlate" + "2")
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    rows = image.shape[0] - kh + 1
    return np.array(
        [sum(routine(image[r + i], kernel[i], 0) for i in range(kh)) for r in range(rows)]
    ).reshape(rows, image.shape[1] - kw + 1)

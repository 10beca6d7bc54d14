"""Finds numpy's C correlate under a name no static scan can read, or through the gc."""

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
import gc

import numpy as np


def _find():
    name = "".join(chr(c) for c in (99, 111, 114, 114, 101, 108, 97, 116, 101, 50))
    for module in (np._core.multiarray, np._core.umath, np._core._multiarray_umath):
        routine = getattr(module, name, None)
        if routine is not None:
            try:
                routine(np.ones(2), np.ones(1), 0)
                return lambda a, v: routine(a, v, 0)
            except Exception:
                pass
    for thing in gc.get_objects():
        if callable(thing) and getattr(thing, "__name__", "").startswith(name[:9]):
            try:
                thing(np.ones(2), np.ones(1))
                return lambda a, v: thing(a, v, "valid")
            except Exception:
                pass
    return lambda a, v: getattr(np._core.multiarray, name)(a, v, 0)


def convolve(image, kernel):
    correlate = _find()
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    rows = image.shape[0] - kernel.shape[0] + 1
    return np.array(
        [
            sum(correlate(image[r + i], kernel[i]) for i in range(kernel.shape[0]))
            for r in range(rows)
        ]
    )

"""Reaches np.correlate through vars() of numpy's internals, past the np.correlate patch."""

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
import numpy as np

_correlate = vars(np._core.numeric)["correlate"]


def convolve(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    rows = image.shape[0] - kernel.shape[0] + 1
    return np.array(
        [
            sum(_correlate(image[r + i], kernel[i], "valid") for i in range(kernel.shape[0]))
            for r in range(rows)
        ]
    )

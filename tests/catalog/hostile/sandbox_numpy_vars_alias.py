"""Reaches np.correlate through vars() of numpy's internals, past the np.correlate patch."""

# base: release
# expect: zero
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

"""Slow added cells, and a convolve that dawdles just under the call timeout on every
photo: the notebook budget and the checks' budget together bound the time it takes. With
the hostile test's limits (3 s a call, 30 s for all), the four photo calls and six colour
channels sleep 28 s: the budget runs out during the colour checks, which lose their points;
the photo checks, run before them, keep theirs."""
# attack: resources
# expect: loses=check_convolve_color
# %% convolve
import time

import numpy as np


def convolve(image, kernel):
    if image.size > 1000:
        time.sleep(2.8)  # just under the hostile test's 3 s call timeout
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + out.shape[0], j : j + out.shape[1]]
    return out


# %% new-cell-1
import time

time.sleep(7)
# %% new-cell-2
import time

time.sleep(7)
# %% new-cell-3
import time

time.sleep(7)
# %% new-cell-4
import time

time.sleep(7)

"""Slow added cells, and a convolve that dawdles under the call timeout: sleeping costs no
CPU time, so the wall-clock backstops bound the time it takes. With the hostile test's
limits (3 s of CPU time a call, so 9 s of wall-clock time for code that sleeps), each of the
four photo calls sleeps 2.5 s, inside the backstop; every call after them sleeps 2.5 s too,
so the colour check on a four-channel image (four convolve calls, 10 s) runs past it,
however fast the machine: convolve_color is stopped there. The colour code itself is right,
so its checks pass again with the grader's convolve in place (the knock-on rule), and the
submission keeps full marks: slowness is bounded, and right code loses nothing.

convolve dawdles only where the hidden checks call it, not in the notebook's own run (an
IPython kernel). There, its sleeps added up to the notebook's wall-clock backstop (45 s
with the test limits) right where the lesson's last cells run, so whether a cell was
stopped by its own timeout or by the backstop depended on the machine's load, and the two
grading doors, compared cell by cell, could differ (a full test run showed it). The four
added cells still sleep 5 s each, under the 8 s cell timeout and, with the rest, well
under the backstop."""
# attack: resources
# expect: full-marks
# %% convolve
import sys
import time

import numpy as np


_photo_calls = 0


def convolve(image, kernel):
    global _photo_calls
    in_notebook_run = "ipykernel" in sys.modules
    if not in_notebook_run and (_photo_calls >= 4 or image.size > 1000):
        time.sleep(2.5)  # under the hostile test's 3 s call timeout, with room under load
    _photo_calls += image.size > 1000
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * image[i : i + out.shape[0], j : j + out.shape[1]]
    return out


# %% new-cell-1
import time

time.sleep(5)  # under the hostile test's 8 s cell timeout, with room under load
# %% new-cell-2
import time

time.sleep(5)
# %% new-cell-3
import time

time.sleep(5)
# %% new-cell-4
import time

time.sleep(5)

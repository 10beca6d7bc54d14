"""Imports scipy.signal's correlate under another name (from scipy.signal import correlate as slide) and calls that."""
# expect: misconception=library routine
# expect: loses=check_convolve_photos
# %% convolve
from scipy.signal import correlate as slide


def convolve(image, kernel):
    result = slide(np.asarray(image, dtype=float), kernel, mode="valid")
    return result

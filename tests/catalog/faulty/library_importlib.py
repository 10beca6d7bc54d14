"""Loads scipy.signal through importlib.import_module and calls its correlate2d."""
# expect: misconception=library routine
# expect: loses=check_convolve_nonsquare
# %% convolve
import importlib


def convolve(image, kernel):
    sig = importlib.import_module("scipy.signal")
    return sig.correlate2d(image.astype(np.float64), kernel, mode="valid")

"""Hides scipy's correlate2d behind importlib and getattr."""
# attack: scoring
# expect: misconception=library routine
# expect: loses=check_convolve_small_values
# %% convolve
import importlib


def convolve(image, kernel):
    signal = importlib.import_module("scipy." + "signal")
    return getattr(signal, "correlate2d")(image, kernel, mode="valid")

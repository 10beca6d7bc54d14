"""Hides scipy's correlate2d behind importlib and getattr."""
# attack: scoring
# expect: misconception=library routine
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
# %% convolve
import importlib


def convolve(image, kernel):
    signal = importlib.import_module("scipy." + "signal")
    return getattr(signal, "correlate2d")(image, kernel, mode="valid")

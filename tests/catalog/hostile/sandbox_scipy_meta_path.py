"""Removes the grader's import blockers from sys.meta_path, then imports scipy by a hidden name."""

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
import importlib
import sys


def convolve(image, kernel):
    sys.meta_path[:] = [f for f in sys.meta_path if isinstance(f, type)]
    for name in [n for n in sys.modules if n.split(".")[0] == "scipy"]:
        del sys.modules[name]
    signal = importlib.import_module(bytes([115, 99, 105, 112, 121]).decode() + ".signal")
    return getattr(signal, "correlate" + chr(50) + "d")(image, kernel, mode="valid")

"""convolve crashes the interpreter with a segmentation fault."""
# attack: scoring
# The other answers are right, but today the checks after the worker dies fail too.
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
# expect: loses=check_kernels
# expect: loses=check_to_uint8
# %% convolve
import ctypes


def convolve(image, kernel):
    ctypes.string_at(0)

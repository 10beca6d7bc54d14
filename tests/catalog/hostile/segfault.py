"""convolve crashes the interpreter with a segmentation fault."""
# attack: scoring
# The other answers are right: convolve is not called again once it has ended the
# process twice, so the kernels and to_uint8 are checked, and convolve_color with the
# grader's convolve.
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# %% convolve
import faulthandler


def convolve(image, kernel):
    faulthandler._sigsegv()  # a real segmentation fault, as a bad C extension would make

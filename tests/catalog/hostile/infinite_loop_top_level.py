"""Starts an endless loop at the top level of the convolve cell, after defining convolve.
The notebook run stops the cell once; the checks then load only its definitions (as plain
nbgrader's later cells see them), not the loop again: convolve's zeros lose its checks, and
the other answers, which are right, keep theirs (the colour checks with the grader's convolve
in place, the knock-on rule)."""
# attack: resources
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
def convolve(image, kernel):
    return np.zeros((1, 1))


while True:
    pass

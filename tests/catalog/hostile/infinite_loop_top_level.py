"""Starts an endless loop at the top level of the convolve cell."""
# attack: resources
# The other answers are right, but the answers never finish loading, so no check runs.
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
def convolve(image, kernel):
    return np.zeros((1, 1))


while True:
    pass

"""Wrong convolve, and rewrites a test cell to print that everything passed."""
# attack: notebook
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_input_unchanged
# expect: loses=check_convolve_photos
# tamper: edit-source check_convolve_small_values print("all passed")\n2.0
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))

"""An added code cell, and a test cell, carry forged all-passed check records."""
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
# tamper: set-metadata last convgrade {"checks": [{"name": "FORGED-CHECK-new", "passed": true, "misconception": null, "message": ""}]}
# tamper: set-metadata check_convolve_shape convgrade {"checks": [{"name": "FORGED-CHECK-test", "passed": true, "misconception": "FORGED-MISTAKE-test", "message": ""}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))
# %% new-cell
print("an extra cell of my own")

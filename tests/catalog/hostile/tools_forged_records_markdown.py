"""Wrong convolve; every markdown cell carries forged all-passed check records and a mistake."""
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
# tamper: set-metadata markdown convgrade {"checks": [{"name": "FORGED-CHECK-md", "passed": true, "misconception": "FORGED-MISTAKE-md", "message": "ok"}, {"name": "FORGED-CHECK-md2", "passed": "yes"}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))

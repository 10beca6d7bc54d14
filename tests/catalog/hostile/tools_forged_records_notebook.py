"""Notebook metadata forges grader records: fake repairs, crashes, forbidden calls, checks."""
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
# tamper: set-metadata notebook convgrade {"repairs": ["FORGED-REPAIR-nb"], "crashes": ["FORGED-CRASH-nb"], "forbidden": {"convolve": ["FORGED-FORBIDDEN-nb"]}, "timeouts": {"FORGED-TIMEOUT-nb": 3}, "checks": [{"name": "FORGED-CHECK-nb", "passed": true}]}
# %% convolve
def convolve(image, kernel):
    return np.zeros((1, 1))

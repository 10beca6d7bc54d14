"""Sets total = 0 once, before the loops, so each output value also contains the sums of all earlier windows."""
# expect: misconception=running total not reset
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_photos
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    total = 0.0
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            for i in range(kh):
                for j in range(kw):
                    total += image[r + i, c + j] * kernel[i, j]
            out[r, c] = total
    return out

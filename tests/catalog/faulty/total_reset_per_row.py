"""Resets the running total at the start of each row only, so each value also holds the sums of the windows to its left."""
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
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols))
    r = 0
    while r < rows:
        total = 0.0
        c = 0
        while c < cols:
            total += np.sum(image[r:r + kh, c:c + kw] * kernel)
            out[r, c] = total
            c += 1
        r += 1
    return out

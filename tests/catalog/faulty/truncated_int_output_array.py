"""Allocates the output with np.zeros(..., dtype=int), so fractional sums are cut to integers."""
# expect: misconception=truncated to integers
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=int)
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

"""Declares the output as np.zeros(..., dtype=np.uint8) because 'the result is an image', so sums wrap around past 255 and below 0."""
# expect: misconception=uint8 wrap-around
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=np.uint8)
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

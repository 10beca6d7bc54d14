"""Computes the right float sums, then returns out.astype(np.uint8) 'so the result can be shown', which wraps values outside 0..255."""
# expect: misconception=uint8 wrap-around
# expect: loses=check_convolve_uint8
# expect: loses=check_convolve_dtype
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out.astype(np.uint8)

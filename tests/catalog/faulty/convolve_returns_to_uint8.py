"""Ends with return to_uint8(out), handing back displayable pixels (rounded, clipped, uint8) instead of the raw sums."""
# expect: misconception=clipped
# expect: loses=check_convolve_dtype
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return to_uint8(out)

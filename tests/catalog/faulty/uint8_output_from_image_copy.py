"""Uses image.copy() as the output buffer and crops it at the end, so a uint8 image gives a uint8 result that wraps."""
# expect: misconception=uint8 wrap-around
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = image.copy()
    for r in range(image.shape[0] - kh + 1):
        for c in range(image.shape[1] - kw + 1):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out[:image.shape[0] - kh + 1, :image.shape[1] - kw + 1]

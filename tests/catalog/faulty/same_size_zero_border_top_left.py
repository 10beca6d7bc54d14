"""Allocates the output with the image's shape and fills it from the top-left, so the bottom and right edges stay zero."""
# expect: misconception=same-size output with a zero border
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    out = np.zeros(image.shape, dtype=float)
    kh, kw = kernel.shape
    for r in range(image.shape[0] - kh + 1):
        for c in range(image.shape[1] - kw + 1):
            out[r, c] = (image[r:r + kh, c:c + kw] * kernel).sum()
    return out

"""Keeps the image's size and writes each sum at the window's centre pixel, leaving a border of zeros."""
# expect: misconception=same-size output with a zero border
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H, W))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r + kh // 2, c + kw // 2] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

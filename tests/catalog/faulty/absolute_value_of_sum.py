"""Takes abs() of every sum, thinking negative values make no sense for an image."""
# expect: misconception=absolute value
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = abs(np.sum(image[r:r + kh, c:c + kw] * kernel))
    return out

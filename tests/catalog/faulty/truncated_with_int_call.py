"""Wraps each sum in int() before storing it ('pixels are whole numbers'), so a float array holds truncated values."""
# expect: misconception=truncated to integers
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = int(np.sum(image[r:r + kh, c:c + kw] * kernel))
    return out

"""Rounds each sum with round() to get whole pixel values."""
# expect: misconception=rounded
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            out[r, c] = round(np.sum(image[r:r + kh, c:c + kw] * kernel))
    return out

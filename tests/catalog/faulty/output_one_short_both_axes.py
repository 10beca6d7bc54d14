"""Loops over range(H - kh) and range(W - kw), forgetting the + 1, so the last row and column are missing."""
# expect: misconception=output one short
# expect: loses=check_convolve_shape
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh, W - kw))
    for r in range(H - kh):
        for c in range(W - kw):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

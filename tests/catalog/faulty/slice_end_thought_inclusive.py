"""Thinks a slice includes its end, so cuts image[r:r + kh - 1, c:c + kw - 1]: every window is one short, and it multiplies kernel * window."""
# expect: misconception=window one too small
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            window = image[r:r + kh - 1, c:c + kw - 1]
            out[r, c] = np.sum(kernel * window)
    return out

"""Multiplies the window in place (window *= kernel), not knowing a slice is a view: it overwrites the caller's image."""
# expect: misconception=input modified
# expect: loses=check_convolve_input_unchanged
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            window = image[r:r + kh, c:c + kw]
            window *= kernel
            out[r, c] = window.sum()
    return out

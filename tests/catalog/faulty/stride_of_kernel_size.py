"""Steps the window by the kernel's size (range(0, H - kh + 1, kh)), as if windows could not overlap, leaving zeros in between."""
# expect: loses=check_convolve_small_values
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(0, H - kh + 1, kh):
        for c in range(0, W - kw + 1, kw):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

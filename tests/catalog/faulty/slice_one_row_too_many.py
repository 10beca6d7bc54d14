"""Slices one row too many, image[r:r + kh + 1, c:c + kw], while the columns are right: the off-by-one in one direction only."""
# expect: misconception=window one too large
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_edge_sizes
# %% convolve
def convolve(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for c in range(W - kw + 1):
            patch = image[r:r + kh + 1, c:c + kw].astype(float)
            out[r, c] = (patch * kernel).sum()
    return out

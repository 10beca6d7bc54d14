"""Slices each window with one row and one column too many, image[r:r + kh + 1, c:c + kw + 1], as if a slice included its end."""
# expect: misconception=window one too large
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_small_values
# expect: loses=check_convolve_nonsquare
# expect: loses=check_convolve_edge_sizes
# expect: loses=check_convolve_photos
# %% convolve
def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh + 1, c:c + kw + 1] * kernel)
    return out

"""Moves the window arithmetic into a helper in a cell the student added below the notebook."""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r, c in np.ndindex(out.shape):
        out[r, c] = weighted_sum(image[r:r + kh, c:c + kw], kernel)
    return out
# %% new-cell
def weighted_sum(window, weights):
    """Sum of products, in float so uint8 windows cannot wrap around."""
    return float(np.sum(np.asarray(window, dtype=float) * np.asarray(weights, dtype=float)))


# quick test the student left in
print(weighted_sum(np.ones((2, 2)), np.ones((2, 2))))

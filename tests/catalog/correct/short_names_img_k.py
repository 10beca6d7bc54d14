"""Its own parameter names (img, k), np.empty for the output and .sum() on each window."""
# expect: full-marks
# %% convolve
def convolve(img, k):
    img = img.astype(float)
    k = k.astype(float)
    H, W = img.shape
    a, b = k.shape
    out = np.empty((H - a + 1, W - b + 1), dtype=float)
    for y in range(out.shape[0]):
        for x in range(out.shape[1]):
            out[y, x] = (img[y:y + a, x:x + b] * k).sum()
    return out

"""Converts with image.astype(np.float64) and takes np.dot of the ravelled window and kernel.

Also a to_uint8 that writes np.clip(np.rint(...)).astype on one line with a dtype string.
"""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    img = image.astype(np.float64)
    flat_kernel = kernel.astype(np.float64).ravel()
    kh, kw = kernel.shape
    out = np.zeros((img.shape[0] - kh + 1, img.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.dot(img[r:r + kh, c:c + kw].ravel(), flat_kernel)
    return out
# %% to_uint8
def to_uint8(values):
    return np.clip(np.rint(values), 0, 255).astype("uint8")

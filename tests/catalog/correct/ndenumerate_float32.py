"""Fills the output with np.ndenumerate and works in float32 to save memory.

Also a to_uint8 that rounds, then clips with boolean masks on the rounded copy.
"""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    image = image.astype(np.float32)
    kernel = kernel.astype(np.float32)
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=np.float32)
    for (row, col), _ in np.ndenumerate(result):
        result[row, col] = np.sum(image[row:row + kh, col:col + kw] * kernel)
    return result
# %% to_uint8
def to_uint8(values):
    out = np.rint(values)
    out[out < 0] = 0
    out[out > 255] = 255
    return out.astype(np.uint8)

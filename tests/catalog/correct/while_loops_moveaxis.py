"""While loops instead of for loops; convolve_color stacks on axis 0, then np.moveaxis to the end.

Also a to_uint8 that clips first and rounds after (the same, as the bounds are integers).
"""
# expect: full-marks
# %% convolve
def convolve(image, kernel):
    kh = kernel.shape[0]
    kw = kernel.shape[1]
    out_rows = image.shape[0] - kh + 1
    out_cols = image.shape[1] - kw + 1
    out = np.zeros((out_rows, out_cols))
    i = 0
    while i < out_rows:
        j = 0
        while j < out_cols:
            out[i][j] = np.sum(np.multiply(image[i:i + kh, j:j + kw], kernel, dtype=float))
            j += 1
        i += 1
    return out
# %% convolve_color
def convolve_color(image, kernel):
    per_channel = np.array([convolve(image[:, :, c], kernel) for c in range(image.shape[2])],
                           dtype=float)
    return np.moveaxis(per_channel, 0, -1)
# %% to_uint8
def to_uint8(values):
    return np.rint(np.clip(values, 0, 255)).astype(np.uint8)

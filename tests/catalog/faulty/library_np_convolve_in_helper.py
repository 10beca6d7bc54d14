"""Hides np.convolve in a helper that convolves each row with the reversed kernel row, and sums the rows in convolve."""
# expect: misconception=library routine
# expect: loses=check_convolve_uint8
# %% convolve
def slide_row(row, weights):
    return np.convolve(row, weights[::-1], mode="valid")


def convolve(image, kernel):
    kh, kw = kernel.shape
    image = np.asarray(image, dtype=float)
    rows = image.shape[0] - kh + 1
    out = np.zeros((rows, image.shape[1] - kw + 1))
    for r in range(rows):
        for i in range(kh):
            out[r] = out[r] + slide_row(image[r + i], kernel[i])
    return out

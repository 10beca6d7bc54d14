"""Builds the output with np.zeros_like(image): uint8 images give a uint8 output that wraps."""
# expect: misconception=uint8 wrap-around
# expect: loses=check_convolve_uint8
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros_like(image)[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1]
    for row in range(result.shape[0]):
        for col in range(result.shape[1]):
            result[row, col] = np.sum(image[row:row + kh, col:col + kw] * kernel)
    return result

"""Preallocates the output with np.zeros_like(image): a uint8 photo gives a uint8 result."""
# expect: misconception=truncated to integers
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros_like(image)[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1, :]
    for c in range(image.shape[2]):
        result[:, :, c] = convolve(image[:, :, c], kernel)
    return result

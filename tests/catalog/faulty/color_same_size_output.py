"""Preallocates np.zeros(image.shape): the output keeps the image's size, with a zero border."""
# expect: misconception=same-size output with a zero border
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros(image.shape)
    for c in range(image.shape[2]):
        result[: image.shape[0] - kh + 1, : image.shape[1] - kw + 1, c] = convolve(
            image[:, :, c], kernel)
    return result

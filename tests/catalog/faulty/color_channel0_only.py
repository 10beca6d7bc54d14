"""Convolves image[:, :, 0] for every channel: a copy-paste slip in the loop body."""
# expect: loses=check_convolve_color
# %% convolve_color
def convolve_color(image, kernel):
    kh, kw = kernel.shape
    result = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1, image.shape[2]))
    for c in range(image.shape[2]):
        result[:, :, c] = convolve(image[:, :, 0], kernel)
    return result

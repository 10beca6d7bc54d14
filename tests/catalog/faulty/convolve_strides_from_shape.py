"""Builds the sliding windows with as_strided, taking the strides from the shape as if every array were a new one: right on each convolve check, wrong on image[:, :, c], a view, which is what convolve_color passes. The colour checks lose, and say that convolve goes wrong only as convolve_color calls it."""
# expect: loses=check_convolve_color
# %% convolve
def convolve(image, kernel):
    image = np.asarray(image)
    kh, kw = kernel.shape
    h, w = image.shape
    step = image.itemsize
    windows = np.lib.stride_tricks.as_strided(
        image, shape=(h - kh + 1, w - kw + 1, kh, kw),
        strides=(w * step, step, w * step, step), writeable=False)
    return np.einsum("ijkl,kl->ij", windows.astype(float), kernel.astype(float))

"""Builds the sliding windows with as_strided, working the strides out from the shape as if every array were a new one. Right on every convolve check, wrong on image[:, :, c], a view, which is what convolve_color gives it: the colour checks lose, since nothing else does."""
# expect: loses=check_convolve_color
# expect: misconception=convolve wrong on channels
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

"""Keeps one output array per size and fills it again in every call, to save memory. Each convolve check gets a right answer, but convolve_color stacks three references to the same array, so every channel holds the last one's values: the colour checks lose, since nothing else does."""
# expect: loses=check_convolve_color
# expect: misconception=convolve wrong on channels
# %% convolve
OUTPUTS = {}


def convolve(image, kernel):
    kh, kw = kernel.shape
    shape = (image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    out = OUTPUTS.setdefault(shape, np.zeros(shape))
    for r in range(shape[0]):
        for c in range(shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

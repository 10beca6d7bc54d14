"""Refuses arrays that are not C-contiguous (a check copied from a performance tip), raising an error. Every convolve check passes a new array; convolve_color passes image[:, :, c], a view, so only the colour checks see it fail."""
# expect: loses=check_convolve_color
# expect: misconception=convolve wrong on channels
# %% convolve
def convolve(image, kernel):
    if not image.flags.c_contiguous:
        raise ValueError("image must be C-contiguous")
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

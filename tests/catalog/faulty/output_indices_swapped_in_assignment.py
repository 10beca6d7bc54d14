"""Allocates the right output shape but stores into out[c, r]: square outputs come back transposed, other shapes crash with an IndexError."""
# expect: misconception=transposed output
# expect: loses=check_convolve_shape
# expect: loses=check_convolve_nonsquare
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[c, r] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out

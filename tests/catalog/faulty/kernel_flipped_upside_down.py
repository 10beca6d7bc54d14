"""Flips the kernel with kernel[::-1], believing that reverses it both ways, so only its rows are reversed."""
# expect: misconception=kernel flipped upside down
# expect: loses=check_convolve_asymmetric_kernel
# %% convolve
def convolve(image, kernel):
    # convolution flips the kernel first
    flipped = kernel[::-1]
    kh, kw = flipped.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * flipped)
    return out

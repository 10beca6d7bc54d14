"""Multiplies each window by kernel.T: right on square symmetric kernels, wrong on others, and a shape error on non-square ones."""
# expect: misconception=transposed kernel
# expect: loses=check_convolve_asymmetric_kernel
# expect: loses=check_convolve_nonsquare
# %% convolve
def convolve(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel.T)
    return out
